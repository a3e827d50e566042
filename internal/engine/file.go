// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
	"github.com/jsonl-exporter/jsonl-exporter/internal/tailer"
	"github.com/jsonl-exporter/jsonl-exporter/internal/timeline"
)

// file is one followed file: the tailer's handler. Its methods run on
// the file's own goroutine; fields shared with the engine are guarded by
// the engine's lock.
type file struct {
	e       *Engine
	in      *input
	path    string
	pathRun string
	// regexNamed: the input's run regex named the run; run_name is ignored.
	regexNamed bool
	info       os.FileInfo // when found, to recognise the file under other paths
	// duplicateOf is the file followed under another path; this one is not
	// followed. Guarded by e.mu.
	duplicateOf *file
	// The producer's profile and the reader it configures: chosen when the
	// file is found if its input or its name says, else at its first line.
	prof     *profile.Profile
	profHow  string // "configured", "from its name" or "detected"
	document bool   // one JSON document, read whole (set when found)
	parser   record.Reader
	rules    *profile.Rules
	rec      record.Record
	warned   bool // a parse error was already logged at warn level
	// gate tells logs from datasets (dataset.go); setAside is its verdict
	// for the engine, peeked and peekedData a look at the file's start when
	// its run label is contested; guarded by e.mu.
	gate                         logGate
	setAside, peeked, peekedData bool
	// Position in the current read of a document file.
	docStep   float64
	docNth    int
	docPasses int

	// clock places the records that have no time of their own; ahead is
	// its probe of the lines that follow (made once: a method value per
	// record would allocate).
	clock  timeline.Estimator
	ahead  timeline.Ahead
	prober lineProber

	// Lines up to initialSize existed when the file was found: records
	// without a time get the file's modification time, not "now".
	initialSize int64
	pending     int64 // bytes of an unfinished last line, after the last read
	mtime       time.Time
	consumed    int64
	lineNo      int64
	now         time.Time // read time of the current batch
	shape       store.ShapeCache

	// Lines and bytes read since the last EndBatch.
	batchLines, batchBytes int

	caughtUp     chan struct{}
	caughtUpOnce sync.Once

	// closedAt is where the follower stopped when it closed the file for
	// being idle; nil while it is followed. Guarded by e.mu.
	closedAt     *tailer.Position
	missingSince time.Time // when a scan found the closed file's path missing

	// deliveredTo: records of lines ending at or before this offset were
	// delivered already (remote write, before a restart or reload);
	// deliveryKnown once it was asked.
	deliveredTo   int64
	deliveredMs   int64 // the time of the record there; 0 once used
	deliveryKnown bool

	// run is read without e.mu on the record path; written under it.
	run atomic.Pointer[store.RunState]

	// Guarded by e.mu.
	runName     string // label in use, maybe made unique
	wantRun     string // label asked for
	declaredRun string // from a run_name field
	failed      time.Time
}

// newFile makes the file found at path, with the profile the input
// configures, else p, the one its name implies (nil: detected at its
// first line).
func newFile(e *Engine, in *input, path string, fi os.FileInfo, p *profile.Profile, how string) *file {
	f := &file{
		e:           e,
		in:          in,
		path:        path,
		info:        fi,
		initialSize: fi.Size(),
		mtime:       fi.ModTime(),
		caughtUp:    make(chan struct{}),
		now:         time.Now(),
	}
	f.pathRun, f.regexNamed = in.namer.name(path)
	f.ahead = f.probeAhead
	f.prober = lineProber{path: path, maxLine: e.tail.MaxLineSize, stopping: e.stopping}
	if in.profile != nil {
		f.useProfile(in.profile, profConfigured)
	} else if p != nil {
		f.useProfile(p, how)
	}
	f.document = f.prof != nil && f.prof.IsDocument(path)
	if strings.HasSuffix(path, ".gz") {
		// An archive is complete: all of it predates the exporter, and it
		// is caught up when the tailer returns.
		f.initialSize = math.MaxInt64
	}
	if f.initialSize == 0 {
		f.markCaughtUp()
	}
	return f
}

func (f *file) markCaughtUp() { f.caughtUpOnce.Do(func() { close(f.caughtUp) }) }

