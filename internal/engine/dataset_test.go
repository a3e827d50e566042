// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// TestIsDataRecord: the records of datasets and predictions are data;
// the records of logs, whatever they look like, are not.
func TestIsDataRecord(t *testing.T) {
	cfg := DefaultConfig()
	opts := profile.Generic.ParserOptions(cfg.ParserOptions())
	keys := logKeys(opts)
	opts.Explain = true
	coco := `[0.01, 0.04, 0.004, 0.0, 0.01, 0.02, 0.03, 0.05, 0.06, 0.0, 0.02, 0.09]`
	long := "[" + strings.Repeat("101, ", 40) + "102]"
	for _, tc := range []struct {
		line string
		data bool
	}{
		// Datasets and predictions.
		{`{"text": "a great movie", "label": 1}`, true},
		{`{"id": "a1", "pred": 3, "score": 0.9}`, true},
		{`{"prompt": "2+2?", "completion": "4"}`, true},
		{`{"input_ids": [101, 2023, 102], "labels": [0, 1, 1]}`, true},
		{`{"input_ids": ` + long + `, "label": 1}`, true},
		{`{"messages": [{"role": "user", "content": "hi"}]}`, true},
		{`{"idx": 1, "gold": "是", "pred": "否", "ok": true, "user": "文本"}`, true},
		{`{"timestamp": "2025-07-17T11:27:05.926387", "user": "What was the total footfall?", "assistant": null}`, true},
		{`{"image": "img/0001.jpg", "boxes": [[1, 2, 3, 4]]}`, true},
		{`{"tokens": []}`, true},
		// Logs of every kind.
		{`{"_type":"run_start","run_name":"bert-seed","time":1764115200.0}`, false},
		{`{"_type":"config","time":1764115200.1,"config":{"lr":0.0003,"batch_size":64}}`, false},
		{`{"_type":"meta","host":"gpu-node-7","user":"alice","world_size":8}`, false},
		{`{"_type":"metric","note":"warm"}`, false},
		{`{"loss": 2.3}`, false},
		{`{"config": {"lr": 0.001, "model": "bert"}}`, false},
		{`{"step": 1, "sample": "a generated text"}`, false},
		{`{"epoch": 1, "note": "x"}`, false},
		{`{"time": 1764115200, "msg": "checkpoint saved"}`, false},
		{`{"timestamp": "2025-07-17T11:27:05Z", "event": "start"}`, false},
		{`{"run_name": "bert", "note": "x"}`, false},
		{`{"prefix": "train", "phase": "warmup", "loss": 1}`, false},
		{`{"metrics": {"loss": 1, "phase": "warmup"}}`, false},
		{`{"train_loss": 23.4, "test_coco_eval_bbox": ` + coco + `}`, false},
		// A flat config, mmdetection 2's first line (its profile is not
		// judged) look like data: the records after them decide.
		{`{"lr": 0.001, "model": "bert-base", "batch_size": 32}`, true},
		{`{"env_info": "sys.platform: linux", "seed": 42, "exp_name": "faster_rcnn_r50.py"}`, true},
	} {
		var r record.Record
		if err := record.NewParser(opts).Parse([]byte(tc.line), &r); err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		if got := isDataRecord(&r, []byte(tc.line), keys); got != tc.data {
			t.Errorf("isDataRecord(%s) = %v, want %v", tc.line, got, tc.data)
		}
	}
}

