// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/jsonl-exporter/jsonl-exporter/internal/curves"
	"github.com/jsonl-exporter/jsonl-exporter/internal/engine"
	"github.com/jsonl-exporter/jsonl-exporter/internal/plot"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

const plotUsage = "Usage: " + programName + " plot --input FILE|DIR... [--metrics NAME...] --out FILE.png|.svg|.pdf [flags]"

// plotFlags declares the flags of plot that serve does not have.
func plotFlags(fs *pflag.FlagSet) {
	fs.StringArray("input", nil, "Log files (.jsonl, .jsonl.gz, anything the profiles read) or folders (the newest log file under each); several are overlaid by run. Takes several values: --input a.jsonl b.jsonl.")
	fs.StringArray("metrics", nil, "Metrics as logged (train.loss, train/loss, val.mlm_acc, loss), several values or comma-separated; default: the training and validation loss, an accuracy and the learning rate, whichever exist.")
	fs.String("out", "", "Image to write; the extension gives the format: .png, .svg or .pdf (- for standard output, with --format).")
	fs.String("format", "", "Image format: png, svg or pdf (default: by the extension of --out; needed with --out -).")
	fs.String("csv", "", "Also write the plotted points (run, metric, x, raw, smoothed) to this CSV file.")
	fs.String("x-key", "step", "X axis: step, global_step, epoch or time (since each run's first record). Steps that reset every epoch are drawn by global_step, with a note.")
	fs.Int("smooth", 0, "Smoothing window in points (0: off).")
	fs.String("smooth-mode", "mean", "Smoothing: mean (trailing), centered, ema (span N, as pandas ewm) or median (trailing).")
	fs.Bool("prefer-avg", false, "Plot train.avg_loss when train.loss is asked and both exist.")
	fs.Float64("clip-pct", 0, "Clip values above this percentile of each curve (e.g. 99; 0: off).")
	fs.Float64("clip-low-pct", 0, "Clip values below this percentile of each curve (e.g. 1; 0: off).")
	fs.Int("downsample", 0, "Average each N adjacent points before smoothing (0: off).")
	fs.Bool("force-line", false, "Join the points of validation metrics and sparse curves (fewer than 50 points) with lines, not markers only.")
	fs.Bool("single", false, "All metrics on one axis instead of one panel per metric.")
	fs.Bool("logy", false, "Logarithmic y axis (values <= 0 are not drawn). Without it, a panel whose curves differ by two decades or more gets one, with a note; --logy=false keeps every axis linear.")
	fs.String("title", "", "Title of the figure.")
	fs.Int("width", 1200, "Width of the image in pixels.")
	fs.Int("height", 0, "Height of the image in pixels (0: 360 per row of panels, plus room for the title).")
	fs.Bool("show", false, "Open the image with the system viewer once written.")
	fs.String("log.level", "warn", "Only log messages with the given severity or above: debug, info, warn, error.")
}

// plotRequest is what the plot flags ask.
type plotRequest struct {
	inputs, metrics          []string
	out, csv, format         string
	x                        curves.XKey
	prep                     curves.Options
	preferAvg, single, force bool
	logY, linearY, show      bool
	title                    string
	width, height            int
}

