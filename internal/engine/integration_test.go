// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// These tests write real files while an engine follows them, in both
// inotify and polling modes.

func testConfig(dir string, poll bool) Config {
	cfg := DefaultConfig()
	cfg.Input = []string{filepath.Join(dir, "**", "*.jsonl"), filepath.Join(dir, "**", "*.jsonl.gz")}
	cfg.Discovery.Interval = 50 * time.Millisecond
	cfg.Tail.Poll = poll
	cfg.Tail.PollInterval = 50 * time.Millisecond
	cfg.Run.DeletedGrace = 300 * time.Millisecond
	return cfg
}

func forBothModes(t *testing.T, test func(t *testing.T, poll bool)) {
	for _, poll := range []bool{false, true} {
		name := "inotify"
		if poll {
			name = "poll"
		}
		t.Run(name, func(t *testing.T) { test(t, poll) })
	}
}

// scrape returns the exposition lines of c, without comments.
func scrape(t *testing.T, c prometheus.Collector) []string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(exposition(t, c), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// eventually waits until every want line (`name{labels} value`) is in
// the exposition, and no unwanted series prefix is.
func eventually(t *testing.T, c prometheus.Collector, want []string, absent ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var lines []string
	for {
		lines = scrape(t, c)
		have := map[string]bool{}
		for _, l := range lines {
			have[l] = true
		}
		ok := true
		for _, w := range want {
			ok = ok && have[w]
		}
		for _, a := range absent {
			for _, l := range lines {
				ok = ok && !strings.HasPrefix(l, a)
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %q, absent %q; exposition:\n%s", want, absent, strings.Join(lines, "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestPartialLineWaitsForNewline(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "r1", "metrics.jsonl")
		appendTo(t, path, `{"step":1,"train.loss":2}`+"\n"+`{"step":2,"train.lo`)
		e, self := startEngine(t, testConfig(dir, poll))
		eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 2`, `ml_step{run="r1"} 1`})
		appendTo(t, path, `ss":1.5}`+"\n")
		eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 1.5`, `ml_step{run="r1"} 2`})
		eventually(t, self, []string{`jsonl_exporter_parse_errors_total{reason="invalid_json"} 0`})
	})
}

func TestTruncationReadsAgain(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "r1", "metrics.jsonl")
		appendTo(t, path, `{"step":1,"train.loss":3}`+"\n"+`{"step":2,"train.loss":2.5}`+"\n")
		e, self := startEngine(t, testConfig(dir, poll))
		eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 2.5`})
		// The run restarts from scratch in place, writing more than before
		// before the exporter looks again.
		var b strings.Builder
		for i := range 20 {
			fmt.Fprintf(&b, `{"step":%d,"train.loss":%d.25}`+"\n", i, 9-i/3)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 3.25`, `ml_step{run="r1"} 19`, `ml_records_total{run="r1"} 22`})
		eventually(t, self, []string{`jsonl_exporter_file_truncations_total 1`})
	})
}

func TestRotation(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		t.Run("rename and create", func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "r1", "metrics.jsonl")
			appendTo(t, path, `{"step":1,"train.loss":3}`+"\n")
			e, self := startEngine(t, testConfig(dir, poll))
			eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 3`})
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			appendTo(t, path+".1", `{"step":2,"train.loss":2}`+"\n") // late write to the old file
			appendTo(t, path, `{"step":3,"train.loss":1}`+"\n")
			eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 1`, `ml_step{run="r1"} 3`, `ml_records_total{run="r1"} 3`})
			eventually(t, self, []string{`jsonl_exporter_series_dropped_total{reason="file_deleted"} 0`})
		})
		t.Run("copytruncate", func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "r1", "metrics.jsonl")
			appendTo(t, path, `{"step":1,"train.loss":3}`+"\n"+`{"step":2,"train.loss":2}`+"\n")
			e, self := startEngine(t, testConfig(dir, poll))
			eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 2`})
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
			eventually(t, self, []string{`jsonl_exporter_file_truncations_total 1`})
			appendTo(t, path, `{"step":3,"train.loss":1}`+"\n")
			eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 1`, `ml_step{run="r1"} 3`, `ml_run_restarts_total{run="r1"} 0`})
		})
	})
}

func TestDeletedFileRunDisappearsAfterGrace(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		keep := filepath.Join(dir, "keep", "metrics.jsonl")
		gone := filepath.Join(dir, "gone", "metrics.jsonl")
		appendTo(t, keep, `{"step":1,"train.loss":1}`+"\n")
		appendTo(t, gone, `{"step":1,"train.loss":2}`+"\n")
		e, self := startEngine(t, testConfig(dir, poll))
		eventually(t, e.Collector(), []string{`ml_train_loss{run="gone"} 2`, `ml_train_loss{run="keep"} 1`})
		if err := os.Remove(gone); err != nil {
			t.Fatal(err)
		}
		eventually(t, e.Collector(), []string{`ml_train_loss{run="keep"} 1`}, `ml_train_loss{run="gone"}`, `ml_step{run="gone"}`)
		// ml_train_loss with its _best, _best_step and _ema series.
		eventually(t, self, []string{`jsonl_exporter_series_dropped_total{reason="file_deleted"} 4`})
		// Recreated: the run comes back.
		appendTo(t, gone, `{"step":1,"train.loss":4}`+"\n")
		eventually(t, e.Collector(), []string{`ml_train_loss{run="gone"} 4`})
	})
}

func TestNewRunsAreDiscovered(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		e, _ := startEngine(t, testConfig(dir, poll))
		appendTo(t, filepath.Join(dir, "late", "checkpoint", "logs", "metrics.jsonl"), `{"step":5,"val/loss":0.5}`+"\n")
		appendTo(t, filepath.Join(dir, "logs", "named-run.jsonl"), `{"step":5,"val/loss":0.7}`+"\n")
		eventually(t, e.Collector(), []string{`ml_val_loss{run="late"} 0.5`, `ml_val_loss{run="named-run"} 0.7`})
	})
}

func TestGzipReadOnceAndReplacingArchive(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "r1", "metrics.jsonl")
	appendTo(t, live, `{"step":1,"train.loss":3}`+"\n"+`{"step":2,"train.loss":2}`+"\n")
	e, self := startEngine(t, testConfig(dir, true))
	eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 2`})
	// The trainer's log is archived: the .gz continues the same run.
	writeGzip(t, live+".gz", `{"step":1,"train.loss":3}`+"\n"+`{"step":2,"train.loss":2}`+"\n"+`{"step":3,"train.loss":1}`)
	if err := os.Remove(live); err != nil {
		t.Fatal(err)
	}
	eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 1`, `ml_step{run="r1"} 3`}, `ml_train_loss{run="r1@`)
	e.sweep(time.Now().Add(time.Hour)) // long past the grace period: the run stays
	eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 1`})
	eventually(t, self, []string{`jsonl_exporter_series_dropped_total{reason="file_deleted"} 0`})
	// Read once: 2 + 3 lines.
	eventually(t, self, []string{`jsonl_exporter_lines_read_total 5`})
}

func writeGzip(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestBadLinesNeverHideGoodOnes(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "r1", "metrics.jsonl")
		cfg := testConfig(dir, poll)
		cfg.Tail.MaxLineSize = 1000
		e, self := startEngine(t, cfg)
		appendTo(t, path, `{"step":1,"train.loss":3}`+"\n")
		eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 3`})
		appendTo(t, path, "garbage\n"+`{"step":2,"train.loss":`+"\n"+`{"x":"`+strings.Repeat("y", 100000)+`"}`+"\n\xff\xfe\n"+`{"step":3,"train.loss":1}`+"\n")
		eventually(t, e.Collector(), []string{`ml_train_loss{run="r1"} 1`, `ml_step{run="r1"} 3`})
		eventually(t, self, []string{`jsonl_exporter_parse_errors_total{reason="line_too_long"} 1`, `jsonl_exporter_parse_errors_total{reason="invalid_utf8"} 1`})
	})
}

