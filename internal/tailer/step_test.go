// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// These tests drive one follower step by step, so what changes between two
// looks is exact and no timing is involved.

func newTestFollower(t *testing.T, path string) (*follower, *recorder) {
	t.Helper()
	rec := &recorder{}
	f, err := newFollower(path, Options{Poll: true, FingerprintSize: 16}.withDefaults(), rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.close)
	return f, rec
}

func mustStep(t *testing.T, f *follower, checkHead bool) {
	t.Helper()
	if err := f.step(context.Background(), checkHead); err != nil {
		t.Fatalf("step: %v", err)
	}
}

func checkEvents(t *testing.T, rec *recorder, want ...string) {
	t.Helper()
	if got := rec.events(); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestStepSeesRewriteBeforeReading(t *testing.T) {
	const old = "aaaa\nbbbb\n" // the follower stops at offset 10
	tests := []struct {
		name      string
		now       string // whole content after the rewrite
		checkHead bool
		want      []string
	}{
		{
			name:      "head bytes changed, newline still before old offset",
			now:       "cccc\ndddd\neeee\n",
			checkHead: true,
			want:      []string{"reset:truncated", "line:cccc", "line:dddd", "line:eeee"},
		},
		{
			name:      "byte before old offset changed, head not checked",
			now:       "ccccccccccccc\ndd\n",
			checkHead: false,
			want:      []string{"reset:truncated", "line:ccccccccccccc", "line:dd"},
		},
		{
			name:      "only appended",
			now:       old + "cccc\n",
			checkHead: true,
			want:      []string{"line:cccc"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			writeFile(t, path, old)
			f, rec := newTestFollower(t, path)
			mustStep(t, f, true)
			checkEvents(t, rec, "line:aaaa", "line:bbbb")

			writeFile(t, path, tt.now) // same inode: truncated and rewritten
			mustStep(t, f, tt.checkHead)
			checkEvents(t, rec, append([]string{"line:aaaa", "line:bbbb"}, tt.want...)...)
		})
	}
}

func TestStepDeleteAndRecreateIsRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	writeFile(t, path, "a\n")
	f, rec := newTestFollower(t, path)
	mustStep(t, f, true)
	appendFile(t, path, "b\npartial")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "c\n")
	mustStep(t, f, true)
	checkEvents(t, rec, "line:a", "line:b", "reset:rotated", "line:c")
}

func TestStepRenamedAwayEndsAfterGrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	writeFile(t, path, "a\n")
	f, rec := newTestFollower(t, path)
	mustStep(t, f, true)
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path+".old", "b\n")
	// Within the grace period a new file may still appear: keep following.
	mustStep(t, f, true)
	var err error
	eventually(t, "ErrDeleted", func() bool {
		err = f.step(context.Background(), true)
		return err != nil
	})
	if !errors.Is(err, ErrDeleted) {
		t.Fatalf("step returned %v, want ErrDeleted", err)
	}
	checkEvents(t, rec, "line:a", "line:b")
}

func TestStepDeletedDrainsFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	writeFile(t, path, "a\n")
	f, rec := newTestFollower(t, path)
	mustStep(t, f, true)
	appendFile(t, path, "b\n")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := f.step(context.Background(), true); !errors.Is(err, ErrDeleted) {
		t.Fatalf("step returned %v, want ErrDeleted", err)
	}
	checkEvents(t, rec, "line:a", "line:b")
}
