// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// countingDelivery counts the loss samples handed over, by run.
type countingDelivery struct {
	mu     sync.Mutex
	losses map[string]int
}

func (d *countingDelivery) Append(b *store.Batch) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range b.Samples {
		if s.Name == "ml_train_loss" {
			d.losses[b.Run]++
		}
	}
}

func (d *countingDelivery) DeliveredTo(string) (int64, int64) { return 0, 0 }
func (d *countingDelivery) Wait(<-chan struct{})              {}

func (d *countingDelivery) count(run string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.losses[run]
}

func records(from, to int) string {
	var b strings.Builder
	for step := from; step < to; step++ {
		fmt.Fprintf(&b, `{"step":%d,"train/loss":%g}`+"\n", step, 1/float64(step+1))
	}
	return b.String()
}

// TestFinishDeliversEveryRecord: with discovery and polling an hour
// apart, what a trainer writes after the exporter's last look (records
// appended to a followed file, or to a file closed while idle, and a
// file created since the last scan) is read and delivered by
// Service.Finish, which returns at once when it is done.
func TestFinishDeliversEveryRecord(t *testing.T) {
	for _, tc := range []struct {
		name      string
		poll      bool
		idleClose time.Duration
	}{
		{"inotify", false, 0},
		{"poll", true, 0},
		{"closed while idle", true, 20 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			first := filepath.Join(dir, "first", "logs", "metrics.jsonl")
			appendTo(t, first, records(0, 1))
			cfg := DefaultConfig()
			cfg.Input = []string{filepath.Join(dir, "**", "metrics.jsonl")}
			cfg.Discovery.Interval = time.Hour
			cfg.Tail.Poll = tc.poll
			cfg.Tail.PollInterval = time.Hour
			if tc.idleClose > 0 {
				// Closing an idle file is decided at a look; once closed,
				// only a scan looks at it again.
				cfg.Tail.PollInterval = 10 * time.Millisecond
			}
			cfg.Tail.IdleClose = tc.idleClose
			d := &countingDelivery{losses: map[string]int{}}
			svc := NewService(nil, nil)
			svc.Deliver(d)
			if err := svc.Start(cfg); err != nil {
				t.Fatal(err)
			}
			defer svc.Stop()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := svc.Engine().WaitReady(ctx); err != nil {
				t.Fatal(err)
			}
			if tc.idleClose > 0 {
				e := svc.Engine()
				waitUntil(t, "the idle file closed", func() bool {
					e.mu.Lock()
					defer e.mu.Unlock()
					f := e.files[first]
					return f != nil && f.closedAt != nil
				})
			}
			appendTo(t, first, records(1, 50))
			appendTo(t, filepath.Join(dir, "second", "logs", "metrics.jsonl"), records(0, 20))

			start := time.Now()
			svc.Finish(ctx)
			if ctx.Err() != nil {
				t.Fatal("Finish ran until its deadline")
			}
			if got := d.count("first"); got != 50 {
				t.Errorf("run first: %d records delivered, want 50", got)
			}
			if got := d.count("second"); got != 20 {
				t.Errorf("run second (a file created after the last scan): %d records delivered, want 20", got)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Finish took %s", took)
			}
		})
	}
}

// TestFinishStopsAtItsDeadline: a delivery that never makes room holds
// the reading; Finish gives up when its context ends.
func TestFinishStopsAtItsDeadline(t *testing.T) {
	dir := t.TempDir()
	appendTo(t, filepath.Join(dir, "r", "metrics.jsonl"), records(0, 5))
	cfg := DefaultConfig()
	cfg.Input = []string{filepath.Join(dir, "**", "metrics.jsonl")}
	cfg.Tail.Poll = true
	svc := NewService(nil, nil)
	svc.Deliver(blockedDelivery{})
	if err := svc.Start(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	svc.Finish(ctx)
	if ctx.Err() == nil {
		t.Error("Finish returned before its deadline, with a record not delivered")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Finish returned after %s, want at its deadline (200ms)", took)
	}
}

// blockedDelivery never has room: readers wait until the engine stops.
type blockedDelivery struct{}

func (blockedDelivery) Append(*store.Batch)               {}
func (blockedDelivery) DeliveredTo(string) (int64, int64) { return 0, 0 }
func (blockedDelivery) Wait(done <-chan struct{})         { <-done }

// waitUntil polls cond until it holds, for at most 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
