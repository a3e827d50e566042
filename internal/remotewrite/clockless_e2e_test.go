// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// clocklessLogs are logs of producers that write no wall-clock time per
// record, from the profiles' corpus, with the run each gives and a
// metric key to count (or, where a key is not written once per record,
// the count): every record that carries the key must be stored.
var clocklessLogs = []struct {
	file, run, key, series string
	carrying               int
}{
	{"detectron2/output/faster_rcnn_R_50_FPN/metrics.json", "faster_rcnn_R_50_FPN", `"total_loss"`, "ml_total_loss", 0},
	{"mmengine/work_dirs/resnet50_8xb32/20240102_090000/vis_data/scalars.json", "resnet50_8xb32/20240102_090000", `"loss"`, "ml_loss", 0},
	{"mmdet2/work_dirs/faster_rcnn_r50/20210101_120000.log.json", "faster_rcnn_r50", `"loss"`, "ml_train_loss", 0},
	{"hf/output/bert-finetune/trainer_state.json", "bert-finetune", `"loss"`, "ml_loss", 0},
	{"detr/outputs/detr_r50/log.txt", "detr_r50", `"train_loss"`, "ml_train_loss", 0},
	{"dreamer/logdir/walker_walk/dreamerv3/1/metrics.jsonl", "dreamerv3/1", `"episode/score"`, "ml_episode_score", 0},
	{"chainer/mnist/result/log", "mnist", `"main/loss"`, "ml_main_loss", 0},
	{"ludwig/results/experiment_run/training_statistics.json", "experiment_run", "", "ml_validation_combined_loss", 3},
	{"ultralytics/runs/detect/train/results.csv", "detect/train", "", "ml_metrics_mAP50_95_B_", 3},
	{"keras/mnist_cnn/training.log", "mnist_cnn", "", "ml_val_loss", 3},
	{"lightning/my_exp/version_0/metrics.csv", "my_exp/version_0", "", "ml_val_acc", 2},
	{"timm/output/train/20240101-120000-resnet50-224/summary.csv", "20240101-120000-resnet50-224", "", "ml_eval_top1", 3},
	{"flair/resources/taggers/ner/loss.tsv", "ner", "", "ml_DEV_F1", 3},
	{"llama-factory/saves/Qwen2.5-7B-Instruct/lora/sft-medical/trainer_log.jsonl", "sft-medical", `"loss"`, "ml_loss", 0},
	{"ms-swift/output/qwen3-8b/v0-20260124-040114/logging.jsonl", "v0-20260124-040114", "", "ml_loss", 3},
}

// checkpointCopies are backfilled with the Hugging Face run above: its
// records are in each copy, and each must be stored once.
var checkpointCopies = []string{
	"hf/output/bert-finetune/checkpoint-500/trainer_state.json",
	"hf/output/bert-finetune/checkpoint-1000/trainer_state.json",
}

// TestClocklessLogsReachPrometheus: a backfill of logs whose records have
// no time of their own stores every record in a real Prometheus, as its
// own sample (the count of a series is the number of records carrying its
// key, ml_records_total has a sample per record), at times that increase
// with the step and end at the file's modification time.
func TestClocklessLogsReachPrometheus(t *testing.T) {
	api, writeURL := startReceiver(t)
	tmp := t.TempDir()
	bin := promtest.BuildExporter(t, "../..", tmp)
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	var files []string
	names := make([]string, 0, len(clocklessLogs)+len(checkpointCopies))
	for _, l := range clocklessLogs {
		names = append(names, l.file)
	}
	for _, name := range append(names, checkpointCopies...) {
		data, err := os.ReadFile(filepath.Join("..", "engine", "testdata", "profiles", name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(tmp, "logs", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		written := mtime
		if i := slices.Index(checkpointCopies, name); i >= 0 {
			// Saved before the final state, as a trainer saves them.
			written = mtime.Add(-time.Duration(len(checkpointCopies)-i) * 10 * time.Minute)
		}
		if err := os.Chtimes(path, written, written); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	out, err := exec.Command(bin, append([]string{"backfill", "--remote-write.url", writeURL}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("backfill: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "are estimated") {
		t.Errorf("the summary does not say the times are estimated:\n%s", out)
	}
	at := mtime.Add(time.Minute)
	for i, l := range clocklessLogs {
		t.Run(l.run, func(t *testing.T) {
			data, _ := os.ReadFile(files[i])
			carrying := l.carrying
			if l.key != "" {
				carrying = strings.Count(string(data), l.key)
			}
			sel := fmt.Sprintf(`%s{run=%q}`, l.series, l.run)
			if err := promtest.Eventually(30*time.Second, func() error {
				got, err := api.InstantValueAt(`count_over_time(`+sel+`[8d])`, at)
				if err == nil && got != float64(carrying) {
					err = fmt.Errorf("%v samples of %s, want one per record carrying %s: %d", got, sel, l.key, carrying)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			records := rawSamples(t, api, fmt.Sprintf(`ml_records_total{run=%q}[8d]`, l.run), at)
			steps := rawSamples(t, api, fmt.Sprintf(`ml_global_step{run=%q}[8d]`, l.run), at)
			if len(records) == 0 || records[len(records)-1].v != float64(len(records)) {
				t.Fatalf("%d ml_records_total samples, the last %v: a record was not stored", len(records), records)
			}
			if last := records[len(records)-1].t; last != mtime.UnixMilli() {
				t.Errorf("the last record at %d, want the file's modification time %d", last, mtime.UnixMilli())
			}
			// Steps go back only where the run restarted (one of the
			// mmengine logs is resumed from scratch in the same file).
			restarts, err := api.InstantValueAt(fmt.Sprintf(`max_over_time(ml_run_restarts_total{run=%q}[8d])`, l.run), at)
			if err != nil {
				t.Fatal(err)
			}
			back := 0
			for j := 1; j < len(steps); j++ {
				if steps[j].v < steps[j-1].v {
					back++
				}
			}
			if back > int(restarts) {
				t.Errorf("the global step goes back %d times in time order, the run restarted %v times: times do not follow the steps: %v", back, restarts, steps)
			}
		})
	}
}

type sample struct {
	t int64 // ms
	v float64
}

// rawSamples returns the samples a range selector holds at a time, in
// time order (Prometheus gives them so).
func rawSamples(t *testing.T, api promtest.API, expr string, at time.Time) []sample {
	t.Helper()
	data, err := api.Get("/api/v1/query", url.Values{"query": {expr}, "time": {fmt.Sprint(at.Unix())}})
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Result []struct {
			Values [][2]any `json:"values"`
		} `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil || len(d.Result) != 1 {
		t.Fatalf("%s: %d series (%v), want 1", expr, len(d.Result), err)
	}
	var out []sample
	for _, v := range d.Result[0].Values {
		var s sample
		ts, _ := v[0].(float64)
		s.t = int64(ts*1000 + 0.5)
		if _, err := fmt.Sscan(fmt.Sprint(v[1]), &s.v); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if !slices.IsSortedFunc(out, func(a, b sample) int { return int(a.t - b.t) }) {
		t.Fatalf("%s: samples out of time order", expr)
	}
	return out
}
