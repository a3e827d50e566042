// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestHead(t *testing.T) {
	dir := t.TempDir()
	content := []byte("{\"a\":1}\n{\"b\":2}\n")
	plain := filepath.Join(dir, "m.jsonl")
	if err := os.WriteFile(plain, content, 0o644); err != nil {
		t.Fatal(err)
	}
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write(content)
	zw.Close()
	gz := filepath.Join(dir, "m.jsonl.gz")
	if err := os.WriteFile(gz, zipped.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.jsonl.gz")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		n    int
		want string
	}{
		{plain, 1000, string(content)},
		{plain, 5, `{"a":`},
		{gz, 1000, string(content)},
		{gz, 9, "{\"a\":1}\n{"},
		{empty, 10, ""},
	} {
		got, err := Head(tc.path, tc.n)
		if err != nil || string(got) != tc.want {
			t.Errorf("Head(%s, %d) = %q, %v; want %q", tc.path, tc.n, got, err, tc.want)
		}
	}
	if _, err := Head(filepath.Join(dir, "missing"), 10); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Head(dir, 10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a folder: %v", err)
	}
}
