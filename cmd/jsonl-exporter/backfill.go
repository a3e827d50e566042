// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/jsonl-exporter/jsonl-exporter/internal/engine"
	"github.com/jsonl-exporter/jsonl-exporter/internal/openmetrics"
	"github.com/jsonl-exporter/jsonl-exporter/internal/remotewrite"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// backfillFile is the name of the file --out writes.
const backfillFile = "samples.om"

// runBackfill sends every record of finished runs to remote-write
// receivers at the records' times (or writes them as OpenMetrics with
// --out), then exits: non-zero unless every sample was stored.
func runBackfill(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(programName+" backfill", cmdBackfill)
	if err := parseFlags(fs, args, stdout, "Usage: "+programName+" backfill --remote-write.url URL | --out DIR [flags] FILE|DIR..."); err != nil {
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
	var listErr error
	files := logFiles(fs.Args(), stderr, &listErr)
	if listErr != nil {
		return usagef("backfill: %v", listErr)
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return usagef("backfill: %v", err)
		}
	}
	l := &loader{fs: all, cmd: cmdBackfill, getenv: os.Getenv, adjust: func(o *options) { o.readOnce(files) }}
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
	var sink backfillSink
	switch {
	case out != "" && wopts != nil:
		return usagef("backfill: --out and --remote-write.url: choose one")
	case out != "":
		if sink, err = newFileSink(out); err != nil {
			return usagef("out: %v", err)
		}
	case wopts == nil:
		return usagef("backfill: name a receiver with --remote-write.url, or a folder with --out")
	default:
		// A backfill has an end: a receiver that stays away fails it
		// (after about a minute) instead of holding it forever.
		wopts.MaxRetries = 15
		w, err := remotewrite.New(*wopts)
		if err != nil {
			return usageError{err.Error()}
		}
		w.Start()
		sink = &remoteSink{Writer: w, reg: reg}
	}

	times := &timeRange{Delivery: sink}
	svc := engine.NewService(reg, logger)
	svc.Deliver(times)
	start := time.Now()
	if err := svc.Start(opts.Config); err != nil {
		return usageError{err.Error()}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	p := newProgress(stderr, uncompressedSize(files), reg, sink, start)
	readErr := p.until(func() error { return svc.Engine().WaitReady(ctx) })
	unreadable := svc.Engine().Unreadable()
	sink.release()
	svc.Stop()
	finishErr := sink.finish(ctx)
	p.done()

	s := summarize(reg)
	// The failure leads: a summary that opens with what was sent would
	// read as a success.
	var refusals []remotewrite.Refusal
	if rs, ok := sink.(*remoteSink); ok {
		refusals = rs.Refusals()
	}
	for _, line := range backfillFailures(s, refusals, len(unreadable), len(files), readErr, finishErr) {
		fmt.Fprintf(stdout, "backfill: FAILED: %s\n", line)
	}
	fmt.Fprintf(stdout, "backfill: %d files, %d runs, %d lines read (%s), %d samples %s in %s\n",
		len(files), s.runs, int64(s.lines), megabytes(s.bytes), sink.samples(), sink.verb(), time.Since(start).Round(time.Millisecond))
	if first, last, ok := times.span(); ok {
		fmt.Fprintf(stdout, "backfill: records from %s to %s\n", first.Format(time.RFC3339), last.Format(time.RFC3339))
	}
	if n, of := times.estimates(); n > 0 {
		fmt.Fprintf(stdout, "backfill: the times of %d of %d records are estimated: they have none of their own (docs/remote-write.md)\n", n, of)
	}
	if len(s.skipped) > 0 {
		fmt.Fprintf(stdout, "backfill: lines skipped: %s\n", strings.Join(s.skipped, ", "))
	}
	if s.setAside > 0 {
		fmt.Fprintf(stdout, "backfill: %d of the files set aside: their first records carry no metric, or their CSV header names no step or epoch column, as datasets' and predictions' do (inspect tells which)\n", s.setAside)
	}
	for _, f := range files {
		if err, ok := unreadable[f]; ok {
			fmt.Fprintf(stdout, "backfill: cannot read %s: %v\n", f, err)
		}
	}
	switch {
	case finishErr != nil:
		return fmt.Errorf("backfill: %v", finishErr)
	case len(unreadable) > 0:
		return fmt.Errorf("backfill: %d of %d files could not be read; the others were %s", len(unreadable), len(files), sink.verb())
	case readErr != nil || s.dropped > 0:
		return fmt.Errorf("backfill: interrupted; %d samples were not sent", int64(s.dropped))
	case s.failed > 0 || s.repeated > 0:
		why := s.failedWhy
		if s.repeated > 0 {
			why = append(why, fmt.Sprintf("repeated_time: %d", int64(s.repeated)))
		}
		return fmt.Errorf("backfill: %d samples were not stored (%s)", int64(s.failed+s.repeated), strings.Join(why, ", "))
	}
	if fsink, ok := sink.(*fileSink); ok {
		fmt.Fprintf(stdout, "backfill: next: promtool tsdb create-blocks-from openmetrics %s DATA_DIR\n", fsink.path)
	}
	return nil
}

// backfillFailures says, most important first, why a backfill failed:
// the samples the receivers did not store, with their reasons; an
// interruption; unreadable files; the state file.
func backfillFailures(s backfillSummary, refusals []remotewrite.Refusal, unreadable, files int, readErr, finishErr error) []string {
	var lines []string
	if s.failed > 0 || s.repeated > 0 {
		total := int64(s.sent + s.failed + s.dropped + s.repeated)
		line := fmt.Sprintf("%d of %d samples were not stored", int64(s.failed+s.repeated), total)
		for _, r := range refusals {
			line += fmt.Sprintf("; %s %s: %s", r.Remote, refusalWhat(r), r.Message)
		}
		if s.repeated > 0 {
			line += fmt.Sprintf("; %d repeat the time of an earlier sample of their series with another value (records that share a timestamp; a receiver keeps one)", int64(s.repeated))
		}
		lines = append(lines, line)
	}
	if readErr != nil || s.dropped > 0 {
		lines = append(lines, fmt.Sprintf("interrupted; %d samples were not sent", int64(s.dropped)))
	}
	if unreadable > 0 {
		lines = append(lines, fmt.Sprintf("%d of %d files could not be read", unreadable, files))
	}
	if finishErr != nil {
		lines = append(lines, finishErr.Error())
	}
	return lines
}

// refusalWhat says what a receiver did with the samples it did not store.
func refusalWhat(r remotewrite.Refusal) string {
	switch r.Reason {
	case "401", "403", "404":
		return fmt.Sprintf("answered HTTP %s for %d samples (check the URL, credentials and headers, then run again)", r.Reason, r.Samples)
	case "network":
		return fmt.Sprintf("did not answer for %d samples", r.Samples)
	case "unconfirmed":
		return fmt.Sprintf("did not say it wrote %d samples", r.Samples)
	case "not_written":
		return fmt.Sprintf("accepted but did not write %d samples", r.Samples)
	}
	return fmt.Sprintf("answered HTTP %s for %d samples", r.Reason, r.Samples)
}

// backfillSink is where a backfill's samples go.
type backfillSink interface {
	engine.Delivery
	release()                         // before the engine stops
	finish(ctx context.Context) error // after it stopped: deliver the rest
	samples() int64
	verb() string
}

type remoteSink struct {
	*remotewrite.Writer
	reg prometheus.Gatherer
}

func (r *remoteSink) release()                         { r.Release() }
func (r *remoteSink) finish(ctx context.Context) error { return r.Close(ctx) }
func (r *remoteSink) samples() int64                   { return int64(summarize(r.reg).sent) }
func (r *remoteSink) verb() string                     { return "sent" }

type fileSink struct {
	*openmetrics.Writer
	f    *os.File
	path string
}

func newFileSink(dir string) (*fileSink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, backfillFile)
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &fileSink{Writer: openmetrics.New(f), f: f, path: path}, nil
}

