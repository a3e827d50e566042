// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// documents records what FollowDocument hands over.
type documents struct {
	mu      sync.Mutex
	got     []string
	batches int
}

func (d *documents) Document(data []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, string(data))
}

func (d *documents) EndBatch() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.batches++
}

func (d *documents) reads() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.got)
}

// docFollowing runs followDocument with looks the test hands out one at
// a time.
type docFollowing struct {
	docs    *documents
	looked  chan struct{} // a look is over
	proceed chan struct{}
	done    chan error
}

func startDocument(t *testing.T, path string) *docFollowing {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &docFollowing{docs: &documents{}, looked: make(chan struct{}), proceed: make(chan struct{}), done: make(chan error, 1)}
	next := func() look {
		select {
		case f.looked <- struct{}{}:
		case <-ctx.Done():
			return lookNoMore
		}
		select {
		case <-f.proceed:
			return lookAgain
		case <-ctx.Done():
			return lookNoMore
		}
	}
	go func() { f.done <- followDocument(ctx, path, Options{}.withDefaults(), f.docs, next) }()
	t.Cleanup(func() { cancel(); <-f.done })
	f.wait(t)
	return f
}

// wait returns once the follower finished a look.
func (f *docFollowing) wait(t *testing.T) {
	t.Helper()
	select {
	case <-f.looked:
	case err := <-f.done:
		f.done <- err
		t.Fatalf("follower returned: %v", err)
	case <-time.After(waitLimit):
		t.Fatal("follower stuck")
	}
}

// look has the follower take one more look, and waits until it did.
func (f *docFollowing) look(t *testing.T) {
	t.Helper()
	f.proceed <- struct{}{}
	f.wait(t)
}

func writeDoc(t *testing.T, path, content string, mod time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
}

func TestFollowDocument(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trainer_state.json")
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	writeDoc(t, path, `{"v":1}`, t0)
	f := startDocument(t, path) // the first look reads the document at once
	f.look(t)                   // nothing changed
	if got := f.docs.reads(); !slices.Equal(got, []string{`{"v":1}`}) {
		t.Fatalf("after start: %q", got)
	}

	// A change is read once it held still for one look.
	writeDoc(t, path, `{"v":2, "x":0}`, t0.Add(time.Second))
	f.look(t) // saw the change
	if got := f.docs.reads(); len(got) != 1 {
		t.Fatalf("read before the document held still: %q", got)
	}
	writeDoc(t, path, `{"v":3, "x":00}`, t0.Add(2*time.Second)) // still being written
	f.look(t)
	f.look(t) // unchanged since the previous look: read
	f.look(t)
	if got := f.docs.reads(); !slices.Equal(got, []string{`{"v":1}`, `{"v":3, "x":00}`}) {
		t.Fatalf("after the rewrite: %q", got)
	}
	f.docs.mu.Lock()
	batches := f.docs.batches
	f.docs.mu.Unlock()
	if batches != 2 {
		t.Errorf("%d batches, want one per read", batches)
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	f.proceed <- struct{}{}
	err := <-f.done
	f.done <- err // for the cleanup
	if !errors.Is(err, ErrDeleted) {
		t.Errorf("after deletion: %v, want ErrDeleted", err)
	}
}

func TestFollowDocumentRefusesHugeAndOddFiles(t *testing.T) {
	dir := t.TempDir()
	if err := FollowDocument(context.Background(), dir, Options{}, &documents{}); !errors.Is(err, ErrNotRegular) {
		t.Errorf("folder: %v, want ErrNotRegular", err)
	}
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxDocumentSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := FollowDocument(context.Background(), big, Options{}, &documents{}); !errors.Is(err, ErrDocumentTooLarge) {
		t.Errorf("huge document: %v, want ErrDocumentTooLarge", err)
	}
}
