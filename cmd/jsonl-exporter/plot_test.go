// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// seedLog is the seed trainer's shape: steps restart every epoch, the
// validation record and the epoch_end marker carry the next epoch.
func seedLog(run string, lossAt func(global int) float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"_type":"run_start","run_name":%q,"time":1764115200}`+"\n", run)
	t := 1764115200.0
	for epoch := range 2 {
		for step := range 5 {
			g := epoch*5 + step
			t += 2
			fmt.Fprintf(&b, `{"_type":"metric","time":%g,"epoch":%d,"step":%d,"train/loss":%g,"train/avg_loss":%g,"train/lr":0.001}`+"\n", t, epoch, step, lossAt(g), lossAt(g)+100)
		}
		fmt.Fprintf(&b, `{"_type":"metric","time":%g,"epoch":%d,"step":4,"val/loss":%d}`+"\n", t+1, epoch+1, 50+epoch)
		fmt.Fprintf(&b, `{"_type":"epoch_end","time":%g,"epoch":%d,"step":4}`+"\n", t+1, epoch+1)
	}
	return b.String()
}

// readCSV returns the rows of a --csv file by metric and run.
func readCSV(t *testing.T, path string) map[string][][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "run,metric,x,raw,smoothed" {
		t.Fatalf("header %v", rows[:min(1, len(rows))])
	}
	out := map[string][][]string{}
	for _, r := range rows[1:] {
		out[r[1]+" "+r[0]] = append(out[r[1]+" "+r[0]], r[2:])
	}
	return out
}

func column(rows [][]string, i int) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r[i])
	}
	return out
}

func TestPlotDrawsWhatTheLogSays(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "bert-a", "logs", "metrics.jsonl")
	writeFile(t, a, seedLog("bert-a", func(g int) float64 { return float64(g) }))
	gz := filepath.Join(dir, "bert-b", "logs", "metrics.jsonl.gz")
	if err := os.MkdirAll(filepath.Dir(gz), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(gz)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	fmt.Fprint(zw, seedLog("bert-b", func(g int) float64 { return float64(10 * g) }))
	zw.Close()
	f.Close()
	// The .gz is read when it holds still.
	old := time.Now().Add(-time.Minute)
	os.Chtimes(gz, old, old)

	steps := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	for _, tc := range []struct {
		name   string
		args   []string
		series string   // metric and run in the CSV
		x, raw []string // expected columns
		smooth []string
		stderr string
	}{
		{"steps that reset are drawn by global step", []string{"--metrics", "train.loss"}, "train.loss bert-a", steps, steps, nil, "drawn by global_step"},
		{"slashed name, a .gz, folders, several values", []string{"--metrics", "train/loss", "val/loss", "--input", filepath.Join(dir, "bert-b")}, "train/loss bert-b", steps,
			[]string{"0", "10", "20", "30", "40", "50", "60", "70", "80", "90"}, nil, ""},
		{"validation at the step of its epoch's end", []string{"--metrics", "val.loss"}, "val.loss bert-a", []string{"4", "9"}, []string{"50", "51"}, nil, ""},
		{"by epoch", []string{"--metrics", "train.loss", "--x-key", "epoch"}, "train.loss bert-a", []string{"0", "0", "0", "0", "0", "1", "1", "1", "1", "1"}, steps, nil, ""},
		{"by time since the first record", []string{"--metrics", "train.loss", "--x-key", "time"}, "train.loss bert-a",
			[]string{"2", "4", "6", "8", "10", "12", "14", "16", "18", "20"}, steps, nil, ""},
		{"prefer-avg", []string{"--metrics", "train.loss", "--prefer-avg"}, "train.avg_loss bert-a", steps,
			[]string{"100", "101", "102", "103", "104", "105", "106", "107", "108", "109"}, nil, "plotting train.avg_loss for train.loss"},
		{"unprefixed", []string{"--metrics", "loss"}, "train.loss bert-a", steps, steps, nil, "no metric loss; plotting train.loss"},
		{"ema", []string{"--metrics", "train.loss", "--smooth", "3", "--smooth-mode", "ema", "--force-line"}, "train.loss bert-a", steps, steps,
			// alpha 0.5 over 0, 1, 2, ...: (x + 0.5 prev_num) / (1 + 0.5 prev_den)
			[]string{"0", "0.6666666666666666", "1.4285714285714286", "2.2666666666666666", "3.161290322580645"}, ""},
		{"downsample then clip", []string{"--metrics", "train.loss", "--downsample", "5", "--clip-pct", "50"}, "train.loss bert-a",
			[]string{"2", "7"}, []string{"2", "4.5"}, nil, ""},
		{"downsampled by time", []string{"--metrics", "train.loss", "--x-key", "time", "--downsample", "10"}, "train.loss bert-a", []string{"11"}, []string{"4.5"}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table := filepath.Join(t.TempDir(), "points.csv")
			image := filepath.Join(t.TempDir(), "plot.png")
			args := append([]string{"plot", "--input", a}, tc.args...)
			args = append(args, "--out", image, "--csv", table, "--width", "800", "--height", "500")
			stdout, stderr, code := runBinary(t, nil, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, "plot: wrote "+image+" and "+table) {
				t.Errorf("stdout %q", stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tc.stderr)
			}
			rows := readCSV(t, table)[tc.series]
			if got := column(rows, 0); !slices.Equal(got, tc.x) {
				t.Errorf("x %v, want %v (all: %v)", got, tc.x, readCSV(t, table))
			}
			if got := column(rows, 1); !slices.Equal(got, tc.raw) {
				t.Errorf("raw %v, want %v", got, tc.raw)
			}
			if tc.smooth != nil {
				if got := column(rows, 2); !slices.Equal(got[:len(tc.smooth)], tc.smooth) {
					t.Errorf("smoothed %v, want %v", got, tc.smooth)
				}
			}
			f, err := os.Open(image)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cfg, err := png.DecodeConfig(f)
			if err != nil || cfg.Width != 800 || cfg.Height != 500 {
				t.Errorf("image %+v, %v; want an 800x500 PNG", cfg, err)
			}
		})
	}
}

func TestPlotPicksMetricsAndLabelsRuns(t *testing.T) {
	dir := t.TempDir()
	for _, run := range []string{"bert-a", "bert-b"} {
		writeFile(t, filepath.Join(dir, run, "logs", "metrics.jsonl"), seedLog(run, func(g int) float64 { return 1 / float64(g+1) }))
	}
	image := filepath.Join(dir, "plot.svg")
	stdout, stderr, code := runBinary(t, nil, "plot", "--input", filepath.Join(dir, "bert-a"), filepath.Join(dir, "bert-b"), "--out", image, "--title", "BERT")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "plot: plotting train_loss, val_loss, train_lr (choose with --metrics)") {
		t.Errorf("stderr %q does not say what was picked", stderr)
	}
	if !strings.Contains(stdout, "3 panels, 2 runs, 44 points, by global_step") {
		t.Errorf("stdout %q", stdout)
	}
	raw, err := os.ReadFile(image)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(raw)
	for _, want := range []string{">BERT<", ">train_loss<", ">val_loss<", ">train_lr<", ">global_step<", ">bert-a<", ">bert-b<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %s", want)
		}
	}
	if n := strings.Count(svg, ">bert-a<"); n != 3 {
		t.Errorf("bert-a in %d legends, want 3", n)
	}
	// Runs keep the order (and so the colors) of the inputs, whichever
	// file is read first.
	table := filepath.Join(dir, "plot.csv")
	for range 3 {
		_, stderr, code = runBinary(t, nil, "plot", "--input", filepath.Join(dir, "bert-b"), filepath.Join(dir, "bert-a"), "--metrics", "train.loss", "--csv", table)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		f, err := os.Open(table)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(rows) < 2 || rows[1][0] != "bert-b" || rows[len(rows)-1][0] != "bert-a" {
			t.Fatalf("runs out of the inputs' order: first %v, last %v (%v)", rows[1], rows[len(rows)-1], err)
		}
	}
	// --single: one axis, a legend entry per run and metric.
	stdout, stderr, code = runBinary(t, nil, "plot", "--input", filepath.Join(dir, "bert-a"), "--metrics", "train.loss,val.loss", "--single", "--out", image)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	raw, _ = os.ReadFile(image)
	if !strings.Contains(stdout, "1 panel,") || !strings.Contains(string(raw), ">bert-a train.loss<") || !strings.Contains(string(raw), ">bert-a val.loss<") {
		t.Errorf("--single: %q", stdout)
	}
}

func TestPlotBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good", "metrics.jsonl")
	writeFile(t, good, seedLog("good", func(g int) float64 { return float64(g) })+"{\"step\": 99, \"train.loss\": \n{oops}\n"+`{"step":100,"train.loss":7}`+"\n")
	noMetrics := filepath.Join(dir, "empty", "metrics.jsonl")
	writeFile(t, noMetrics, `{"_type":"run_start","run_name":"empty"}`+"\n"+`{"_type":"config","config":{"lr":0.1}}`+"\n")
	out := filepath.Join(dir, "plot.png")
	table := filepath.Join(dir, "plot.csv")

	// Malformed lines are counted and skipped; the next good line is drawn.
	_, stderr, code := runBinary(t, nil, "plot", "--input", good, noMetrics, "--metrics", "train.loss", "--csv", table)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "plot: lines skipped: invalid_json: 2") {
		t.Errorf("stderr %q lacks the skipped lines", stderr)
	}
	if !strings.Contains(stderr, "plot: no metric records in "+noMetrics) {
		t.Errorf("stderr %q lacks the warning about %s", stderr, noMetrics)
	}
	rows := readCSV(t, table)["train.loss good"]
	// Step 100 after step 4 of the second epoch is global step 5 + 100.
	if len(rows) != 11 || rows[10][0] != "105" || rows[10][1] != "7" {
		t.Errorf("rows %v: the line after the bad ones is missing", rows)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // the last line of stderr
	}{
		{"nothing to plot", []string{"--input", noMetrics, "--out", out}, 1, "plot: nothing to plot: no metric records in the input"},
		{"unknown metric", []string{"--input", good, "--metrics", "train.accuracy", "--out", out}, 2, `plot: unknown metric "train.accuracy"; the logs have: train_avg_loss, train_loss, train_lr, val_loss`},
		{"no input", []string{"--out", out}, 2, "plot: name at least one log file or folder with --input"},
		{"missing file", []string{"--input", filepath.Join(dir, "nope.jsonl"), "--out", out}, 2, "no such file or directory"},
		{"folder without logs", []string{"--input", t.TempDir(), "--out", out}, 2, "no log files under it"},
		{"no output", []string{"--input", good}, 2, "plot: name the image to write with --out (or a table with --csv)"},
		{"unknown format", []string{"--input", good, "--out", filepath.Join(dir, "plot.gif")}, 2, "the name must end in .png, .svg or .pdf"},
		{"standard output without a format", []string{"--input", good, "--out", "-"}, 2, "out: -: give the format of standard output with --format png, svg or pdf"},
		{"an unknown --format", []string{"--input", good, "--out", "-", "--format", "gif"}, 2, `format: must be png, svg or pdf, got "gif"`},
		{"x-key", []string{"--input", good, "--out", out, "--x-key", "iteration"}, 2, `x-key: must be step, global_step, epoch or time, got "iteration"`},
		{"smooth-mode", []string{"--input", good, "--out", out, "--smooth-mode", "gauss"}, 2, "smooth-mode: must be mean, centered, ema or median"},
		{"clip", []string{"--input", good, "--out", out, "--clip-pct", "120"}, 2, "clip-pct: must be a percentile in (0, 100]"},
		{"clips crossed", []string{"--input", good, "--out", out, "--clip-pct", "10", "--clip-low-pct", "20"}, 2, "clip-low-pct: must be below clip-pct (10), got 20"},
		{"width", []string{"--input", good, "--out", out, "--width", "10"}, 2, "width: must be 200 to 10000 pixels, got 10"},
		{"negative smooth", []string{"--input", good, "--out", out, "--smooth", "-1"}, 2, "smooth: must be 0 (off)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runBinary(t, nil, append([]string{"plot"}, tc.args...)...)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code != tc.code || !strings.Contains(lines[len(lines)-1], tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s written", out)
			}
		})
	}
}

func TestPlotNonFiniteAndNoSteps(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "plain.jsonl")
	writeFile(t, log, `{"loss":3}`+"\n"+`{"loss":NaN}`+"\n"+`{"loss":2}`+"\n"+`{"loss":Infinity}`+"\n"+`{"loss":1}`+"\n")
	table := filepath.Join(dir, "p.csv")
	_, stderr, code := runBinary(t, nil, "plot", "--input", log, "--metrics", "loss", "--csv", table)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"plain loss: 2 non-finite values (NaN, Inf) not drawn", "plain: 5 records without a step drawn at their record number"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	rows := readCSV(t, table)["loss plain"]
	if x, y := column(rows, 0), column(rows, 1); !slices.Equal(x, []string{"1", "3", "5"}) || !slices.Equal(y, []string{"3", "2", "1"}) {
		t.Errorf("x %v y %v", x, y)
	}
	for _, v := range column(rows, 1) {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			t.Error(err)
		}
	}
}

func TestPlotRestartedRun(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "resumed.jsonl")
	writeFile(t, log, `{"step":0,"loss":4}`+"\n"+`{"step":1,"loss":3}`+"\n"+`{"step":2,"loss":2}`+"\n"+`{"step":1,"loss":3.5}`+"\n"+`{"step":2,"loss":2.5}`+"\n")
	table := filepath.Join(dir, "p.csv")
	stdout, stderr, code := runBinary(t, nil, "plot", "--input", log, "--metrics", "loss", "--csv", table)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// A resumed run is not an epoch reset: it is drawn by step, and
	// the steps run again replace the first ones, as TensorBoard shows
	// them (no line back from step 2 to 1).
	if !strings.Contains(stdout, "by step") || !strings.Contains(stderr, "resumed was restarted once") || strings.Contains(stderr, "global_step") {
		t.Errorf("stdout %q stderr %q", stdout, stderr)
	}
	rows := readCSV(t, table)["loss resumed"]
	if x, y := column(rows, 0), column(rows, 1); !slices.Equal(x, []string{"0", "1", "2"}) || !slices.Equal(y, []string{"4", "3.5", "2.5"}) {
		t.Errorf("x %v y %v, want the resumed values at steps 1 and 2", x, y)
	}
}

func TestGatherValues(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "a.jsonl")
	writeFile(t, log, "")
	got := gatherValues([]string{"--input", "a", "b", "--metrics", "train.loss", "val.loss", log, "--smooth", "5", "c", "--metrics=x", "y"})
	// --metrics=x takes the values after it too, as --metrics x does.
	want := []string{"--input", "a", "--input", "b", "--metrics", "train.loss", "--metrics", "val.loss", log, "--smooth", "5", "c", "--metrics=x", "--metrics", "y"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestPlotShow(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "run", "metrics.jsonl")
	writeFile(t, log, seedLog("run", func(g int) float64 { return float64(g) }))
	image := filepath.Join(dir, "plot.png")
	bin := filepath.Join(dir, "bin")
	opened := filepath.Join(dir, "opened")
	writeFile(t, filepath.Join(bin, "xdg-open"), "#!/bin/sh\necho \"$1\" > "+opened+"\n")
	if err := os.Chmod(filepath.Join(bin, "xdg-open"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runBinary(t, []string{"PATH=" + bin + ":" + os.Getenv("PATH")}, "plot", "--input", log, "--out", image, "--show")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := os.ReadFile(opened)
		if err == nil && strings.TrimSpace(string(got)) == image {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the viewer was not asked to open %s (%q, %v)", image, got, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Without a viewer the image is still written, and the command says where.
	_, stderr, code = runBinary(t, []string{"PATH=" + t.TempDir()}, "plot", "--input", log, "--out", image, "--show")
	if code != 0 || !strings.Contains(stderr, "plot: --show: no viewer (xdg-open) found; the image is "+image) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestPlotEdgeCases: what a first review of the command found, each a
// user's command with its outcome.
func TestPlotEdgeCases(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed", "logs", "metrics.jsonl")
	writeFile(t, seed, seedLog("seed", func(g int) float64 { return float64(g) }))
	partial := filepath.Join(dir, "partial.jsonl")
	writeFile(t, partial, `{"step":1,"loss":2}`+"\n"+`{"step":2,"lo`)
	plain := filepath.Join(dir, "plain.jsonl")
	writeFile(t, plain, `{"step":1,"loss":2}`+"\n"+`{"step":2,"loss":1}`+"\n")
	empty := filepath.Join(dir, "empty.jsonl")
	writeFile(t, empty, "")
	fakeGz := filepath.Join(dir, "fake.jsonl.gz")
	writeFile(t, fakeGz, `{"step":1,"loss":2}`+"\n")
	old := time.Now().Add(-time.Minute) // an archive is read once it holds still
	if err := os.Chtimes(fakeGz, old, old); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "seed"), link); err != nil {
		t.Fatal(err)
	}
	d2 := filepath.Join(dir, "d2", "metrics.json") // detectron2: lines, though .json
	writeFile(t, d2, `{"iteration":19,"total_loss":2.1}`+"\n"+`{"iteration":39,"total_lo`)
	zero := filepath.Join(dir, "zero.jsonl")
	writeFile(t, zero, `{"step":1,"loss":0,"acc":0.5}`+"\n"+`{"step":2,"loss":0,"acc":0.6}`+"\n")
	ancient := filepath.Join(dir, "ancient", "metrics.jsonl")
	writeFile(t, ancient, `{"step":1,"loss":2}`+"\n")
	longAgo := time.Now().Add(-30 * 24 * time.Hour)
	if err := os.Chtimes(ancient, longAgo, longAgo); err != nil {
		t.Fatal(err)
	}
	serveConfig := filepath.Join(dir, "serve.yml") // a serve configuration, as in docs/configuration.md
	writeFile(t, serveConfig, "discovery:\n  max-age: 168h\nmax-series: 2\n")
	out := filepath.Join(dir, "p.png")
	for _, tc := range []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"a last line without its newline is not waited for", []string{"--input", partial, "--metrics", "loss", "--out", out}, 0,
			"1 panel, 1 run, 1 point", "ends in an unfinished line (13 bytes), not read"},
		{"by time without times: estimated", []string{"--input", plain, "--metrics", "loss", "--x-key", "time", "--out", out}, 0,
			"1 panel, 1 run, 2 points, by time since start (s)", "plot: plain: 2 records without a time of their own drawn at an estimated time"},
		{"by epoch without epochs", []string{"--input", plain, "--metrics", "loss", "--x-key", "epoch", "--out", out}, 1,
			"", "no record of these metrics carries an epoch (--x-key epoch)"},
		{"an empty file and a metric", []string{"--input", empty, "--metrics", "loss", "--out", out}, 1,
			"", "plot: nothing to plot: no metric records in the input"},
		{"one metric spelled three ways", []string{"--input", seed, "--metrics", "train/loss", "train.loss", "ml_train_loss", "--out", out}, 0,
			"1 panel, 1 run, 10 points", ""},
		{"--metrics= takes several too", []string{"--input", seed, "--metrics=train.loss", "val.loss", "--out", out}, 0,
			"2 panels, 1 run", ""},
		{"too narrow for two columns", []string{"--input", seed, "--width", "300", "--out", out}, 2,
			"", "width: 300 pixels are too narrow for 2 columns of panels: give at least 400, or --single"},
		{"--show without an image", []string{"--input", seed, "--csv", filepath.Join(dir, "p.csv"), "--show"}, 0,
			"3 metrics", "plot: --show: no image to open (name one with --out)"},
		{"averages preferred when picking", []string{"--input", seed, "--prefer-avg", "--out", out}, 0,
			"", "plot: plotting train_avg_loss, val_loss, train_lr"},
		{"a folder through a symbolic link", []string{"--input", link, "--metrics", "train.loss", "--out", out}, 0,
			"1 panel, 1 run, 10 points", ""},
		{"a file that cannot be read is named, once", []string{"--input", fakeGz, plain, "--metrics", "loss", "--out", out}, 0,
			"1 panel, 1 run, 2 points", "plot: cannot read " + fakeGz + ": tailer: gzip " + fakeGz + ": gzip: invalid header\n"},
		{"an unfinished last line of a .json line log", []string{"--input", d2, "--out", out}, 0,
			"1 point", "ends in an unfinished line (25 bytes), not read"},
		{"nothing above 0 on a log scale", []string{"--input", zero, "--metrics", "loss,acc", "--logy", "--out", out}, 0,
			"1 panel,", "plot: loss: no value above 0 to draw on a log scale"},
		{"a serve configuration's max-age does not hide named files", []string{"--config.file", serveConfig, "--input", ancient, "--metrics", "loss", "--out", out}, 0,
			"1 panel, 1 run, 1 point", ""},
		{"series refused by its max-series are said", []string{"--config.file", serveConfig, "--input", seed, "--metrics", "train.loss", "--out", out}, 0,
			"1 panel, 1 run, 10 points", "plot: max-series (2) refused new series 12 times: raise it to draw them"},
		{"no folder for the image", []string{"--input", seed, "--out", filepath.Join(dir, "nope", "p.png")}, 2,
			"", "out: " + filepath.Join(dir, "nope", "p.png") + ": no folder " + filepath.Join(dir, "nope") + " to write it in"},
		{"too low for two rows", []string{"--input", seed, "--height", "250", "--title", "T", "--out", out}, 2,
			"", "height: 250 pixels are too low for 2 rows of panels: give at least 340, or --single"},
		{"the table on stdout, the summary on stderr", []string{"--input", plain, "--metrics", "loss", "--csv", "-"}, 0,
			"run,metric,x,raw,smoothed\nplain,loss,1,2,\nplain,loss,2,1,\n", "plot: wrote -: 1 metric, 1 run, 2 points, by step"},
		{"an SVG image on stdout, the summary on stderr", []string{"--input", plain, "--metrics", "loss", "--out", "-", "--format", "svg"}, 0,
			"<?xml", "plot: wrote -: 1 panel, 1 run, 2 points, by step"},
		{"--format over the extension", []string{"--input", plain, "--metrics", "loss", "--out", filepath.Join(dir, "p.img"), "--format", "PDF"}, 0,
			"plot: wrote " + filepath.Join(dir, "p.img"), ""},
		{"the same file by two paths", []string{"--input", seed, filepath.Join(link, "logs", "metrics.jsonl"), "--metrics", "train.loss", "--out", out}, 0,
			"1 panel, 1 run, 10 points", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runBinary(t, nil, append([]string{"plot"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d with %q and %q", code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
			}
			if strings.Contains(stderr, "no values to draw") || (code == 0 && strings.Contains(stderr, "no metric records in")) || strings.Contains(stderr, "level=") {
				t.Errorf("a false note: %q", stderr)
			}
		})
	}
}

