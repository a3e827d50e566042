// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"bytes"
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedMtime dates the corpus files, which stands in for the time of
// records without one.
var fixedMtime = time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)

// checkpointStep finds a Hugging Face checkpoint folder in a path.
var checkpointStep = regexp.MustCompile(`(?:^|/)checkpoint-(\d+)/`)

// writtenAt is the modification time of a copied test file: fixedMtime,
// but a checkpoint's copy is older the earlier its step, as a trainer
// writes them, so that the records of copies read in any order get the
// same times.
func writtenAt(rel string) time.Time {
	if m := checkpointStep.FindStringSubmatch(filepath.ToSlash(rel)); m != nil {
		step, _ := strconv.Atoi(m[1])
		return fixedMtime.Add(-time.Hour + time.Duration(step)*time.Second)
	}
	return fixedMtime
}

// copyCorpus copies testdata/corpus to a temporary folder with fixed
// modification times.
func copyCorpus(t *testing.T) string { return copyTestdata(t, "testdata/corpus") }

// copyTestdata copies a folder of test logs to a temporary folder with
// fixed modification times.
func copyTestdata(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
		mtime := writtenAt(rel)
		return os.Chtimes(target, mtime, mtime)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// startEngine runs an engine over cfg until the test ends.
func startEngine(t *testing.T, cfg Config) (*Engine, *prometheus.Registry) {
	t.Helper()
	self := prometheus.NewRegistry()
	e, err := New(cfg, NewSelfMetrics(self), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Follow(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return e, self
}

func exposition(t *testing.T, c prometheus.Collector) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// TestGoldenCorpus reads every record shape of the contract from real
// files and compares the exposition with testdata/corpus.prom.
func TestGoldenCorpus(t *testing.T) {
	dir := copyCorpus(t)
	cfg := DefaultConfig()
	cfg.Input = []string{filepath.Join(dir, "**", "*.json*")}
	e, self := startEngine(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, e.Collector(), filepath.Join("testdata", "corpus.prom"), "TestGoldenCorpus")
	problems, err := testutil.CollectAndLint(e.Collector())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		// Names from the logs are the user's; only our own must be clean.
		if strings.HasPrefix(p.Metric, "ml_") && reservedSeriesName(p.Metric) {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}
	wantSelf := `
# HELP jsonl_exporter_parse_errors_total Lines skipped because they could not be used, by reason.
# TYPE jsonl_exporter_parse_errors_total counter
jsonl_exporter_parse_errors_total{reason="invalid_csv"} 0
jsonl_exporter_parse_errors_total{reason="invalid_json"} 2
jsonl_exporter_parse_errors_total{reason="invalid_utf8"} 0
jsonl_exporter_parse_errors_total{reason="line_too_long"} 0
jsonl_exporter_parse_errors_total{reason="not_object"} 1
jsonl_exporter_parse_errors_total{reason="too_deep"} 0
jsonl_exporter_parse_errors_total{reason="too_many_keys"} 0
# HELP jsonl_exporter_run_name_conflicts_total Files whose run label was already taken by another file and was made unique.
# TYPE jsonl_exporter_run_name_conflicts_total counter
jsonl_exporter_run_name_conflicts_total 1
# HELP jsonl_exporter_series_dropped_total Series refused (max_series, reserved_name) or removed (run_expired, file_deleted), by reason.
# TYPE jsonl_exporter_series_dropped_total counter
jsonl_exporter_series_dropped_total{reason="file_deleted"} 0
jsonl_exporter_series_dropped_total{reason="max_series"} 0
jsonl_exporter_series_dropped_total{reason="reserved_name"} 1
jsonl_exporter_series_dropped_total{reason="run_expired"} 0
`
	if err := testutil.GatherAndCompare(self, strings.NewReader(wantSelf),
		"jsonl_exporter_parse_errors_total", "jsonl_exporter_run_name_conflicts_total", "jsonl_exporter_series_dropped_total"); err != nil {
		t.Error(err)
	}
}

// compareGolden compares the exposition of c with a golden file, which
// -update rewrites.
func compareGolden(t *testing.T, c prometheus.Collector, golden, test string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(exposition(t, c)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if err := testutil.CollectAndCompare(c, bytes.NewReader(want)); err != nil {
		t.Errorf("exposition differs from %s (go test ./internal/engine -run %s -update):\n%v", golden, test, err)
	}
}

func reservedSeriesName(name string) bool {
	for _, f := range store.FixedSeries() {
		if name == "ml_"+f {
			return true
		}
	}
	return false
}