func TestSameRunFromTwoFiles(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a", "metrics.jsonl")
	b := filepath.Join(dir, "b", "metrics.jsonl")
	appendTo(t, a, `{"_type":"run_start","run_name":"bert"}`+"\n"+`{"step":1,"train.loss":5}`+"\n")
	e, self := startEngine(t, testConfig(dir, true))
	eventually(t, e.Collector(), []string{`ml_train_loss{run="bert"} 5`})
	appendTo(t, b, `{"_type":"run_start","run_name":"bert"}`+"\n"+`{"step":1,"train.loss":6}`+"\n")
	eventually(t, e.Collector(), []string{`ml_train_loss{run="bert"} 5`, `ml_train_loss{run="bert@b/metrics.jsonl"} 6`}, `ml_train_loss{run="a"}`, `ml_train_loss{run="b"}`)
	eventually(t, self, []string{`jsonl_exporter_run_name_conflicts_total 1`})
}

func TestSeriesCapAndRunExpiry(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir, true)
	cfg.MaxSeries = 3
	cfg.Run.Expiry = time.Hour
	e, self := startEngine(t, cfg)
	appendTo(t, filepath.Join(dir, "r1", "metrics.jsonl"), `{"step":1,"a":1,"b":2,"c":3,"d":4,"e":5}`+"\n")
	eventually(t, e.Collector(), []string{`ml_a{run="r1"} 1`, `ml_c{run="r1"} 3`, `ml_step{run="r1"} 1`}, `ml_d{`, `ml_e{`)
	eventually(t, self, []string{`jsonl_exporter_series_dropped_total{reason="max_series"} 2`})
	// Quiet for longer than the expiry: removed, and its series freed.
	e.sweep(time.Now().Add(2 * time.Hour))
	eventually(t, e.Collector(), nil, `ml_a{run="r1"}`, `ml_step{run="r1"}`)
	eventually(t, self, []string{`jsonl_exporter_series_dropped_total{reason="run_expired"} 3`})
	// Writing again brings it back.
	appendTo(t, filepath.Join(dir, "r1", "metrics.jsonl"), `{"step":2,"d":4}`+"\n")
	eventually(t, e.Collector(), []string{`ml_d{run="r1"} 4`, `ml_step{run="r1"} 2`})
}

