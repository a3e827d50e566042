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

var parkOpts = Options{Poll: true, PollInterval: 10 * time.Millisecond, IdleClose: 30 * time.Millisecond}

// untilIdle runs follow until it closes the idle file, and returns what
// the handler got and where it stopped.
func untilIdle(t *testing.T, follow func(ctx context.Context, h Handler) error) ([]string, Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	rec := &recorder{}
	err := follow(ctx, rec)
	var idle *IdleError
	if !errors.As(err, &idle) {
		t.Fatalf("returned %v, want an idle file closed", err)
	}
	return rec.events(), idle.Position
}

func changed(t *testing.T, path string, pos Position) bool {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return pos.Changed(fi)
}

// TestParkAndResume: an idle file is closed and resumed where it
// stopped; what happened to it meanwhile (growth, truncation, a rewrite
// of its head, a rotation) is seen as if it had stayed open.
func TestParkAndResume(t *testing.T) {
	for _, tt := range []struct {
		name   string
		before string
		change func(t *testing.T, path string)
		want   []string
	}{
		{"appended", "a\n", func(t *testing.T, path string) { appendFile(t, path, "b\nc\n") }, []string{"line:b", "line:c"}},
		{"truncated and rewritten shorter", "aaaa\nbbbb\n", func(t *testing.T, path string) { writeFile(t, path, "x\n") },
			[]string{"reset:truncated", "line:x"}},
		{"head rewritten, same size", "aa\nbb\n", func(t *testing.T, path string) { writeFile(t, path, "cc\ndd\n") },
			[]string{"reset:truncated", "line:cc", "line:dd"}},
		{"rotated (rename and create)", "a\n", func(t *testing.T, path string) {
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, "n\n")
		}, []string{"reset:rotated", "line:n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "metrics.jsonl")
			writeFile(t, path, tt.before)
			_, pos := untilIdle(t, func(ctx context.Context, h Handler) error { return Follow(ctx, path, parkOpts, h) })
			if changed(t, path, pos) {
				t.Fatal("an untouched file looks changed")
			}
			tt.change(t, path)
			// A later modification time, whatever the file system clock's
			// granularity: a same-size rewrite has nothing else to show.
			later := pos.mod.Add(time.Second)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Fatal(err)
			}
			if !changed(t, path, pos) {
				t.Fatal("the change is not seen")
			}
			got, pos2 := untilIdle(t, func(ctx context.Context, h Handler) error { return Resume(ctx, path, pos, parkOpts, h) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("resumed: %q, want %q", got, tt.want)
			}
			if changed(t, path, pos2) {
				t.Error("after resuming, the file looks changed")
			}
		})
	}
}

// TestNoParkWithAPendingLine: a line without its newline keeps the file
// open, since its end is still to come.
func TestNoParkWithAPendingLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	writeFile(t, path, "a\n{\"step\":")
	ctx, cancel := context.WithTimeout(context.Background(), 20*parkOpts.IdleClose)
	defer cancel()
	if err := Follow(ctx, path, parkOpts, &recorder{}); err != nil {
		t.Fatalf("Follow = %v, want it to stay open until cancelled", err)
	}
}

// TestSlotsBoundOpenFiles: more files than slots are all read, never
// more open at once than the slots allow.
func TestSlotsBoundOpenFiles(t *testing.T) {
	dir := t.TempDir()
	slots := NewSlots(2)
	opts := Options{Poll: true, PollInterval: 10 * time.Millisecond, Slots: slots}
	var wg sync.WaitGroup
	recs := make([]*recorder, 8)
	errs := make([]error, len(recs))
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	stop, sampled := make(chan struct{}), make(chan int)
	go func() {
		var most int
		for {
			select {
			case <-stop:
				sampled <- most
				return
			default:
				most = max(most, slots.Open())
				time.Sleep(time.Millisecond)
			}
		}
	}()
	for i := range recs {
		path := filepath.Join(dir, string(rune('a'+i))+".jsonl")
		writeFile(t, path, "x\ny\n")
		recs[i] = &recorder{}
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = Follow(ctx, path, opts, recs[i]) }()
	}
	eventually(t, "every file read", func() bool {
		for _, rec := range recs {
			if len(rec.events()) < 2 {
				return false
			}
		}
		return true
	})
	cancel() // the files still open stay open: nobody waits for their slots
	wg.Wait()
	close(stop)
	maxOpen := <-sampled
	parked := 0
	for i, rec := range recs {
		var idle *IdleError
		if errors.As(errs[i], &idle) {
			parked++
		}
		if got := rec.events(); !slices.Equal(got, []string{"line:x", "line:y"}) {
			t.Errorf("file %d: %q", i, got)
		}
	}
	if parked < len(recs)-2 {
		t.Errorf("%d of %d files closed, want all but the last two at least", parked, len(recs))
	}
	if maxOpen > 2 || slots.Open() != 0 {
		t.Errorf("%d open at most, %d at the end; want at most 2, then 0", maxOpen, slots.Open())
	}
}
