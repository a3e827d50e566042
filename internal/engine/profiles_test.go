// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// profileInputs are the globs a user would give for each producer's
// layout in testdata/profiles.
var profileInputs = []string{
	"seed/**/logs/metrics.jsonl",
	"mmengine/work_dirs/**/scalars.json",
	"mmdet2/work_dirs/*/*.log.json",
	"detectron2/output/*/metrics.json",
	"detr/outputs/*/log.txt",
	"fairseq/checkpoints/*/train.log",
	"hf/output/**/trainer_state.json",
	"wandb/*/wandb-history.jsonl",
	"dreamer/logdir/**/metrics.jsonl",
	"chainer/**/result/log",
	"sacred/my_runs/*/metrics.json",
	"ludwig/results/*/training_statistics.json",
	"ultralytics/runs/*/*/results.csv",
	"lightning/**/metrics.csv",
	"keras/*/training.log",
	"timm/output/train/*/summary.csv",
	"flair/resources/taggers/*/loss.tsv",
	"llama-factory/saves/**/trainer_log.jsonl",
	"ms-swift/output/**/logging.jsonl",
	"ray-tune/*/result.json",
}

// startProfiles serves testdata/profiles as a user would, one glob per
// producer, and waits until every file was read.
func startProfiles(t *testing.T) (*Engine, *prometheus.Registry) {
	t.Helper()
	dir := copyTestdata(t, "testdata/profiles")
	cfg := DefaultConfig()
	for _, g := range profileInputs {
		cfg.Input = append(cfg.Input, filepath.Join(dir, g))
	}
	e, self := startEngine(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return e, self
}

// TestProfilesGolden reads a log of every producer and compares the
// exposition with testdata/profiles.prom.
//
// The usual interval between records of bert-finetune is left out: its
// three copies of trainer_state.json are read concurrently, and the times
// placed back from each copy's modification time depend on which is read
// first (1 s apart, or the copies' 288 s).
func TestProfilesGolden(t *testing.T) {
	e, _ := startProfiles(t)
	c := dropSamples{e.Collector(), "ml_run_record_interval_seconds", "bert-finetune"}
	compareGolden(t, c, filepath.Join("testdata", "profiles.prom"), "TestProfilesGolden")
}

// dropSamples is c without the sample of one series of one run.
type dropSamples struct {
	c         prometheus.Collector
	name, run string
}

func (d dropSamples) Describe(ch chan<- *prometheus.Desc) { d.c.Describe(ch) }

func (d dropSamples) Collect(ch chan<- prometheus.Metric) {
	all := make(chan prometheus.Metric)
	go func() { d.c.Collect(all); close(all) }()
	for m := range all {
		var pb dto.Metric
		if strings.Contains(m.Desc().String(), `"`+d.name+`"`) && m.Write(&pb) == nil {
			if slices.ContainsFunc(pb.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == "run" && l.GetValue() == d.run }) {
				continue
			}
		}
		ch <- m
	}
}

// gathered indexes a collector's samples by "name{run}".
func gathered(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + "{" + labelOf(m, "run")
			if metric := labelOf(m, "metric"); metric != "" {
				key += "," + metric
			}
			out[key+"}"] = value(mf.GetType(), m)
		}
	}
	return out
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func value(typ dto.MetricType, m *dto.Metric) float64 {
	if typ == dto.MetricType_COUNTER {
		return m.GetCounter().GetValue()
	}
	return m.GetGauge().GetValue()
}