// TestLogGate: held lines, the verdicts and their bounds.
func TestLogGate(t *testing.T) {
	line := func(n int) heldLine { return heldLine{line: []byte(strings.Repeat("x", n)), lineNo: 1} }
	t.Run("a log record lets the held lines through", func(t *testing.T) {
		var g logGate
		for range judgeRecords - 1 {
			if s := g.next(true, line(10)); s != stepHeld {
				t.Fatalf("step %d, want held", s)
			}
		}
		if s := g.next(false, line(10)); s != stepLog || g.state != gateLog || len(g.takeHeld()) != judgeRecords-1 {
			t.Fatalf("step %d, state %d", s, g.state)
		}
	})
	t.Run("set aside after judgeRecords data records, held lines kept if short", func(t *testing.T) {
		var g logGate
		var s gateStep
		for range judgeRecords {
			s = g.next(true, line(10))
		}
		if s != stepSetAside || g.state != gateSetAside || len(g.held) != judgeRecords {
			t.Fatalf("step %d, state %d, %d held", s, g.state, len(g.held))
		}
		if s := g.next(false, line(10)); s != stepLog || len(g.takeHeld()) != judgeRecords {
			t.Fatalf("picked up: step %d", s)
		}
	})
	t.Run("all or none: a data record skipped drops the held ones", func(t *testing.T) {
		var g logGate
		for range judgeRecords {
			g.next(true, line(10))
		}
		if s := g.next(true, line(10)); s != stepSkip {
			t.Fatalf("after: step %d, want skip", s)
		}
		if s := g.next(false, line(10)); s != stepLog || len(g.takeHeld()) != 0 {
			t.Fatalf("picked up after a record not held: step %d, some held records replayed", s)
		}
	})
	t.Run("all or none: a line over holdBytes drops the held ones", func(t *testing.T) {
		var g logGate
		g.next(true, line(10))
		if s := g.next(true, line(holdBytes)); s != stepSetAside || g.held != nil {
			t.Fatalf("step %d, %d held: the first line would be replayed without the second", s, len(g.held))
		}
	})
	t.Run("long lines are not kept once set aside", func(t *testing.T) {
		var g logGate
		for range judgeRecords {
			g.next(true, line(keepBytes/4))
		}
		if g.state != gateSetAside || g.held != nil {
			t.Fatalf("state %d, %d held", g.state, len(g.held))
		}
	})
	t.Run("lines over holdBytes set the file aside at once", func(t *testing.T) {
		var g logGate
		if s := g.next(true, line(holdBytes/2)); s != stepHeld {
			t.Fatalf("step %d", s)
		}
		if s := g.next(true, line(holdBytes/2+1)); s != stepSetAside || g.held != nil {
			t.Fatalf("step %d, %d held", s, len(g.held))
		}
	})
	t.Run("end of content", func(t *testing.T) {
		var g logGate
		if g.end() {
			t.Fatal("set aside without a record")
		}
		g.next(true, line(10))
		if !g.end() || g.state != gateSetAside || len(g.held) != 1 {
			t.Fatalf("state %d", g.state)
		}
		if g.end() {
			t.Fatal("set aside twice")
		}
	})
	t.Run("restart judges again, a log stays one", func(t *testing.T) {
		var g logGate
		g.next(true, line(10))
		g.end()
		g.restart()
		if g.state != gateJudging || g.data != 0 || g.held != nil {
			t.Fatalf("after restart: %+v", g)
		}
		g.next(false, line(10))
		g.restart()
		if g.state != gateLog {
			t.Fatal("a log judged again")
		}
	})
	t.Run("a first line that is no JSON object ends the judging", func(t *testing.T) {
		var g logGate
		g.notJSON(record.ErrEmpty)
		if g.state != gateJudging {
			t.Fatal("a blank line ended the judging")
		}
		g.notJSON(&record.Error{})
		if g.state != gateLog {
			t.Fatal("a file of CSV or text is judged")
		}
		g = logGate{}
		g.next(true, line(10))
		g.notJSON(&record.Error{})
		if g.state != gateJudging {
			t.Fatal("a broken line after data records ended the judging")
		}
	})
	t.Run("held lines are copies", func(t *testing.T) {
		var g logGate
		b := []byte(`{"a":"b"}`)
		g.next(true, heldLine{line: b})
		b[2] = 'z'
		if string(g.takeHeld()[0].line) != `{"a":"b"}` {
			t.Fatal("a held line changed with the reader's buffer")
		}
	})
}

