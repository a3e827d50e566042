// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/loggen"
)

// BenchmarkPlotMillionRecords draws a log of a million records (about
// 250 MB, steps resetting every 1,000) with smoothing: the plot command
// as users run it, in process. docs/performance.md has the command and
// the numbers, with the memory the binary needs for the same.
func BenchmarkPlotMillionRecords(b *testing.B) {
	records := 1_000_000
	if s := os.Getenv("PLOT_BENCH_RECORDS"); s != "" {
		records, _ = strconv.Atoi(s)
	}
	dir := b.TempDir()
	log := filepath.Join(dir, "run", "logs", "metrics.jsonl")
	if err := os.MkdirAll(filepath.Dir(log), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(log)
	if err != nil {
		b.Fatal(err)
	}
	o := loggen.Defaults()
	o.Records, o.Metrics = records, 7
	size, err := loggen.Write(f, o)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "plot.png")
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if code := run([]string{"plot", "--input", log, "--smooth", "100", "--out", out}, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
