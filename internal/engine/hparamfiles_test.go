// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func putFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The files each producer writes beside its log, in their shapes (from
// real ones: docs/formats.md), found in the log's folder or its parent
// and given to the log's run.
func TestHparamFilesBesideLogs(t *testing.T) {
	dir := t.TempDir()
	log := `{"step":1,"loss":2}` + "\n"
	files := []struct{ log, file, text string }{
		{"lightning_logs/version_0/metrics.jsonl", "lightning_logs/version_0/hparams.yaml", "lr: 0.0005\nmax_epochs: 300\nnb_examples: null\n"},
		{"runs/detect/train/results.jsonl", "runs/detect/train/args.yaml", "task: detect\nepochs: 10\nsave: true\nlr0: 0.01\n"},
		{"saves/qwen/lora/trainer_log.jsonl", "saves/qwen/lora/training_args.yaml", "learning_rate: 5.0e-05\nnum_train_epochs: 3.0\n"},
		{"output/bert/checkpoint-5/log.jsonl", "output/bert/training_args.json", `{"learning_rate": 2e-05, "max_steps": -1, "report_to": ["tensorboard"]}`},
		{"d2/output/metrics.jsonl", "d2/output/config.yaml", "SOLVER:\n  BASE_LR: 0.02\n  MAX_ITER: 90000\n"},
		{"wandb/run-1/files/wandb-history.jsonl", "wandb/run-1/files/config.yaml", "wandb_version: 1\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.16.0\nlr:\n  desc: null\n  value: 0.001\n"},
		{"work_dirs/m/20240101_000000/vis_data/scalars.jsonl", "work_dirs/m/20240101_000000/vis_data/config.py", "train_cfg = dict(by_epoch=True, max_epochs=100)\noptim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02))\n"},
	}
	for _, f := range files {
		putFile(t, filepath.Join(dir, f.file), f.text)
		putFile(t, filepath.Join(dir, f.log), log)
	}
	e, self := startEngine(t, testConfig(dir, true))
	eventually(t, e.Collector(), []string{
		`ml_hparam{name="lr",run="001/version_0"} 0.0005`,
		`ml_hparam{name="max_epochs",run="001/version_0"} 300`,
		`ml_hparam_info{name="task",run="detect/train",value="detect"} 1`,
		`ml_hparam{name="save",run="detect/train"} 1`,
		`ml_hparam_info{name="learning_rate",run="saves/qwen/lora",value="5.0e-05"} 1`,
		`ml_hparam{name="learning_rate",run="bert"} 2e-05`,
		`ml_hparam_info{name="report_to",run="bert",value="[\"tensorboard\"]"} 1`,
		`ml_hparam{name="SOLVER.MAX_ITER",run="d2"} 90000`,
		`ml_hparam{name="lr",run="run-1"} 0.001`,
		`ml_hparam{name="train_cfg.max_epochs",run="work_dirs/m/20240101_000000"} 100`,
		`ml_hparam_info{name="optim_wrapper.optimizer.type",run="work_dirs/m/20240101_000000",value="SGD"} 1`,
	}, `ml_hparam{name="_wandb`, `ml_hparam_info{name="nb_examples"`)

	// A rewritten file replaces its keys; a config record wins over it.
	lightning := filepath.Join(dir, "lightning_logs/version_0")
	putFile(t, filepath.Join(lightning, "hparams.yaml"), "lr: 0.002\nbatch_size: 32\n")
	appendTo(t, filepath.Join(lightning, "metrics.jsonl"), `{"_type":"config","config":{"batch_size":64}}`+"\n")
	eventually(t, e.Collector(), []string{
		`ml_hparam{name="lr",run="001/version_0"} 0.002`,
		`ml_hparam{name="batch_size",run="001/version_0"} 64`,
	}, `ml_hparam{name="max_epochs",run="001/version_0"}`)

	// A file that is not valid YAML: counted, logged, the run keeps its
	// metrics and what the file gave before.
	putFile(t, filepath.Join(dir, "runs/detect/train/args.yaml"), "task: detect\nepochs: [10\n")
	eventually(t, self, []string{`jsonl_exporter_hparam_file_errors_total 1`})
	eventually(t, e.Collector(), []string{`ml_loss{run="detect/train"} 2`, `ml_hparam{name="epochs",run="detect/train"} 10`})

	// A removed file takes its keys along.
	if err := os.Remove(filepath.Join(dir, "d2/output/config.yaml")); err != nil {
		t.Fatal(err)
	}
	eventually(t, e.Collector(), []string{`ml_loss{run="d2"} 2`}, `ml_hparam{name="SOLVER`)
}

// inspect lists the run's hyperparameters with their sources, the keys
// left out and the files it could not read.
func TestInspectHparams(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "version_0")
	putFile(t, filepath.Join(run, "metrics.jsonl"), `{"_type":"config","config":{"lr":0.01,"milestones":[1,2,3,4,5,6,7,8,9]}}`+"\n"+`{"step":1,"loss":2}`+"\n")
	putFile(t, filepath.Join(run, "hparams.yaml"), "lr: 0.1\nbatch_size: 32\nseed: null\n")
	putFile(t, filepath.Join(dir, "args.yaml"), "epochs: [10\n")
	fr, err := Inspect(filepath.Join(run, "metrics.jsonl"), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	writeHparams(&b, fr.Hparams)
	want := "  hyperparameters: 2\n" +
		"    batch_size = 32  (from " + filepath.Join(run, "hparams.yaml") + ")\n" +
		"    lr = 0.01  (from log)\n" +
		"  hyperparameters left out:\n" +
		"    milestones: list of 9 values (more than 8)\n" +
		"    seed: null\n" +
		"  hyperparameter file not read: " + filepath.Join(dir, "args.yaml") + ": yaml: line 1: did not find expected ',' or ']'\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var served bool
	for _, s := range fr.Series {
		served = served || strings.HasPrefix(s.Sample, `ml_hparam{name="lr",run=`) && strings.HasSuffix(s.Sample, "} 0.01")
	}
	if !served {
		t.Errorf("series lack ml_hparam: %v", fr.Series)
	}
}
