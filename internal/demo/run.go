// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// Simulate writes simulated training runs under opts.Dir until ctx is done,
// keeping opts.Runs runs live and replacing each finished run by a new one
// with a new name. The first records are written before Simulate first waits, so
// a scrape right after start already sees every run. It returns nil when ctx
// is done and an error if the options are invalid or writing fails.
func Simulate(ctx context.Context, opts Options) error {
	return run(ctx, opts, -1)
}

// run is Run that returns once maxRuns runs have finished (never if negative),
// so tests can write a bounded, complete data set.
func run(ctx context.Context, opts Options, maxRuns int) error {
	o, err := opts.withDefaults()
	if err != nil {
		return err
	}
	w := &writer{opts: o, slots: make([]*liveRun, o.Runs), maxRuns: maxRuns}
	defer w.closeAll()

	ticker := time.NewTicker(o.Interval)
	defer ticker.Stop()
	for {
		if ctx.Err() != nil {
			return nil
		}
		more, err := w.step()
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// liveRun is a run being written.
type liveRun struct {
	sim  *runSim
	path string
	file *os.File
}

// writer advances every run slot by one step per tick. One goroutine does
// all writing, so the output is deterministic and nothing can leak.
type writer struct {
	opts    Options
	slots   []*liveRun
	started int
	maxRuns int
}

// step writes one step of each live run, starting runs in empty slots. It
// reports false once maxRuns runs have finished.
func (w *writer) step() (bool, error) {
	now := unixSeconds(w.opts.Now())
	live := 0
	for i, lr := range w.slots {
		if lr == nil {
			if w.maxRuns >= 0 && w.started >= w.maxRuns {
				continue
			}
			var err error
			if lr, err = w.start(); err != nil {
				return false, err
			}
			w.slots[i] = lr
		}
		for _, rec := range lr.sim.next(now) {
			// One write per record: no buffering, so a tailer sees it at once.
			if _, err := lr.file.Write(append(rec, '\n')); err != nil {
				return false, fmt.Errorf("demo: write %s: %w", lr.path, err)
			}
		}
		if lr.sim.done() {
			w.slots[i] = nil
			if err := lr.file.Close(); err != nil {
				return false, fmt.Errorf("demo: close %s: %w", lr.path, err)
			}
			continue
		}
		live++
	}
	return live > 0 || w.maxRuns < 0 || w.started < w.maxRuns, nil
}

func (w *writer) start() (*liveRun, error) {
	k := w.started
	w.started++
	p := profileFor(k)
	dir := filepath.Join(w.opts.Dir, p.name, "logs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: create run folder: %w", err)
	}
	path := filepath.Join(dir, "metrics.jsonl")
	// O_APPEND: an existing file (same Dir and seed) continues like a restarted run.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("demo: open run log: %w", err)
	}
	rng := rand.New(rand.NewPCG(uint64(w.opts.Seed), uint64(k)))
	sim := newRunSim(p, incidentFor(k), rng, epochsFor(k, w.opts.Epochs), w.opts.StepsPerEpoch)
	return &liveRun{sim: sim, path: path, file: f}, nil
}

// closeAll closes runs still open when Run stops. Every record was written
// by its own Write, so a close error here loses nothing.
func (w *writer) closeAll() {
	for i, lr := range w.slots {
		if lr != nil {
			_ = lr.file.Close()
			w.slots[i] = nil
		}
	}
}

func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}