func readPlotFlags(fs *pflag.FlagSet) (plotRequest, error) {
	var r plotRequest
	r.inputs, r.metrics = inputsAndMetrics(fs)
	r.out, _ = fs.GetString("out")
	r.csv, _ = fs.GetString("csv")
	xkey, _ := fs.GetString("x-key")
	mode, _ := fs.GetString("smooth-mode")
	r.prep.Smooth, _ = fs.GetInt("smooth")
	r.prep.Downsample, _ = fs.GetInt("downsample")
	r.prep.ClipHigh, _ = fs.GetFloat64("clip-pct")
	r.prep.ClipLow, _ = fs.GetFloat64("clip-low-pct")
	r.preferAvg, _ = fs.GetBool("prefer-avg")
	r.single, _ = fs.GetBool("single")
	r.force, _ = fs.GetBool("force-line")
	r.logY, _ = fs.GetBool("logy")
	r.linearY = !r.logY && fs.Changed("logy")
	r.format, _ = fs.GetString("format")
	r.show, _ = fs.GetBool("show")
	r.title, _ = fs.GetString("title")
	r.width, _ = fs.GetInt("width")
	r.height, _ = fs.GetInt("height")

	var ok bool
	switch {
	case len(r.inputs) == 0:
		return r, usagef("plot: name at least one log file or folder with --input")
	case r.out == "" && r.csv == "":
		return r, usagef("plot: name the image to write with --out (or a table with --csv)")
	}
	for _, o := range []struct{ key, path string }{{"out", r.out}, {"csv", r.csv}} {
		if dir := filepath.Dir(o.path); o.path != "" && o.path != "-" {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return r, usagef("%s: %s: no folder %s to write it in", o.key, o.path, dir)
			}
		}
	}
	switch ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(r.out), ".")); {
	case r.format != "":
		r.format = strings.ToLower(r.format)
		if !slices.Contains(plot.Formats, r.format) {
			return r, usagef("format: must be png, svg or pdf, got %q", r.format)
		}
	case r.out == "-":
		return r, usagef("out: -: give the format of standard output with --format png, svg or pdf")
	case r.out != "":
		if r.format = ext; !slices.Contains(plot.Formats, r.format) {
			return r, usagef("out: %q: the name must end in .png, .svg or .pdf (or give --format)", r.out)
		}
	}
	if r.x, ok = curves.ParseXKey(xkey); !ok {
		return r, usagef("x-key: must be step, global_step, epoch or time, got %q", xkey)
	}
	if r.prep.Mode, ok = curves.ParseMode(mode); !ok {
		return r, usagef("smooth-mode: must be mean, centered, ema or median, got %q", mode)
	}
	switch {
	case r.prep.Smooth < 0:
		return r, usagef("smooth: must be 0 (off) or a window of points, got %d", r.prep.Smooth)
	case r.prep.Downsample < 0:
		return r, usagef("downsample: must be 0 (off) or a number of points, got %d", r.prep.Downsample)
	case !(r.prep.ClipHigh >= 0 && r.prep.ClipHigh <= 100):
		return r, usagef("clip-pct: must be a percentile in (0, 100], or 0 (off), got %g", r.prep.ClipHigh)
	case !(r.prep.ClipLow >= 0 && r.prep.ClipLow < 100):
		return r, usagef("clip-low-pct: must be a percentile in (0, 100), or 0 (off), got %g", r.prep.ClipLow)
	case r.prep.ClipHigh > 0 && r.prep.ClipLow >= r.prep.ClipHigh:
		return r, usagef("clip-low-pct: must be below clip-pct (%g), got %g", r.prep.ClipHigh, r.prep.ClipLow)
	case r.width < 200 || r.width > 10000:
		return r, usagef("width: must be 200 to 10000 pixels, got %d", r.width)
	case r.height != 0 && (r.height < 150 || r.height > 10000):
		return r, usagef("height: must be 150 to 10000 pixels, or 0 (by the panels), got %d", r.height)
	}
	return r, nil
}

// gatherValues lets --input and --metrics take several values, as the
// Python script's do (nargs="+"): "--metrics a b" is "--metrics a
// --metrics b". Metrics stop at a path that exists, which is an input.
func gatherValues(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		out = append(out, a)
		if a == "--" {
			return append(out, args[i+1:]...)
		}
		flag, _, inline := strings.Cut(a, "=")
		if flag != "--input" && flag != "--metrics" {
			continue
		}
		if !inline && i+1 < len(args) {
			out = append(out, args[i+1])
			i++
		}
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			if flag == "--metrics" {
				if _, err := os.Stat(args[i+1]); err == nil {
					break
				}
			}
			out = append(out, flag, args[i+1])
			i++
		}
	}
	return out
}

