// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// csvDataset is a dataset's table: an id, text with commas, quotes and
// a line break inside a quoted cell (two lines that are no CSV row on
// their own), a label and a score.
func csvDataset(rows int) string {
	var b strings.Builder
	b.WriteString("id,text,label,score\r\n")
	for i := range rows {
		switch i {
		case 3:
			fmt.Fprintf(&b, "%d,\"a review, \"\"quoted\"\",\nover two lines\",1,0.%d\r\n", i, i)
		default:
			fmt.Fprintf(&b, "%d,\"review %d, good\",%d,0.%d\r\n", i, i, i%2, i)
		}
	}
	return b.String()
}

// TestCSVVerdict: what each line of a CSV file not known to be a log
// tells, as its reader read it.
func TestCSVVerdict(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		want  []csvStep
	}{
		{[]string{"epoch,time,train/box_loss", "1,9.8,1.19"}, []csvStep{csvLog, csvLog}},
		{[]string{"", "EPOCH\tTIMESTAMP\tTRAIN_LOSS"}, []csvStep{csvUndecided, csvLog}},
		{[]string{"id,text,label,score", "1,a,0,0.5"}, []csvStep{csvData, csvData}},
		// A header with a time column only: its rows tell.
		{[]string{"timestamp,value", "2014-04-01 00:00:00,20.5"}, []csvStep{csvUndecided, csvData}},
		{[]string{"time,loss", "1764115200,2.5"}, []csvStep{csvUndecided, csvLog}},
		{[]string{"time,loss", "12.5,2.5"}, []csvStep{csvUndecided, csvData}}, // seconds since the start: no time
		// A header that names a step column among a dataset's rows.
		{[]string{"id,text", "1,a", "step,loss,acc", "1,2.5,0.1"}, []csvStep{csvData, csvData, csvLog, csvLog}},
		// Rows that fit no header are a dataset's rows.
		{[]string{"id,text", `1,"unterminated`}, []csvStep{csvData, csvData}},
		// No header: not judged.
		{[]string{"1,2,3"}, []csvStep{csvLog}},
	} {
		c := record.NewCSV(record.DefaultOptions())
		var got []csvStep
		for _, l := range tc.lines {
			var r record.Record
			err := c.Parse([]byte(l), &r)
			got = append(got, csvVerdict(c.Header(), err, &r))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%q: %v, want %v (0 log, 1 data, 2 undecided)", tc.lines, got, tc.want)
		}
	}
}

// TestCSVDatasetsSetAside: CSV datasets matched by '**/*.csv' beside
// an Ultralytics results.csv, found when the engine starts (one of them
// in the run folder, under the log's label) or written while it follows
// them, are set aside: no run, no series, no label taken, no parse error
// for their rows. A time series without times is set aside too; a CSV
// log with times and no step is read. A header that names a step, from
// a rewrite or among the rows, picks a dataset up.
func TestCSVDatasetsSetAside(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		appendTo(t, filepath.Join(dir, "exp1", "results.csv"), "epoch,time,train/box_loss,metrics/mAP50(B)\n1,9.81,1.1931,0.72938\n2,17.52,1.0988,0.78805\n")
		// train.csv resolves to exp1 too: it does not take the label.
		appendTo(t, filepath.Join(dir, "exp1", "train.csv"), csvDataset(50))
		val := filepath.Join(dir, "exp1", "data", "val.csv")
		appendTo(t, val, csvDataset(10))
		// A dataset found before the log of its run gives the label up.
		appendTo(t, filepath.Join(dir, "exp3", "checkpoint", "train.csv"), csvDataset(20))
		appendTo(t, filepath.Join(dir, "exp3", "logs", "results.csv"), "epoch,train/box_loss\n1,2.5\n")
		appendTo(t, filepath.Join(dir, "nab", "machine_temperature.csv"), "timestamp,value\n2013-12-02 21:15:00,73.96\n2013-12-02 21:20:00,74.93\n")
		appendTo(t, filepath.Join(dir, "clock", "metrics.csv"), "time,loss\n1764115200,2.5\n1764115260,2.1\n")

		e, self := startEngine(t, csvConfig(dir, poll))
		eventually(t, e.Collector(), []string{
			`ml_train_box_loss{run="exp1"} 1.0988`, `ml_records_total{run="exp1"} 2`,
			`ml_train_box_loss{run="exp3"} 2.5`, `ml_loss{run="clock"} 2.1`, `ml_records_total{run="clock"} 2`},
			"ml_label", "ml_score", "ml_id", "ml_value", `ml_records_total{run="exp1/data`, `ml_records_total{run="nab`,
			`{run="exp1@`, `{run="exp3@`)
		waitFor(t, "4 files set aside", func() bool { return e.filesSetAside() == 4 })
		eventually(t, self, append([]string{`jsonl_exporter_run_name_conflicts_total 0`}, noParseErrors...))

		// Written while followed: set aside at its header.
		preds := filepath.Join(dir, "exp1", "preds.csv")
		appendTo(t, preds, "id,pred,score\n")
		waitFor(t, "5 files set aside", func() bool { return e.filesSetAside() == 5 })
		appendTo(t, preds, "a1,3,0.9\na2,1,0.4\n")

		// The dataset rewritten with a step column is a log.
		writeFile(t, val, "step,loss,acc\n1,2.5,0.1\n2,2.25,0.2\n")
		eventually(t, e.Collector(), []string{`ml_loss{run="exp1/data/val"} 2.25`, `ml_step{run="exp1/data/val"} 2`, `ml_records_total{run="exp1/data/val"} 2`}, "ml_label")
		waitFor(t, "4 files set aside", func() bool { return e.filesSetAside() == 4 })
		// A header among the rows, as when two files are concatenated.
		appendTo(t, preds, "step,loss\n5,0.7\n")
		eventually(t, e.Collector(), []string{`ml_loss{run="exp1/preds"} 0.7`, `ml_step{run="exp1/preds"} 5`, `ml_records_total{run="exp1/preds"} 1`}, "ml_pred")
		waitFor(t, "3 files set aside", func() bool { return e.filesSetAside() == 3 })
		eventually(t, self, append([]string{`jsonl_exporter_run_name_conflicts_total 0`}, noParseErrors...))
	})
}

