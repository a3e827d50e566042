// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import "testing"

func TestRunFromPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/data/bert-lr3e-4/checkpoint/logs/metrics.jsonl", "bert-lr3e-4"},
		{"/data/bert-lr3e-4/logs/metrics.jsonl", "bert-lr3e-4"},
		{"/data/bert-lr3e-4/metrics.jsonl", "bert-lr3e-4"},
		{"/data/bert-lr3e-4/metrics.jsonl.gz", "bert-lr3e-4"},
		{"/out/faster_rcnn_R_50/metrics.json", "faster_rcnn_R_50"},
		{"/runs/logs/gpt2-small.jsonl", "gpt2-small"},
		{"/runs/logs/gpt2-small.jsonl.gz", "gpt2-small"},
		{"relative/exp1/outputs/logs/events.jsonl", "exp1"},
		{"/logs/metrics.jsonl", "metrics"},
		{"metrics.jsonl", "metrics"},
		{"/a/Checkpoints/LOGS/Metrics.jsonl", "a"},
		{"/a/b/run\xff.jsonl", "run\uFFFD"},
		// Layouts of real trainers.
		{"/work_dirs/mask_rcnn_r50/20240101_120000/vis_data/scalars.json", "mask_rcnn_r50/20240101_120000"},
		{"/work_dirs/mask_rcnn_r50/20240101_120000.log.json", "mask_rcnn_r50"},
		{"/logdir/walker_walk/dreamer/1/metrics.jsonl", "dreamer/1"},
		{"/runs/exp/seed_3/logs/metrics.jsonl", "exp/seed_3"},
		{"/out/bert-finetune/checkpoint-500/trainer_state.json", "bert-finetune"},
		{"/wandb/run-20240101_120000-abc123/files/wandb-history.jsonl", "run-20240101_120000-abc123"},
		{"/detr/r50/log.txt", "r50"},
		{"/1/metrics.jsonl", "1"},
		{"/home/u/mnist/result/log", "mnist"},                                      // Chainer
		{"/exp/my_runs/3/metrics.json", "my_runs/3"},                               // Sacred
		{"/results/experiment_run_0/training_statistics.json", "experiment_run_0"}, // Ludwig
		// CSV logs: the file names no run, Ultralytics' train folders and
		// Lightning's versions keep their parent, lightning_logs is skipped.
		{"/proj/runs/detect/train/results.csv", "detect/train"},
		{"/proj/runs/segment/train2/results.csv", "segment/train2"},
		{"/proj/runs/detect/my_run/results.csv", "my_run"},
		{"/proj/lightning_logs/version_0/metrics.csv", "proj/version_0"},
		{"/logs/my_exp/version_3/metrics.csv", "my_exp/version_3"},
		{"/keras/mnist_cnn/training.log", "mnist_cnn"},
		{"/keras/mnist_cnn/history.csv", "mnist_cnn"},
		{"/output/train/20240101-120000-resnet50-224/summary.csv", "20240101-120000-resnet50-224"},
		{"/resources/taggers/ner-english/loss.tsv", "ner-english"},
		{"/exp/results/bert_scores.csv", "bert_scores"},
		{"/exp/results.csv.gz", "exp"},
		// Fixed file names of LLM fine-tuning tools, Ludwig and W&B.
		{"/saves/qwen2.5-7b/lora/sft-medical/trainer_log.jsonl", "sft-medical"},
		{"/output/qwen3-8b/v0-20260124-040114/logging.jsonl", "v0-20260124-040114"},
		{"/results/experiment_run/training_statistics.json", "experiment_run"},
		{"/runs/bert/log.jsonl", "bert"},
		{"/exp/bert/wandb/wandb-history.jsonl", "bert"},
		{"/exp/bert/wandb/run-20240101_120000-abc/files/wandb-history.jsonl", "run-20240101_120000-abc"},
		{"/runs/bert/Trainer_Log.jsonl", "bert"},
		{"/logging.jsonl", "logging"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := runFromPath(tt.path); got != tt.want {
				t.Errorf("runFromPath(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestRunFromGlob(t *testing.T) {
	tests := []struct{ glob, path, want string }{
		{"/data/**/logs/metrics.jsonl", "/data/bert-lr3e-4/checkpoint/logs/metrics.jsonl", "bert-lr3e-4"},
		{"/data/**/logs/metrics.jsonl", "/data/team/bert/logs/metrics.jsonl", "team/bert"},
		{"/data/*/metrics.jsonl", "/data/bert/metrics.jsonl", "bert"},
		{"/runs/logs/*.jsonl", "/runs/logs/gpt2-small.jsonl", "gpt2-small"},
		{"/logdir/**/metrics.jsonl", "/logdir/walker_walk/dreamer/1/metrics.jsonl", "walker_walk/dreamer/1"},
		{"work_dirs/**/scalars.json", "work_dirs/mask_rcnn/20240101_120000/vis_data/scalars.json", "mask_rcnn/20240101_120000"},
		{"/work_dirs/*/*.log.json", "/work_dirs/mask_rcnn/20240101_120000.log.json", "mask_rcnn"},
		{"/out/**/trainer_state.json", "/out/bert-finetune/checkpoint-500/trainer_state.json", "bert-finetune"},
		{"/wandb/**/wandb-history.jsonl", "/wandb/run-20240101_120000-abc/files/wandb-history.jsonl", "run-20240101_120000-abc"},
		{"/tmp/demo/**/*.jsonl", "/tmp/demo/resnet50/logs/metrics.jsonl", "resnet50"},
		{"/data/{a,b}/*/metrics.jsonl", "/data/a/x/metrics.jsonl", "a/x"},
		{"/exp/my_runs/*/metrics.json", "/exp/my_runs/3/metrics.json", "my_runs/3"},
		{"my_runs/**/metrics.json", "my_runs/3/metrics.json", "my_runs/3"},
		{"/exp/logs/*/metrics.json", "/exp/logs/3/metrics.json", "3"},
		{"/data/*/*/metrics.jsonl", "/data/dreamer/1/metrics.jsonl", "dreamer/1"},
		{"/chainer/**/result/log", "/chainer/mnist/result/log", "mnist"},
		{"/results/*/training_statistics.json", "/results/experiment_run/training_statistics.json", "experiment_run"},
		{"/proj/runs/*/*/results.csv", "/proj/runs/detect/train/results.csv", "detect/train"},
		{"/proj/**/results.csv", "/proj/runs/segment/train2/results.csv", "segment/train2"},
		{"/proj/**/metrics.csv", "/proj/lightning_logs/version_0/metrics.csv", "proj/version_0"}, // a version keeps the folder above
		{"/logs/**/metrics.csv", "/logs/my_exp/version_0/metrics.csv", "my_exp/version_0"},
		{"/taggers/*/loss.tsv", "/taggers/ner/loss.tsv", "ner"},
		{"/saves/**/trainer_log.jsonl", "/saves/qwen2.5-7b/lora/sft-medical/trainer_log.jsonl", "qwen2.5-7b/lora/sft-medical"},
		{"/saves/**/*.jsonl", "/saves/qwen2.5-7b/lora/sft-medical/trainer_log.jsonl", "qwen2.5-7b/lora/sft-medical"},
		{"/output/*/*/logging.jsonl", "/output/qwen3-8b/v0-20260124-040114/logging.jsonl", "qwen3-8b/v0-20260124-040114"},
		{"/output/**/*.jsonl", "/output/v0-20260124-040114/logging.jsonl", "v0-20260124-040114"},
		{"/results/*/training_statistics.json", "/results/experiment_run/training_statistics.json", "experiment_run"},
		{"/runs/**/*.jsonl", "/runs/bert/log.jsonl", "bert"},
		{"/exp/**/wandb-history.jsonl", "/exp/bert/wandb/wandb-history.jsonl", "bert"},
		{"/exp/**/*.jsonl", "/exp/bert/wandb/run-1/files/wandb-history.jsonl", "bert/run-1"},
		// Nothing a run could be named by: the path rules decide.
		{"/data/**/metrics.jsonl", "/data/metrics.jsonl", ""},
		{"/out/bert/checkpoint-*/trainer_state.json", "/out/bert/checkpoint-500/trainer_state.json", ""},
		{"/data/bert/metrics.jsonl", "/data/bert/metrics.jsonl", ""},
		{"/data/*/metrics.jsonl", "/elsewhere/x/metrics.jsonl", ""},
		{"/saves/sft/trainer_log.jsonl", "/saves/sft/trainer_log.jsonl", ""},
		{"/output/*/logging.jsonl", "/output/wandb/logging.jsonl", ""},
	}
	for _, tt := range tests {
		t.Run(tt.glob+" "+tt.path, func(t *testing.T) {
			if got := runFromGlob(tt.glob, tt.path); got != tt.want {
				t.Errorf("runFromGlob(%q, %q) = %q, want %q", tt.glob, tt.path, got, tt.want)
			}
		})
	}
}

func TestRunNamerRegex(t *testing.T) {
	n := newRunNamer("/**/metrics.jsonl", `/jobs/(?P<run>[^/]+)/rank0/`)
	if got, ok := n.name("/jobs/job-42/rank0/metrics.jsonl"); got != "job-42" || !ok {
		t.Errorf("regex match: got %q, %v", got, ok)
	}
	if got, ok := n.name("/other/exp/metrics.jsonl"); got != "other/exp" || ok {
		t.Errorf("no match falls back to what the wildcards matched: got %q, %v", got, ok)
	}
	if got, ok := n.name("/metrics.jsonl"); got != "metrics" || ok {
		t.Errorf("nothing matched by wildcards falls back to the path rules: got %q, %v", got, ok)
	}
	// A literal path of a fixed file name gives its folder.
	for path, want := range map[string]string{
		"/saves/qwen/lora/sft-1/trainer_log.jsonl": "sft-1",
		"/output/v1-20260101-000000/logging.jsonl": "v1-20260101-000000",
	} {
		if got, _ := newRunNamer(path, "").name(path); got != want {
			t.Errorf("literal input %s: run %q, want %q", path, got, want)
		}
	}
}