func (s *fileSink) release() {}
func (s *fileSink) finish(context.Context) error {
	_, err := s.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %v", s.path, err)
	}
	return nil
}
func (s *fileSink) samples() int64 { return s.Samples() }
func (s *fileSink) verb() string   { return "written to " + s.path }

// timeRange notes the first and last record times that pass to the sink,
// and how many of them are estimates.
type timeRange struct {
	engine.Delivery
	mu                 sync.Mutex
	first, last        float64
	seen               bool
	records, estimated int64
}

func (t *timeRange) Append(b *store.Batch) {
	t.mu.Lock()
	if !t.seen || b.Time < t.first {
		t.first = b.Time
	}
	if !t.seen || b.Time > t.last {
		t.last = b.Time
	}
	t.seen = true
	t.records++
	if b.TimeEstimated {
		t.estimated++
	}
	t.mu.Unlock()
	t.Delivery.Append(b)
}

func (t *timeRange) estimates() (estimated, records int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.estimated, t.records
}

func (t *timeRange) span() (first, last time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	toTime := func(s float64) time.Time { return time.UnixMilli(int64(math.Round(s * 1000))).UTC() }
	return toTime(t.first), toTime(t.last), t.seen
}

// uncompressedSize is what reading the files will count in
// jsonl_exporter_bytes_read_total: a .gz file's size from its trailer
// (modulo 4 GiB, as gzip keeps it).
func uncompressedSize(files []string) float64 {
	total := 0.0
	for _, path := range files {
		fi, err := os.Stat(path)
		if err != nil {
			continue
		}
		size := float64(fi.Size())
		if strings.HasSuffix(path, ".gz") && fi.Size() >= 4 {
			if f, err := os.Open(path); err == nil {
				var trailer [4]byte
				if _, err := f.ReadAt(trailer[:], fi.Size()-4); err == nil {
					size = float64(uint32(trailer[0]) | uint32(trailer[1])<<8 | uint32(trailer[2])<<16 | uint32(trailer[3])<<24) // little-endian ISIZE
				}
				f.Close()
			}
		}
		total += size
	}
	return total
}

