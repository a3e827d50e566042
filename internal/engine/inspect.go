// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
	"github.com/jsonl-exporter/jsonl-exporter/internal/tailer"
	"github.com/jsonl-exporter/jsonl-exporter/internal/timeline"
)

// FileReport is what inspect found in one file.
type FileReport struct {
	Path        string
	Run         string
	Profile     string // the profile's name
	ProfileFrom string // "configured", "from its name" or "detected"
	Lines       int64
	Records     int64
	TextLines   int64 // lines of text without a record
	Kinds       map[string]int64
	Steps       Range
	GlobalSteps Range
	Epochs      Range
	Times       Range
	// EstimatedTimes counts the records whose time is an estimate (they
	// had none of their own): Times includes them.
	EstimatedTimes int64
	EpochResets    int64
	Restarts       float64
	// Completion is how far the run is (the ml_run_* series), and Status
	// how it stands when inspected (store.Completion.Status at that time).
	Completion store.Completion
	Status     store.Status
	// SetAside: the file's first records carry no metric, as a
	// dataset's do (dataset.go); DataRecords were not read for that, and
	// PickedUp is the line of the log record that followed, if one did.
	// SetAsideCSV: set aside for its CSV header (dataset_csv.go), and
	// DataRecords are lines.
	SetAside    bool
	SetAsideCSV bool
	DataRecords int64
	PickedUp    int64
	// Series are the samples /metrics would serve for the file's run, as
	// it writes them, with the keys each was read from.
	Series   []SeriesLine
	Ignored  []IgnoredKey // keys that gave no metric
	Problems []string     // parse errors and oddities, with line numbers
	// ReadErr is why the file could not be read to its end (a FIFO, no
	// permission, an I/O error): what was read before it is reported.
	ReadErr error
	// Hparams are the run's hyperparameters: its config records and the
	// files beside it, merged as the exporter does.
	Hparams store.Hparams

	problemsByKind map[string]int
	ignored        map[string]*IgnoredKey
	keys           map[string][]string // series name -> keys as written
}

// SeriesLine is one sample of the exposition and where it came from.
type SeriesLine struct {
	Sample string   // name{labels} value
	Keys   []string // as written in the log; none for derived series
}

// IgnoredKey is a key whose values gave no series.
type IgnoredKey struct {
	Key, What string
	Records   int64
	FirstLine int64
}

// Range is the smallest and largest value seen.
type Range struct {
	Min, Max float64
	N        int64
}

func (r *Range) add(v float64) {
	if r.N == 0 || v < r.Min {
		r.Min = v
	}
	if r.N == 0 || v > r.Max {
		r.Max = v
	}
	r.N++
}

// maxProblemsPerKind keeps a report of a broken file readable.
const maxProblemsPerKind = 5

func (fr *FileReport) problem(kind string, format string, args ...any) {
	if fr.problemsByKind[kind]++; fr.problemsByKind[kind] <= maxProblemsPerKind {
		fr.Problems = append(fr.Problems, fmt.Sprintf(format, args...))
	} else if fr.problemsByKind[kind] == maxProblemsPerKind+1 {
		fr.Problems = append(fr.Problems, "further "+kind+" problems not listed")
	}
}

func (fr *FileReport) ignore(key, what string, lineNo int64) {
	id := key + "\x00" + what
	ig := fr.ignored[id]
	if ig == nil {
		ig = &IgnoredKey{Key: key, What: what, FirstLine: lineNo}
		fr.ignored[id] = ig
	}
	ig.Records++
}

func (fr *FileReport) source(series, key string) {
	if !slices.Contains(fr.keys[series], key) {
		fr.keys[series] = append(fr.keys[series], key)
	}
}

// inspection reads one file as the exporter would: the same profile
// choice, parser, profile rules and run state.
type inspection struct {
	fr     *FileReport
	cfg    Config
	prof   *profile.Profile
	parser record.Reader
	rules  *profile.Rules
	store  *store.Store
	run    *store.RunState
	shape  store.ShapeCache
	rec    record.Record
	mtime  time.Time
	lineNo int64 // of the record being applied
	// clock places records without a time as the exporter does; ahead
	// probes the records after the current one: the lines after offset,
	// or a document's records after the ones read.
	clock  timeline.Estimator
	ahead  timeline.Ahead
	offset int64
	gate   logGate
}