// useProfile sets the file's profile and makes its parser.
func (f *file) useProfile(p *profile.Profile, how string) {
	f.prof, f.profHow = p, how
	f.parser = f.e.parsers.get(p, f.e.parser)
	f.rules = profile.NewRules(p)
	f.e.logger.Debug("reading file", "path", f.path, "profile", p.Name, "profile_from", how)
}

// isDocument reports whether the file is one JSON document. It is fixed
// when the file is found (by its name or input), so the engine may ask
// while the file's goroutine detects the profile of a line file.
func (f *file) isDocument() bool { return f.document }

// continuedBy reports whether g feeds the same run as f without a
// conflict: the copies of a run's document in its checkpoints continue
// each other. A document's profile is set when it is found and never
// changes.
func (f *file) continuedBy(g *file) bool {
	return f.document && g.document && f.prof == g.prof && f.prof.DocumentCopies
}

// changedSinceFound reports whether the file at the path has another
// size or modification time than when it was found.
func (f *file) changedSinceFound() bool {
	fi, err := os.Stat(f.path)
	return err == nil && (fi.Size() != f.info.Size() || !fi.ModTime().Equal(f.info.ModTime()))
}

// fail records why the file cannot be read. Called with e.mu held.
func (f *file) fail(err error, now time.Time) {
	reason := fileErrRead
	switch {
	case errors.Is(err, fs.ErrPermission):
		reason = fileErrPermission
	case errors.Is(err, tailer.ErrNotRegular):
		reason = fileErrNotRegular
	}
	f.e.failures.add(f.path, reason, err)
	f.e.self.fileErrors.WithLabelValues(reason).Inc()
	f.failed = now
	f.markCaughtUp()
}

// Line parses one line and applies it to the file's run. Counters are
// published once per read by EndBatch.
func (f *file) Line(line []byte) {
	if f.batchLines == 0 {
		f.now = time.Now() // the first line of a read: when it was read
	}
	f.lineNo++
	f.consumed += int64(len(line)) + 1
	f.batchLines++
	f.batchBytes += len(line) + 1
	if f.parser == nil {
		switch {
		case f.prof != nil: // a closed file read again
			f.parser = f.e.parsers.get(f.prof, f.e.parser)
		case len(bytes.TrimSpace(line)) == 0:
			return
		default:
			f.useProfile(profile.Detect(f.path, line), profDetected)
		}
	}
	readTime := f.now
	if f.consumed <= f.initialSize {
		readTime = f.mtime
	}
	if f.gate.state != gateLog && !f.admit(line, readTime) {
		return
	}
	if f.parse(line) {
		f.placeAndApply(readTime)
	}
}

// placeAndApply gives the record just parsed its time and folds it into
// the run: a line the file held when it was found was written before,
// one read later as it is written.
func (f *file) placeAndApply(readTime time.Time) {
	mode := timeline.Live
	if f.consumed <= f.initialSize {
		mode = timeline.CatchUp
	}
	src := f.source()
	if !src.Delivered && f.deliveredMs > 0 {
		// The first record not delivered before: it and the next come
		// after the last one delivered, whatever the records delivered
		// are estimated at now (the file grew, its modification time
		// moved).
		f.clock.Resume(f.deliveredMs)
		f.deliveredMs = 0
	}
	f.clock.Place(&f.rec, mode, readTime.UnixMilli(), f.ahead)
	f.apply(readTime, src)
}

// probeAhead runs a probe over the lines after the current one that the
// file held when it was found, and returns the file's modification time
// then: the time of its last record.
func (f *file) probeAhead(p *timeline.Probe) (int64, bool) {
	parser := f.e.parsers.get(f.prof, f.e.parser)
	defer f.e.parsers.put(f.prof, parser)
	ok := f.prober.probe(f.consumed, f.initialSize, f.consumed, newProbe(f.prof, parser, p))
	return f.mtime.UnixMilli(), ok
}

// StrippedCR counts the "\r" the tailer took off the next line: the
// bytes consumed are the file's, or a file of "\r\n" lines (every CSV
// log Python's csv module writes) is never caught up.
func (f *file) StrippedCR() {
	f.consumed++
	f.batchBytes++
}

