// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests write CSV logs while an engine follows them, in both
// inotify and polling modes, as the trainers write them.

func csvConfig(dir string, poll bool) Config {
	cfg := testConfig(dir, poll)
	cfg.Input = []string{filepath.Join(dir, "**", "*.csv"), filepath.Join(dir, "**", "*.tsv"), filepath.Join(dir, "**", "training.log")}
	return cfg
}

// noParseErrors are the self-metrics of a log read without a parse error:
// headers and rows read before a rewrite are none.
var noParseErrors = []string{
	`jsonl_exporter_parse_errors_total{reason="invalid_csv"} 0`,
	`jsonl_exporter_parse_errors_total{reason="invalid_json"} 0`,
}

// writeFile replaces path's content in place (truncating it), as
// Python's open(path, "w") does.
func writeFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// TestCSVLiveTail: rows appended to a Lightning metrics.csv are read as
// they come, an unfinished row when its line ends.
func TestCSVLiveTail(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "my_exp", "version_0", "metrics.csv")
		appendTo(t, path, "epoch,step,train_loss,val_loss\r\n0,49,0.83,\r\n")
		e, self := startEngine(t, csvConfig(dir, poll))
		run := `{run="my_exp/version_0"}`
		eventually(t, e.Collector(), []string{`ml_train_loss` + run + ` 0.83`, `ml_step` + run + ` 49`, `ml_records_total` + run + ` 1`})
		appendTo(t, path, "0,99,0.59,\r\n0,109,,0.41\r\n0,1")
		eventually(t, e.Collector(), []string{`ml_train_loss` + run + ` 0.59`, `ml_val_loss` + run + ` 0.41`, `ml_step` + run + ` 109`, `ml_records_total` + run + ` 3`})
		appendTo(t, path, "49,0.31,\r\n")
		eventually(t, e.Collector(), []string{`ml_train_loss` + run + ` 0.31`, `ml_step` + run + ` 149`, `ml_records_total` + run + ` 4`, `ml_epoch` + run + ` 0`})
		eventually(t, self, noParseErrors)
	})
}

// TestCSVRewrittenWithANewColumn: Lightning rewrites metrics.csv with a
// new header when a column first appears, with the rows it had, then
// appends: each row counts once, and the rows after the rewrite are read.
func TestCSVRewrittenWithANewColumn(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "exp", "lightning_logs", "version_0", "metrics.csv")
		var rows []string
		for i := range 20 {
			rows = append(rows, fmt.Sprintf("0,%d,%g", 10*i, 2-float64(i)/20))
		}
		appendTo(t, path, "epoch,step,train_loss\r\n"+strings.Join(rows, "\r\n")+"\r\n")
		e, self := startEngine(t, csvConfig(dir, poll))
		run := `{run="exp/version_0"}`
		eventually(t, e.Collector(), []string{`ml_records_total` + run + ` 20`, `ml_train_loss` + run + ` 1.05`})

		// val_loss appears: the header grows, the old rows get an empty
		// cell, the columns are sorted, and the new row follows.
		var b strings.Builder
		b.WriteString("epoch,step,train_loss,val_loss\r\n")
		for _, r := range rows {
			b.WriteString(r + ",\r\n")
		}
		writeFile(t, path, b.String())
		appendTo(t, path, "0,199,,0.9\r\n1,200,0.97,\r\n")
		// Rows are applied in order: when the last one is, 22 rows in all
		// were, not the 20 old ones again.
		eventually(t, e.Collector(), []string{`ml_records_total` + run + ` 22`, `ml_val_loss` + run + ` 0.9`, `ml_train_loss` + run + ` 0.97`, `ml_step` + run + ` 200`, `ml_run_restarts_total` + run + ` 0`})
		eventually(t, self, append([]string{`jsonl_exporter_file_truncations_total 1`}, noParseErrors...))
	})
}

// TestCSVOverwrittenByANewFit: Keras' CSVLogger overwrites its file when
// a new fit starts: the new rows are new, and read.
func TestCSVOverwrittenByANewFit(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "mnist", "training.log")
		appendTo(t, path, "epoch,accuracy,loss\r\n0,0.89,0.36\r\n1,0.96,0.13\r\n2,0.97,0.09\r\n")
		e, self := startEngine(t, csvConfig(dir, poll))
		run := `{run="mnist"}`
		eventually(t, e.Collector(), []string{`ml_records_total` + run + ` 3`, `ml_loss` + run + ` 0.09`, `ml_step` + run + ` 2`})
		writeFile(t, path, "epoch,accuracy,loss\r\n0,0.88,0.37\r\n")
		eventually(t, e.Collector(), []string{`ml_records_total` + run + ` 4`, `ml_loss` + run + ` 0.37`, `ml_step` + run + ` 0`})
		appendTo(t, path, "1,0.95,0.14\r\n")
		eventually(t, e.Collector(), []string{`ml_records_total` + run + ` 5`, `ml_loss` + run + ` 0.14`, `ml_step` + run + ` 1`})
		eventually(t, self, append([]string{`jsonl_exporter_file_truncations_total 1`}, noParseErrors...))
	})
}

