// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMoreFilesThanDescriptors: with room for 4 open files, 30 runs are
// all read, never more than 4 files open; closed files that grow, are
// truncated, rotated or deleted are handled as if they had stayed open.
func TestMoreFilesThanDescriptors(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		const runs, slots = 30, 4
		path := func(i int) string { return filepath.Join(dir, fmt.Sprintf("run%02d", i), "metrics.jsonl") }
		for i := range runs {
			appendTo(t, path(i), fmt.Sprintf(`{"step":1,"train.loss":%d}`+"\n", i))
		}
		cfg := testConfig(dir, poll)
		cfg.Tail.MaxOpenFiles = slots
		cfg.Tail.IdleClose = 100 * time.Millisecond
		e, self := startEngine(t, cfg)

		var want []string
		for i := range runs {
			want = append(want, fmt.Sprintf(`ml_train_loss{run="run%02d"} %d`, i, i))
		}
		eventually(t, e.Collector(), want)
		if open := e.tail.Slots.Open(); open > slots {
			t.Fatalf("%d files open, room for %d", open, slots)
		}
		// Every file goes idle and is closed.
		eventually(t, self, []string{`jsonl_exporter_open_files 0`, `jsonl_exporter_open_files_limit 4`})

		appendTo(t, path(1), `{"step":2,"train.loss":101}`+"\n")
		if err := os.WriteFile(path(2), []byte(`{"step":1,"train.loss":102}`+"\n"), 0o644); err != nil {
			t.Fatal(err) // rewritten shorter: read again from its start
		}
		if err := os.Rename(path(3), path(3)+".1"); err != nil {
			t.Fatal(err)
		}
		appendTo(t, path(3), `{"step":7,"train.loss":103}`+"\n")
		if err := os.Remove(path(4)); err != nil {
			t.Fatal(err)
		}
		eventually(t, e.Collector(), []string{
			`ml_train_loss{run="run01"} 101`, `ml_step{run="run01"} 2`,
			`ml_train_loss{run="run02"} 102`, `ml_records_total{run="run02"} 2`,
			`ml_train_loss{run="run03"} 103`, `ml_step{run="run03"} 7`,
		})
		eventually(t, self, []string{`jsonl_exporter_file_truncations_total 1`, `jsonl_exporter_file_rotations_total 1`, `jsonl_exporter_open_files 0`})
		deadline := time.Now().Add(10 * time.Second)
		for e.knows(path(4)) {
			if time.Now().After(deadline) {
				t.Fatal("the deleted closed file is still known")
			}
			time.Sleep(10 * time.Millisecond)
		}
		e.sweep(time.Now().Add(time.Hour))
		eventually(t, e.Collector(), []string{`ml_train_loss{run="run05"} 5`}, `ml_train_loss{run="run04"}`)
	})
}

// TestRepeatedFileErrorsLoggedOnce: many files that cannot be read for
// one reason make one warning with their count, not one per file and
// retry.
func TestRepeatedFileErrorsLoggedOnce(t *testing.T) {
	dir := t.TempDir()
	for i := range 40 {
		p := filepath.Join(dir, fmt.Sprintf("run%02d", i), "metrics.jsonl")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	appendTo(t, filepath.Join(dir, "good", "metrics.jsonl"), `{"step":1,"train.loss":1}`+"\n")
	log := &logBuffer{}
	cfg := testConfig(dir, true)
	cfg.Discovery.Interval = time.Hour // the test's scans are the only ones after the first
	e, err := New(cfg, nil, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Follow(ctx) }()
	defer func() { cancel(); <-done }()
	if err := e.WaitReady(ctx); err != nil { // the first scan is over
		t.Fatal(err)
	}
	eventually(t, e.Collector(), []string{`ml_train_loss{run="good"} 1`})
	for range 5 {
		e.scan(ctx, time.Now().Add(2*retryFailedAfter)) // retries every FIFO
	}
	if got := log.linesWith("cannot read"); len(got) != 1 || !strings.Contains(got[0], "files=40") || !strings.Contains(got[0], "reason=not_regular") {
		t.Errorf("warnings: %q, want one for 40 files", got)
	}
}

// TestMaxAgePassesOverOldRuns: with discovery.max-age, a folder of old
// runs exports only those written within the window; an old run that is
// written again is exported from then on, whole.
func TestMaxAgePassesOverOldRuns(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-48 * time.Hour)
	for i, name := range []string{"old", "recent"} {
		p := filepath.Join(dir, name, "metrics.jsonl")
		appendTo(t, p, fmt.Sprintf(`{"step":1,"train.loss":%d}`+"\n", i))
		if name == "old" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg := testConfig(dir, true)
	cfg.Discovery.MaxAge = 24 * time.Hour
	e, _ := startEngine(t, cfg)
	if err := e.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, e.Collector(), []string{`ml_train_loss{run="recent"} 1`}, `ml_train_loss{run="old"}`)
	if e.knows(filepath.Join(dir, "old", "metrics.jsonl")) {
		t.Error("the old run's file is followed")
	}
	appendTo(t, filepath.Join(dir, "old", "metrics.jsonl"), `{"step":2,"train.loss":5}`+"\n")
	eventually(t, e.Collector(), []string{`ml_train_loss{run="old"} 5`, `ml_records_total{run="old"} 2`})
}

// TestExpiryOfOldRunsAtStart: run.expiry counts from when a run last
// wrote, which for the records found at start is its file's modification
// time: old runs are read (their last values exported once) and removed
// at the first sweep.
func TestExpiryOfOldRunsAtStart(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-48 * time.Hour)
	appendTo(t, filepath.Join(dir, "old", "metrics.jsonl"), `{"step":1,"train.loss":1}`+"\n")
	if err := os.Chtimes(filepath.Join(dir, "old", "metrics.jsonl"), old, old); err != nil {
		t.Fatal(err)
	}
	appendTo(t, filepath.Join(dir, "recent", "metrics.jsonl"), `{"step":1,"train.loss":2}`+"\n")
	cfg := testConfig(dir, true)
	cfg.Run.Expiry = 24 * time.Hour
	e, _ := startEngine(t, cfg)
	if err := e.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.sweep(time.Now())
	eventually(t, e.Collector(), []string{`ml_train_loss{run="recent"} 2`}, `ml_train_loss{run="old"}`)
}
