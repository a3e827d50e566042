// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/loggen"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
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
	var scrapes []time.Duration
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		e, err := New(cfg, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(store.Handler(e.Store, nil, nil))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = e.Follow(ctx) }()
		scraped := make(chan []time.Duration)
		go func() { scraped <- scrapeUntil(b, srv.URL, ctx) }()
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
		heapPerRun = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(runs)
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
		scrapes = append(scrapes, <-scraped...)
		srv.Close()
		b.StartTimer()
	}
	slices.Sort(scrapes)
	if n := len(scrapes); n > 0 {
		b.ReportMetric(float64(scrapes[n*99/100].Milliseconds()), "p99-scrape-ms")
		b.ReportMetric(float64(scrapes[n-1].Milliseconds()), "max-scrape-ms")
	}
	b.ReportMetric(float64(b.N*runs*100)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(heapPerRun, "heap-B/run")
	b.ReportMetric(seriesCount/float64(runs), "series/run")
}

// scrapeUntil scrapes url with gzip every 250 ms until ctx is done, and
// returns how long each scrape took.
func scrapeUntil(b *testing.B, url string, ctx context.Context) []time.Duration {
	var took []time.Duration
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	for ctx.Err() == nil {
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			break // cancelled
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took = append(took, time.Since(start))
		time.Sleep(250 * time.Millisecond)
	}
	return took
}

// BenchmarkScanManyRuns is one discovery scan over many known runs, all
// read and closed: the glob, and a look at each closed file.
func BenchmarkScanManyRuns(b *testing.B) {
	runs := runsFromEnv(b, 1000)
	dir := b.TempDir()
	manyRuns(b, dir, runs, 2, 3)
	// Finished runs: their folders last changed an hour ago.
	hourAgo := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, hourAgo, hourAgo)
	})
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Input = []string{filepath.Join(dir, "*", "logs", "metrics.jsonl")}
	cfg.Tail.Poll = true
	cfg.Tail.IdleClose = time.Millisecond
	cfg.Discovery.Interval = time.Hour
	e, err := New(cfg, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Follow(ctx) }()
	if err := e.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}
	for e.tail.Slots.Open() > 0 {
		time.Sleep(time.Millisecond)
	}
	b.ResetTimer()
	for b.Loop() {
		e.scan(ctx, time.Now())
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(runs), "µs/run")
	cancel()
	<-done
}
