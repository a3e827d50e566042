// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package curves

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// names uses the store's own naming, as the plot command does.
func names() Names {
	s := store.New(store.Options{Namespace: "ml"})
	return Names{Namespace: "ml", SeriesOf: func(n string) string { return s.SeriesOf(record.KindMetric, []byte(n)) }}
}

func TestResolve(t *testing.T) {
	read := []string{"ml_avg_loss", "ml_train_avg_loss", "ml_train_loss", "ml_train_lr", "ml_val_loss", "ml_val_mlm_acc"}
	for _, tc := range []struct {
		name      string
		metrics   []string
		preferAvg bool
		want      []Selection
		note      string // in the notes
		err       string
	}{
		{"dotted", []string{"train.loss"}, false, []Selection{{"train.loss", "ml_train_loss"}}, "", ""},
		{"slashed is the same series", []string{"train/loss"}, false, []Selection{{"train/loss", "ml_train_loss"}}, "", ""},
		{"both spellings are one curve", []string{"train.loss", "train.loss"}, false, []Selection{{"train.loss", "ml_train_loss"}}, "", ""},
		{"validation", []string{"val.mlm_acc"}, false, []Selection{{"val.mlm_acc", "ml_val_mlm_acc"}}, "", ""},
		{"unprefixed falls back to train", []string{"lr"}, false, []Selection{{"train.lr", "ml_train_lr"}}, "no metric lr; plotting train.lr", ""},
		{"prefer-avg", []string{"train.loss"}, true, []Selection{{"train.avg_loss", "ml_train_avg_loss"}}, "plotting train.avg_loss for train.loss (--prefer-avg)", ""},
		{"prefer-avg of an unprefixed key", []string{"loss"}, true, []Selection{{"train.avg_loss", "ml_train_avg_loss"}}, "plotting train.avg_loss for loss", ""},
		{"prefer-avg without an average", []string{"val.loss"}, true, []Selection{{"val.loss", "ml_val_loss"}}, "", ""},
		{"the series as /metrics names it", []string{"ml_val_loss"}, false, []Selection{{"ml_val_loss", "ml_val_loss"}}, "", ""},
		{"one curve for a metric spelled twice", []string{"train/loss", "train.loss", "ml_train_loss"}, false, []Selection{{"train/loss", "ml_train_loss"}}, "", ""},
		{"unknown lists what there is", []string{"train.loss", "val.acc"}, false, nil, "", `unknown metric "val.acc"; the logs have: avg_loss, train_avg_loss, train_loss, train_lr, val_loss, val_mlm_acc`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, notes, err := names().Resolve(tc.metrics, tc.preferAvg, read)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if all := strings.Join(notes, "\n"); !strings.Contains(all, tc.note) || (tc.note == "" && all != "") {
				t.Errorf("notes %q, want %q", all, tc.note)
			}
		})
	}
}

func TestCandidatesCoverResolve(t *testing.T) {
	want := names().Candidates([]string{"loss", "val/loss"}, true)
	for _, s := range []string{"ml_loss", "ml_train_loss", "ml_avg_loss", "ml_train_avg_loss", "ml_val_loss", "ml_val_avg_loss"} {
		if !want[s] {
			t.Errorf("candidates lack %s: %v", s, want)
		}
	}
	// And the names themselves, for series named as /metrics names them.
	if len(want) != 8 || !want["loss"] || !want["val/loss"] {
		t.Errorf("candidates %v, want 8", want)
	}
}

func TestPick(t *testing.T) {
	for _, tc := range []struct {
		name      string
		read      []string
		preferAvg bool
		want      []string // labels
	}{
		{"seed trainer", []string{"ml_train_avg_loss", "ml_train_grad_norm", "ml_train_loss", "ml_train_lr", "ml_val_loss", "ml_val_mlm_acc"}, false, []string{"train_loss", "val_loss", "val_mlm_acc", "train_lr"}},
		{"seed trainer, averages preferred", []string{"ml_train_avg_loss", "ml_train_grad_norm", "ml_train_loss", "ml_train_lr", "ml_val_loss", "ml_val_mlm_acc"}, true, []string{"train_avg_loss", "val_loss", "val_mlm_acc", "train_lr"}},
		{"detectron2", []string{"ml_data_time", "ml_fast_rcnn_cls_accuracy", "ml_loss_box_reg", "ml_loss_cls", "ml_lr", "ml_total_loss"}, false, []string{"total_loss", "fast_rcnn_cls_accuracy", "lr"}},
		{"detectron2, the evaluation's AP over a training statistic", []string{"ml_bbox_AP", "ml_bbox_AP50", "ml_fast_rcnn_cls_accuracy", "ml_lr", "ml_total_loss"}, false, []string{"total_loss", "bbox_AP", "lr"}},
		{"detectron2 with evaluation", []string{"ml_bbox_AP", "ml_bbox_AP50", "ml_heat_map_norm", "ml_lr", "ml_total_loss"}, false, []string{"total_loss", "bbox_AP", "lr"}},
		{"mmdetection", []string{"ml_coco_bbox_mAP", "ml_loss", "ml_lr"}, false, []string{"loss", "coco_bbox_mAP", "lr"}},
		{"mmengine: the overall score first", []string{"ml_loss", "ml_lr", "ml_val_coco_AP__M_", "ml_val_coco_bbox_mAP", "ml_val_coco_bbox_mAP_50"}, false, []string{"loss", "val_coco_bbox_mAP", "lr"}},
		{"DeiT", []string{"ml_test_acc1", "ml_test_acc5", "ml_test_loss", "ml_train_loss", "ml_train_lr"}, false, []string{"train_loss", "test_loss", "test_acc1", "train_lr"}},
		{"Hugging Face", []string{"ml_eval_accuracy", "ml_eval_loss", "ml_grad_norm", "ml_learning_rate", "ml_loss"}, false, []string{"loss", "eval_loss", "eval_accuracy", "learning_rate"}},
		{"accuracy of training when no validation one", []string{"ml_train_acc", "ml_train_loss"}, false, []string{"train_loss", "train_acc"}},
		{"loss only", []string{"ml_loss_rpn_cls"}, false, []string{"loss_rpn_cls"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !slices.IsSorted(tc.read) {
				t.Fatalf("read must be sorted, as Collector.Metrics returns them: %v", tc.read)
			}
			sel, err := names().Pick(tc.read, tc.preferAvg)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range sel {
				got = append(got, s.Label)
				if !AutoCandidate(s.Label) {
					t.Errorf("picked %s, which the collector would not keep", s.Label)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("picked %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := names().Pick([]string{"ml_throughput"}, false); err == nil || !strings.Contains(err.Error(), "the logs have: throughput") {
		t.Errorf("Pick without candidates: %v", err)
	}
}
