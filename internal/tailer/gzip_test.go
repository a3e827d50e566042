// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func gzipMember(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFollowGzip(t *testing.T) {
	tests := []struct {
		name    string
		content func(t *testing.T) []byte
		want    []string
		wantErr bool
	}{
		{
			name:    "one member",
			content: func(t *testing.T) []byte { return gzipMember(t, "a\nb\n") },
			want:    []string{"line:a", "line:b"},
		},
		{
			name: "several members",
			content: func(t *testing.T) []byte {
				return append(gzipMember(t, "a\nb"), gzipMember(t, "c\nd\n")...)
			},
			want: []string{"line:a", "line:bc", "line:d"},
		},
		{
			name:    "last line without newline",
			content: func(t *testing.T) []byte { return gzipMember(t, "a\r\nlast") },
			want:    []string{"line:a", "line:last"},
		},
		{
			name:    "empty file",
			content: func(*testing.T) []byte { return nil },
		},
		{
			name: "corrupt data after good member",
			content: func(t *testing.T) []byte {
				return append(gzipMember(t, "a\nb\n"), []byte("this is not gzip data at all")...)
			},
			want:    []string{"line:a", "line:b"},
			wantErr: true,
		},
		{
			name: "cut off mid-stream",
			content: func(t *testing.T) []byte {
				z := gzipMember(t, "a\nb\n")
				return z[:len(z)-4]
			},
			want:    []string{"line:a", "line:b"},
			wantErr: true,
		},
		{
			name:    "not gzip at all",
			content: func(*testing.T) []byte { return []byte("{\"plain\":1}\n") },
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "metrics.jsonl.gz")
			data := tt.content(t)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			// An archive of a finished run: read at once.
			old := time.Now().Add(-time.Hour)
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			stats := new(Stats)
			err := Follow(context.Background(), path, Options{Stats: stats}, rec)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Follow returned %v, want error: %v", err, tt.wantErr)
			}
			if got := rec.events(); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if !tt.wantErr && stats.Offset.Load() != int64(len(data)) {
				t.Errorf("Offset = %d, want all %d compressed bytes", stats.Offset.Load(), len(data))
			}
		})
	}
}

// TestGzipReadWhenWritten: an archive still being written is read once it
// holds still for one look, whole; one written long ago at once; a new
// empty one waits for content.
func TestGzipReadWhenWritten(t *testing.T) {
	data := gzipMember(t, "a\nb\nc\n")
	path := filepath.Join(t.TempDir(), "metrics.jsonl.gz")
	if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{}.withDefaults()
	looks := 0
	quiet, err := waitQuiet(path, opts, func() bool {
		looks++
		if looks == 1 { // gzip goes on writing between two looks
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write(data[len(data)/2:]); err != nil {
				t.Fatal(err)
			}
		}
		return true
	})
	if !quiet || err != nil || looks != 2 {
		t.Fatalf("waitQuiet = %v, %v after %d looks; want true after 2 (one to see the file grow, one to see it still)", quiet, err, looks)
	}
	rec := &recorder{}
	if err := readGzip(context.Background(), path, opts, rec); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.events(), []string{"line:a", "line:b", "line:c"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}

	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	if quiet, _ := waitQuiet(path, opts, func() bool { t.Fatal("an old archive waited"); return false }); !quiet {
		t.Fatal("an old archive was not read")
	}

	empty := filepath.Join(t.TempDir(), "new.jsonl.gz")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	looks = 0
	if quiet, _ := waitQuiet(empty, opts, func() bool { looks++; return looks < 5 }); quiet || looks != 5 {
		t.Fatalf("a new empty archive: quiet %v after %d looks, want to wait", quiet, looks)
	}
	if err := os.Chtimes(empty, old, old); err != nil {
		t.Fatal(err)
	}
	if quiet, _ := waitQuiet(empty, opts, func() bool { return false }); !quiet {
		t.Fatal("an old empty file is not read")
	}
}
