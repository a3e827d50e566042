// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBackfillEstimatesTimes: a log whose records carry no time of their
// own is backfilled with one time per record, increasing in step order,
// the last at the file's modification time, spaced by what the producer
// tells; the summary says the times are estimated.
func TestBackfillEstimatesTimes(t *testing.T) {
	mtime := time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, file, content string
		records             int
		gaps                []float64 // seconds between successive records' times
	}{
		{
			name: "detectron2: seconds per iteration", file: "output/d2/metrics.json",
			content: `{"iteration": 19, "total_loss": 1.3, "time": 0.5, "data_time": 0.01}
{"iteration": 39, "total_loss": 1.2, "time": 0.25, "data_time": 0.01}
{"bbox/AP": 37.9, "iteration": 39}
{"iteration": 59, "total_loss": 1.1, "time": 0.5, "data_time": 0.01}
`,
			records: 4, gaps: []float64{5.001, 0.001, 10.001},
		},
		{
			name: "no hint: a second per record", file: "runs/plain/metrics.jsonl",
			content: `{"step": 1, "loss": 3}
{"step": 2, "loss": 2}
{"step": 3, "loss": 1}
`,
			records: 3, gaps: []float64{1.001, 1.001},
		},
		{
			name: "Ultralytics: a CSV log's seconds since the start", file: "runs/detect/train/results.csv",
			content: "epoch,time,train/box_loss,metrics/mAP50(B)\n1,10.5,1.2,0.3\n2,20,1.1,0.4\n3,31,1,0.5\n",
			records: 3, gaps: []float64{9.501, 11.001},
		},
		{
			name: "Hugging Face: the summary's runtime over its steps", file: "output/hf/trainer_state.json",
			content: `{"global_step": 100, "log_history": [
  {"epoch": 0.5, "learning_rate": 1e-05, "loss": 2.0, "step": 50},
  {"epoch": 1.0, "learning_rate": 0.0, "loss": 1.5, "step": 100},
  {"epoch": 1.0, "step": 100, "train_loss": 1.8, "train_runtime": 200.0}
]}
`,
			records: 3, gaps: []float64{100.001, 0.001},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, tc.file)
			writeFile(t, log, tc.content)
			if err := os.Chtimes(log, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			var stdout, stderr bytes.Buffer
			if code := run([]string{"backfill", "--out", out, log}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s%s", code, stdout.String(), stderr.String())
			}
			want := "backfill: the times of " + strconv.Itoa(tc.records) + " of " + strconv.Itoa(tc.records) + " records are estimated"
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("summary %q does not say %q", stdout.String(), want)
			}
			times := recordTimes(t, filepath.Join(out, "samples.om"))
			if len(times) != tc.records {
				t.Fatalf("%d records in the OpenMetrics file, want %d: %v", len(times), tc.records, times)
			}
			if last := times[len(times)-1]; last != float64(mtime.Unix()) {
				t.Errorf("last record at %v, want the modification time %d", last, mtime.Unix())
			}
			for i, gap := range tc.gaps {
				if got := times[i+1] - times[i]; got < gap-1e-6 || got > gap+1e-6 {
					t.Errorf("record %d is %.3f s after record %d, want %.3f (times %v)", i+1, got, i, gap, times)
				}
			}
		})
	}
}

// recordTimes returns the timestamps of the ml_records_total samples of
// an OpenMetrics file: one per record, in the order written.
func recordTimes(t *testing.T, path string) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var times []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "ml_records_total{") {
			continue
		}
		fields := strings.Fields(line)
		ts, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		times = append(times, ts)
	}
	return times
}
