// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/tailer"
)

// A broad glob (--input '/runs/**/*.jsonl') also matches the datasets
// and predictions kept beside the logs. A file whose first records are
// data, not log records, is set aside: it gives no run and no series
// until a log record follows. Only files of the generic profile are
// judged: a file whose name or first line names a producer is that
// producer's log (mmdetection 2's opens with its environment as text).
//
// A log record is one with a step, an epoch, a wall-clock time, a type
// key, a metrics container, a prefix, a run_name or a text tag, or one
// without text and arrays (a metric record such as {"loss":2.3}, a
// {"config":{...}}).
// A data record has none of these and holds text or arrays:
// {"text":"...","label":1}, {"id":"a1","pred":3,"score":0.9},
// {"prompt":"...","completion":"..."}, {"input_ids":[...],"labels":[...]}.
// (A short numeric array counts only in a record without other numbers:
// DETR-like logs carry short arrays beside their numbers.)
//
// Until it is known, a file is being judged: its data records are held
// back (their lines kept, at most judgeRecords of them in holdBytes), and
// the first log record lets them through, so a log that opens with a
// record that looks like data (a flat config with a model name) loses
// nothing. The file is set aside after judgeRecords data records, when
// they do not fit in holdBytes, or when the content it had when it was
// found held only data records. A file set aside keeps its held lines
// if they are few (keepBytes) and a metric record that follows picks the
// file up and replays them, but only if they are all the data records
// before it: all or none, so that a run never misses records between
// ones it has (a data record skipped drops them). A file whose first
// line is no JSON object is not judged.

const (
	judgeRecords = 8
	holdBytes    = 64 << 10
	keepBytes    = 4 << 10
)

type gateState uint8

const (
	gateJudging  gateState = iota // no record read yet, or only data records
	gateLog                       // a log: read as usual
	gateSetAside                  // data: records are skipped until a log record
)

// heldLine is a line of a data record read while judging, with what
// reading it again needs.
type heldLine struct {
	line     []byte
	lineNo   int64
	consumed int64 // the file's offset after the line
	readTime time.Time
}

// logGate decides whether a line file is a log or data.
type logGate struct {
	state   gateState
	data    int // data records read while judging
	held    []heldLine
	heldLen int

	// The engine's: a parser that explains, for judging lines, the
	// record it fills, and logKeys of the file's options.
	parser *record.Parser
	rec    record.Record
	keys   [][]byte
}

// gateStep is what to do with a record read while the file is not known
// to be a log.
type gateStep uint8

const (
	stepLog      gateStep = iota // a log record: replay takeHeld, then read it
	stepHeld                     // a data record, held back
	stepSetAside                 // a data record that sets the file aside now
	stepSkip                     // a data record of a file set aside
)

// next records a record's verdict; h is its line, copied when held.
func (g *logGate) next(data bool, h heldLine) gateStep {
	switch {
	case !data:
		g.state = gateLog
		return stepLog
	case g.state == gateSetAside:
		g.held, g.heldLen = nil, 0 // all or none (see above)
		return stepSkip
	}
	g.data++
	if g.heldLen+len(h.line) > holdBytes {
		g.held, g.heldLen = nil, 0 // this one is not held: all or none
		g.setAside()
		return stepSetAside
	}
	h.line = bytes.Clone(h.line)
	g.held = append(g.held, h)
	g.heldLen += len(h.line)
	if g.data < judgeRecords {
		return stepHeld
	}
	g.setAside()
	return stepSetAside
}

func (g *logGate) setAside() {
	g.state = gateSetAside
	if g.heldLen > keepBytes {
		g.held, g.heldLen = nil, 0
	}
}

// end notes that the content known so far was read: a file that held
// only data records is set aside (reported true).
func (g *logGate) end() bool {
	if g.state != gateJudging || g.data == 0 {
		return false
	}
	g.setAside()
	return true
}

// takeHeld returns the held lines, in file order, and forgets them.
func (g *logGate) takeHeld() []heldLine {
	h := g.held
	g.held, g.heldLen = nil, 0
	return h
}

// notJSON notes a line that gave no record: a file whose first line is
// not a JSON object (another reader's CSV or text, or a broken start) is
// not judged at all, so that its lines do not go through a parser twice.
func (g *logGate) notJSON(err error) {
	if g.state == gateJudging && g.data == 0 && !errors.Is(err, record.ErrEmpty) {
		g.state = gateLog
	}
}

