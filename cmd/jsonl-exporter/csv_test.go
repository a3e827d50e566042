// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCSVLogs: inspect, backfill and plot read the CSV logs of
// Ultralytics, Lightning and Keras: their runs, series and last values,
// and no parse errors for their headers.
func TestCSVLogs(t *testing.T) {
	dir := t.TempDir()
	ultra := filepath.Join(dir, "runs", "detect", "train", "results.csv")
	writeFile(t, ultra, "epoch,time,train/box_loss,metrics/mAP50-95(B),lr/pg0\n1,9.81,1.19,0.46,3.3e-05\n2,17.5,1.09,0.5,8.2e-05\n3,25.4,1.07,0.52,0.00013\n")
	light := filepath.Join(dir, "my_exp", "lightning_logs", "version_0", "metrics.csv")
	writeFile(t, light, "epoch,step,train_loss,val_loss\r\n0,49,0.83,\r\n0,99,0.59,\r\n0,109,,0.41\r\n")
	keras := filepath.Join(dir, "mnist", "training.log")
	writeFile(t, keras, "epoch,accuracy,loss\r\n0,0.89,0.36\r\n1,0.96,0.13\r\n")
	padded := filepath.Join(dir, "runs", "segment", "train2", "results.csv")
	writeFile(t, padded, "                  epoch,         train/seg_loss,                 lr/pg0\n"+
		"                      1,                 2.8813,                 0.0001\n"+
		"                      2,                 2.4302,             0.00021891\n")
	timm := filepath.Join(dir, "output", "train", "20240101-120000-resnet50-224", "summary.csv")
	writeFile(t, timm, "epoch,train_loss,eval_loss,eval_top1,eval_top5,lr\r\n0,6.83,6.49,1.652,5.904,0.0001\r\n1,6.29,5.44,7.912,21.436,0.00059\r\n")
	flair := filepath.Join(dir, "taggers", "ner", "loss.tsv")
	writeFile(t, flair, "EPOCH\tTIMESTAMP\tLEARNING_RATE\tTRAIN_LOSS\tDEV_F1\n1\t13:54:52\t0.1000\t0.291\t0.8115\n2\t14:06:52\t0.1000\t0.197\t0.8584\n")

	// inspect: a folder lists its CSV logs; a Keras log is found by its header.
	out, stderr, code := runBinary(t, nil, "inspect", dir, keras)
	if code != 0 {
		t.Fatalf("inspect: code %d, stderr %s", code, stderr)
	}
	for _, want := range []string{
		ultra + "\n  run:      detect/train\n  profile:  csv (from its name)\n  lines:    4 (3 records, 3 metric)\n  steps:    1 .. 3",
		`ml_metrics_mAP50_95_B_{run="detect/train"} 0.52  (from metrics/mAP50-95(B))`,
		`ml_time{run="detect/train"} 25.4  (from time)`,
		light + "\n  run:      my_exp/version_0\n  profile:  csv (from its name)\n  lines:    4 (3 records, 3 metric)\n  steps:    49 .. 109",
		`ml_train_loss{run="my_exp/version_0"} 0.59  (from train_loss)`,
		keras + "\n  run:      mnist\n  profile:  csv (detected)",
		`ml_loss{run="mnist"} 0.13  (from loss)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "problems: none"); n != 6 {
		t.Errorf("%d reports without problems, want 6:\n%s", n, out)
	}

	// backfill: every record, under the runs inspect named.
	om := filepath.Join(dir, "om")
	out, stderr, code = runBinary(t, nil, "backfill", "--out", om, ultra, light, keras, padded, timm, flair)
	if code != 0 || !strings.Contains(out, "backfill: 6 files, 6 runs, 20 lines read") || strings.Contains(out, "lines skipped") {
		t.Fatalf("backfill: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	samples, err := os.ReadFile(filepath.Join(om, "samples.om"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`ml_train_box_loss{run="detect/train"} 1.19 `, `ml_train_box_loss{run="detect/train"} 1.07 `,
		`ml_step{run="detect/train"} 3 `, `ml_lr_pg0{run="detect/train"} 0.00013 `,
		`ml_val_loss{run="my_exp/version_0"} 0.41 `, `ml_step{run="my_exp/version_0"} 109 `,
		`ml_accuracy{run="mnist"} 0.96 `, `ml_epoch{run="mnist"} 1 `,
		`ml_train_seg_loss{run="segment/train2"} 2.4302 `, `ml_step{run="segment/train2"} 2 `,
		`ml_eval_top1{run="20240101-120000-resnet50-224"} 7.912 `, `ml_step{run="20240101-120000-resnet50-224"} 1 `,
		`ml_DEV_F1{run="ner"} 0.8584 `, `ml_TRAIN_LOSS{run="ner"} 0.291 `, `ml_step{run="ner"} 2 `,
	} {
		if !strings.Contains(string(samples), want) {
			t.Errorf("samples.om lacks %q", want)
		}
	}

	// plot: a run folder gives its results.csv.
	image := filepath.Join(dir, "plot.svg")
	out, stderr, code = runBinary(t, nil, "plot", "--input", filepath.Join(dir, "runs", "detect", "train"), "--metrics", "train/box_loss,metrics/mAP50-95(B)", "--out", image)
	if code != 0 || !strings.Contains(out, "2 panels, 1 run, 6 points") {
		t.Fatalf("plot: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	if raw, err := os.ReadFile(image); err != nil || !strings.Contains(string(raw), ">detect/train<") {
		t.Errorf("the SVG does not name the run: %v", err)
	}
}

// TestCSVDatasetsInAFolder: inspect, backfill and plot of a folder that
// holds an Ultralytics log and the datasets it trained on: the datasets
// are listed as set aside and counted, and give no run, sample or curve.
func TestCSVDatasetsInAFolder(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "exp1", "results.csv")
	writeFile(t, results, "epoch,time,train/box_loss,metrics/mAP50(B)\n1,9.81,1.1931,0.72938\n2,17.52,1.0988,0.78805\n")
	train := filepath.Join(dir, "exp1", "data", "train.csv")
	writeFile(t, train, "id,text,label,score\n1,\"a great movie, really\",1,0.9\n2,dull,0,0.2\n3,fine,1,0.6\n")
	writeFile(t, filepath.Join(dir, "exp1", "data", "test.tsv"), "id\ttext\tlabel\n1\tgood\t1\n2\tbad\t0\n")

	out, stderr, code := runBinary(t, nil, "inspect", dir)
	if code != 0 {
		t.Fatalf("inspect: code %d, stderr %s", code, stderr)
	}
	for _, want := range []string{
		train + "\n  run:      data\n  profile:  csv (from its name)\n  lines:    4 (0 records)\n  set aside: its CSV header names no step or epoch column",
		"test.tsv\n  run:      test\n  profile:  csv (from its name)\n  lines:    3 (0 records)\n  set aside: its CSV header names no step or epoch column",
		results + "\n  run:      exp1\n  profile:  csv (from its name)\n  lines:    3 (2 records, 2 metric)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ml_label") || strings.Contains(out, "ml_score") {
		t.Errorf("inspect read a dataset's rows:\n%s", out)
	}

	om := filepath.Join(dir, "om")
	out, stderr, code = runBinary(t, nil, "backfill", "--out", om, dir)
	if code != 0 || !strings.Contains(out, "backfill: 3 files, 1 runs") || !strings.Contains(out, "backfill: 2 of the files set aside") {
		t.Fatalf("backfill: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	samples, err := os.ReadFile(filepath.Join(om, "samples.om"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(samples), `ml_train_box_loss{run="exp1"} 1.0988 `) || strings.Contains(string(samples), `run="data"`) {
		t.Errorf("samples.om:\n%s", samples)
	}

	// plot: a folder gives its newest log, not the newer predictions.
	preds := filepath.Join(dir, "exp1", "predictions.jsonl")
	writeFile(t, preds, `{"id": "a1", "pred": 3, "score": 0.9}`+"\n")
	later := time.Now().Add(time.Hour)
	for _, f := range []string{train, preds} {
		if err := os.Chtimes(f, later, later); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, code = runBinary(t, nil, "plot", "--input", filepath.Join(dir, "exp1"), "--metrics", "train/box_loss", "--csv", filepath.Join(dir, "curves.csv"))
	if code != 0 || !strings.Contains(out, "1 metric, 1 run, 2 points") || !strings.Contains(stderr, "plotting its newest log file, "+results) {
		t.Fatalf("plot: code %d, stdout %q, stderr %q", code, out, stderr)
	}
}
