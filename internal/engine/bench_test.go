// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/loggen"
)

// Benchmarks of the hot paths; results and commands: docs/performance.md.

// BenchmarkCatchUp reads a generated 200,000 record log (44 MB) from disk
// into a new engine, as at start-up: discovery, tailer, parser, mapper,
// store. JSONL_EXPORTER_BENCH_FILE=path reads that file instead (the
// comparison with other tools uses it).
func BenchmarkCatchUp(b *testing.B) {
	path, size, records := benchFile(b)
	benchmarkCatchUp(b, path, size, records)
}

// BenchmarkCatchUpCSV reads the same 200,000 records written as CSV
// rows (jsonl-loggen -csv: 16 MB, the validation rows sparse), as at
// start-up; MB/s compares with BenchmarkCatchUp per byte.
func BenchmarkCatchUpCSV(b *testing.B) { benchmarkCatchUpGenerated(b, true, false) }

// BenchmarkCatchUpPython and BenchmarkCatchUpCSVPython: the same records
// with Python's 17-digit floats (jsonl-loggen -python-floats), as
// Lightning, Keras and timm write them: 55 MB of JSON Lines, 27 MB of CSV.
func BenchmarkCatchUpPython(b *testing.B)    { benchmarkCatchUpGenerated(b, false, true) }
func BenchmarkCatchUpCSVPython(b *testing.B) { benchmarkCatchUpGenerated(b, true, true) }

// BenchmarkCatchUpNoTime reads BenchmarkCatchUp's records without their
// time, as detectron2 and mmengine write them: the estimate of their
// times reads the file a second time ahead (package timeline).
func BenchmarkCatchUpNoTime(b *testing.B) {
	opts := loggen.Defaults()
	opts.Records, opts.NoTime = 200000, true
	path := filepath.Join(b.TempDir(), "run", "logs", "metrics.jsonl")
	size := writeLog(b, path, opts)
	benchmarkCatchUp(b, path, size, opts.Records)
}

func benchmarkCatchUpGenerated(b *testing.B, csv, pythonFloats bool) {
	opts := loggen.Defaults()
	opts.Records, opts.CSV, opts.PythonFloats = 200000, csv, pythonFloats
	name := "metrics.jsonl"
	if csv {
		name = "metrics.csv"
	}
	path := filepath.Join(b.TempDir(), "run", "logs", name)
	size := writeLog(b, path, opts)
	benchmarkCatchUp(b, path, size, opts.Records)
}

func benchmarkCatchUp(b *testing.B, path string, size int64, records int) {
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
		go func() { defer close(done); _ = e.Follow(ctx) }()
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
	opts := loggen.Defaults()
	opts.Records = 200000
	return path, writeLog(b, path, opts), opts.Records
}

// writeLog writes a generated log to path and returns its size.
func writeLog(b *testing.B, path string, opts loggen.Options) int64 {
	b.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	size, err := loggen.Write(f, opts)
	if err != nil {
		b.Fatal(err)
	}
	return size
}