// TestPlotOutputs: writing to a pipe whose reader goes away ends the
// command, and a failed write removes no device or link.
func TestPlotOutputs(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "run", "metrics.jsonl")
	var b strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&b, `{"step":%d,"train.loss":%d}`+"\n", i, i%7)
	}
	writeFile(t, log, b.String())

	cmd := exec.Command(binary, "plot", "--input", log, "--csv", "/dev/stdout")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || first != "run,metric,x,raw,smoothed\n" {
		t.Fatalf("first line %q, %v", first, err)
	}
	out.Close() // as head -1 does
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("exit 0 although the reader went away")
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("still writing 20 s after the reader went away")
	}

	full := filepath.Join(dir, "full.csv")
	if err := os.Symlink("/dev/full", full); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runBinary(t, nil, "plot", "--input", log, "--csv", full)
	if code != 1 || !strings.Contains(stderr, "no space left on device") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if fi, err := os.Lstat(full); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was removed: %v", err)
	}
}

// Learning rates 300 times apart: a log scale by itself, with a note;
// --logy=false keeps the axis linear.
func TestPlotLogScaleByItself(t *testing.T) {
	dir := t.TempDir()
	var inputs []string
	for _, run := range []struct {
		name string
		lr   float64
	}{{"small", 3e-4}, {"large", 0.1}} {
		var b strings.Builder
		for i := range 100 {
			fmt.Fprintf(&b, `{"step":%d,"train.lr":%g}`+"\n", i, run.lr*(1-float64(i)/200))
		}
		log := filepath.Join(dir, run.name+".jsonl")
		writeFile(t, log, b.String())
		inputs = append(inputs, log)
	}
	out := filepath.Join(dir, "lr.svg")
	for _, tc := range []struct {
		flags []string
		log   bool
	}{{nil, true}, {[]string{"--logy=false"}, false}} {
		args := append(append([]string{"plot", "--input"}, inputs...), "--metrics", "train.lr", "--out", out)
		_, stderr, code := runBinary(t, nil, append(args, tc.flags...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		image, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		noted := strings.Contains(stderr, "plot: train.lr: the curves differ by 2.5 decades, so the panel has a log scale (--logy=false for a linear one)")
		titled := strings.Contains(string(image), "train.lr (log scale)")
		if noted != tc.log || titled != tc.log {
			t.Errorf("%v: note %v, title %v; want %v (stderr %q)", tc.flags, noted, titled, tc.log, stderr)
		}
	}
}