// Inspect reads a whole file with the exporter's profile, parser and run
// state, and reports what /metrics would serve for it.
func Inspect(path string, cfg Config) (*FileReport, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	named := path // run names come from folders, also above a relative path
	if abs, err := filepath.Abs(path); err == nil {
		named = abs
	}
	fr := &FileReport{Path: path, Run: runFromPath(named), Kinds: map[string]int64{},
		problemsByKind: map[string]int{}, ignored: map[string]*IgnoredKey{}, keys: map[string][]string{}}
	in := &inspection{fr: fr, cfg: cfg, mtime: fi.ModTime()}
	opts := cfg.storeOptions()
	opts.LabelNames, opts.MaxSeries = nil, math.MaxInt32 // one run, every series
	opts.OnSpike = func(series string, v float64) {
		fr.problem("spike", "line %d: spike in %s: %g, far above its moving average", in.lineNo, series, v)
	}
	in.store = store.New(opts)
	if p := cfg.profileOf(InputConfig{Path: path}); p != nil {
		in.use(p, profConfigured)
	} else if p, how, _ := profileOfFile(path); p != nil {
		in.use(p, how) // a file too short to tell is read as lines: it has none
	}
	if in.prof != nil && in.prof.IsDocument(path) {
		err = in.readDocument(path)
	} else {
		err = in.readLines(path)
	}
	if err != nil {
		fr.ReadErr = err
		fr.problem("read", "read error: %v", err)
	}
	in.readHparamFiles(path)
	in.finish()
	return fr, nil
}

func (in *inspection) use(p *profile.Profile, how string) {
	in.prof = p
	in.fr.Profile, in.fr.ProfileFrom = p.Name, how
	opts := p.ParserOptions(in.cfg.ParserOptions())
	opts.Explain = true
	in.parser = p.NewReader(opts)
	in.rules = profile.NewRules(p)
}

func (in *inspection) readLines(path string) error {
	opts := tailer.Options{MaxLineSize: in.cfg.Tail.MaxLineSize}
	prober := lineProber{path: path, maxLine: in.cfg.Tail.MaxLineSize}
	in.ahead = func(p *timeline.Probe) (int64, bool) {
		ok := prober.probe(in.offset, math.MaxInt64, in.offset, in.probe(p))
		return in.mtime.UnixMilli(), ok
	}
	unfinished, err := tailer.ReadOnce(context.Background(), path, opts, (*inspectLines)(in))
	if err != nil {
		return err
	}
	if unfinished > 0 {
		in.fr.Lines++
		in.fr.problem("incomplete", "line %d: incomplete last line (not exported until completed)", in.fr.Lines)
	}
	return nil
}

// inspectLines is an inspection as the tailer's line handler: inspect
// reads a file through the same splitter as the exporter.
type inspectLines inspection

func (h *inspectLines) Line(line []byte) {
	in := (*inspection)(h)
	in.fr.Lines++
	in.offset += int64(len(line)) + 1
	in.line(line, in.fr.Lines)
}

// StrippedCR counts the "\r" of a CRLF line: offsets are the file's
// bytes, as a probe counts them.
func (h *inspectLines) StrippedCR() { h.offset++ }

func (h *inspectLines) LineTooLong(size int64) {
	in := (*inspection)(h)
	in.fr.Lines++
	in.offset += size + 1
	in.fr.problem(reasonLineTooLong, "line %d: %d bytes, longer than tail.max-line-size", in.fr.Lines, size)
}

// Reset does not happen: a file read once does not restart.
func (h *inspectLines) Reset(tailer.Event) {}

func (in *inspection) readDocument(path string) error {
	data, err := tailer.ReadDocument(path, tailer.Options{})
	if err != nil {
		return err
	}
	probes := 0
	in.ahead = func(p *timeline.Probe) (int64, bool) {
		if probes++; probes > 2 { // as the exporter: twice a read at most
			return 0, false
		}
		probeDocument(in.prof.Document, data, int(in.fr.Lines), in.probe(p))
		return in.mtime.UnixMilli(), true
	}
	in.rules.SetDocument(data)
	err = in.prof.Document(data, func(text []byte) {
		in.fr.Lines++
		in.line(text, in.fr.Lines)
	})
	if err != nil {
		in.fr.problem(record.ReasonInvalidJSON, "document: %v", err)
	}
	return nil
}

