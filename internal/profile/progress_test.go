// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package profile

import (
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// TestProgressHints: each producer's lines, in the shapes of their real
// logs, give the run hints the store reads.
func TestProgressHints(t *testing.T) {
	tests := []struct {
		profile, line string
		want          record.RunHints
	}{
		{"llama-factory", `{"current_steps": 20, "total_steps": 60, "loss": 2.1827, "epoch": 0.3333, "percentage": 33.33, "elapsed_time": "0:01:03", "remaining_time": "0:02:06"}`,
			record.RunHints{TotalSteps: 60, HasTotalSteps: true, Percent: 33.33, HasPercent: true, ETA: 126, HasETA: true, EpochsDone: 0.3333, HasEpochsDone: true}},
		{"ms-swift", `{"loss": 3.94745, "epoch": 0.45454545, "global_step/max_steps": "10/22", "percentage": "45.45%", "elapsed_time": "51s", "remaining_time": "1m 2s"}`,
			record.RunHints{Percent: 45.45, HasPercent: true, ETA: 62, HasETA: true, EpochsDone: 0.45454545, HasEpochsDone: true}},
		{"ms-swift", `{"train_runtime": 3744.8245, "train_loss": 2.18, "epoch": 1.0, "global_step/max_steps": "22/22", "percentage": "100.00%", "remaining_time": "0s"}`,
			record.RunHints{Final: true, EpochsDone: 1, HasEpochsDone: true}},
		{"hf-trainer", `{"epoch": 2.0, "step": 1000, "train_runtime": 1200.5, "train_loss": 0.41}`,
			record.RunHints{Final: true, EpochsDone: 2, HasEpochsDone: true}},
		{"detectron2", `{"data_time": 0.0035, "eta_seconds": 6523.3, "iteration": 19, "lr": 0.0004, "time": 0.356, "total_loss": 1.283}`,
			record.RunHints{ETA: 6523.3, HasETA: true, StepFromZero: true}},
		{"seed", `{"_type":"epoch_end","time":1764115221.0,"epoch":1,"step":190,"data.truncation_rate":0.02}`,
			record.RunHints{EpochsDone: 1, HasEpochsDone: true}},
		{"seed", `{"_type":"metric","time":1764115201.0,"epoch":0,"step":0,"train/loss":2.97}`,
			record.RunHints{}},
		{"detr", `{"train_loss": 1.2, "test_loss": 1.1, "epoch": 0, "n_parameters": 41302368}`,
			record.RunHints{EpochEnds: true}},
		{"wandb", `{"_step": 3, "_runtime": 12.5, "loss": 0.3}`, record.RunHints{}},
		{"ray-tune", `{"episode_reward_mean": 21.4, "done": false, "training_iteration": 1, "trial_id": "a1b2c_00000", "timestamp": 1704110418, "time_total_s": 8.1}`,
			record.RunHints{}},
		{"ray-tune", `{"episode_reward_mean": 38.9, "done": true, "training_iteration": 2, "trial_id": "a1b2c_00000", "timestamp": 1704110426, "time_total_s": 16.3}`,
			record.RunHints{Final: true}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			if got := parse(t, tt.profile, tt.line).Run; got != tt.want {
				t.Errorf("hints %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestHFDocumentTotals: trainer_state.json states max_steps and
// num_train_epochs once, after log_history; every record gets them, and
// max_steps -1 is none.
func TestHFDocumentTotals(t *testing.T) {
	hf, _ := Lookup("hf-trainer")
	rules := NewRules(hf)
	doc := []byte(`{"best_metric": null, "epoch": 1.0, "global_step": 500,
  "log_history": [{"epoch": 0.02, "learning_rate": 5e-05, "loss": 0.69, "step": 10}],
  "logging_steps": 10, "max_steps": 1000, "num_train_epochs": 2, "trial_params": {"x": [1, 2]}}`)
	rules.SetDocument(doc)
	rec := parse(t, "hf-trainer", `{"epoch": 0.02, "learning_rate": 5e-05, "loss": 0.69, "step": 10}`)
	rules.Apply(&rec)
	if h := rec.Run; !h.HasTotalSteps || h.TotalSteps != 1000 || !h.HasTotalEpochs || h.TotalEpochs != 2 {
		t.Errorf("hints %+v, want 1000 steps of 2 epochs", h)
	}
	rules.SetDocument([]byte(`{"log_history": [], "max_steps": -1, "num_train_epochs": 3.0}`))
	rec = parse(t, "hf-trainer", `{"epoch": 0.02, "loss": 0.69, "step": 10}`)
	rules.Apply(&rec)
	if h := rec.Run; h.HasTotalSteps || h.TotalEpochs != 3 {
		t.Errorf("max_steps -1: hints %+v, want no steps of 3 epochs", h)
	}
	for _, doc := range []string{`[1, 2]`, `{"max_steps": "1000"}`, `{"max_steps": 10`, ``} {
		if v, ok := record.DocumentNumber([]byte(doc), "max_steps"); ok {
			t.Errorf("DocumentNumber(%q) = %g", doc, v)
		}
	}
}
