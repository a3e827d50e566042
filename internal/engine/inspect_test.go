// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestInspectGolden inspects the log of every producer in
// testdata/profiles and compares the reports with testdata/inspect/.
func TestInspectGolden(t *testing.T) {
	dir := copyTestdata(t, "testdata/profiles")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no test logs: %v", err)
	}
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		name := strings.NewReplacer("/", "_", ".", "_").Replace(rel) + ".golden"
		t.Run(rel, func(t *testing.T) {
			fr, err := Inspect(path, DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			// The status as a minute after the newest record, not as of
			// when the test runs.
			fr.Status = fr.Completion.Status(time.Unix(int64(fr.Completion.LastRecord)+60, 0))
			var b strings.Builder
			WriteReport(&b, fr)
			got := strings.ReplaceAll(b.String(), dir, "testdata/profiles")
			golden := filepath.Join("testdata", "inspect", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("report differs from %s (go test ./internal/engine -run TestInspectGolden -update):\n%s", golden, got)
			}
		})
	}
}

// TestInspectListsWhatMetricsServes: for every log of the golden corpus
// and of every producer, the series inspect lists are the samples an
// exporter following the file serves.
func TestInspectListsWhatMetricsServes(t *testing.T) {
	for _, corpus := range []string{"testdata/corpus", "testdata/profiles"} {
		inspectListsWhatMetricsServes(t, corpus)
	}
}

func inspectListsWhatMetricsServes(t *testing.T, corpus string) {
	dir := copyTestdata(t, corpus)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		t.Run(filepath.Join(filepath.Base(corpus), rel), func(t *testing.T) {
			fr, err := Inspect(path, DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var listed []string
			for _, s := range fr.Series {
				listed = append(listed, s.Sample)
			}
			cfg := DefaultConfig()
			cfg.Input = []string{path}
			e, _ := startEngine(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := e.WaitReady(ctx); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := e.Store().WriteText(bufio.NewWriter(&buf)); err != nil {
				t.Fatal(err)
			}
			var served []string
			for _, l := range strings.Split(buf.String(), "\n") {
				if l != "" && !strings.HasPrefix(l, "#") {
					served = append(served, l)
				}
			}
			if !slices.Equal(listed, served) {
				t.Errorf("inspect lists:\n%s\n/metrics serves:\n%s", strings.Join(listed, "\n"), strings.Join(served, "\n"))
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestInspectProblems: what inspect says about a log being written, a
// loss spike, a run renamed late, and a folder.
func TestInspectProblems(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for step := range 30 {
		loss := 2.0 - float64(step)*0.01
		if step == 25 {
			loss = 40 // a spike
		}
		fmt.Fprintf(&b, "{\"step\":%d,\"train/loss\":%g}\n", step, loss)
	}
	b.WriteString(`{"_type":"run_start","run_name":"late-name"}` + "\n")
	b.WriteString(`{"step":30,"train/lo`) // still being written
	path := filepath.Join(dir, "exp", "logs", "metrics.jsonl")
	appendTo(t, path, b.String())

	fr, err := Inspect(path, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"line 26: spike in ml_train_loss: 40, far above its moving average",
		`line 31: run_name renames the run "exp" to "late-name" (the records before it were served as "exp" until then)`,
		"line 32: incomplete last line (not exported until completed)",
	} {
		if !slices.Contains(fr.Problems, want) {
			t.Errorf("problems %q lack %q", fr.Problems, want)
		}
	}
	if fr.Run != "late-name" || fr.Records != 31 || fr.Lines != 32 {
		t.Errorf("run %q, %d records of %d lines; want late-name, 31 of 32", fr.Run, fr.Records, fr.Lines)
	}

	// A compressed log is complete: its last line counts without a newline.
	gz := filepath.Join(dir, "old", "metrics.jsonl.gz")
	if err := os.MkdirAll(filepath.Dir(gz), 0o755); err != nil {
		t.Fatal(err)
	}
	writeGzip(t, gz, `{"step":1,"loss":2}`+"\n"+`{"step":2,"loss":1}`)
	if fr, err := Inspect(gz, DefaultConfig()); err != nil || fr.Records != 2 || len(fr.Problems) != 0 {
		t.Errorf("gzip: %v, %d records, problems %q; want 2 and none", err, fr.Records, fr.Problems)
	}

	// A folder's log files, by their names.
	appendTo(t, filepath.Join(dir, "exp", "notes.txt"), "not a log\n")
	appendTo(t, filepath.Join(dir, "d2", "metrics.json"), `{"iteration":1,"total_loss":1}`+"\n")
	files, err := LogFilesUnder(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "d2", "metrics.json"), path, gz}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Errorf("LogFilesUnder = %q, want %q", files, want)
	}
}