// restart judges the file again from its start, unless it is a log: a
// truncated log stays one (a restarted run may open with a config).
func (g *logGate) restart() {
	if g.state != gateLog {
		g.state, g.data = gateJudging, 0
		g.takeHeld()
	}
}

// admit judges a line of a file that is not known to be a log yet, or
// was set aside, and reports whether the ordinary path reads it: a log
// record is read, after the lines held back before it; a data record is
// not. Called from the file's goroutine.
func (f *file) admit(line []byte, readTime time.Time) bool {
	g := &f.gate
	if f.prof != profile.Generic {
		if judgesCSV(f.prof, f.profHow) {
			f.admitCSV(line, readTime) // judged by its header (dataset_csv.go)
			return false
		}
		g.state = gateLog
		return true
	}
	if g.parser == nil {
		opts := f.e.parser
		opts.Explain = true
		g.parser = f.e.judges.get(f.prof, opts).(*record.Parser) // generic: JSON Lines
		g.keys = logKeys(f.prof.ParserOptions(f.e.parser))
	}
	if err := g.parser.Parse(line, &g.rec); err != nil {
		g.notJSON(err)
		if g.state == gateLog {
			f.putJudge()
		}
		return true // the ordinary path counts what is wrong with it
	}
	wasSetAside := g.state == gateSetAside
	h := heldLine{line: line, lineNo: f.lineNo, consumed: f.consumed, readTime: readTime}
	switch g.next(isDataRecord(&g.rec, line, g.keys), h) {
	case stepHeld, stepSkip:
		return false
	case stepSetAside:
		f.e.setAsideFile(f, asideWhy, asideUntil, g.data)
		return false
	}
	f.putJudge()
	if wasSetAside {
		f.e.pickUpFile(f, asideUntil)
	}
	// The held lines, read as the ordinary path reads lines, with the
	// offsets they had for delivery.
	consumed, lineNo := f.consumed, f.lineNo
	for _, h := range g.takeHeld() {
		f.consumed, f.lineNo = h.consumed, h.lineNo
		if f.parse(h.line) {
			f.placeAndApply(h.readTime)
		}
	}
	f.consumed, f.lineNo = consumed, lineNo
	return true
}

// putJudge lets go of the judging parser.
func (f *file) putJudge() {
	g := &f.gate
	if g.parser != nil {
		f.e.judges.put(f.prof, g.parser)
	}
	g.parser, g.rec, g.keys = nil, record.Record{}, nil
}

// endOfContent notes that the content the file had when it was found
// was read: a file that held only data records is set aside.
func (f *file) endOfContent() {
	if f.initialSize > 0 && f.gate.end() {
		f.e.setAsideFile(f, asideWhy, asideUntil, f.gate.data)
	}
}

// restartGate judges a truncated or replaced file again.
func (f *file) restartGate() {
	if f.gate.state == gateSetAside {
		f.e.mu.Lock()
		f.setAside = false
		f.e.mu.Unlock()
	}
	f.restartCSV()
	f.gate.restart()
}

// Why a JSON Lines file is set aside, and what picks it up.
const (
	asideWhy   = "its first records carry no metric, as a dataset's or predictions' do"
	asideUntil = "a metric record follows"
)

// setAsideFile notes that f is set aside, for why: its run label is free
// for the logs beside it, and it claims one again if it is picked up
// (once what until says happens). records are the data records read.
func (e *Engine) setAsideFile(f *file, why, until string, records int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f.setAside = true
	e.release(f, time.Now())
	f.runName, f.wantRun = "", ""
	f.run.Store(nil)
	e.logger.Info("file set aside: "+why+"; it is read as a log once "+until, "path", f.path, "records", records)
}

// pickUpFile notes that a file set aside turned out to be a log: what
// until says happened.
func (e *Engine) pickUpFile(f *file, until string) {
	e.mu.Lock()
	f.setAside = false
	e.mu.Unlock()
	e.logger.Info("file set aside before is read as a log: "+until, "path", f.path, "line", f.lineNo)
}