// TestLogsAreNeverSetAside: no log of a supported producer, read with its
// profile or as a generic log, is set aside, and nothing of it is held
// back; nor is a log that opens with a flat config, whose numbers count.
func TestLogsAreNeverSetAside(t *testing.T) {
	var files []string
	for _, corpus := range []string{"testdata/corpus", "testdata/profiles"} {
		err := filepath.WalkDir(corpus, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	flat := filepath.Join(t.TempDir(), "run", "metrics.jsonl")
	appendTo(t, flat, `{"lr": 0.001, "model": "bert-base", "batch_size": 32}`+"\n"+`{"note": "warmup"}`+"\n"+`{"step": 1, "loss": 2.3}`+"\n")
	files = append(files, flat)
	if len(files) < 15 {
		t.Fatalf("only %d logs", len(files))
	}
	for _, path := range files {
		for _, prof := range []string{profile.Auto, profile.Generic.Name} {
			t.Run(fmt.Sprintf("%s as %s", path, prof), func(t *testing.T) {
				cfg := DefaultConfig()
				cfg.Parser.Profile = prof
				fr, err := Inspect(path, cfg)
				if err != nil {
					t.Fatal(err)
				}
				if fr.SetAside || fr.DataRecords != 0 {
					t.Errorf("set aside %v, %d data records", fr.SetAside, fr.DataRecords)
				}
			})
		}
	}
	fr, err := Inspect(flat, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	WriteReport(&b, fr)
	for _, want := range []string{`ml_lr{run="run"} 0.001`, `ml_batch_size{run="run"} 32`, `ml_loss{run="run"} 2.3`, "lines:    3 (3 records"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
}

// TestInspectSetAside: inspect says when a file is set aside, how many
// records it did not read, and where a log record picked it up.
func TestInspectSetAside(t *testing.T) {
	dir := t.TempDir()
	var data strings.Builder
	for i := range 20 {
		fmt.Fprintf(&data, `{"text": "review %d", "label": %d}`+"\n", i, i%2)
	}
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tc := range []struct {
		name, content string
		want          []string
		absent        []string
	}{
		{"sst2.jsonl", data.String(),
			[]string{"lines:    20 (0 records)", "set aside: its first records carry no metric (text, ids, labels), as a dataset's or predictions' do: 20 data records not read\n", "series:   0"},
			[]string{"read as a log", "ml_label"}},
		{"preds.jsonl", `{"id": "a1", "pred": 3, "score": 0.9}` + "\n" + `{"id": "a2", "pred": 1, "score": 0.4}` + "\n",
			[]string{"set aside: its first records carry no metric", "2 data records not read"}, []string{"ml_pred"}},
		// Picked up: the records held back before are read if they are
		// all of those before the metric record, else none of them is.
		{"late.jsonl", data.String() + `{"step": 7, "eval/accuracy": 0.91}` + "\n" + `{"text": "x", "label": 3}` + "\n",
			[]string{"; read as a log from line 21, where a metric record follows", "20 data records not read",
				`ml_eval_accuracy{run="late"} 0.91`, `ml_step{run="late"} 7`, `ml_label{run="late"} 3`, "lines:    22 (2 records"},
			nil},
		{"eight.jsonl", strings.Join(strings.SplitAfter(data.String(), "\n")[:judgeRecords], "") + `{"step": 7, "eval/accuracy": 0.91}` + "\n",
			[]string{"; read as a log from line 9, where a metric record follows", "0 data records not read",
				`ml_eval_accuracy{run="eight"} 0.91`, `ml_label{run="eight"} 1`, "lines:    9 (9 records"},
			nil},
		{"small.jsonl", `{"id": "a1", "pred": 3}` + "\n" + `{"step": 7, "loss": 0.5}` + "\n",
			[]string{"lines:    2 (2 records", `ml_pred{run="small"} 3`, `ml_loss{run="small"} 0.5`}, []string{"set aside"}},
		// Not JSON Lines from the start: not judged.
		{"header.jsonl", "id,text,label\n" + `{"id": "a1", "pred": 3, "text": "x"}` + "\n",
			[]string{`ml_pred{run="header"} 3`, "invalid_json"}, []string{"set aside"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr, err := Inspect(write(tc.name, tc.content), DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			WriteReport(&b, fr)
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("no %q in\n%s", w, b.String())
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(b.String(), a) {
					t.Errorf("%q in\n%s", a, b.String())
				}
			}
		})
	}
}

// waitFor waits until cond holds, for at most 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSetAsideFollowed: datasets, predictions and a chat log matched by a
// broad glob beside a training log are set aside when found or once
// they hold enough records, give no run and take no label; a metric
// record appended picks a file up; a file set aside and rewritten is
// judged again. The log beside them is served as before.
func TestSetAsideFollowed(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		appendTo(t, filepath.Join(dir, "exp1", "logs", "metrics.jsonl"), `{"step":1,"train/loss":2.5}`+"\n"+`{"step":2,"train/loss":2.1}`+"\n")
		var sst strings.Builder
		for i := range 20 {
			fmt.Fprintf(&sst, `{"text": "review %d", "label": %d}`+"\n", i, i%2)
		}
		// train.jsonl would be run exp1, as the log: no conflict.
		appendTo(t, filepath.Join(dir, "exp1", "train.jsonl"), sst.String())
		preds := filepath.Join(dir, "exp1", "predictions.jsonl")
		appendTo(t, preds, `{"id": "a1", "pred": 3, "score": 0.9}`+"\n"+`{"id": "a2", "pred": 1, "score": 0.4}`+"\n"+`{"id": "a3", "pred": 2, "score": 0.7}`+"\n")
		chat := filepath.Join(dir, "chat", "logging.jsonl")
		appendTo(t, chat, `{"timestamp": "2025-07-17T11:27:05.926387", "user": "What was the total footfall for may 2025?", "assistant": null}`+"\n"+
			`{"timestamp": "2025-07-17T11:38:47.044495", "user": "And on 1st may?", "assistant": "108,825."}`+"\n")
		e, self := startEngine(t, testConfig(dir, poll))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
		eventually(t, e.Collector(), []string{`ml_train_loss{run="exp1"} 2.1`, `ml_step{run="exp1"} 2`, `ml_records_total{run="exp1"} 2`},
			"ml_label", "ml_pred", "ml_score", "ml_records_total{run=\"exp1/", "ml_records_total{run=\"chat\"}", "ml_records_total{run=\"exp1@")
		waitFor(t, "3 files set aside", func() bool { return e.filesSetAside() == 3 })
		if n := e.filesWatched(); n != 4 {
			t.Errorf("%d files watched, want 4: files set aside are still followed", n)
		}
		eventually(t, self, []string{`jsonl_exporter_run_name_conflicts_total 0`, `jsonl_exporter_parse_errors_total{reason="invalid_json"} 0`,
			`jsonl_exporter_lines_read_total 27`})

		// A metric record picks the predictions up, with their few
		// records held back before.
		appendTo(t, preds, `{"step": 5, "loss": 0.7}`+"\n")
		eventually(t, e.Collector(), []string{`ml_loss{run="exp1/predictions"} 0.7`, `ml_step{run="exp1/predictions"} 5`,
			`ml_pred{run="exp1/predictions"} 2`, `ml_records_total{run="exp1/predictions"} 4`, `ml_train_loss{run="exp1"} 2.1`})
		waitFor(t, "2 files set aside", func() bool { return e.filesSetAside() == 2 })

		// A file written while followed is judged by its first records:
		// held back, then set aside at the eighth.
		gen := filepath.Join(dir, "exp1", "generated.jsonl")
		appendTo(t, gen, "")
		waitFor(t, "the new file found", func() bool { return e.filesWatched() == 5 })
		appendTo(t, gen, strings.Repeat(`{"prompt": "2+2?", "completion": "4"}`+"\n", judgeRecords-1))
		eventually(t, self, []string{`jsonl_exporter_lines_read_total 35`})
		if n := e.filesSetAside(); n != 2 {
			t.Errorf("%d files set aside after 7 records of a new file, want 2", n)
		}
		appendTo(t, gen, `{"prompt": "3+3?", "completion": "6"}`+"\n")
		waitFor(t, "3 files set aside", func() bool { return e.filesSetAside() == 3 })

		// The chat log rewritten as a training log is judged again.
		if err := os.WriteFile(chat, []byte(`{"step": 1, "loss": 1.5}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		eventually(t, e.Collector(), []string{`ml_loss{run="chat"} 1.5`, `ml_step{run="chat"} 1`}, "ml_records_total{run=\"exp1/generated")
		waitFor(t, "2 files set aside", func() bool { return e.filesSetAside() == 2 })
		eventually(t, self, []string{`jsonl_exporter_run_name_conflicts_total 0`})
	})
}

// TestSetAsideFreesTheLabel: a dataset found before the log of the same
// run (in glob order) gives the label up, and one found after it claims
// none: the log never has another label, and no conflict is counted.
func TestSetAsideFreesTheLabel(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		var sst strings.Builder
		for i := range 20 {
			fmt.Fprintf(&sst, `{"text": "review %d", "label": %d}`+"\n", i, i%2)
		}
		// checkpoint/ sorts before logs/, and both name no run.
		appendTo(t, filepath.Join(dir, "exp3", "checkpoint", "train.jsonl"), sst.String())
		appendTo(t, filepath.Join(dir, "exp3", "logs", "metrics.jsonl"), `{"step":1,"train/loss":2.5}`+"\n")
		// The log in the run folder comes before output/.
		appendTo(t, filepath.Join(dir, "exp5", "metrics.jsonl"), `{"step":1,"train/loss":4.5}`+"\n")
		appendTo(t, filepath.Join(dir, "exp5", "output", "train.jsonl"), sst.String())
		e, self := startEngine(t, testConfig(dir, poll))
		eventually(t, e.Collector(), []string{`ml_train_loss{run="exp3"} 2.5`, `ml_train_loss{run="exp5"} 4.5`}, "ml_label", `ml_train_loss{run="exp3@`, `ml_train_loss{run="exp5@`)
		waitFor(t, "2 files set aside", func() bool { return e.filesSetAside() == 2 })
		eventually(t, self, []string{`jsonl_exporter_run_name_conflicts_total 0`})
		// Another log of the run is a conflict, as before.
		appendTo(t, filepath.Join(dir, "exp3", "output", "metrics.jsonl"), `{"step":1,"train/loss":3.5}`+"\n")
		eventually(t, e.Collector(), []string{`ml_train_loss{run="exp3"} 2.5`, `ml_train_loss{run="exp3@output/metrics.jsonl"} 3.5`})
		eventually(t, self, []string{`jsonl_exporter_run_name_conflicts_total 1`})
	})
}

// TestFileGauges: the service serves the files followed and the files set
// aside, both from one walk of the engine's files, and zeros before an
// engine runs. A file followed under a second path counts once.
func TestFileGauges(t *testing.T) {
	dir := t.TempDir()
	appendTo(t, filepath.Join(dir, "exp1", "logs", "metrics.jsonl"), `{"step":1,"train/loss":2.5}`+"\n")
	var sst strings.Builder
	for i := range 20 {
		fmt.Fprintf(&sst, `{"text": "review %d", "label": %d}`+"\n", i, i%2)
	}
	appendTo(t, filepath.Join(dir, "exp1", "data", "sst2.jsonl"), sst.String())
	if err := os.Symlink(filepath.Join(dir, "exp1", "data", "sst2.jsonl"), filepath.Join(dir, "exp1", "data", "link.jsonl")); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	svc := NewService(reg, nil)
	gauges := `
# HELP jsonl_exporter_files_set_aside Files matched by an input whose first records carry no metric (datasets, predictions): no run until a metric record follows.
# TYPE jsonl_exporter_files_set_aside gauge
jsonl_exporter_files_set_aside %d
# HELP jsonl_exporter_files_watched Files currently followed or read.
# TYPE jsonl_exporter_files_watched gauge
jsonl_exporter_files_watched %d
`
	names := []string{"jsonl_exporter_files_set_aside", "jsonl_exporter_files_watched"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(fmt.Sprintf(gauges, 0, 0)), names...); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(testConfig(dir, false)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	waitFor(t, "the dataset set aside", func() bool { return svc.Engine().filesSetAside() == 1 })
	if err := testutil.GatherAndCompare(reg, strings.NewReader(fmt.Sprintf(gauges, 1, 2)), names...); err != nil {
		t.Fatal(err)
	}
	if problems, err := testutil.GatherAndLint(reg, names...); err != nil || len(problems) > 0 {
		t.Fatal(problems, err)
	}
}