// TestCSVClosedWhileIdle: a CSV file closed for being idle keeps its
// header: rows appended later are read under it, and a rewrite while it
// was closed is recognised.
func TestCSVClosedWhileIdle(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "runs", "detect", "train", "results.csv")
		appendTo(t, path, "epoch,train/box_loss,metrics/mAP50(B)\n1,1.19,0.72\n2,1.09,0.78\n")
		cfg := csvConfig(dir, poll)
		cfg.Tail.IdleClose = 100 * time.Millisecond
		e, self := startEngine(t, cfg)
		run := `{run="detect/train"}`
		eventually(t, e.Collector(), []string{`ml_train_box_loss` + run + ` 1.09`, `ml_records_total` + run + ` 2`})
		eventually(t, self, []string{`jsonl_exporter_open_files 0`})
		appendTo(t, path, "3,1.07,0.8\n")
		eventually(t, e.Collector(), []string{`ml_train_box_loss` + run + ` 1.07`, `ml_metrics_mAP50_B_` + run + ` 0.8`, `ml_step` + run + ` 3`, `ml_records_total` + run + ` 3`})
		eventually(t, self, []string{`jsonl_exporter_open_files 0`})
		writeFile(t, path, "epoch,train/box_loss,metrics/mAP50(B),lr/pg0\n1,1.19,0.72,\n2,1.09,0.78,\n3,1.07,0.8,\n4,1.05,0.81,0.001\n")
		eventually(t, e.Collector(), []string{`ml_lr_pg0` + run + ` 0.001`, `ml_step` + run + ` 4`, `ml_records_total` + run + ` 4`})
		eventually(t, self, noParseErrors)
	})
}

// TestCSVForcedByProfile: profile: csv reads a file as CSV whatever its
// name, and a header without a step or epoch that detection would not
// take for one.
func TestCSVForcedByProfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "exp7", "log.txt")
	appendTo(t, path, "loss,acc\n2.5,0.1\n1.5,0.4\n")
	cfg := testConfig(dir, true)
	cfg.Input = nil
	cfg.Inputs = []InputConfig{{Path: filepath.Join(dir, "*", "log.txt"), Profile: "csv"}}
	e, self := startEngine(t, cfg)
	eventually(t, e.Collector(), []string{`ml_loss{run="exp7"} 1.5`, `ml_acc{run="exp7"} 0.4`, `ml_records_total{run="exp7"} 2`})
	eventually(t, self, noParseErrors)

	// Detected, the same file is no CSV: three lines of invalid JSON.
	fr, err := Inspect(path, DefaultConfig())
	if err != nil || fr.Profile != "generic" || len(fr.Problems) != 3 {
		t.Errorf("detected as %s: %v, %q", fr.Profile, err, fr.Problems)
	}
	cfg = DefaultConfig()
	cfg.Parser.Profile = "csv"
	if fr, err = Inspect(path, cfg); err != nil || fr.Profile != "csv" || fr.ProfileFrom != "configured" || fr.Records != 2 {
		t.Errorf("--parser.profile csv: %+v, %v", fr, err)
	}
}

// csvProducers are the CSV logs of testdata/profiles, with the globs of
// profileInputs.
var csvProducers = []struct{ rel, glob string }{
	{"ultralytics/runs/detect/train/results.csv", "ultralytics/runs/*/*/results.csv"},
	{"ultralytics/runs/segment/train/results.csv", "ultralytics/runs/*/*/results.csv"},
	{"lightning/my_exp/version_0/metrics.csv", "lightning/**/metrics.csv"},
	{"keras/mnist_cnn/training.log", "keras/*/training.log"},
	{"timm/output/train/20240101-120000-resnet50-224/summary.csv", "timm/output/train/*/summary.csv"},
	{"flair/resources/taggers/ner/loss.tsv", "flair/resources/taggers/*/loss.tsv"},
}

// TestCSVProducersLive: the log of each producer, its header and first
// row there when the engine starts (catch-up) and the other rows written
// while it follows the file (one of them in two writes), gives what
// inspect says the whole file gives: series, values, steps, the run, and
// no parse error.
func TestCSVProducersLive(t *testing.T) {
	for _, p := range csvProducers {
		t.Run(p.rel, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "profiles", p.rel))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, p.rel)
			second := strings.IndexByte(string(data), '\n') + 1
			second += strings.IndexByte(string(data[second:]), '\n') + 1
			appendTo(t, path, string(data[:second]))
			cfg := testConfig(dir, false)
			cfg.Input = []string{filepath.Join(dir, p.glob)}
			e, self := startEngine(t, cfg)
			run := runFromPath(path)
			eventually(t, e.Collector(), []string{`ml_records_total{run="` + run + `"} 1`})
			rest := data[second:]
			half := len(rest) / 2
			appendTo(t, path, string(rest[:half]))
			appendTo(t, path, string(rest[half:]))

			fr, err := Inspect(path, DefaultConfig())
			if err != nil || len(fr.Problems) > 0 || fr.Profile != "csv" {
				t.Fatalf("inspect: %v, profile %s, problems %q", err, fr.Profile, fr.Problems)
			}
			var want []string
			for _, s := range fr.Series {
				// Record times are estimates that differ between reading the
				// file whole and following it, and so do what comes of them.
				if !strings.HasPrefix(s.Sample, "ml_last_record_timestamp_seconds") &&
					!strings.HasPrefix(s.Sample, "ml_run_record_interval_seconds") &&
					!strings.HasPrefix(s.Sample, "ml_run_eta_seconds") {
					want = append(want, s.Sample)
				}
			}
			if len(want) < 10 || fr.Run != run {
				t.Fatalf("inspect lists %d series of run %s", len(want), fr.Run)
			}
			eventually(t, e.Collector(), want)
			eventually(t, self, noParseErrors)
		})
	}
}