// runPlot draws metrics of log files to an image, reading them as serve
// does.
func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(programName+" plot", cmdPlot)
	if err := parseFlags(fs, gatherValues(args), stdout, plotUsage); err != nil {
		return err
	}
	req, err := readPlotFlags(fs)
	if err != nil {
		return err
	}
	note := func(format string, a ...any) { fmt.Fprintf(stderr, "plot: "+format+"\n", a...) }
	files, err := plotFiles(req.inputs, note)
	if err != nil {
		return err
	}
	all := newFlagSet(programName, cmdServe)
	_ = all.Lookup("log.level").Value.Set("warn")
	copyFlags(fs, all)
	l := &loader{fs: all, cmd: cmdPlot, getenv: os.Getenv, adjust: func(o *options) {
		o.readOnce(files)
		// Only the metrics as logged: no _best or _ema series.
		o.Best.Minimize, o.Best.Maximize, o.Watch.Metrics = "", "", ""
	}}
	opts, err := l.load()
	if err != nil {
		return err
	}

	naming := store.New(store.Options{Namespace: opts.Config.Namespace})
	names := curves.Names{Namespace: opts.Config.Namespace, SeriesOf: func(n string) string {
		return naming.SeriesOf(record.KindMetric, []byte(n))
	}}
	keep := func(series string) bool { return curves.AutoCandidate(names.Short(series)) }
	if len(req.metrics) > 0 {
		want := names.Candidates(req.metrics, req.preferAvg)
		keep = func(series string) bool { return want[series] }
	}
	col := curves.NewCollector(req.x, opts.Config.Namespace, append(store.FixedSeries(), store.HparamSeries()...), keep)

	reg := prometheus.NewRegistry()
	// Unusable lines and unreadable files are summed up below, not logged.
	logger := slog.New(dropMessages{newLogger(opts.Log, stderr).Handler(), []string{"skipping unusable line", "cannot read file"}})
	svc := engine.NewService(reg, logger)
	svc.Deliver(col)
	if err := svc.Start(opts.Config); err != nil {
		return usageError{err.Error()}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	readErr := svc.Engine().WaitReady(ctx)
	stop() // from here on, Ctrl-C ends the process at once
	unreadable := svc.Engine().Unreadable()
	svc.Stop()
	if readErr != nil {
		return fmt.Errorf("plot: interrupted")
	}

	s := summarize(reg)
	if len(s.skipped) > 0 {
		note("lines skipped: %s", strings.Join(s.skipped, ", "))
	}
	if s.refused > 0 {
		note("max-series (%d) refused new series %d times: raise it to draw them", opts.Config.MaxSeries, int64(s.refused))
	}
	for _, f := range files {
		if err, ok := unreadable[f]; ok {
			note("cannot read %s: %v", f, err)
			continue
		}
		if n := unfinishedLine(f); n > 0 {
			note("%s ends in an unfinished line (%d bytes), not read: a crash, or a writer still at it", f, n)
		}
		if col.RecordsWithMetrics(f) == 0 {
			note("no metric records in %s", f)
		}
	}
	read := col.Metrics()
	if len(read) == 0 {
		return errors.New("plot: nothing to plot: no metric records in the input")
	}
	var sel []curves.Selection
	if len(req.metrics) > 0 {
		var notes []string
		sel, notes, err = names.Resolve(req.metrics, req.preferAvg, read)
		for _, n := range notes {
			note("%s", n)
		}
		if err != nil {
			return usagef("plot: %v", err)
		}
	} else {
		if sel, err = names.Pick(read, req.preferAvg); err != nil {
			return usagef("plot: %v", err)
		}
		labels := make([]string, len(sel))
		for i, s := range sel {
			labels[i] = s.Label
		}
		note("plotting %s (choose with --metrics)", strings.Join(labels, ", "))
	}

	// Runs in the order of the inputs, so that each keeps its color.
	runs := col.Runs()
	slices.SortStableFunc(runs, func(a, b *curves.Run) int {
		return slices.Index(files, a.Path) - slices.Index(files, b.Path)
	})
	plotted := plot.Build(runs, sel, plot.Options{
		X: req.x, Prepare: req.prep, Single: req.single, Joined: req.force, LogY: req.logY, LinearY: req.linearY,
		Title: req.title, Format: req.format, Width: req.width, Height: req.height,
		IsValidation: func(series string) bool { return curves.IsValidation(names.Short(series)) },
	}, note)
	fig := plotted.Figure
	if plotted.Points == 0 {
		switch {
		case plotted.Unplaced > 0 && req.x == curves.Epoch:
			return errors.New("plot: nothing to plot: no record of these metrics carries an epoch (--x-key epoch)")
		}
		return errors.New("plot: nothing to plot: the metrics have no finite values")
	}
	if cols := plot.Columns(len(fig.Panels)); req.out != "" && fig.Width/cols < 200 {
		return usagef("width: %d pixels are too narrow for %d columns of panels: give at least %d, or --single", fig.Width, cols, 200*cols)
	}
	if rows := plot.Rows(len(fig.Panels)); req.out != "" && fig.Height < 150*rows+plot.TitleHeight(fig.Title) {
		return usagef("height: %d pixels are too low for %d rows of panels: give at least %d, or --single", fig.Height, rows, 150*rows+plot.TitleHeight(fig.Title))
	}
	if req.out != "" {
		if err := writeOutput(req.out, stdout, func(w io.Writer) error { return plot.Render(w, fig) }); err != nil {
			return fmt.Errorf("plot: %v", err)
		}
	}
	if req.csv != "" {
		if err := writeOutput(req.csv, stdout, func(w io.Writer) error { return curves.WriteCSV(w, plotted.Curves) }); err != nil {
			return fmt.Errorf("plot: %v", err)
		}
	}
	wrote := strings.Join(slices.DeleteFunc([]string{req.out, req.csv}, func(s string) bool { return s == "" }), " and ")
	what := plural(len(fig.Panels), "panel")
	if req.out == "" {
		what = plural(len(sel), "metric")
	}
	summary := stdout
	if req.csv == "-" || req.out == "-" || req.csv == "/dev/stdout" || req.out == "/dev/stdout" {
		summary = stderr // stdout carries the data
	}
	fmt.Fprintf(summary, "plot: wrote %s: %s, %s, %s, by %s\n",
		wrote, what, plural(plotted.Runs, "run"), plural(plotted.Points, "point"), fig.XLabel)
	switch {
	case req.show && req.out == "":
		note("--show: no image to open (name one with --out)")
	case req.show:
		if err := openViewer(req.out); err != nil {
			note("--show: %v; the image is %s", err, req.out)
		}
	}
	return nil
}

