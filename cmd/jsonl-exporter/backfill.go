// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/jsonl-exporter/jsonl-exporter/internal/engine"
	"github.com/jsonl-exporter/jsonl-exporter/internal/openmetrics"
	"github.com/jsonl-exporter/jsonl-exporter/internal/remotewrite"
)

// runBackfill sends every record of finished runs to remote-write
// receivers at the records' times, then exits: non-zero unless every
// sample was acknowledged.
func runBackfill(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(programName+" backfill", cmdBackfill)
	if err := parseFlags(fs, args, stdout, "Usage: "+programName+" backfill --remote-write.url URL [flags] FILE|DIR..."); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("backfill: name at least one log file or folder")
	}
	out, _ := fs.GetString("out")
	all := newFlagSet(programName, cmdServe)
	// Quieter than serve unless told: the summary says what happened.
	_ = all.Lookup("log.level").Value.Set("warn")
	copyFlags(fs, all)
	var files []string
	var listErr error
	files = logFiles(fs.Args(), stderr, &listErr)
	if listErr != nil {
		return usagef("backfill: %v", listErr)
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return usagef("backfill: %v", err)
		}
	}
	l := &loader{fs: all, cmd: cmdBackfill, getenv: os.Getenv, adjust: func(o *options) {
		o.Input, o.Inputs = nil, nil
		for _, f := range files {
			o.Input = append(o.Input, globQuote(f)) // paths, not globs
		}
		o.Discovery.Interval = time.Hour // the files are found once
		o.Run.Expiry = 0
	}}
	opts, err := l.load()
	if err != nil {
		return err
	}
	logger := newLogger(opts.Log, stderr)
	reg := prometheus.NewRegistry()
	wopts, err := opts.writerOptions(reg, logger)
	if err != nil {
		return usageError{err.Error()}
	}
	switch {
	case out != "" && wopts != nil:
		return usagef("backfill: --out and --remote-write.url: choose one")
	case out != "":
		return backfillToFile(files, out, opts, logger, stdout, stderr)
	case wopts == nil:
		return usagef("backfill: name a receiver with --remote-write.url, or a folder with --out")
	}
	// A backfill has an end: a receiver that stays away fails it (after
	// about a minute) instead of holding it forever.
	wopts.MaxRetries = 15
	w, err := remotewrite.New(*wopts)
	if err != nil {
		return usageError{err.Error()}
	}
	svc := engine.NewService(reg, logger)
	svc.Deliver(w)
	w.Start()
	start := time.Now()
	if err := svc.Start(opts.Config); err != nil {
		return usageError{err.Error()}
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	progress := time.NewTicker(2 * time.Second)
	defer progress.Stop()
	ready := make(chan error, 1)
	go func() { ready <- svc.Engine().WaitReady(ctx) }()
	interrupted := false
wait:
	for {
		select {
		case err := <-ready:
			interrupted = err != nil
			break wait
		case <-progress.C:
			fmt.Fprintln(stderr, progressLine(reg, time.Since(start)))
		}
	}
	w.Release()
	svc.Stop()
	// Every queued sample is sent before the command ends, unless it is
	// interrupted: then what is left is counted as not sent.
	closeErr := w.Close(ctx)
	s := summarize(reg)
	fmt.Fprintf(stdout, "backfill: %d files, %d runs, %d lines read (%s), %d samples sent in %s\n",
		len(files), s.runs, int64(s.lines), megabytes(s.bytes), int64(s.sent), time.Since(start).Round(time.Millisecond))
	if len(s.skipped) > 0 {
		fmt.Fprintf(stdout, "backfill: lines skipped: %s\n", strings.Join(s.skipped, ", "))
	}
	switch {
	case closeErr != nil:
		return fmt.Errorf("backfill: %v", closeErr)
	case interrupted || s.dropped > 0:
		return fmt.Errorf("backfill: interrupted; %d samples were not sent", int64(s.dropped))
	case s.failed > 0:
		return fmt.Errorf("backfill: %d samples were not stored (%s)", int64(s.failed), strings.Join(s.failedWhy, ", "))
	}
	return nil
}

