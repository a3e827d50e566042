// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestFinishReadsToTheEnd: with polling an hour apart, nothing but Finish
// makes the follower read again: the lines written after its first read
// are delivered, an unfinished last line is not, and Follow returns nil
// while ctx is still live.
func TestFinishReadsToTheEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	writeFile(t, path, "a\n")
	finish := make(chan struct{})
	fl := startFollow(t, path, Options{Poll: true, PollInterval: time.Hour, Finish: finish})
	fl.waitFor(t, "a", []string{"line:a"})
	appendFile(t, path, "b\nc\n{\"half")
	close(finish)
	if err := fl.result(t); err != nil {
		t.Fatalf("Follow after Finish: %v, want nil", err)
	}
	if got, want := fl.rec.events(), []string{"line:a", "line:b", "line:c"}; !slices.Equal(got, want) {
		t.Errorf("delivered %q, want %q", got, want)
	}
}

// TestFinishFollowsARotation: a file renamed away and created again
// before Finish is read to its end, and then the new file.
func TestFinishFollowsARotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.jsonl")
	writeFile(t, path, "a\n")
	finish := make(chan struct{})
	fl := startFollow(t, path, Options{Poll: true, PollInterval: time.Hour, Finish: finish})
	fl.waitFor(t, "a", []string{"line:a"})
	appendFile(t, path, "b\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "c\n")
	close(finish)
	if err := fl.result(t); err != nil {
		t.Fatalf("Follow after Finish: %v, want nil", err)
	}
	if got, want := fl.rec.events(), []string{"line:a", "line:b", "reset:rotated", "line:c"}; !slices.Equal(got, want) {
		t.Errorf("delivered %q, want %q", got, want)
	}
}

// TestFinishDoesNotPark: a follower that would close its idle file reads
// it to its end instead once Finish is closed, as nobody reopens it then.
func TestFinishDoesNotPark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	writeFile(t, path, "a\n")
	finish := make(chan struct{})
	close(finish)
	fl := startFollow(t, path, Options{Poll: true, PollInterval: time.Hour, IdleClose: time.Nanosecond, Finish: finish})
	if err := fl.result(t); err != nil {
		t.Fatalf("Follow with Finish closed: %v, want nil (not an IdleError)", err)
	}
	if got, want := fl.rec.events(), []string{"line:a"}; !slices.Equal(got, want) {
		t.Errorf("delivered %q, want %q", got, want)
	}
}

// TestFinishReadsAChangedDocument: a document rewritten just before
// Finish is read at once, without waiting for it to hold still.
func TestFinishReadsAChangedDocument(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trainer_state.json")
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	writeDoc(t, path, `{"v":1}`, t0)
	finish := make(chan struct{})
	docs := &documents{}
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		done <- FollowDocument(ctx, path, Options{PollInterval: time.Hour, Finish: finish}, docs)
	}()
	eventually(t, "the first read", func() bool { return len(docs.reads()) == 1 })
	writeDoc(t, path, `{"v":2}`, t0.Add(time.Minute))
	close(finish)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("FollowDocument after Finish: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("FollowDocument did not return after Finish")
	}
	if got, want := docs.reads(), []string{`{"v":1}`, `{"v":2}`}; !slices.Equal(got, want) {
		t.Errorf("reads %q, want %q", got, want)
	}
}
