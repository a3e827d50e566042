// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMoreRunsThanDescriptors runs the exporter as `ulimit -n 256` leaves
// it, over 600 runs: every run is exported and /metrics answers, with no
// descriptor error, and a closed run that grows is read again.
func TestMoreRunsThanDescriptors(t *testing.T) {
	dir := t.TempDir()
	const runs = 600
	for i := range runs {
		var b strings.Builder
		for step := range 5 {
			fmt.Fprintf(&b, `{"step":%d,"train.loss":%d}`+"\n", step, i)
		}
		writeFile(t, filepath.Join(dir, fmt.Sprintf("run%03d", i), "logs", "metrics.jsonl"), b.String())
	}
	p := startExporterUnder(t, []string{"sh", "-c", `ulimit -n 256 && exec "$0" "$@"`},
		"--input", filepath.Join(dir, "*", "logs", "metrics.jsonl"), "--discovery.interval", "200ms")
	url := "http://" + p.addr + "/metrics"
	waitFor(t, url, fmt.Sprintf("jsonl_exporter_runs %d\n", runs), `ml_train_loss{run="run599"} 599`,
		"jsonl_exporter_open_files_limit 128\n")
	f, err := os.OpenFile(filepath.Join(dir, "run000", "logs", "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"step":5,"train.loss":1000}` + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	body := waitFor(t, url, `ml_train_loss{run="run000"} 1000`)
	if strings.Contains(p.stderr.String(), "too many open files") {
		t.Errorf("descriptor errors:\n%s", p.stderr.String())
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "jsonl_exporter_open_files ") || strings.HasPrefix(line, "jsonl_exporter_file_closes_total ") {
			t.Log(line)
		}
	}
}
