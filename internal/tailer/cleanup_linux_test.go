// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// openFDsTo lists this process's descriptors open on any of paths.
func openFDsTo(t *testing.T, paths ...string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	var found []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil {
			continue
		}
		for _, p := range paths {
			if target == p {
				found = append(found, e.Name()+" -> "+target)
			}
		}
	}
	return found
}

// inotifyWatches counts inotify watches of this process on the inode.
func inotifyWatches(t *testing.T, ino uint64) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	needle := fmt.Sprintf(" ino:%x ", ino)
	n := 0
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil || target != "anon_inode:inotify" {
			continue
		}
		info, err := os.ReadFile(filepath.Join("/proc/self/fdinfo", e.Name()))
		if err != nil {
			continue
		}
		n += strings.Count(string(info), needle)
	}
	return n
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func TestFollowCancelReleasesEverything(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			skipWithoutInotify(t, m)
			// nxadm's shared inotify tracker starts one goroutine for the
			// life of the process: start it before counting.
			warm := filepath.Join(t.TempDir(), "warm.jsonl")
			writeFile(t, warm, "")
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := Follow(ctx, warm, m.opts, &recorder{}); err != nil {
				t.Fatal(err)
			}
			baseline := runtime.NumGoroutine()

			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			writeFile(t, path, "a0\n")
			ctx, cancel = context.WithCancel(context.Background())
			defer cancel()
			rec := &recorder{}
			done := make(chan error, 1)
			go func() { done <- Follow(ctx, path, m.opts, rec) }()
			eventually(t, "first line", func() bool { return rec.has("line:a0") })
			oldIno := inode(t, path)
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, "b0\n")
			eventually(t, "line of the new file", func() bool { return rec.has("line:b0") })
			newIno := inode(t, path)

			if fds := openFDsTo(t, path); len(fds) != 1 {
				t.Fatalf("while following, descriptors on the file: %q, want one", fds)
			}
			if fds := openFDsTo(t, path+".1"); len(fds) != 0 {
				t.Fatalf("rotated file still open: %q", fds)
			}
			wantWatches := 1
			if m.opts.Poll {
				wantWatches = 0
			}
			if n := inotifyWatches(t, newIno); n != wantWatches {
				t.Fatalf("while following, %d inotify watches on the file, want %d", n, wantWatches)
			}
			if n := inotifyWatches(t, oldIno); n != 0 {
				t.Fatalf("%d inotify watches left on the rotated file", n)
			}

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Follow returned %v after cancel, want nil", err)
				}
			case <-time.After(waitLimit):
				t.Fatal("Follow did not return after cancel")
			}
			if fds := openFDsTo(t, path, path+".1"); len(fds) != 0 {
				t.Fatalf("descriptors left open: %q", fds)
			}
			if n := inotifyWatches(t, newIno); n != 0 {
				t.Fatalf("%d inotify watches left on the file", n)
			}
			eventually(t, fmt.Sprintf("goroutines back to %d", baseline), func() bool {
				return runtime.NumGoroutine() <= baseline
			})
		})
	}
}