// TestProfilesSteps states, producer by producer, what the step axis and
// the names must be; the golden file holds the rest.
func TestProfilesSteps(t *testing.T) {
	e, self := startProfiles(t)
	got := gathered(t, e.Collector())
	for _, tc := range []struct {
		what   string
		series string
		want   float64
	}{
		// Epoch boundaries where validation already carries the next
		// epoch: steps 0..190 per epoch become 0..190, 200..390, 400..
		{"seed: no restart at epoch boundaries", "ml_run_restarts_total{bert-seed}", 0},
		{"seed: global steps across epochs", "ml_global_step{bert-seed}", 450},
		{"seed: step within the epoch", "ml_step{bert-seed}", 50},
		{"seed: best step is global", "ml_train_loss_best_step{bert-seed}", 450},
		// mmengine: validation lines are val.*, their step is the epoch.
		{"mmengine: no restarts", "ml_run_restarts_total{mask-rcnn_r50/20240101_120000}", 0},
		{"mmengine: step is the iteration", "ml_step{mask-rcnn_r50/20240101_120000}", 200},
		{"mmengine: validation series", "ml_val_coco_bbox_mAP{mask-rcnn_r50/20240101_120000}", 0.34},
		{"mmengine: validation time apart", "ml_val_data_time{mask-rcnn_r50/20240101_120000}", 0.0021},
		{"mmengine: training time kept", "ml_data_time{mask-rcnn_r50/20240101_120000}", 0.0123},
		{"mmengine: a second run appended is one restart", "ml_run_restarts_total{resnet50_8xb32/20240102_090000}", 1},
		{"mmengine: top-1 accuracy", "ml_val_accuracy_top1{resnet50_8xb32/20240102_090000}", 42},
		// mmdetection 2: iter per epoch; validation's iter is its batch count.
		{"mmdet2: no restarts", "ml_run_restarts_total{faster_rcnn_r50}", 0},
		{"mmdet2: global steps", "ml_global_step{faster_rcnn_r50}", 200},
		{"mmdet2: validation", "ml_val_bbox_mAP{faster_rcnn_r50}", 0.22},
		// detectron2
		{"detectron2: step", "ml_step{faster_rcnn_R_50_FPN}", 59},
		{"detectron2: seconds per iteration", "ml_time{faster_rcnn_R_50_FPN}", 0.356},
		{"detectron2: evaluation", "ml_bbox_AP_Objects{faster_rcnn_R_50_FPN}", 41},
		// DETR: one line per epoch, COCO results by element.
		{"detr: the epoch is the step", "ml_step{detr_r50}", 2},
		{"detr: COCO AP", "ml_test_coco_eval_bbox_0{detr_r50}", 0.03},
		{"detr: COCO AR large", "ml_test_coco_eval_bbox_11{detr_r50}", 0.0025},
		{"deit: accuracy", "ml_test_acc1{deit_small}", 2.2},
		// fairseq: text prefix, string values, tags.
		{"fairseq: step is num_updates", "ml_step{transformer_wmt}", 300},
		{"fairseq: string values", "ml_loss{transformer_wmt}", 8.9},
		{"fairseq: validation", "ml_valid_loss{transformer_wmt}", 9.5},
		{"fairseq: the train line sums up an epoch", "ml_epoch_end_train_loss{transformer_wmt}", 15.2},
		{"fairseq: no restarts", "ml_run_restarts_total{transformer_wmt}", 0},
		// Hugging Face: three copies of the history make one run, once.
		{"hf: every record once", "ml_records_total{bert-finetune}", 8},
		{"hf: the last training loss", "ml_loss{bert-finetune}", 1.4213},
		{"hf: the summary apart", "ml_summary_train_loss{bert-finetune}", 1.95},
		{"hf: evaluation", "ml_eval_loss{bert-finetune}", 1.702},
		{"hf: step", "ml_step{bert-finetune}", 1000},
		// W&B: underscore keys are structure.
		{"wandb: step", "ml_step{run-20240101_120000-abc123}", 2},
		{"wandb: time", "ml_last_record_timestamp_seconds{run-20240101_120000-abc123}", 1704110401.5},
		{"wandb: metrics", "ml_val_loss{run-20240101_120000-abc123}", 2.4},
		// Runs named by what the wildcards matched.
		{"dreamer: task, agent and seed", "ml_step{walker_walk/dreamerv3/1}", 10000},
		// Chainer: one array rewritten at each report; result names no run.
		{"chainer: every report once", "ml_records_total{mnist}", 4},
		{"chainer: step is the iteration", "ml_step{mnist}", 2400},
		{"chainer: epoch", "ml_epoch{mnist}", 4},
		{"chainer: training", "ml_main_loss{mnist}", 0.05},
		{"chainer: validation", "ml_validation_main_loss{mnist}", 0.08},
		{"chainer: elapsed time is a metric", "ml_elapsed_time{mnist}", 100.5},
		// Sacred: the values of a step a record at their logged time; a run id keeps its folder.
		{"sacred: the values of a step are a record", "ml_records_total{my_runs/1}", 8},
		{"sacred: training", "ml_training_loss{my_runs/1}", 0.15},
		{"sacred: validation", "ml_validation_accuracy{my_runs/1}", 0.88},
		{"sacred: a counter of its own does not move the step", "ml_step{my_runs/1}", 6},
		{"sacred: no restart", "ml_run_restarts_total{my_runs/1}", 0},
		{"sacred: the time of the last value", "ml_last_record_timestamp_seconds{my_runs/1}", 1707751309.507464},
		// Ludwig: columns per epoch, the epoch as step.
		{"ludwig: one record per epoch", "ml_records_total{experiment_run}", 3},
		{"ludwig: step is the epoch", "ml_step{experiment_run}", 3},
		{"ludwig: training", "ml_training_combined_loss{experiment_run}", 0.6},
		{"ludwig: validation", "ml_validation_combined_loss{experiment_run}", 0.82},
		{"ludwig: test", "ml_test_label_accuracy{experiment_run}", 0.66},
		// CSV: one record a row, the epoch is the step without a step column.
		{"ultralytics: the epoch is the step", "ml_step{detect/train}", 3},
		{"ultralytics: a metric", "ml_metrics_mAP50_95_B_{detect/train}", 0.51802},
		{"ultralytics: seconds since the start", "ml_time{detect/train}", 25.37},
		{"ultralytics: every row", "ml_records_total{detect/train}", 3},
		{"ultralytics 8.0: padded cells", "ml_train_seg_loss{segment/train}", 2.2219},
		{"ultralytics 8.0: padded names", "ml_metrics_mAP50_M_{segment/train}", 0.55804},
		{"lightning: the step column", "ml_step{my_exp/version_0}", 219},
		{"lightning: sparse rows keep the last value", "ml_train_loss_step{my_exp/version_0}", 0.38865798711776733},
		{"lightning: validation", "ml_val_acc{my_exp/version_0}", 0.9061999917030334},
		{"lightning: the learning-rate monitor", "ml_lr_Adam{my_exp/version_0}", 0.001},
		{"lightning: epochs", "ml_epoch{my_exp/version_0}", 1},
		{"lightning: no restarts", "ml_run_restarts_total{my_exp/version_0}", 0},
		{"keras: found by its header", "ml_val_loss{mnist_cnn}", 0.0701373815536499},
		{"keras: the epoch is the step", "ml_step{mnist_cnn}", 2},
		{"timm: top-1", "ml_eval_top1{20240101-120000-resnet50-224}", 17.364},
		{"flair: upper-case names as written", "ml_DEV_F1{ner}", 0.8853},
		{"flair: the epoch is the step", "ml_step{ner}", 3},
		// LLaMA-Factory: current_steps, times as text.
		{"llama-factory: step is current_steps", "ml_step{Qwen2.5-7B-Instruct/lora/sft-medical}", 60},
		{"llama-factory: loss", "ml_loss{Qwen2.5-7B-Instruct/lora/sft-medical}", 1.5999},
		{"llama-factory: evaluation", "ml_eval_loss{Qwen2.5-7B-Instruct/lora/sft-medical}", 1.6410622596740723},
		{"llama-factory: elapsed time in seconds", "ml_elapsed_time{Qwen2.5-7B-Instruct/lora/sft-medical}", 86585},
		{"llama-factory: remaining time in seconds", "ml_remaining_time{Qwen2.5-7B-Instruct/lora/sft-medical}", 0},
		{"llama-factory: the best loss at its step", "ml_loss_best_step{Qwen2.5-7B-Instruct/lora/sft-medical}", 60},
		{"llama-factory: no restarts", "ml_run_restarts_total{Qwen2.5-7B-Instruct/lora/sft-medical}", 0},
		// ms-swift: the step in "10/438", summaries apart.
		{"ms-swift: step from global_step/max_steps", "ml_step{qwen3-8b/v0-20260124-040114}", 22},
		{"ms-swift: the best loss at its step", "ml_loss_best_step{qwen3-8b/v0-20260124-040114}", 20},
		{"ms-swift: the last training loss", "ml_loss{qwen3-8b/v0-20260124-040114}", 0.23745525},
		{"ms-swift: evaluation", "ml_eval_loss{qwen3-8b/v0-20260124-040114}", 0.14690524},
		{"ms-swift: percentage", "ml_percentage{qwen3-8b/v0-20260124-040114}", 100},
		{"ms-swift: elapsed time in seconds", "ml_elapsed_time{qwen3-8b/v0-20260124-040114}", 3744},
		{"ms-swift: training speed of the last evaluation, not the summary's", "ml_train_speed_iter_s_{qwen3-8b/v0-20260124-040114}", 0.152768},
		{"ms-swift: the training summary", "ml_summary_train_loss{qwen3-8b/v0-20260124-040114}", 2.1842026},
		{"ms-swift: the last line", "ml_summary_best_metric{qwen3-8b/v0-20260124-040114}", 0.14690524},
		{"ms-swift: no restarts", "ml_run_restarts_total{qwen3-8b/v0-20260124-040114}", 0},
		{"ms-swift 2: step from global_step", "ml_step{internvl2-2b/v1-20240801-100000}", 20},
		{"ms-swift 2: no restarts", "ml_run_restarts_total{internvl2-2b/v1-20240801-100000}", 0},
	} {
		if v, ok := got[tc.series]; !ok {
			t.Errorf("%s: no %s", tc.what, tc.series)
		} else if v != tc.want {
			t.Errorf("%s: %s = %g, want %g", tc.what, tc.series, v, tc.want)
		}
	}
	for _, absent := range []string{
		"ml_train_loss{bert-finetune}", // the summary's train_loss is summary_train_loss
		"ml__runtime{run-20240101_120000-abc123}", "ml__step{run-20240101_120000-abc123}",
		"ml_TIMESTAMP{ner}", "ml_EPOCH{ner}", // a time of day, and the epoch, are no metrics
		"ml_current_steps{Qwen2.5-7B-Instruct/lora/sft-medical}", // it is the step
		// The summaries' averages and the last line's best metric do not
		// pass for training values.
		"ml_train_loss{qwen3-8b/v0-20260124-040114}", "ml_best_metric{qwen3-8b/v0-20260124-040114}",
		"ml_memory{qwen3-8b/v0-20260124-040114}", "ml_train_runtime{qwen3-8b/v0-20260124-040114}",
	} {
		if _, ok := got[absent]; ok {
			t.Errorf("%s should not be exported", absent)
		}
	}
	for key := range got {
		if strings.Contains(key, "@") {
			t.Errorf("a run label was made unique: %s", key)
		}
	}
	if err := testutil.GatherAndCompare(self, strings.NewReader(`
# HELP jsonl_exporter_parse_errors_total Lines skipped because they could not be used, by reason.
# TYPE jsonl_exporter_parse_errors_total counter
jsonl_exporter_parse_errors_total{reason="invalid_csv"} 0
jsonl_exporter_parse_errors_total{reason="invalid_json"} 0
jsonl_exporter_parse_errors_total{reason="invalid_utf8"} 0
jsonl_exporter_parse_errors_total{reason="line_too_long"} 0
jsonl_exporter_parse_errors_total{reason="not_object"} 0
jsonl_exporter_parse_errors_total{reason="too_deep"} 0
jsonl_exporter_parse_errors_total{reason="too_many_keys"} 0
# HELP jsonl_exporter_run_name_conflicts_total Files whose run label was already taken by another file and was made unique.
# TYPE jsonl_exporter_run_name_conflicts_total counter
jsonl_exporter_run_name_conflicts_total 0
`), "jsonl_exporter_parse_errors_total", "jsonl_exporter_run_name_conflicts_total"); err != nil {
		t.Error(err)
	}
}
