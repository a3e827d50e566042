// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jsonl-exporter/jsonl-exporter/internal/loggen"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// Benchmarks of the mapper, the store and the exposition; results and
// commands: docs/performance.md.

func generatedLines(b testing.TB, n int) [][]byte {
	b.Helper()
	var buf bytes.Buffer
	opts := loggen.Defaults()
	opts.Records = n
	if _, err := loggen.Write(&buf, opts); err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	return lines
}

// BenchmarkApply is the mapper and store update of one parsed record.
func BenchmarkApply(b *testing.B) {
	lines := generatedLines(b, 1000)
	s := newTestStore(1 << 20)
	r := s.RunState("bench", nil)
	recs := make([]record.Record, len(lines))
	for i, l := range lines {
		// Each record keeps its own parser so its names stay valid.
		p := record.NewParser(record.Options{})
		if err := p.Parse(l, &recs[i]); err != nil {
			b.Fatal(err)
		}
	}
	var cache ShapeCache
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r.Apply(&recs[i%len(recs)], now, &cache)
	}
}

// BenchmarkParseApply is one line through parser, mapper and store.
func BenchmarkParseApply(b *testing.B) { benchmarkParseApply(b, false) }

// BenchmarkParseApplySubscribed is BenchmarkParseApply with a subscriber
// that counts the samples handed over (what remote write and plot start
// from).
func BenchmarkParseApplySubscribed(b *testing.B) { benchmarkParseApply(b, true) }

func benchmarkParseApply(b *testing.B, subscribed bool) {
	lines := generatedLines(b, 1000)
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	s := newTestStore(1 << 20)
	samples := 0
	if subscribed {
		s.Subscribe(func(b *Batch) { samples += len(b.Samples) })
	}
	r := s.RunState("bench", nil)
	p := record.NewParser(record.Options{})
	var rec record.Record
	var cache ShapeCache
	now := time.Now()
	b.SetBytes(int64(size / len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := p.Parse(lines[i%len(lines)], &rec); err != nil {
			b.Fatal(err)
		}
		r.Apply(&rec, now, &cache)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if subscribed {
		b.ReportMetric(float64(samples)/b.Elapsed().Seconds(), "samples/s")
	}
}

// fullStore has runs×metrics series, as 1,000 runs of 50 metrics.
func fullStore(b testing.TB, runs, metrics int) *Store {
	b.Helper()
	s := newTestStore(1 << 30)
	names := make([][]byte, metrics)
	for i := range names {
		names[i] = fmt.Appendf(nil, "train.metric_%d", i)
	}
	rec := record.Record{Kind: record.KindMetric, HasStep: true, Step: 1}
	for _, n := range names {
		rec.Metrics = append(rec.Metrics, record.Metric{Name: n, Value: 1.5})
	}
	now := time.Now()
	for r := range runs {
		var cache ShapeCache
		s.RunState(fmt.Sprintf("run-%04d", r), nil).Apply(&rec, now, &cache)
	}
	return s
}

// BenchmarkCollect is Collect of 50,000 series into const metrics.
func BenchmarkCollect(b *testing.B) {
	c := NewCollector(fullStore(b, 1000, 50))
	ch := make(chan prometheus.Metric, 1024)
	b.ReportAllocs()
	for b.Loop() {
		go func() { c.Collect(ch); close(ch) }()
		for range ch {
		}
		ch = make(chan prometheus.Metric, 1024)
	}
}

// BenchmarkScrape serves /metrics with 50,000 series, gzip on, as
// Prometheus asks for it.
func BenchmarkScrape(b *testing.B) { benchmarkScrape(b, 1000, 50) }

// BenchmarkScrapeManyRuns is a scrape of 10,000 runs of 15 series
// (150,000 series made from keys, and each run's own), gzipped.
func BenchmarkScrapeManyRuns(b *testing.B) { benchmarkScrape(b, 10000, 15) }

func benchmarkScrape(b *testing.B, runs, metrics int) {
	st := fullStore(b, runs, metrics)
	srv := httptest.NewServer(Handler(func() *Store { return st }, nil, nil))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Accept", "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
	var size int64
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		size, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
	}
	b.ReportMetric(float64(size), "gzip-bytes")
}

// BenchmarkScrapePromhttp is the same scrape through client_golang's
// registry and the Collector, for comparison.
func BenchmarkScrapePromhttp(b *testing.B) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(fullStore(b, 1000, 50)))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkMemoryPerSeries reports the heap held per series of a store of
// 50,000 series.
func BenchmarkMemoryPerSeries(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := fullStore(b, 1000, 50)
		runtime.GC()
		runtime.ReadMemStats(&after)
		series := s.SeriesCount()
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(series), "bytes/series")
		b.ReportMetric(float64(series), "series")
		runtime.KeepAlive(s)
	}
}