func TestStaticLabelsAndRunRegex(t *testing.T) {
	dir := t.TempDir()
	appendTo(t, filepath.Join(dir, "jobs", "job-7", "rank0", "metrics.jsonl"), `{"_type":"run_start","run_name":"ignored"}`+"\n"+`{"step":1,"train.loss":1}`+"\n")
	appendTo(t, filepath.Join(dir, "other", "exp2", "metrics.jsonl"), `{"step":1,"train.loss":2}`+"\n")
	cfg := testConfig(dir, true)
	cfg.Input = nil
	cfg.Inputs = []InputConfig{
		{Path: filepath.Join(dir, "jobs", "**", "*.jsonl"), RunRegex: `/jobs/(?P<run>[^/]+)/`, Labels: map[string]string{"cluster": "a100"}},
		{Path: filepath.Join(dir, "other", "**", "*.jsonl")},
	}
	e, _ := startEngine(t, cfg)
	eventually(t, e.Collector(), []string{
		`ml_train_loss{cluster="a100",run="job-7"} 1`,
		`ml_train_loss{cluster="",run="exp2"} 2`,
	})
}

// TestHuggingFaceCheckpointsContinueOneRun: trainer_state.json is saved
// whole into every checkpoint folder; each copy holds the records of the
// older ones first. The copies make one run with every record once, a
// rewritten copy adds only its new records, and deleting an older
// checkpoint (save_total_limit) takes nothing away.
func TestHuggingFaceCheckpointsContinueOneRun(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir, true)
	cfg.Input = []string{filepath.Join(dir, "output", "**", "trainer_state.json")}
	entry := func(step int, loss float64) string {
		return fmt.Sprintf(`{"epoch": %g, "learning_rate": 1e-05, "loss": %g, "step": %d}`, float64(step)/100, loss, step)
	}
	state := func(entries ...string) string {
		return "{\n  \"global_step\": 1,\n  \"log_history\": [\n    " + strings.Join(entries, ",\n    ") + "\n  ]\n}\n"
	}
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	first := filepath.Join(dir, "output", "bert", "checkpoint-20", "trainer_state.json")
	write(first, state(entry(10, 2.0), entry(20, 1.8)))
	e, self := startEngine(t, cfg)
	eventually(t, e.Collector(), []string{`ml_records_total{run="bert"} 2`, `ml_loss{run="bert"} 1.8`, `ml_step{run="bert"} 20`})

	second := filepath.Join(dir, "output", "bert", "checkpoint-40", "trainer_state.json")
	write(second, state(entry(10, 2.0), entry(20, 1.8), entry(30, 1.7), entry(40, 1.6)))
	eventually(t, e.Collector(), []string{`ml_records_total{run="bert"} 4`, `ml_loss{run="bert"} 1.6`, `ml_step{run="bert"} 40`})

	// The final state, rewritten in place with one more record.
	write(second, state(entry(10, 2.0), entry(20, 1.8), entry(30, 1.7), entry(40, 1.6), entry(50, 1.5)))
	eventually(t, e.Collector(), []string{`ml_records_total{run="bert"} 5`, `ml_loss{run="bert"} 1.5`})

	if err := os.RemoveAll(filepath.Dir(first)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.knows(first) {
		if time.Now().After(deadline) {
			t.Fatal("the deleted checkpoint is still followed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.sweep(time.Now().Add(time.Hour)) // long past the grace of a deleted file's run
	eventually(t, e.Collector(), []string{`ml_records_total{run="bert"} 5`, `ml_run_restarts_total{run="bert"} 0`}, `ml_loss{run="bert@`)
	if err := testutil.GatherAndCompare(self, strings.NewReader(`
# HELP jsonl_exporter_run_name_conflicts_total Files whose run label was already taken by another file and was made unique.
# TYPE jsonl_exporter_run_name_conflicts_total counter
jsonl_exporter_run_name_conflicts_total 0
`), "jsonl_exporter_run_name_conflicts_total"); err != nil {
		t.Error(err)
	}
}

// TestSubscriberSeesEveryRecord: a scrape sees the newest value; a
// subscriber of the store sees every record of a file written while it is
// followed, in order, with the step it was logged at.
func TestSubscriberSeesEveryRecord(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "r1", "metrics.jsonl")
		appendTo(t, path, `{"_type":"train","step":0,"loss":1}`+"\n")
		e, err := New(testConfig(dir, poll), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var steps, losses []float64
		e.Store().Subscribe(func(b *store.Batch) {
			mu.Lock()
			defer mu.Unlock()
			for _, s := range b.Samples {
				switch s.Name {
				case "ml_global_step":
					steps = append(steps, s.Value)
				case "ml_train_loss":
					losses = append(losses, s.Value)
				}
			}
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = e.Follow(ctx) }()
		defer func() { cancel(); <-done }()
		const records = 300
		for burst := 1; burst < records; burst += 50 {
			var b strings.Builder
			for step := burst; step < min(burst+50, records); step++ {
				fmt.Fprintf(&b, `{"_type":"train","step":%d,"loss":%d}`+"\n", step, step+1)
			}
			appendTo(t, path, b.String())
		}
		eventually(t, e.Collector(), []string{fmt.Sprintf(`ml_train_loss{run="r1"} %d`, records)})
		mu.Lock()
		defer mu.Unlock()
		if len(steps) != records || len(losses) != records {
			t.Fatalf("%d steps and %d losses handed over, want %d", len(steps), len(losses), records)
		}
		for i := range records {
			if steps[i] != float64(i) || losses[i] != float64(i+1) {
				t.Fatalf("record %d: step %v loss %v", i, steps[i], losses[i])
			}
		}
	})
}
