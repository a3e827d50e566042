// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFollowAppends(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			skipWithoutInotify(t, m)
			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			writeFile(t, path, "a\n")
			fl := startFollow(t, path, m.opts)
			appendFile(t, path, "b\nc")
			appendFile(t, path, "\n")
			appendFile(t, path, `{"a":`)
			fl.waitRead(t, path)
			if got, want := fl.rec.events(), []string{"line:a", "line:b", "line:c"}; !slices.Equal(got, want) {
				t.Fatalf("with an incomplete last line read, got %q, want %q", got, want)
			}
			appendFile(t, path, "1}\nend\n")
			fl.waitFor(t, "end", []string{"line:a", "line:b", "line:c", `line:{"a":1}`, "line:end"})
		})
	}
}

// With a poll interval far beyond the test, only inotify can wake us.
func TestFollowWakesOnInotify(t *testing.T) {
	m := mode{"inotify", Options{PollInterval: time.Hour}}
	skipWithoutInotify(t, m)
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	writeFile(t, path, "")
	fl := startFollow(t, path, m.opts)
	appendFile(t, path, "a\n")
	appendFile(t, path, "end\n")
	fl.waitFor(t, "end", []string{"line:a", "line:end"})
}

func TestFollowEmptyLinesAndCRLF(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			skipWithoutInotify(t, m)
			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			writeFile(t, path, "")
			fl := startFollow(t, path, m.opts)
			appendFile(t, path, "a\r\n\r\n\nb\nend\n")
			fl.waitFor(t, "end", []string{"line:a", "line:", "line:", "line:b", "line:end"})
		})
	}
}

func TestFollowOversizedLine(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			skipWithoutInotify(t, m)
			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			writeFile(t, path, "before\n")
			opts := m.opts
			opts.MaxLineSize = 100
			opts.BufferSize = 64
			fl := startFollow(t, path, opts)
			for range 10 {
				appendFile(t, path, strings.Repeat("x", 1000))
			}
			appendFile(t, path, "\ngood\nend\n")
			fl.waitFor(t, "end", []string{"line:before", "toolong:10000", "line:good", "line:end"})
		})
	}
}

func TestFollowTruncation(t *testing.T) {
	old := text("old", 5) // 25 bytes
	tests := []struct {
		name    string
		rewrite func(t *testing.T, path string)
		want    []string
	}{
		{
			name: "truncate to zero then shorter content",
			rewrite: func(t *testing.T, path string) {
				if err := os.Truncate(path, 0); err != nil {
					t.Fatal(err)
				}
				appendFile(t, path, "new0\n")
			},
			want: []string{"line:new0"},
		},
		{
			name: "rewritten longer than before",
			rewrite: func(t *testing.T, path string) {
				writeFile(t, path, text("rewritten-", 10))
			},
			want: lines("rewritten-", 10),
		},
	}
	for _, m := range modes() {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				skipWithoutInotify(t, m)
				path := filepath.Join(t.TempDir(), "metrics.jsonl")
				writeFile(t, path, old)
				fl := startFollow(t, path, m.opts)
				eventually(t, "old lines", func() bool { return len(fl.rec.events()) == 5 })
				tt.rewrite(t, path)
				appendFile(t, path, "end\n")
				want := append(lines("old", 5), "reset:truncated")
				want = append(want, tt.want...)
				fl.waitFor(t, "end", append(want, "line:end"))
			})
		}
	}
}

func TestFollowRotation(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name+"/rename and create", func(t *testing.T) {
			skipWithoutInotify(t, m)
			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			writer, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer writer.Close()
			writer.WriteString("a0\na1\n")
			fl := startFollow(t, path, m.opts)
			eventually(t, "first lines", func() bool { return len(fl.rec.events()) == 2 })

			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			// The writer has not reopened yet: this line lands in the old file.
			writer.WriteString("a2\n")
			writeFile(t, path, "b0\nend\n")
			fl.waitFor(t, "end", []string{"line:a0", "line:a1", "line:a2", "reset:rotated", "line:b0", "line:end"})
		})
		t.Run(m.name+"/copytruncate", func(t *testing.T) {
			skipWithoutInotify(t, m)
			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			writeFile(t, path, text("a", 3))
			fl := startFollow(t, path, m.opts)
			eventually(t, "first lines", func() bool { return len(fl.rec.events()) == 3 })

			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, path+".1", string(data))
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
			appendFile(t, path, "b0\nend\n")
			fl.waitFor(t, "end", append(lines("a", 3), "reset:truncated", "line:b0", "line:end"))
		})
	}
}

func TestFollowDeletion(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			skipWithoutInotify(t, m)
			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			writeFile(t, path, "a\n")
			fl := startFollow(t, path, m.opts)
			eventually(t, "first line", func() bool { return fl.rec.has("line:a") })
			// Written just before deletion: must still be delivered.
			appendFile(t, path, "b\nc\n")
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := fl.result(t); !errors.Is(err, ErrDeleted) {
				t.Fatalf("Follow returned %v, want ErrDeleted", err)
			}
			if got, want := fl.rec.events(), []string{"line:a", "line:b", "line:c"}; !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

func TestFollowStats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	writeFile(t, path, "abc\n")
	fl := startFollow(t, path, Options{Poll: true, PollInterval: 10 * time.Millisecond})
	fl.waitRead(t, path)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "de\n")
	eventually(t, "line de", func() bool { return fl.rec.has("line:de") })
	if got := fl.stats.BytesRead.Load(); got != 7 {
		t.Errorf("BytesRead = %d, want 7 (4 + 3 after truncation)", got)
	}
	if got := fl.stats.Offset.Load(); got != 3 {
		t.Errorf("Offset = %d, want 3", got)
	}
	eventually(t, "Size 3", func() bool { return fl.stats.Size.Load() == 3 })
}