// backfillFile is the name of the file --out writes.
const backfillFile = "samples.om"

// backfillToFile writes the samples of the files to out/samples.om.
func backfillToFile(files []string, out string, opts options, logger *slog.Logger, stdout, stderr io.Writer) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return usagef("out: %v", err)
	}
	path := filepath.Join(out, backfillFile)
	f, err := os.Create(path)
	if err != nil {
		return usagef("out: %v", err)
	}
	defer f.Close()
	om := openmetrics.New(f)
	reg := prometheus.NewRegistry()
	svc := engine.NewService(reg, logger)
	svc.Deliver(om)
	start := time.Now()
	if err := svc.Start(opts.Config); err != nil {
		return usageError{err.Error()}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	progress := time.NewTicker(2 * time.Second)
	defer progress.Stop()
	ready := make(chan error, 1)
	go func() { ready <- svc.Engine().WaitReady(ctx) }()
	var readErr error
wait:
	for {
		select {
		case readErr = <-ready:
			break wait
		case <-progress.C:
			fmt.Fprintln(stderr, progressLine(reg, time.Since(start)))
		}
	}
	svc.Stop()
	samples, err := om.Close()
	if err == nil {
		err = f.Close()
	}
	s := summarize(reg)
	fmt.Fprintf(stdout, "backfill: %d files, %d runs, %d lines read (%s), %d samples written to %s in %s\n",
		len(files), s.runs, int64(s.lines), megabytes(s.bytes), samples, path, time.Since(start).Round(time.Millisecond))
	if len(s.skipped) > 0 {
		fmt.Fprintf(stdout, "backfill: lines skipped: %s\n", strings.Join(s.skipped, ", "))
	}
	switch {
	case err != nil:
		return fmt.Errorf("backfill: %s: %v", path, err)
	case readErr != nil:
		return fmt.Errorf("backfill: interrupted; %s is incomplete", path)
	}
	fmt.Fprintf(stdout, "backfill: next: promtool tsdb create-blocks-from openmetrics %s DATA_DIR\n", path)
	return nil
}

func megabytes(b float64) string { return fmt.Sprintf("%.1f MB", b/1e6) }

// progressLine says how far the backfill is.
func progressLine(g prometheus.Gatherer, elapsed time.Duration) string {
	s := summarize(g)
	return fmt.Sprintf("backfill: %d lines read (%s, %.1f MB/s), %d samples sent, %d queued",
		int64(s.lines), megabytes(s.bytes), s.bytes/1e6/elapsed.Seconds(), int64(s.sent), int64(s.queued))
}

type backfillSummary struct {
	runs                                        int
	lines, bytes, sent, failed, dropped, queued float64
	skipped, failedWhy                          []string
}

// summarize reads the self-metrics of the engine and the writer.
func summarize(g prometheus.Gatherer) backfillSummary {
	var s backfillSummary
	families, _ := g.Gather()
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			switch mf.GetName() {
			case "jsonl_exporter_runs":
				s.runs = int(v)
			case "jsonl_exporter_lines_read_total":
				s.lines += v
			case "jsonl_exporter_bytes_read_total":
				s.bytes += v
			case "jsonl_exporter_remote_write_samples_sent_total":
				s.sent += v
			case "jsonl_exporter_remote_write_samples_dropped_total":
				s.dropped += v
			case "jsonl_exporter_remote_write_queue_samples":
				s.queued += v
			case "jsonl_exporter_remote_write_samples_failed_total":
				s.failed += v
				if v > 0 {
					s.failedWhy = append(s.failedWhy, fmt.Sprintf("%s: %d", label(m, "reason"), int64(v)))
				}
			case "jsonl_exporter_parse_errors_total":
				if v > 0 {
					s.skipped = append(s.skipped, fmt.Sprintf("%s: %d", label(m, "reason"), int64(v)))
				}
			}
		}
	}
	sort.Strings(s.skipped)
	return s
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// globQuote escapes the glob characters of a path, so that the engine's
// glob matches that file only.
func globQuote(path string) string {
	var b strings.Builder
	for _, r := range path {
		if strings.ContainsRune(`*?[]{}\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