// dropMessages is a log handler that passes over records whose message
// starts with one of msgs: what a command reports itself.
type dropMessages struct {
	slog.Handler
	msgs []string
}

func (d dropMessages) Handle(ctx context.Context, r slog.Record) error {
	for _, m := range d.msgs {
		if strings.HasPrefix(r.Message, m) {
			return nil
		}
	}
	return d.Handler.Handle(ctx, r)
}

func (d dropMessages) WithAttrs(attrs []slog.Attr) slog.Handler {
	return dropMessages{d.Handler.WithAttrs(attrs), d.msgs}
}

func (d dropMessages) WithGroup(name string) slog.Handler {
	return dropMessages{d.Handler.WithGroup(name), d.msgs}
}

// unfinishedLine returns the bytes after the last newline of a line log
// (0 for archives and documents such as trainer_state.json, read whole).
func unfinishedLine(path string) int64 {
	if strings.HasSuffix(path, ".gz") || engine.IsDocumentFile(path) {
		return 0
	}
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return 0
	}
	tail := make([]byte, min(fi.Size(), 1<<16))
	if _, err := f.ReadAt(tail, fi.Size()-int64(len(tail))); err != nil {
		return 0
	}
	if i := bytes.LastIndexByte(tail, '\n'); i >= 0 {
		return int64(len(tail) - i - 1)
	} else if int64(len(tail)) == fi.Size() {
		return fi.Size()
	}
	return int64(len(tail)) // at least
}

// plural is "1 run", "2 runs".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// plotFiles resolves the inputs: a folder is the newest log file under
// it; a file reached through symbolic links is the file they lead to.
func plotFiles(inputs []string, note func(string, ...any)) ([]string, error) {
	var files []string
	seen := map[string]bool{} // the files the paths lead to
	for _, in := range inputs {
		fi, err := os.Stat(in)
		if err != nil {
			return nil, usagef("input: %v", err)
		}
		path := in
		if fi.IsDir() {
			dir := in
			if resolved, err := filepath.EvalSymlinks(in); err == nil {
				dir = resolved // a walk does not enter a link it starts from
			}
			logs, found, err := logsUnder(dir)
			if err != nil {
				return nil, err
			}
			if path = newest(logs); path == "" {
				return nil, usagef("input: %s: no log files under it (*.jsonl, *.jsonl.gz, metrics.json, scalars.json, *.log.json, trainer_state.json, log.txt, train.log, *.csv, *.tsv)", in)
			}
			if found > 1 {
				note("%s: plotting its newest log file, %s (of %d)", in, path, found)
			}
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		key := path
		if resolved, err := filepath.EvalSymlinks(path); err == nil {
			key = resolved
		}
		if !seen[key] {
			seen[key] = true
			files = append(files, path)
		}
	}
	return files, nil
}

// newest is the most recently modified of files ("" for none).
func newest(files []string) string {
	best, bestTime := "", time.Time{}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && (best == "" || fi.ModTime().After(bestTime)) {
			best, bestTime = f, fi.ModTime()
		}
	}
	return best
}

// writeOutput writes path through write, and removes it when that fails.
// writeOutput writes path through write ("-": stdout). A regular file
// left half-written is removed; a device or pipe is left alone. Opened
// write-only: read-write on /dev/stdout would hold a reader of its own
// pipe and block instead of failing when the reader goes away.
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if fi, serr := os.Stat(path); serr == nil && fi.Mode().IsRegular() {
			os.Remove(path)
		}
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// openViewer opens path with the desktop's viewer, without waiting for it.
func openViewer(path string) error {
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	viewer, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("no viewer (%s) found", name)
	}
	cmd := exec.Command(viewer, path)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() //nolint:errcheck // the viewer's fate is its own
	return nil
}
