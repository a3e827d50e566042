// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"path/filepath"
	"testing"
)

// The logs of LLM fine-tuning tools followed while they are written: the
// step, the times written as text, the evaluations and the summaries, as
// the lines arrive. The lines are those of real runs, shortened.

// TestLLaMAFactoryLive follows LLaMA-Factory's trainer_log.jsonl, found
// by a glob of the file name.
func TestLLaMAFactoryLive(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		cfg := testConfig(dir, poll)
		cfg.Input = []string{filepath.Join(dir, "saves", "**", "trainer_log.jsonl")}
		e, _ := startEngine(t, cfg)
		log := filepath.Join(dir, "saves", "qwen2.5-7b", "lora", "sft-medical", "trainer_log.jsonl")
		run := `{run="qwen2.5-7b/lora/sft-medical"}`
		appendTo(t, log, `{"current_steps": 10, "total_steps": 6750, "loss": 2.219, "lr": 1.3333333333333334e-06, "epoch": 0.0044444444444444444, "percentage": 0.15, "elapsed_time": "0:00:32", "remaining_time": "6:01:13"}`+"\n")
		eventually(t, e.Collector(), []string{"ml_step" + run + " 10", "ml_loss" + run + " 2.219", "ml_elapsed_time" + run + " 32", "ml_remaining_time" + run + " 21673", "ml_percentage" + run + " 0.15"},
			"ml_current_steps")
		appendTo(t, log, `{"current_steps": 20, "total_steps": 6750, "loss": 2.1827, "lr": 2.814814814814815e-06, "epoch": 0.008888888888888889, "percentage": 0.3, "elapsed_time": "0:01:03", "remaining_time": "5:53:59"}`+"\n"+
			`{"current_steps": 20, "total_steps": 6750, "eval_loss": 1.6410622596740723, "epoch": 0.008888888888888889, "percentage": 0.3, "elapsed_time": "0:04:43", "remaining_time": "1 day, 2:08:08"}`+"\n")
		eventually(t, e.Collector(), []string{"ml_step" + run + " 20", "ml_loss" + run + " 2.1827", "ml_eval_loss" + run + " 1.6410622596740723",
			"ml_elapsed_time" + run + " 283", "ml_remaining_time" + run + " 94088", "ml_records_total" + run + " 3"})
		// The closing line repeats the last step with the progress only.
		appendTo(t, log, `{"current_steps": 6750, "total_steps": 6750, "loss": 1.5999, "lr": 6.68570453998818e-12, "epoch": 3.0, "percentage": 100.0, "elapsed_time": "6:48:06", "remaining_time": "0:00:00"}`+"\n"+
			`{"current_steps": 6750, "total_steps": 6750, "epoch": 3.0, "percentage": 100.0, "elapsed_time": "6:48:06", "remaining_time": "0:00:00"}`+"\n")
		eventually(t, e.Collector(), []string{"ml_step" + run + " 6750", "ml_loss" + run + " 1.5999", "ml_percentage" + run + " 100",
			"ml_elapsed_time" + run + " 24486", "ml_remaining_time" + run + " 0", "ml_run_restarts_total" + run + " 0"})
	})
}

// TestMSSwiftLive follows ms-swift's logging.jsonl: the step comes from
// "global_step/max_steps", and the two summaries at the end neither
// overwrite the newest training values nor move the step back.
func TestMSSwiftLive(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		cfg := testConfig(dir, poll)
		cfg.Input = []string{filepath.Join(dir, "output", "**", "*.jsonl")}
		e, _ := startEngine(t, cfg)
		log := filepath.Join(dir, "output", "v0-20260124-040114", "logging.jsonl")
		run := `{run="v0-20260124-040114"}`
		appendTo(t, log, `{"loss": 20.53074074, "grad_norm": 52.22467041, "learning_rate": 0.0001, "token_acc": 0.0, "epoch": 0.00228768, "global_step/max_steps": "1/438", "percentage": "0.23%", "elapsed_time": "6s", "remaining_time": "46m 13s", "memory(GiB)": 15.97, "train_speed(iter/s)": 0.157583}`+"\n")
		eventually(t, e.Collector(), []string{"ml_step" + run + " 1", "ml_loss" + run + " 20.53074074", "ml_percentage" + run + " 0.23",
			"ml_elapsed_time" + run + " 6", "ml_remaining_time" + run + " 2773", "ml_memory_GiB_" + run + " 15.97"})
		appendTo(t, log, `{"loss": 0.15476817, "grad_norm": 1.43617094, "learning_rate": 8e-08, "token_acc": 0.934375, "epoch": 0.98370031, "global_step/max_steps": "430/438", "percentage": "98.17%", "elapsed_time": "1h 6m 13s", "remaining_time": "51s", "memory(GiB)": 16.56, "train_speed(iter/s)": 0.155046}`+"\n"+
			`{"eval_loss": 0.12936011, "eval_runtime": 149.668, "eval_samples_per_second": 13.269, "eval_steps_per_second": 13.269, "eval_token_acc": 0.94637462, "epoch": 1.0, "global_step/max_steps": "438/438", "percentage": "100.00%", "elapsed_time": "1h 9m 19s", "remaining_time": "0s", "memory(GiB)": 16.56, "train_speed(iter/s)": 0.148018}`+"\n")
		eventually(t, e.Collector(), []string{"ml_step" + run + " 438", "ml_loss" + run + " 0.15476817", "ml_eval_loss" + run + " 0.12936011",
			"ml_elapsed_time" + run + " 4159", "ml_train_speed_iter_s_" + run + " 0.148018"})
		appendTo(t, log, `{"train_runtime": 2959.8245, "train_samples_per_second": 2.363, "train_steps_per_second": 0.148, "total_flos": 9.157509569779507e+16, "train_loss": 0.28420261, "epoch": 1.0, "global_step/max_steps": "438/438", "percentage": "100.00%", "elapsed_time": "1h 9m 20s", "remaining_time": "0s", "memory(GiB)": 16.56, "train_speed(iter/s)": 0.147982}`+"\n"+
			`{"train_dataset": "287.505147±102.300820, min=63.000000, max=1005.000000, size=6994", "model_parameter_info": "PeftModelForCausalLM: 8212.5588M Params (21.8235M Trainable [0.2657%]), 0.0001M Buffers.", "last_model_checkpoint": "/output/v0-20260124-040114/checkpoint-438", "best_model_checkpoint": "/output/v0-20260124-040114/checkpoint-400", "best_metric": 0.12932175, "global_step": 438, "log_history": [{"loss": 20.53074073791504, "epoch": 0.002287675150128682, "step": 1}, {"loss": 0.154768168926239, "epoch": 0.9837003145553331, "step": 430}], "memory": 16.5625}`+"\n")
		eventually(t, e.Collector(), []string{"ml_summary_train_loss" + run + " 0.28420261", "ml_summary_best_metric" + run + " 0.12932175",
			"ml_summary_elapsed_time" + run + " 4160", "ml_summary_memory" + run + " 16.5625", "ml_records_total" + run + " 5",
			// The newest training values and the step stay.
			"ml_step" + run + " 438", "ml_global_step" + run + " 438", "ml_run_restarts_total" + run + " 0",
			"ml_loss" + run + " 0.15476817", "ml_elapsed_time" + run + " 4159", "ml_train_speed_iter_s_" + run + " 0.148018"},
			"ml_train_loss", "ml_best_metric", "ml_memory{", "ml_train_runtime")
	})
}
