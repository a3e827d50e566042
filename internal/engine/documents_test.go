// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// These tests write the documents of Chainer, Sacred and Ludwig as their
// producers do, while an engine follows them.

// replaceFile writes content to a temporary file and renames it over
// path, as Chainer's LogReport does.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// rewriteFile truncates path and writes content into it, as Python's
// json.dump into open(path, "w") does (Sacred, Ludwig).
func rewriteFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func chainerLog(t *testing.T, epochs int) string {
	var reports []map[string]any
	for ep := 1; ep <= epochs; ep++ {
		reports = append(reports, map[string]any{"epoch": ep, "iteration": 100 * ep, "main/loss": float64(ep), "validation/main/loss": float64(10 * ep), "elapsed_time": 2.5 * float64(ep)})
	}
	b, err := json.MarshalIndent(reports, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sacredMetrics is metrics.json after a heartbeat that came between the
// loss and the accuracy of the last step: the accuracy of that step
// comes with the next heartbeat.
func sacredMetrics(t *testing.T, steps int) string {
	type column struct {
		Steps      []int     `json:"steps"`
		Timestamps []string  `json:"timestamps"`
		Values     []float64 `json:"values"`
	}
	var loss, acc column
	t0 := time.Date(2024, 2, 12, 15, 21, 40, 0, time.UTC)
	for s := 1; s <= steps; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		loss.Steps, loss.Values = append(loss.Steps, s), append(loss.Values, float64(s))
		loss.Timestamps = append(loss.Timestamps, at.Format("2006-01-02T15:04:05.000000"))
		if s < steps {
			acc.Steps, acc.Values = append(acc.Steps, s), append(acc.Values, float64(10*s))
			acc.Timestamps = append(acc.Timestamps, at.Add(time.Millisecond).Format("2006-01-02T15:04:05.000000"))
		}
	}
	b, err := json.MarshalIndent(map[string]column{"training.loss": loss, "validation.accuracy": acc}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ludwigStatistics(t *testing.T, epochs int) string {
	var loss, vloss []float64
	for ep := 1; ep <= epochs; ep++ {
		loss, vloss = append(loss, float64(ep)), append(vloss, float64(10*ep))
	}
	doc := map[string]any{
		"training":             map[string]any{"combined": map[string]any{"loss": loss}},
		"validation":           map[string]any{"combined": map[string]any{"loss": vloss}},
		"evaluation_frequency": map[string]any{"frequency": 1, "period": "epoch"},
	}
	b, err := json.MarshalIndent(doc, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDocumentsFollowed: each producer's document read when found, then
// rewritten with more records, once half-written (a parse error, nothing
// applied), then whole: a subscriber sees every value once, in order.
func TestDocumentsFollowed(t *testing.T) {
	for _, tc := range []struct {
		name, file, glob, run string
		doc                   func(t *testing.T, n int) string
		write                 func(t *testing.T, path, content string)
		series, other         string // metrics whose nth values are n and 10n
		others                int    // values of other in the last document
		records               [3]int // ml_records_total after documents of 2, 4 and 5 steps
	}{
		{"chainer", "mnist/result/log", "**/result/log", "mnist", chainerLog, replaceFile, "ml_main_loss", "ml_validation_main_loss", 5, [3]int{2, 4, 5}},
		// The values of a step split by a heartbeat count as two records.
		{"sacred", "my_runs/7/metrics.json", "my_runs/*/metrics.json", "my_runs/7", sacredMetrics, rewriteFile, "ml_training_loss", "ml_validation_accuracy", 4, [3]int{2, 5, 7}},
		{"ludwig", "results/run/training_statistics.json", "results/*/training_statistics.json", "run", ludwigStatistics, rewriteFile, "ml_training_combined_loss", "ml_validation_combined_loss", 5, [3]int{2, 4, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tc.file)
			tc.write(t, path, tc.doc(t, 2))
			cfg := testConfig(dir, true)
			cfg.Input = []string{filepath.Join(dir, tc.glob)}
			self := prometheus.NewRegistry()
			e, err := New(cfg, NewSelfMetrics(self), nil)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[string][]float64{}
			e.Store().Subscribe(func(b *store.Batch) {
				mu.Lock()
				defer mu.Unlock()
				for _, s := range b.Samples {
					if s.Name == tc.series || s.Name == tc.other {
						seen[s.Name] = append(seen[s.Name], s.Value)
					}
				}
			})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); _ = e.Follow(ctx) }()
			defer func() { cancel(); <-done }()

			records := func(i int) string { return fmt.Sprintf(`ml_records_total{run=%q} %d`, tc.run, tc.records[i]) }
			eventually(t, e.Collector(), []string{records(0), fmt.Sprintf(`%s{run=%q} 2`, tc.series, tc.run)})

			// Half of the next write, held still long enough to be read.
			whole := tc.doc(t, 4)
			tc.write(t, path, whole[:len(whole)/2])
			eventually(t, self, []string{`jsonl_exporter_parse_errors_total{reason="invalid_json"} 1`})
			tc.write(t, path, whole)
			eventually(t, e.Collector(), []string{records(1), fmt.Sprintf(`%s{run=%q} 4`, tc.series, tc.run), fmt.Sprintf(`ml_run_restarts_total{run=%q} 0`, tc.run)})

			// The same document written again is read again and adds nothing.
			tc.write(t, path, tc.doc(t, 5))
			eventually(t, e.Collector(), []string{records(2)})
			lines := counter(t, self, "jsonl_exporter_lines_read_total")
			tc.write(t, path, tc.doc(t, 5))
			eventually(t, self, []string{fmt.Sprintf("jsonl_exporter_lines_read_total %g", lines+5)}) // its 5 records
			eventually(t, e.Collector(), []string{records(2)})

			mu.Lock()
			defer mu.Unlock()
			if want := []float64{1, 2, 3, 4, 5}; !slices.Equal(seen[tc.series], want) {
				t.Errorf("%s handed over %v, want %v", tc.series, seen[tc.series], want)
			}
			if want := []float64{10, 20, 30, 40, 50}[:tc.others]; !slices.Equal(seen[tc.other], want) {
				t.Errorf("%s handed over %v, want %v", tc.other, seen[tc.other], want)
			}
			if err := testutil.GatherAndCompare(self, strings.NewReader(`
# HELP jsonl_exporter_parse_errors_total Lines skipped because they could not be used, by reason.
# TYPE jsonl_exporter_parse_errors_total counter
jsonl_exporter_parse_errors_total{reason="invalid_csv"} 0
jsonl_exporter_parse_errors_total{reason="invalid_json"} 1
jsonl_exporter_parse_errors_total{reason="invalid_utf8"} 0
jsonl_exporter_parse_errors_total{reason="line_too_long"} 0
jsonl_exporter_parse_errors_total{reason="not_object"} 0
jsonl_exporter_parse_errors_total{reason="too_deep"} 0
jsonl_exporter_parse_errors_total{reason="too_many_keys"} 0
`), "jsonl_exporter_parse_errors_total"); err != nil {
				t.Error(err)
			}
		})
	}
}

// counter returns the value of a counter without labels.
func counter(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no counter %s", name)
	return 0
}

// TestMetricsJSONToldApartWhenItHasContent: detectron2 creates
// metrics.json empty, and Sacred's can be caught empty between truncation
// and write; discovery passes such a file over until its first bytes tell
// whose it is, and follows each as what it is.
func TestMetricsJSONToldApartWhenItHasContent(t *testing.T) {
	dir := t.TempDir()
	detectron2 := filepath.Join(dir, "output", "r50", "metrics.json")
	sacred := filepath.Join(dir, "my_runs", "3", "metrics.json")
	rewriteFile(t, detectron2, "")
	rewriteFile(t, sacred, "")
	cfg := testConfig(dir, true)
	cfg.Input = []string{filepath.Join(dir, "**", "metrics.json")}
	self := prometheus.NewRegistry()
	e, err := New(cfg, NewSelfMetrics(self), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); e.wg.Wait() }()
	e.scan(ctx, time.Now())
	e.scan(ctx, time.Now())
	if e.knows(detectron2) || e.knows(sacred) {
		t.Fatal("an empty metrics.json was taken before its content told whose it is")
	}
	appendTo(t, detectron2, `{"data_time": 0.0035, "iteration": 19, "total_loss": 1.378}`+"\n")
	rewriteFile(t, sacred, sacredMetrics(t, 2))
	e.scan(ctx, time.Now())
	e.mu.Lock()
	for path, want := range map[string]string{detectron2: "detectron2 lines", sacred: "sacred document"} {
		f := e.files[path]
		got := "unknown"
		if f != nil && f.prof != nil {
			got = f.prof.Name + map[bool]string{true: " document", false: " lines"}[f.document]
		}
		if got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	e.mu.Unlock()
	eventually(t, e.Collector(), []string{`ml_total_loss{run="r50"} 1.378`, `ml_step{run="r50"} 19`, `ml_training_loss{run="my_runs/3"} 2`, `ml_records_total{run="my_runs/3"} 2`})
	appendTo(t, detectron2, `{"data_time": 0.0035, "iteration": 39, "total_loss": 1.2}`+"\n")
	eventually(t, e.Collector(), []string{`ml_total_loss{run="r50"} 1.2`, `ml_records_total{run="r50"} 2`})
	eventually(t, self, []string{`jsonl_exporter_parse_errors_total{reason="invalid_json"} 0`})
}

// TestSacredMetricsOpenedEmpty: Sacred writes metrics.json as {} at its
// first heartbeat, before any metric is logged. Such a file tells
// nothing yet; once rewritten with Sacred's columns it is read as
// Sacred's document, not as detectron2's lines.
func TestSacredMetricsOpenedEmpty(t *testing.T) {
	// Named by number: t.TempDir takes the name, and braces are a glob's.
	for i, opening := range []string{"{}", "{ }\n", "\xEF\xBB\xBF{}"} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			dir := t.TempDir()
			sacred := filepath.Join(dir, "my_runs", "3", "metrics.json")
			rewriteFile(t, sacred, opening)
			cfg := testConfig(dir, true)
			cfg.Input = []string{filepath.Join(dir, "**", "metrics.json")}
			self := prometheus.NewRegistry()
			e, err := New(cfg, NewSelfMetrics(self), nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer func() { cancel(); e.wg.Wait() }()
			e.scan(ctx, time.Now())
			e.scan(ctx, time.Now())
			if e.knows(sacred) {
				t.Fatalf("metrics.json holding %q was taken before its content told whose it is", opening)
			}
			rewriteFile(t, sacred, sacredMetrics(t, 2))
			e.scan(ctx, time.Now())
			e.mu.Lock()
			f := e.files[sacred]
			if f == nil || f.prof == nil || f.prof.Name != "sacred" || !f.document {
				got := "not followed"
				if f != nil && f.prof != nil {
					got = f.prof.Name
				}
				t.Errorf("metrics.json not read as Sacred's document: %s", got)
			}
			e.mu.Unlock()
			eventually(t, e.Collector(), []string{`ml_training_loss{run="my_runs/3"} 2`, `ml_validation_accuracy{run="my_runs/3"} 10`, `ml_records_total{run="my_runs/3"} 2`})
			rewriteFile(t, sacred, sacredMetrics(t, 3))
			eventually(t, e.Collector(), []string{`ml_training_loss{run="my_runs/3"} 3`, `ml_validation_accuracy{run="my_runs/3"} 20`})
			eventually(t, self, []string{`jsonl_exporter_parse_errors_total{reason="invalid_json"} 0`})
		})
	}
}

