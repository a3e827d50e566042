// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// BenchmarkLiveLatency measures the time from a completed line being
// written to its value being in the store, while 100 files are appended to
// in the background. Each iteration is one measured line; p50 and p99 are
// reported in ms.
func BenchmarkLiveLatency(b *testing.B) {
	for _, poll := range []bool{false, true} {
		name := "inotify"
		if poll {
			name = "poll-250ms"
		}
		b.Run(name, func(b *testing.B) { liveLatency(b, poll) })
	}
}

func liveLatency(b *testing.B, poll bool) {
	const files = 100
	dir := b.TempDir()
	paths := make([]string, files)
	handles := make([]*os.File, files)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("run-%03d", i), "logs", "metrics.jsonl")
		if err := os.MkdirAll(filepath.Dir(paths[i]), 0o755); err != nil {
			b.Fatal(err)
		}
		f, err := os.OpenFile(paths[i], os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(f, `{"step":0,"seq":-1,"train.loss":1}`+"\n")
		handles[i] = f
	}
	defer func() {
		for _, f := range handles {
			f.Close()
		}
	}()
	cfg := DefaultConfig()
	cfg.Input = []string{filepath.Join(dir, "*", "logs", "metrics.jsonl")}
	cfg.Tail.Poll = poll
	e, err := New(cfg, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Follow(ctx) }()
	defer func() { cancel(); <-done }()
	if err := e.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}

	// Background load: every file gets a record every 10 ms, 10,000
	// records/s in all. Writes to one file are serialised with the
	// measured writes by its lock.
	var mu [files]sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for step := 1; ; step++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for i, f := range handles {
				mu[i].Lock()
				fmt.Fprintf(f, `{"step":%d,"train.loss":%d.5}`+"\n", step, step%7)
				mu[i].Unlock()
			}
		}
	})
	defer func() { close(stop); wg.Wait() }()

	var latencies []time.Duration
	for i := 0; b.Loop(); i++ {
		k := i % files
		run := e.store.RunState(fmt.Sprintf("run-%03d", k), nil)
		mu[k].Lock()
		start := time.Now()
		fmt.Fprintf(handles[k], `{"seq":%d}`+"\n", i)
		mu[k].Unlock()
		for seqOf(run) != float64(i) {
			if time.Since(start) > 10*time.Second {
				b.Fatalf("line %d never arrived", i)
			}
			time.Sleep(50 * time.Microsecond)
		}
		latencies = append(latencies, time.Since(start))
	}
	slices.Sort(latencies)
	q := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

func seqOf(r *store.RunState) float64 {
	if v, ok := r.Value("ml_seq"); ok {
		return v
	}
	return -2
}