// source tells subscribers where the current line came from, and waits
// while the delivery of records cannot keep up: reading slows down
// rather than records being dropped.
func (f *file) source() store.Source {
	d := f.e.delivery
	if d == nil {
		return store.Source{}
	}
	if !f.deliveryKnown {
		f.deliveredTo, f.deliveredMs = d.DeliveredTo(f.path)
		f.deliveryKnown = true
	}
	src := store.Source{Path: f.path, Input: f.in.glob, Offset: f.consumed}
	if f.consumed <= f.deliveredTo {
		src.Delivered = true
	} else {
		d.Wait(f.e.stopping)
	}
	return src
}

// idle lets go of what only reading needs (the parser with its arenas
// and its view of the last line, the last record, the shape cache): a
// closed file keeps its position and its run's series only. Called from
// the file's goroutine, after its follower returned.
func (f *file) idle() {
	if f.parser != nil && f.e.parsers.put(f.prof, f.parser) {
		f.parser = nil // a CSV reader stays: it holds the file's header
	}
	f.rec, f.shape = record.Record{}, store.ShapeCache{}
	f.putJudge()
}

// parse reads one line or document record into f.rec and reports whether
// it holds a record.
func (f *file) parse(line []byte) bool { return f.took(f.parser.Parse(line, &f.rec)) }

// took finishes what parse does once the line was read into f.rec with
// err: an error is counted, a record gets its profile's rules.
func (f *file) took(err error) bool {
	if record.NoRecord(err) {
		return false
	}
	if err != nil {
		reason := record.Reason(err)
		f.e.self.parseErrors.WithLabelValues(reason).Inc()
		f.logParseError(reason, err)
		return false
	}
	f.rules.Apply(&f.rec)
	f.prof.Hint(&f.rec)
	if f.rec.LongArrays > 0 {
		f.e.self.longArrays.Add(float64(f.rec.LongArrays))
	}
	return true
}

// Document reads the records of a document file. Each read holds every
// record so far, in the order written; the run keeps those it has not
// seen, also from an older checkpoint's copy.
func (f *file) Document(data []byte) {
	if len(bytes.TrimSpace(data)) == 0 {
		// Caught between the truncation and the write of a rewrite: no
		// record yet, and no error. The write changes the file, which is
		// read again then.
		f.batchLines++ // a read, as every read of a document counts one at least
		f.markCaughtUp()
		return
	}
	f.now = time.Now()
	f.batchBytes += len(data)
	// Records that were in the file when it was found date from its
	// modification time, as the lines of a log do. Every read holds every
	// record: its last one was written when the file was last modified.
	readTime, written := f.now, f.mtime
	if f.docPasses == 0 {
		readTime = f.mtime
	} else if fi, err := os.Stat(f.path); err == nil {
		written = fi.ModTime()
	} else {
		written = f.now
	}
	f.lineNo, f.docStep, f.docNth = 0, math.Inf(-1), 0
	f.rules.SetDocument(data) // totals stated beside the records (max_steps)
	err := f.prof.Document(data, f.documentRecord(data, readTime, written))
	f.batchLines += max(int(f.lineNo), 1) // its records are its lines
	if err != nil {
		f.e.self.parseErrors.WithLabelValues(record.ReasonInvalidJSON).Inc()
		f.logParseError(record.ReasonInvalidJSON, err)
		// Read, if unusable until it changes: another program's file of
		// that name must not keep the catch-up (and /-/ready, backfill)
		// waiting for ever.
		f.markCaughtUp()
		return
	}
	f.docPasses++
	f.consumed = int64(len(data))
	f.markCaughtUp()
}

// documentRecord returns what applies each record of one read of a
// document: the nth record of a step is applied unless the run has it,
// at a time placed back from when the document was written.
func (f *file) documentRecord(data []byte, readTime, written time.Time) func(text []byte) {
	src := store.Source{Path: f.path, Input: f.in.glob}
	var clock timeline.Estimator
	probes := 0
	ahead := func(p *timeline.Probe) (int64, bool) {
		// A probe reads the whole document again: twice a read at most.
		if probes++; probes > 2 {
			return 0, false
		}
		parser := f.e.parsers.get(f.prof, f.e.parser)
		defer f.e.parsers.put(f.prof, parser)
		probeDocument(f.prof.Document, data, int(f.lineNo), newProbe(f.prof, parser, p))
		return written.UnixMilli(), true
	}
	return func(text []byte) {
		f.lineNo++ // the record's position, for log messages
		if !f.parse(text) {
			return
		}
		if f.rec.HasStep && f.rec.Step != f.docStep {
			f.docStep, f.docNth = f.rec.Step, 0
		}
		f.docNth++
		clock.Place(&f.rec, timeline.CatchUp, written.UnixMilli(), ahead)
		for range 2 {
			run := f.currentRun()
			if run.ApplyDocumentRecord(&f.rec, f.docStep, f.docNth, readTime, &f.shape, src) {
				break
			}
			f.forgetRun(run)
		}
	}
}

