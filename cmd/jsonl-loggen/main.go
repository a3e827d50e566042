// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Command jsonl-loggen writes realistic training logs for benchmarks:
//
//	jsonl-loggen -records 1000000 -runs 4 -dir /tmp/runs
//
// writes /tmp/runs/run-N/logs/metrics.jsonl for each run (with -csv, the
// same records as CSV rows, run-N/logs/metrics.csv).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jsonl-exporter/jsonl-exporter/internal/loggen"
)

func main() {
	d := loggen.Defaults()
	dir := flag.String("dir", "", "folder to write the runs to (required)")
	runs := flag.Int("runs", 1, "number of runs")
	flag.IntVar(&d.Records, "records", d.Records, "records per run")
	flag.IntVar(&d.Metrics, "metrics", d.Metrics, "metric keys per train record")
	flag.IntVar(&d.StepsPerEpoch, "steps-per-epoch", d.StepsPerEpoch, "steps before the step resets (0: never)")
	flag.IntVar(&d.ValEvery, "val-every", d.ValEvery, "a validation record after this many train records (0: never)")
	flag.BoolVar(&d.PythonFloats, "python-floats", d.PythonFloats, "write values as Python prints a float32 loss turned into a float (up to 17 digits) instead of 7 digits")
	flag.BoolVar(&d.NoTime, "no-time", d.NoTime, "leave the time out of every record, as detectron2 and mmengine do")
	flag.BoolVar(&d.CSV, "csv", d.CSV, "write CSV rows with a header (metrics.csv) instead of JSON Lines")
	flag.Parse()
	if *dir == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "jsonl-loggen: -dir is required and there are no arguments")
		os.Exit(2)
	}
	var total int64
	for r := range *runs {
		name := "metrics.jsonl"
		if d.CSV {
			name = "metrics.csv"
		}
		path := filepath.Join(*dir, fmt.Sprintf("run-%d", r), "logs", name)
		opts := d
		opts.Seed = uint64(r + 1)
		n, err := write(path, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "jsonl-loggen:", err)
			os.Exit(1)
		}
		total += n
	}
	fmt.Printf("%d runs, %d records, %d bytes\n", *runs, *runs*d.Records, total)
}

func write(path string, opts loggen.Options) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	n, err := loggen.Write(f, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}