// probe returns a probe with a parser of its own, as the exporter's.
func (in *inspection) probe(p *timeline.Probe) *probe {
	return newProbe(in.prof, in.prof.NewReader(in.prof.ParserOptions(in.cfg.ParserOptions())), p)
}

// line reads one line, or one record of a document.
func (in *inspection) line(line []byte, lineNo int64) {
	fr := in.fr
	if in.parser == nil {
		if len(bytes.TrimSpace(line)) == 0 {
			return
		}
		in.use(profile.Detect(fr.Path, line), profDetected)
	}
	rec := &in.rec
	err := in.parser.Parse(line, rec)
	if in.gate.state != gateLog && judgesCSV(in.prof, fr.ProfileFrom) && !in.admitCSV(err, lineNo) {
		return
	}
	if err != nil {
		in.gate.notJSON(err)
		switch {
		case errors.Is(err, record.ErrText):
			fr.TextLines++
		case !record.NoRecord(err):
			fr.problem(record.Reason(err), "line %d: %v", lineNo, err)
		}
		return
	}
	in.rules.Apply(rec)
	if in.gate.state != gateLog && !in.admit(line, lineNo) {
		return
	}
	in.apply(lineNo)
}

// admit is file.admit for inspect: it judges the record just parsed,
// and reports whether it is read. Held lines are read again, then the
// current one.
func (in *inspection) admit(line []byte, lineNo int64) bool {
	g, fr := &in.gate, in.fr
	if in.prof != profile.Generic {
		g.state = gateLog
		return true
	}
	if g.keys == nil {
		g.keys = logKeys(in.prof.ParserOptions(in.cfg.ParserOptions()))
	}
	wasSetAside := g.state == gateSetAside
	switch g.next(isDataRecord(&in.rec, line, g.keys), heldLine{line: line, lineNo: lineNo, consumed: in.offset}) {
	case stepSetAside:
		fr.SetAside = true
		fallthrough
	case stepHeld, stepSkip:
		fr.DataRecords++
		return false
	}
	if wasSetAside {
		fr.PickedUp = lineNo
	}
	held := g.takeHeld()
	if len(held) == 0 {
		return true
	}
	offset := in.offset
	for _, h := range held {
		if in.parser.Parse(h.line, &in.rec) == nil {
			in.rules.Apply(&in.rec)
			fr.DataRecords--
			in.offset = h.consumed // where a probe of what follows starts
			in.apply(h.lineNo)
		}
	}
	in.offset = offset
	if in.parser.Parse(line, &in.rec) != nil {
		return false // cannot be: it was read above
	}
	in.rules.Apply(&in.rec)
	return true
}

// admitCSV is file.admitCSV for inspect: it judges the line just read by
// a CSV reader, with err, and reports whether it is read.
func (in *inspection) admitCSV(err error, lineNo int64) bool {
	g, fr := &in.gate, in.fr
	switch csvVerdict(in.parser.(*record.CSV).Header(), err, &in.rec) {
	case csvUndecided:
		return false
	case csvData:
		g.state, fr.SetAside, fr.SetAsideCSV = gateSetAside, true, true
		if !errors.Is(err, record.ErrHeader) {
			fr.DataRecords++
		}
		return false
	}
	if g.state == gateSetAside {
		fr.PickedUp = lineNo
	}
	g.state = gateLog
	return true
}

// apply folds the record just parsed into the run, as the exporter does.
func (in *inspection) apply(lineNo int64) {
	fr, rec := in.fr, &in.rec
	in.prof.Hint(rec)
	in.clock.Place(rec, timeline.CatchUp, in.mtime.UnixMilli(), in.ahead)
	in.lineNo = lineNo
	fr.Records++
	fr.Kinds[rec.Kind.String()]++
	if len(rec.RunName) > 0 {
		in.rename(store.LabelValue(string(rec.RunName)), lineNo)
	}
	if in.run == nil {
		in.run = in.store.RunState(fr.Run, nil)
	}
	before := in.run.Progress()
	in.run.Apply(rec, in.mtime, &in.shape)
	after := in.run.Progress()
	if after.Restarts > before.Restarts {
		fr.problem("restart", "line %d: step went back from %g to %g without a new epoch (resumed or restarted run)", lineNo, before.Step, rec.Step)
	}
	if rec.HasStep {
		fr.Steps.add(rec.Step)
		fr.GlobalSteps.add(after.GlobalStep)
	}
	if rec.HasEpoch {
		fr.Epochs.add(rec.Epoch)
	}
	fr.Times.add(rec.Time) // every record has one now, its own or an estimate
	if rec.TimeEstimated {
		fr.EstimatedTimes++
	}
	for i, m := range rec.Metrics {
		key := string(rec.Sources[i])
		fr.source(in.store.SeriesOf(rec.Kind, m.Name), key)
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			fr.problem("nonfinite", "line %d: %s is %g", lineNo, key, m.Value)
		}
	}
	for _, ig := range rec.Ignored {
		if rec.Config != nil && string(ig.Key) == "config" {
			continue // listed under the run's hyperparameters
		}
		fr.ignore(string(ig.Key), ig.What, lineNo)
	}
}

