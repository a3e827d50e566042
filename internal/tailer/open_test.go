// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

//go:build unix

package tailer

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestFollowOpenErrors(t *testing.T) {
	tests := []struct {
		name   string
		create func(t *testing.T, path string)
		is     error // if set, errors.Is must hold
	}{
		{"missing", func(*testing.T, string) {}, fs.ErrNotExist},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, ErrNotRegular},
		{"fifo", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Skip("mkfifo:", err)
			}
		}, ErrNotRegular},
		{"symlink loop", func(t *testing.T, path string) {
			if err := os.Symlink(path, path); err != nil {
				t.Fatal(err)
			}
		}, syscall.ELOOP},
		{"permission denied", func(t *testing.T, path string) {
			if os.Geteuid() == 0 {
				t.Skip("root reads any file")
			}
			writeFile(t, path, "a\n")
			if err := os.Chmod(path, 0); err != nil {
				t.Fatal(err)
			}
		}, fs.ErrPermission},
	}
	for _, tt := range tests {
		for _, name := range []string{"x.jsonl", "x.jsonl.gz"} {
			for _, m := range modes() {
				t.Run(tt.name+"/"+name+"/"+m.name, func(t *testing.T) {
					path := filepath.Join(t.TempDir(), name)
					tt.create(t, path)
					// If Follow blocked, the context would end it with nil.
					ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
					defer cancel()
					done := make(chan error, 1)
					go func() { done <- Follow(ctx, path, m.opts, &recorder{}) }()
					select {
					case err := <-done:
						if err == nil || !errors.Is(err, tt.is) {
							t.Fatalf("Follow returned %v, want an error matching %v", err, tt.is)
						}
					case <-time.After(2 * waitLimit):
						t.Fatal("Follow blocked in open")
					}
				})
			}
		}
	}
}

func TestFollowThroughSymlink(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			skipWithoutInotify(t, m)
			dir := t.TempDir()
			target := filepath.Join(dir, "real.jsonl")
			link := filepath.Join(dir, "metrics.jsonl")
			writeFile(t, target, "a\n")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			fl := startFollow(t, link, m.opts)
			appendFile(t, target, "end\n")
			fl.waitFor(t, "end", []string{"line:a", "line:end"})
		})
	}
}