// progress shows how far a backfill is: a line redrawn in place on a
// terminal, a plain line every 2 s otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	total float64
	reg   prometheus.Gatherer
	sink  backfillSink
	start time.Time
}

func newProgress(w io.Writer, total float64, reg prometheus.Gatherer, sink backfillSink, start time.Time) *progress {
	p := &progress{w: w, total: total, reg: reg, sink: sink, start: start}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// until shows the progress while wait runs, and returns its error.
func (p *progress) until(wait func() error) error {
	every := 2 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	done := make(chan error, 1)
	go func() { done <- wait() }()
	for {
		select {
		case err := <-done:
			return err
		case <-t.C:
			p.show()
		}
	}
}

func (p *progress) show() {
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", p.line())
	} else {
		fmt.Fprintln(p.w, p.line())
	}
}

// done ends the redrawn line.
func (p *progress) done() {
	if p.tty {
		p.show()
		fmt.Fprintln(p.w)
	}
}

func (p *progress) line() string {
	s := summarize(p.reg)
	elapsed := time.Since(p.start).Seconds()
	rate := s.bytes / elapsed
	verb, _, _ := strings.Cut(p.sink.verb(), " ")
	line := fmt.Sprintf("backfill: %d lines read (%s, %.1f MB/s), %d samples %s", int64(s.lines), megabytes(s.bytes), rate/1e6, p.sink.samples(), verb)
	if p.total > 0 && rate > 0 {
		frac := min(s.bytes/p.total, 1)
		eta := time.Duration((p.total - min(s.bytes, p.total)) / rate * float64(time.Second)).Round(time.Second)
		line = fmt.Sprintf("backfill: %3.0f%%, ETA %s; %s", 100*frac, eta, strings.TrimPrefix(line, "backfill: "))
	}
	return line
}

func megabytes(b float64) string { return fmt.Sprintf("%.1f MB", b/1e6) }

type backfillSummary struct {
	runs, setAside                                                 int
	lines, bytes, sent, failed, dropped, repeated, queued, refused float64
	skipped, failedWhy                                             []string
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
			case "jsonl_exporter_files_set_aside":
				s.setAside = int(v)
			case "jsonl_exporter_lines_read_total":
				s.lines += v
			case "jsonl_exporter_bytes_read_total":
				s.bytes += v
			case "jsonl_exporter_remote_write_samples_sent_total":
				s.sent += v
			case "jsonl_exporter_remote_write_samples_dropped_total":
				if label(m, "reason") == "repeated_time" {
					s.repeated += v
				} else {
					s.dropped += v
				}
			case "jsonl_exporter_remote_write_queue_samples":
				s.queued += v
			case "jsonl_exporter_remote_write_samples_failed_total":
				s.failed += v
				if v > 0 {
					s.failedWhy = append(s.failedWhy, fmt.Sprintf("%s: %d", label(m, "reason"), int64(v)))
				}
			case "jsonl_exporter_series_dropped_total":
				if label(m, "reason") == "max_series" {
					s.refused += v
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

// readOnce sets the options of a command that reads files once, to
// their end: the files as inputs, no further discovery, no expiry.
func (o *options) readOnce(files []string) {
	o.Input, o.Inputs = nil, nil
	for _, f := range files {
		o.Input = append(o.Input, globQuote(f)) // paths, not globs
	}
	o.Discovery.Interval = time.Hour // the files are found once
	o.Discovery.MaxAge = 0           // named files are read, however old
	o.Run.Expiry = 0
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
