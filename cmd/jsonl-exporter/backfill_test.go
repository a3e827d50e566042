// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackfillLLMTools: finished runs of LLaMA-Factory and ms-swift,
// named by their folders, give every record's step and the times
// written as text as numbers; the predictions beside them give nothing.
func TestBackfillLLMTools(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "saves", "sft-1", "trainer_log.jsonl"),
		`{"current_steps": 10, "total_steps": 20, "loss": 2.219, "lr": 1.3e-06, "epoch": 0.5, "percentage": 50.0, "elapsed_time": "0:00:32", "remaining_time": "0:00:32"}`+"\n"+
			`{"current_steps": 20, "total_steps": 20, "loss": 2.1827, "lr": 2.8e-06, "epoch": 1.0, "percentage": 100.0, "elapsed_time": "0:01:03", "remaining_time": "0:00:00"}`+"\n")
	writeFile(t, filepath.Join(dir, "output", "v0-20260124-040114", "logging.jsonl"),
		`{"loss": 3.94745, "learning_rate": 9.987e-05, "epoch": 0.5, "global_step/max_steps": "10/20", "percentage": "50.00%", "elapsed_time": "51s", "remaining_time": "51s", "memory(GiB)": 16.38}`+"\n"+
			`{"loss": 0.23745525, "learning_rate": 9.949e-05, "epoch": 1.0, "global_step/max_steps": "20/20", "percentage": "100.00%", "elapsed_time": "1m 42s", "remaining_time": "0s", "memory(GiB)": 16.48}`+"\n"+
			`{"train_runtime": 102.5, "train_loss": 2.09, "epoch": 1.0, "global_step/max_steps": "20/20", "percentage": "100.00%", "elapsed_time": "1m 43s", "remaining_time": "0s"}`+"\n")
	writeFile(t, filepath.Join(dir, "saves", "sft-1", "generated_predictions.jsonl"),
		`{"prompt": "2+2?", "label": "4", "predict": "4"}`+"\n"+`{"prompt": "3+3?", "label": "6", "predict": "5"}`+"\n")
	out := filepath.Join(dir, "out")
	stdout, stderr, code := runBinary(t, nil, "backfill", "--out", out, dir)
	if code != 0 || !strings.Contains(stdout, "backfill: 3 files, 2 runs") || !strings.Contains(stdout, "backfill: 1 of the files set aside") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "samples.om"))
	if err != nil {
		t.Fatal(err)
	}
	om := string(data)
	for _, want := range []string{
		`ml_step{run="sft-1"} 10 `, `ml_step{run="sft-1"} 20 `, `ml_loss{run="sft-1"} 2.1827 `,
		`ml_elapsed_time{run="sft-1"} 32 `, `ml_elapsed_time{run="sft-1"} 63 `, `ml_remaining_time{run="sft-1"} 0 `,
		`ml_step{run="v0-20260124-040114"} 10 `, `ml_step{run="v0-20260124-040114"} 20 `,
		`ml_percentage{run="v0-20260124-040114"} 50 `, `ml_elapsed_time{run="v0-20260124-040114"} 102 `,
		`ml_summary_train_loss{run="v0-20260124-040114"} 2.09 `, `ml_summary_elapsed_time{run="v0-20260124-040114"} 103 `,
	} {
		if !strings.Contains(om, want) {
			t.Errorf("no sample %q in:\n%s", want, om)
		}
	}
	for _, absent := range []string{"ml_current_steps", `ml_train_loss{`, `run="trainer_log"`, `run="logging"`, "generated_predictions", `run="sft-1@`} {
		if strings.Contains(om, absent) {
			t.Errorf("%s in the samples:\n%s", absent, om)
		}
	}
}