// TestDocumentsOfTwoRunsStayApart: unlike the checkpoint copies of a
// Hugging Face run, two Chainer logs that resolve to one label are two
// runs, told apart as any two files.
func TestDocumentsOfTwoRunsStayApart(t *testing.T) {
	dir := t.TempDir()
	replaceFile(t, filepath.Join(dir, "mnist", "result", "log"), chainerLog(t, 2))
	replaceFile(t, filepath.Join(dir, "mnist", "logs", "result", "log"), chainerLog(t, 3))
	cfg := testConfig(dir, true)
	cfg.Input = []string{filepath.Join(dir, "**", "log")}
	e, self := startEngine(t, cfg)
	// The first in glob order keeps the label.
	eventually(t, e.Collector(), []string{`ml_records_total{run="mnist"} 3`, `ml_records_total{run="mnist@result/log"} 2`})
	eventually(t, self, []string{`jsonl_exporter_run_name_conflicts_total 1`})
}

// TestUnreadableDocumentIsCaughtUp: a file of a document's name that is
// not that document (another program's training_statistics.json, an
// evaluation script's pretty-printed metrics.json, a trainer_state.json
// cut short) counts one parse error and is caught up: readiness, plot and
// backfill waited for it for ever.
func TestUnreadableDocumentIsCaughtUp(t *testing.T) {
	dir := t.TempDir()
	rewriteFile(t, filepath.Join(dir, "a", "training_statistics.json"), `{"total_rows": 7621352, "splits": {"test": 1}}`)
	rewriteFile(t, filepath.Join(dir, "b", "metrics.json"), "{\n    \"per_board_accuracy\": 0.005\n}")
	rewriteFile(t, filepath.Join(dir, "c", "trainer_state.json"), "{\n  \"log_history\": [\n")
	cfg := testConfig(dir, true)
	cfg.Input = []string{filepath.Join(dir, "*", "*.json")}
	e, self := startEngine(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, self, []string{`jsonl_exporter_parse_errors_total{reason="invalid_json"} 3`})
}

