// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackfillDocuments: a folder of Chainer's, Sacred's and Ludwig's
// documents is backfilled like any logs, every record once; Sacred's
// values at the times they were logged (UTC without a zone).
func TestBackfillDocuments(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "runs", "mnist", "result", "log"), `[
    {"epoch": 1, "iteration": 600, "main/loss": 0.19, "validation/main/loss": 0.097, "elapsed_time": 23.1},
    {"epoch": 2, "iteration": 1200, "main/loss": 0.07, "validation/main/loss": 0.083, "elapsed_time": 47.9}
]`)
	writeFile(t, filepath.Join(dir, "runs", "my_runs", "1", "metrics.json"), `{
  "training.loss": {
    "steps": [1, 2],
    "timestamps": ["2024-02-12T15:21:41.5", "2024-02-12T15:21:43.25"],
    "values": [0.5, 0.25]
  }
}`)
	writeFile(t, filepath.Join(dir, "runs", "results", "experiment_run", "training_statistics.json"),
		`{"training": {"combined": {"loss": [3.5, 2.5]}}, "validation": {"combined": {"loss": [3.75, 2.75]}}}`)
	out := filepath.Join(dir, "out")
	stdout, stderr, code := runBinary(t, nil, "backfill", "--out", out, filepath.Join(dir, "runs"))
	if code != 0 || !strings.Contains(stdout, "backfill: 3 files, 3 runs, 6 lines read") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(out, "samples.om"))
	if err != nil {
		t.Fatal(err)
	}
	samples := map[string][]string{} // series -> "value[ time]" in order
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && strings.HasPrefix(f[0], "ml_") {
			v := f[1]
			if strings.Contains(f[0], "my_runs") {
				v += " " + f[2] // Sacred's own times; the others' stand in for times they lack
			}
			samples[f[0]] = append(samples[f[0]], v)
		}
	}
	for series, want := range map[string]string{
		`ml_main_loss{run="mnist"}`:                                    "0.19,0.07",
		`ml_validation_main_loss{run="mnist"}`:                         "0.097,0.083",
		`ml_step{run="mnist"}`:                                         "600,1200",
		`ml_training_loss{run="my_runs/1"}`:                            "0.5 1707751301.5,0.25 1707751303.25",
		`ml_training_combined_loss{run="experiment_run"}`:              "3.5,2.5",
		`ml_validation_combined_loss{run="experiment_run"}`:            "3.75,2.75",
		`ml_epoch{run="experiment_run"}`:                               "1,2",
		`ml_run_restarts_total{run="my_runs/1"}`:                       "0 1707751301.5,0 1707751303.25",
		`ml_nonfinite_values_total{metric="ml_main_loss",run="mnist"}`: "0,0",
	} {
		if got := strings.Join(samples[series], ","); got != want {
			t.Errorf("%s: %s, want %s", series, got, want)
		}
	}
}
