// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReadOnce: a file read once is cut as Follow cuts it, and a last
// line without newline is held back and measured, except in a ".gz".
func TestReadOnce(t *testing.T) {
	long := strings.Repeat("x", 40)
	tests := []struct {
		name           string
		file           string
		content        []byte
		want           []string
		wantUnfinished int64
	}{
		{"complete", "m.jsonl", []byte("a\r\nb\n\nc\n"), []string{"line:a", "line:b", "line:", "line:c"}, 0},
		{"unfinished last line", "m.jsonl", []byte("a\n{\"step\":1"), []string{"line:a"}, 9},
		{"long lines", "m.jsonl", []byte("a\n" + long + "\nb\n" + long), []string{"line:a", "toolong:40", "line:b"}, 40},
		{"empty", "m.jsonl", nil, nil, 0},
		{"gzip, last line without newline", "m.jsonl.gz", gzipMember(t, "a\nb"), []string{"line:a", "line:b"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, tt.content, 0o644); err != nil {
				t.Fatal(err)
			}
			var rec recorder
			stats := new(Stats)
			unfinished, err := ReadOnce(context.Background(), path, Options{MaxLineSize: 32, BufferSize: 16, Stats: stats}, &rec)
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.events(); !slices.Equal(got, tt.want) || unfinished != tt.wantUnfinished {
				t.Errorf("got %q, unfinished %d; want %q, %d", got, unfinished, tt.want, tt.wantUnfinished)
			}
			if stats.BytesRead.Load() != int64(len(tt.content)) {
				t.Errorf("read %d bytes of %d", stats.BytesRead.Load(), len(tt.content))
			}
		})
	}
	if _, err := ReadOnce(context.Background(), filepath.Join(t.TempDir(), "missing.jsonl"), Options{}, &recorder{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadFrom: a file entered at a line's start is cut from there as
// ReadOnce cuts it, and counts only what it read.
func TestReadFrom(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	content := "first\nsecond\r\nthird\nunfin"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	stats := new(Stats)
	unfinished, err := ReadFrom(context.Background(), path, int64(len("first\n")), Options{BufferSize: 4, Stats: stats}, &rec)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.events(), []string{"line:second", "line:third"}; !slices.Equal(got, want) || unfinished != 5 {
		t.Errorf("got %q, unfinished %d; want %q, 5", got, unfinished, want)
	}
	if got, want := stats.BytesRead.Load(), int64(len(content)-len("first\n")); got != want {
		t.Errorf("read %d bytes, want %d", got, want)
	}
}