// claimsWhenFound reports whether f, just found, claims its path's run
// label now. When another file holds it, the start of both is looked at
// (once, and only when labels collide): a dataset that holds the label
// gives it up, and a dataset found later claims none (it would at its
// first log record, if one comes). So a log beside a dataset of its run
// (run/train.jsonl and run/logs/metrics.jsonl) has the run's label
// whichever is found first, and no conflict is counted. Called with e.mu
// held, before f is followed.
func (e *Engine) claimsWhenFound(f *file) bool {
	owner := e.owners[f.pathRun]
	if owner == nil || owner.continuedBy(f) || e.yields(owner) {
		return true
	}
	f.peeked, f.peekedData = true, peekData(f.path, f.in.profile, e.parser)
	return !f.peekedData
}

// yields reports whether g, which holds a run label another file resolves
// to, gives it up for being data: it has read no log record, and the
// start of its content holds data records only.
func (e *Engine) yields(g *file) bool {
	if g.run.Load() != nil {
		return false
	}
	if !g.peeked {
		g.peeked, g.peekedData = true, peekData(g.path, g.in.profile, e.parser)
	}
	if !g.peekedData {
		return false
	}
	e.logger.Debug("a file that looks like data gives its run label up to a log", "path", g.path, "run", g.runName)
	delete(e.owners, g.runName)
	g.runName, g.wantRun = "", ""
	g.run.Store(nil)
	return true
}

// LooksLikeData reports whether the file at path opens as a dataset's or
// predictions' do, as a file found with the default configuration is
// judged: plot does not take such a file for a folder's newest log.
func LooksLikeData(path string) bool {
	cfg := DefaultConfig()
	return peekData(path, nil, cfg.ParserOptions())
}

// peekData judges the lines at the start of path as the gate would, in
// as many bytes as it holds back: true for data records only. prof is the
// input's profile, nil to detect it; base the parser options.
func peekData(path string, prof *profile.Profile, base record.Options) bool {
	head, err := tailer.Head(path, holdBytes)
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	} else {
		return false // not even one whole line
	}
	var parser *record.Parser
	var keys [][]byte
	var g logGate
	var rec record.Record
	lines := bytes.Split(head, []byte("\n"))
	for k, line := range lines {
		if parser == nil {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			how := profConfigured
			if prof == nil {
				prof, how = profile.Detect(path, line), profDetected
			}
			if judgesCSV(prof, how) {
				return peekCSV(lines[k:], prof, base)
			}
			if prof != profile.Generic {
				return false
			}
			opts := prof.ParserOptions(base)
			keys = logKeys(opts)
			opts.Explain = true
			parser = record.NewParser(opts)
		}
		if parser.Parse(line, &rec) != nil {
			continue
		}
		switch g.next(isDataRecord(&rec, line, keys), heldLine{}) {
		case stepLog:
			return false
		case stepSetAside:
			return true
		}
	}
	return g.data > 0
}

// logKeys returns the keys whose mere presence makes a record a log
// record, quoted: the type, container and prefix keys of opts.
func logKeys(opts record.Options) [][]byte {
	var keys [][]byte
	for _, list := range [][]string{opts.TypeKeys, opts.ContainerKeys, opts.PrefixKeys} {
		for _, k := range list {
			keys = append(keys, []byte(`"`+k+`"`))
		}
	}
	return keys
}

// isDataRecord reports whether rec, parsed from line with
// Options.Explain, is a record of data rather than of a log (see above).
// keys are logKeys of the parser's options.
func isDataRecord(rec *record.Record, line []byte, keys [][]byte) bool {
	if rec.HasStep || rec.HasEpoch || rec.HasTime || rec.Kind != record.KindMetric ||
		rec.Prefix != nil || rec.RunName != nil || rec.Tag != nil {
		return false
	}
	for _, k := range keys {
		// {"_type":"metric"} leaves no trace in the record. A key's name
		// inside a string only makes the record count as a log's.
		if bytes.Contains(line, k) {
			return false
		}
	}
	if rec.LongArrays > 0 {
		return true
	}
	for _, ig := range rec.Ignored {
		if ig.What == "string" || strings.HasPrefix(ig.What, "array") || ig.What == "empty array" {
			return true
		}
	}
	arrays, scalars := false, false
	for _, src := range rec.Sources {
		if bytes.HasSuffix(src, []byte("]")) {
			arrays = true
		} else {
			scalars = true
		}
	}
	return arrays && !scalars
}