// rename follows a run_name, as the exporter does.
func (in *inspection) rename(name string, lineNo int64) {
	if name == in.fr.Run {
		return
	}
	if in.run != nil {
		in.fr.problem("rename", "line %d: run_name renames the run %q to %q (the records before it were served as %q until then)", lineNo, in.fr.Run, name, in.fr.Run)
		in.store.Rename(in.fr.Run, name)
	}
	in.fr.Run = name
}

// finish takes the series from the store as /metrics writes them.
func (in *inspection) finish() {
	fr := in.fr
	if in.gate.end() {
		fr.SetAside = true
	}
	if in.run != nil {
		p := in.run.Progress()
		fr.Restarts, fr.EpochResets = p.Restarts, int64(p.EpochResets)
		fr.Completion = in.run.Completion()
		fr.Status = fr.Completion.Status(time.Now())
	}
	if in.run != nil {
		fr.Hparams = in.run.Hparams()
	}
	var buf bytes.Buffer
	_ = in.store.WriteText(bufio.NewWriter(&buf))
	served := map[string]bool{}
	for _, l := range strings.Split(buf.String(), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		name := l[:strings.IndexAny(l, "{ ")]
		served[name] = true
		fr.Series = append(fr.Series, SeriesLine{Sample: l, Keys: fr.keys[name]})
	}
	for _, series := range sortedKeys(fr.keys) {
		if !served[series] {
			for _, key := range fr.keys[series] {
				fr.ignore(key, "series "+series+" is the exporter's own or over max-series", 0)
			}
		}
	}
	for _, ig := range fr.ignored {
		fr.Ignored = append(fr.Ignored, *ig)
	}
	sort.Slice(fr.Ignored, func(i, j int) bool {
		a, b := fr.Ignored[i], fr.Ignored[j]
		return a.Key < b.Key || a.Key == b.Key && a.What < b.What
	})
}

