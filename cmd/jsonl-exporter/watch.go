// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/jsonl-exporter/jsonl-exporter/internal/curves"
	"github.com/jsonl-exporter/jsonl-exporter/internal/engine"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
	"github.com/jsonl-exporter/jsonl-exporter/internal/watch"
)

const watchUsage = "Usage: " + programName + " watch [--input] FILE|DIR|GLOB... [--metrics NAME...] [--once] [flags]"

// watchNow is the clock of watch's table (its status and age columns):
// tests set it.
var watchNow = time.Now

func watchFlags(fs *pflag.FlagSet) {
	fs.StringArray("input", nil, "Log files, folders (every log file under them) or globs (** matches any folders), as serve's --input; several values: --input a.jsonl 'runs/**/*.jsonl'.")
	fs.StringArray("metrics", nil, "Metrics as logged (train.loss, val/loss) the chart cycles through, several values or comma-separated; default: every metric, the training and validation loss, an accuracy and the learning rate first.")
	fs.Bool("once", false, "Print one plain-text snapshot of the table and the chart of the first metric and exit (also what happens when standard output is not a terminal).")
	fs.Int("smooth", 0, "Smoothing window in points, as plot's (0: off; validation metrics are not smoothed).")
	fs.String("smooth-mode", "mean", "Smoothing: mean (trailing), centered, ema or median.")
	fs.Bool("logy", false, "Logarithmic y axis (values <= 0 are not drawn).")
	fs.String("x-key", "step", "X axis: step (the global step, which does not go back at an epoch; global_step is the same), time (since each run's first record) or epoch.")
	fs.String("sort", "run", "Runs table order: run, status (stalled first), step or rate (largest first), loss, best, val_loss or ago (least first).")
	fs.Bool("reverse", false, "Sort the runs table the other way.")
	fs.Int("width", 0, "Columns of the snapshot (0: $COLUMNS, else 100).")
	fs.Int("height", 16, "Rows of the snapshot's chart.")
	fs.String("log.level", "warn", "Only log messages with the given severity or above: debug, info, warn, error.")
}

type watchRequest struct {
	inputs, metrics []string
	once, logY      bool
	smooth          int
	mode            curves.Mode
	x               watch.XKey
	sort            watch.Column
	reverse         bool
	width, height   int
}

func readWatchFlags(fs *pflag.FlagSet) (watchRequest, error) {
	var r watchRequest
	r.inputs, r.metrics = inputsAndMetrics(fs)
	r.once, _ = fs.GetBool("once")
	r.logY, _ = fs.GetBool("logy")
	r.smooth, _ = fs.GetInt("smooth")
	r.width, _ = fs.GetInt("width")
	r.height, _ = fs.GetInt("height")
	r.reverse, _ = fs.GetBool("reverse")
	mode, _ := fs.GetString("smooth-mode")
	xkey, _ := fs.GetString("x-key")
	sortBy, _ := fs.GetString("sort")
	var ok bool
	if r.mode, ok = curves.ParseMode(mode); !ok {
		return r, usagef("smooth-mode: must be mean, centered, ema or median, got %q", mode)
	}
	if r.x, ok = watch.ParseXKey(xkey); !ok {
		return r, usagef("x-key: must be step, time or epoch, got %q", xkey)
	}
	if r.sort, ok = watch.ParseColumn(sortBy); !ok {
		return r, usagef("sort: must be run, status, step, rate, loss, best, val_loss or ago, got %q", sortBy)
	}
	if r.width == 0 {
		// $COLUMNS is the terminal's (or a leftover): brought into the
		// range --width takes rather than failing a snapshot.
		r.width = 100
		if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
			r.width = min(max(c, 40), 1000)
		}
	}
	switch {
	case len(r.inputs) == 0:
		return r, usagef("watch: name at least one log file, folder or glob")
	case r.smooth < 0:
		return r, usagef("smooth: must be 0 (off) or a window of points, got %d", r.smooth)
	case r.width < 40 || r.width > 1000:
		return r, usagef("width: must be 40 to 1000 columns, got %d", r.width)
	case r.height < 4 || r.height > 500:
		return r, usagef("height: must be 4 to 500 rows, got %d", r.height)
	}
	return r, nil
}

