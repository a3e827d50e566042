// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/loggen"
)

// manyRuns writes n runs of records records each under dir
// (run00000/logs/metrics.jsonl, ...) and returns their total size.
func manyRuns(b *testing.B, dir string, n, records, metrics int) int64 {
	b.Helper()
	var total int64
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("run%05d", i), "logs", "metrics.jsonl")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		opts := loggen.Defaults()
		opts.Records, opts.Metrics, opts.ValEvery, opts.Seed = records, metrics, 0, uint64(i+1)
		size, err := loggen.Write(f, opts)
		if err != nil {
			b.Fatal(err)
		}
		total += size
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return total
}

// runsFromEnv is the number of runs for the scaling benchmarks:
// JSONL_EXPORTER_BENCH_RUNS, else def.
func runsFromEnv(b *testing.B, def int) int {
	if s := os.Getenv("JSONL_EXPORTER_BENCH_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return def
}

// BenchmarkManyRunsCatchUp catches up on many small finished runs (100
// records, 15 series each) through 1,024 descriptors, as a lab's shared
// runs folder, and reports the rate and the heap each idle run keeps.
func BenchmarkManyRunsCatchUp(b *testing.B) {
	runs := runsFromEnv(b, 1000)
	dir := b.TempDir()
	size := manyRuns(b, dir, runs, 100, 6)
	cfg := DefaultConfig()
	cfg.Input = []string{filepath.Join(dir, "*", "logs", "metrics.jsonl")}
	cfg.Tail.Poll = true
	cfg.Tail.MaxOpenFiles = 1024 - ReservedFiles
	cfg.Tail.IdleClose = 100 * time.Millisecond
	cfg.Discovery.Interval = time.Hour
	cfg.MaxSeries = 1 << 30
	b.SetBytes(size)
	b.ReportAllocs()
	var heapPerRun, seriesCount float64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		e, err := New(cfg, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = e.Follow(ctx) }()
		if err := e.WaitReady(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		for e.tail.Slots.Open() > 0 { // every file closed: the runs are idle
			time.Sleep(time.Millisecond)
		}
		runtime.GC()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heapPerRun = float64(after.HeapAlloc-before.HeapAlloc) / float64(runs)
		if p := os.Getenv("JSONL_EXPORTER_BENCH_HEAP_PROFILE"); p != "" {
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			if err := pprof.WriteHeapProfile(f); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		seriesCount = float64(e.store.SeriesCount())
		cancel()
		<-done
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*runs*100)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(heapPerRun, "heap-B/run")
	b.ReportMetric(seriesCount/float64(runs), "series/run")
}