// WriteReport prints a report for humans.
func WriteReport(w io.Writer, fr *FileReport) {
	fmt.Fprintf(w, "%s\n", fr.Path)
	fmt.Fprintf(w, "  run:      %s\n", fr.Run)
	if fr.Profile != "" {
		fmt.Fprintf(w, "  profile:  %s (%s)\n", fr.Profile, fr.ProfileFrom)
	}
	fmt.Fprintf(w, "  lines:    %d (%d records", fr.Lines, fr.Records)
	for _, k := range sortedKeys(fr.Kinds) {
		fmt.Fprintf(w, ", %d %s", fr.Kinds[k], k)
	}
	fmt.Fprintln(w, ")")
	if fr.TextLines > 0 {
		fmt.Fprintf(w, "  text:     %d lines of log text without a record\n", fr.TextLines)
	}
	switch {
	case fr.SetAsideCSV:
		fmt.Fprintf(w, "  set aside: %s: %s not read", asideCSVWhy, plural(fr.DataRecords, "line"))
		if fr.PickedUp > 0 {
			fmt.Fprintf(w, "; read as a log from line %d, where %s", fr.PickedUp, asideCSVUntil)
		}
		fmt.Fprintln(w)
	case fr.SetAside:
		fmt.Fprintf(w, "  set aside: its first records carry no metric (text, ids, labels), as a dataset's or predictions' do: %s not read",
			plural(fr.DataRecords, "data record"))
		if fr.PickedUp > 0 {
			fmt.Fprintf(w, "; read as a log from line %d, where a metric record follows", fr.PickedUp)
		}
		fmt.Fprintln(w)
	}
	if fr.Steps.N > 0 {
		fmt.Fprintf(w, "  steps:    %g .. %g", fr.Steps.Min, fr.Steps.Max)
		if fr.EpochResets > 0 {
			fmt.Fprintf(w, " (reset at %d epoch starts)", fr.EpochResets)
		}
		fmt.Fprintln(w)
		if fr.GlobalSteps != fr.Steps {
			fmt.Fprintf(w, "  global:   %g .. %g (ml_global_step)\n", fr.GlobalSteps.Min, fr.GlobalSteps.Max)
		}
	}
	if fr.Epochs.N > 0 {
		fmt.Fprintf(w, "  epochs:   %g .. %g\n", fr.Epochs.Min, fr.Epochs.Max)
	}
	if fr.Times.N > 0 {
		fmt.Fprintf(w, "  time:     %s .. %s", fmtTime(fr.Times.Min), fmtTime(fr.Times.Max))
		switch {
		case fr.EstimatedTimes == fr.Times.N:
			fmt.Fprintf(w, " (estimated: no record has a time of its own)")
		case fr.EstimatedTimes > 0:
			if fr.EstimatedTimes == 1 {
				fmt.Fprintf(w, " (estimated for 1 record without a time of its own)")
			} else {
				fmt.Fprintf(w, " (estimated for %d records without a time of their own)", fr.EstimatedTimes)
			}
		}
		fmt.Fprintln(w)
	}
	if fr.Records > 0 {
		writeCompletion(w, fr)
	}
	fmt.Fprintf(w, "  series:   %d\n", len(fr.Series))
	for _, s := range fr.Series {
		fmt.Fprintf(w, "    %s", s.Sample)
		if len(s.Keys) > 0 {
			fmt.Fprintf(w, "  (from %s)", strings.Join(s.Keys, ", "))
		}
		fmt.Fprintln(w)
	}
	if len(fr.Ignored) > 0 {
		fmt.Fprintln(w, "  not exported:")
		for _, ig := range fr.Ignored {
			fmt.Fprintf(w, "    %s: %s", ig.Key, ig.What)
			if ig.FirstLine > 0 {
				fmt.Fprintf(w, " (%s from line %d)", plural(ig.Records, "record"), ig.FirstLine)
			}
			fmt.Fprintln(w)
		}
	}
	writeHparams(w, fr.Hparams)
	if len(fr.Problems) == 0 {
		fmt.Fprintln(w, "  problems: none")
		return
	}
	fmt.Fprintf(w, "  problems:\n")
	for _, p := range fr.Problems {
		fmt.Fprintf(w, "    %s\n", p)
	}
}

func fmtTime(sec float64) string {
	return time.Unix(0, int64(sec*1e9)).UTC().Format(time.RFC3339)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// LogFilesUnder lists the files under dir, at any depth, whose names are
// those of training logs (profile.IsLogName), in path order.
func LogFilesUnder(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && profile.IsLogName(d.Name()) {
			files = append(files, path)
		}
		return nil
	})
	return files, err
}

// writeCompletion writes how far the run is and how it stands, by the
// rule of docs/metrics.md ("Progress and status").
func writeCompletion(w io.Writer, fr *FileReport) {
	c := &fr.Completion
	fmt.Fprintf(w, "  status:   %s", fr.Status)
	stall := c.StallAfter().Round(time.Second)
	switch {
	case c.Finished:
	case c.HasInterval:
		fmt.Fprintf(w, " (a record every %s; stalled after %s without one)", fmtSeconds(c.Interval), stall)
	default:
		fmt.Fprintf(w, " (stalled after %s without a record)", stall)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "  progress: ")
	if c.HasRatio {
		fmt.Fprintf(w, "%.4g%% done", 100*c.Ratio)
	} else {
		fmt.Fprint(w, "unknown (no total steps or epochs)")
	}
	if c.HasETA {
		fmt.Fprintf(w, ", %s to finish", fmtSeconds(c.ETA))
	}
	fmt.Fprintln(w)
}

// fmtSeconds writes a duration to the millisecond at most.
func fmtSeconds(secs float64) string {
	return time.Duration(secs * float64(time.Second)).Round(time.Millisecond).String()
}