// TestCSVDatasetConfigured: an input that configures the csv profile
// says its files are logs: a table without a step (Stable-Baselines3's
// progress.csv) is read.
func TestCSVDatasetConfigured(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ppo_1", "progress.csv")
	appendTo(t, path, "time/fps,time/total_timesteps,rollout/ep_rew_mean\n1021,2048,22.5\n998,4096,31.75\n")
	cfg := testConfig(dir, true)
	cfg.Input = nil
	cfg.Inputs = []InputConfig{{Path: filepath.Join(dir, "*", "progress.csv"), Profile: "csv"}}
	e, self := startEngine(t, cfg)
	eventually(t, e.Collector(), []string{`ml_rollout_ep_rew_mean{run="ppo_1"} 31.75`, `ml_records_total{run="ppo_1"} 2`})
	eventually(t, self, noParseErrors)
	if n := e.filesSetAside(); n != 0 {
		t.Errorf("%d files set aside", n)
	}
}

// TestInspectCSVDataset: inspect of a folder lists a dataset's CSV as
// set aside, with the rows it did not read, and where a header that
// names a step picked it up.
func TestInspectCSVDataset(t *testing.T) {
	dir := t.TempDir()
	appendTo(t, filepath.Join(dir, "exp1", "results.csv"), "epoch,time,train/box_loss\n1,9.81,1.1931\n2,17.52,1.0988\n")
	appendTo(t, filepath.Join(dir, "exp1", "data", "train.csv"), csvDataset(50))
	appendTo(t, filepath.Join(dir, "exp1", "data", "later.csv"), csvDataset(5)+"step,loss\n7,0.5\n")
	files, err := LogFilesUnder(dir)
	if err != nil || len(files) != 3 {
		t.Fatalf("%q, %v", files, err)
	}
	var b strings.Builder
	for _, f := range files {
		fr, err := Inspect(f, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		WriteReport(&b, fr)
	}
	report := b.String()
	for _, want := range []string{
		"later.csv\n  run:      later\n  profile:  csv (from its name)\n  lines:    9 (1 records, 1 metric)\n" +
			"  set aside: its CSV header names no step or epoch column and its rows hold no time, as a dataset's do (for a log without one, configure profile csv): 6 lines not read; read as a log from line 8, where a header that names a step or epoch column, or a row with a time, follows\n",
		`ml_loss{run="later"} 0.5`,
		"train.csv\n  run:      data\n  profile:  csv (from its name)\n  lines:    52 (0 records)\n" +
			"  set aside: its CSV header names no step or epoch column and its rows hold no time, as a dataset's do (for a log without one, configure profile csv): 51 lines not read\n  series:   0\n  problems: none\n",
		`ml_train_box_loss{run="exp1"} 1.0988`,
	} {
		if !strings.Contains(report, want) {
			t.Errorf("no %q in\n%s", want, report)
		}
	}
	if strings.Contains(report, "invalid_csv") || strings.Contains(report, "ml_label") {
		t.Errorf("a dataset's rows read:\n%s", report)
	}
}
