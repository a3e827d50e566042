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
