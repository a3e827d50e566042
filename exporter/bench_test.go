package exporter

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jsonl-exporter/jsonl-exporter/exporter/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/loggen"
)

// Benchmarks of the hot paths; results and commands: docs/performance.md.

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
	cfg := DefaultConfig()
	s := NewStore("ml", nil, 1<<20, nil)
	s.best, s.watch = cfg.bestRules(), cfg.watchRules()
	r := s.run("bench", nil)
	recs := make([]record.Record, len(lines))
	for i, l := range lines {
		// Each record keeps its own parser so its names stay valid.
		p := record.NewParser(cfg.ParserOptions())
		if err := p.Parse(l, &recs[i]); err != nil {
			b.Fatal(err)
		}
	}
	var cache shapeCache
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r.apply(&recs[i%len(recs)], now, &cache)
	}
}

// BenchmarkParseApply is one line through parser, mapper and store.
func BenchmarkParseApply(b *testing.B) {
	lines := generatedLines(b, 1000)
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	cfg := DefaultConfig()
	s := NewStore("ml", nil, 1<<20, nil)
	s.best, s.watch = cfg.bestRules(), cfg.watchRules()
	r := s.run("bench", nil)
	p := record.NewParser(cfg.ParserOptions())
	var rec record.Record
	var cache shapeCache
	now := time.Now()
	b.SetBytes(int64(size / len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := p.Parse(lines[i%len(lines)], &rec); err != nil {
			b.Fatal(err)
		}
		r.apply(&rec, now, &cache)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkCatchUp reads a generated 200,000 record log (44 MB) from disk
// into a new engine, as at start-up: discovery, tailer, parser, mapper,
// store. JSONL_EXPORTER_BENCH_FILE=path reads that file instead (the
// comparison with other tools uses it).
func BenchmarkCatchUp(b *testing.B) {
	path, size, records := benchFile(b)
	cfg := DefaultConfig()
	cfg.Input = []string{path}
	cfg.Tail.Poll = true
	cfg.Discovery.Interval = time.Hour
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e, err := New(cfg, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = e.Run(ctx) }()
		if err := e.WaitReady(context.Background()); err != nil {
			b.Fatal(err)
		}
		cancel()
		<-done
	}
	b.ReportMetric(float64(b.N*records)/b.Elapsed().Seconds(), "records/s")
}

// benchFile is the log BenchmarkCatchUp reads, with its size and records.
func benchFile(b *testing.B) (path string, size int64, records int) {
	b.Helper()
	if path = os.Getenv("JSONL_EXPORTER_BENCH_FILE"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		return path, int64(len(data)), bytes.Count(data, []byte{'\n'})
	}
	path = filepath.Join(b.TempDir(), "run", "logs", "metrics.jsonl")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	opts := loggen.Defaults()
	opts.Records = 200000
	size, err = loggen.Write(f, opts)
	if err != nil {
		b.Fatal(err)
	}
	return path, size, opts.Records
}

// fullStore has runs×metrics series, as 1,000 runs of 50 metrics.
func fullStore(b testing.TB, runs, metrics int) *Store {
	b.Helper()
	cfg := DefaultConfig()
	s := NewStore("ml", nil, 1<<30, nil)
	s.best, s.watch = cfg.bestRules(), cfg.watchRules()
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
		var cache shapeCache
		s.run(fmt.Sprintf("run-%04d", r), nil).apply(&rec, now, &cache)
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
func BenchmarkScrape(b *testing.B) {
	st := fullStore(b, 1000, 50)
	srv := httptest.NewServer(metricsHandler(func() *Store { return st }, nil, nil))
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
		series := s.series.Load()
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(series), "bytes/series")
		b.ReportMetric(float64(series), "series")
		runtime.KeepAlive(s)
	}
}