// watchInputs turns the arguments into the engine's inputs: a file is
// itself, a folder the log files under it (DIR/**, logs only, so that
// runs started later are found), anything else a glob. A folder without
// a log file yet is refused for a snapshot, which would be empty.
func watchInputs(inputs []string, snapshot bool) ([]inputKeys, error) {
	var out []inputKeys
	for _, in := range inputs {
		fi, err := os.Stat(in)
		switch {
		case err == nil && fi.IsDir():
			if snapshot {
				logs, _, err := logsUnder(in)
				if err != nil {
					return nil, err
				}
				if len(logs) == 0 {
					return nil, usagef("input: %s: no log files under it", in)
				}
			}
			out = append(out, inputKeys{Path: filepath.Join(globQuote(in), "**"), LogsOnly: true})
		case err == nil:
			out = append(out, inputKeys{Path: globQuote(in)})
		case strings.ContainsAny(in, "*?[{"):
			out = append(out, inputKeys{Path: in})
		default:
			return nil, usagef("input: %v", err)
		}
	}
	return out, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runWatch shows the runs and a chart of the logs, read as serve reads
// them: once, as plain text, without a terminal or with --once.
func runWatch(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(programName+" watch", cmdWatch)
	if err := parseFlags(fs, gatherValues(args), stdout, watchUsage); err != nil {
		return err
	}
	req, err := readWatchFlags(fs)
	if err != nil {
		return err
	}
	// The full-screen view would be torn by log lines: they wait, in a
	// bounded buffer, until it ends.
	interactive := !req.once && isTerminal(stdout) && isTerminal(os.Stdin)
	inputs, err := watchInputs(req.inputs, !interactive)
	if err != nil {
		return err
	}
	all := newFlagSet(programName, cmdServe)
	_ = all.Lookup("log.level").Value.Set("warn")
	copyFlags(fs, all)
	l := &loader{fs: all, cmd: cmdWatch, getenv: os.Getenv, adjust: func(o *options) {
		o.Input, o.Inputs = nil, inputs
		o.Discovery.MaxAge = 0 // named logs are read, however old
		o.Run.Expiry = 0
		o.Best.Minimize, o.Best.Maximize, o.Watch.Metrics = "", "", ""
		// Read at the pace the view is drawn, not at each write: a view
		// of 100 runs that each wrote 10 records a second cost more CPU
		// than serve; polled, less than half (docs/watch.md, "Memory and cost").
		o.Tail.Poll, o.Tail.PollInterval = true, max(o.Tail.PollInterval, watchRead)
	}}
	opts, err := l.load()
	if err != nil {
		return err
	}
	naming := store.New(store.Options{Namespace: opts.Config.Namespace})
	model := watch.New(opts.Config.Namespace, func(n string) string {
		return naming.SeriesOf(record.KindMetric, []byte(n))
	}, req.metrics)

	logTo := stderr
	var held *heldLog
	if interactive {
		held = &heldLog{}
		logTo = held
		defer func() { _, _ = stderr.Write(held.bytes()) }()
	}
	reg := prometheus.NewRegistry()
	logger := slog.New(dropMessages{newLogger(opts.Log, logTo).Handler(), []string{"skipping unusable line", "cannot read file"}})
	svc := engine.NewService(reg, logger)
	svc.Deliver(model)
	if err := svc.Start(opts.Config); err != nil {
		return usageError{err.Error()}
	}
	defer svc.Stop()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := svc.Engine().WaitReady(ctx); err != nil {
		return fmt.Errorf("watch: interrupted")
	}
	view := watch.View{Smooth: req.smooth, Mode: req.mode, LogY: req.logY, X: req.x,
		Sort: req.sort, Reverse: req.reverse, Width: req.width, ChartRows: req.height}
	if interactive {
		return runWatchTUI(ctx, model, view, os.Stdin, stdout)
	}
	_, err = io.WriteString(stdout, model.Render(watchNow(), view))
	return err
}