// TestEmptyDocumentIsNotAnError: a document caught between the truncation
// and the write of its rewrite holds nothing yet. That is no parse error;
// the write that follows is read as usual.
func TestEmptyDocumentIsNotAnError(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "out", "trainer_state.json")
	doc := func(steps int) string {
		var entries []string
		for s := 1; s <= steps; s++ {
			entries = append(entries, fmt.Sprintf(`{"epoch": %d, "loss": %d, "step": %d}`, s, 10-s, 10*s))
		}
		return `{"global_step": ` + fmt.Sprint(10*steps) + `, "log_history": [` + strings.Join(entries, ", ") + `], "max_steps": 100}`
	}
	rewriteFile(t, state, doc(2))
	cfg := testConfig(dir, true)
	cfg.Input = []string{filepath.Join(dir, "*", "trainer_state.json")}
	e, self := startEngine(t, cfg)
	eventually(t, e.Collector(), []string{`ml_loss{run="out"} 8`, `ml_records_total{run="out"} 2`})
	eventually(t, self, []string{`jsonl_exporter_lines_read_total 2`})
	rewriteFile(t, state, "")
	eventually(t, self, []string{`jsonl_exporter_lines_read_total 3`, `jsonl_exporter_parse_errors_total{reason="invalid_json"} 0`})
	rewriteFile(t, state, doc(3))
	eventually(t, e.Collector(), []string{`ml_loss{run="out"} 7`, `ml_records_total{run="out"} 3`})
	eventually(t, self, []string{`jsonl_exporter_parse_errors_total{reason="invalid_json"} 0`})
}