// apply folds f.rec into the file's run.
func (f *file) apply(readTime time.Time, src store.Source) {
	for range 2 {
		run := f.currentRun()
		if run.ApplyFrom(&f.rec, readTime, &f.shape, src) {
			return
		}
		f.forgetRun(run) // expired or removed meanwhile: start it again
	}
}

// EndBatch publishes the line counters of one read.
func (f *file) EndBatch() {
	if f.batchLines > 0 {
		f.e.self.linesRead.Add(float64(f.batchLines))
		f.e.self.bytesRead.Add(float64(f.batchBytes))
		f.batchLines, f.batchBytes = 0, 0
	}
	// An unfinished last line counts: a writer that stopped mid-line (a
	// crash, a log still being written) must not keep the catch-up open.
	if f.consumed+f.pending >= f.initialSize {
		f.endOfContent()
		f.markCaughtUp()
	}
}

// Pending notes the bytes of an unfinished last line.
func (f *file) Pending(bytes int64) { f.pending = bytes }

// currentRun returns the run this file feeds, claiming its label on the
// first record and again when a record names the run (run_name), unless
// the input's run regex named it.
func (f *file) currentRun() *store.RunState {
	if r := f.run.Load(); r != nil && len(f.rec.RunName) == 0 {
		return r // the common case: no engine lock per record
	}
	e := f.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(f.rec.RunName) > 0 && !f.regexNamed {
		f.declaredRun = store.LabelValue(string(f.rec.RunName))
	}
	want := f.pathRun
	if f.declaredRun != "" {
		want = f.declaredRun
	}
	if want != f.wantRun {
		f.wantRun = want
		e.claim(f, want)
	}
	r := f.run.Load()
	if r == nil {
		r = e.store.RunState(f.runName, f.in.labelValues)
		f.run.Store(r)
	}
	return r
}

func (f *file) forgetRun(r *store.RunState) {
	e := f.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if f.run.Load() == r {
		f.run.Store(e.store.RunState(f.runName, f.in.labelValues))
	}
}

func (f *file) logParseError(reason string, err error) {
	level := f.e.logger.Debug
	if !f.warned {
		level = f.e.logger.Warn
		f.warned = true
	}
	level("skipping unusable line (further ones are logged at debug level)", "path", f.path, "line", f.lineNo, "reason", reason, "err", err)
}

// LineTooLong counts a line skipped for its length.
func (f *file) LineTooLong(size int64) {
	f.lineNo++
	f.consumed += size + 1
	f.e.self.linesRead.Inc()
	f.e.self.bytesRead.Add(float64(size + 1))
	f.e.self.parseErrors.WithLabelValues(reasonLineTooLong).Inc()
	f.logParseError(reasonLineTooLong, errors.New("line longer than tail.max-line-size"))
}

// Reset notes a truncation or rotation; what follows is new content.
func (f *file) Reset(ev tailer.Event) {
	switch ev {
	case tailer.Truncated:
		f.e.self.truncations.Inc()
	case tailer.Rotated:
		f.e.self.rotations.Inc()
	}
	f.e.logger.Info("file "+ev.String()+"; reading it from the start", "path", f.path)
	f.lineNo, f.consumed, f.initialSize = 0, 0, 0
	f.clock = timeline.Estimator{}                             // new content: its records start again
	f.deliveredTo, f.deliveredMs, f.deliveryKnown = 0, 0, true // new content: none of it was delivered
	if f.parser != nil {
		f.parser.Restart() // a CSV reader reads the header again, and knows rows read before
	}
	f.restartGate()
	f.markCaughtUp()
}
