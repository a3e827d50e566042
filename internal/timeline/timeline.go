// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package timeline decides when each record happened: the one place that
// sets the time /metrics, remote write, backfill and plot give a record.
//
// The rule, per file, in the order of its records:
//
//   - A record with a wall-clock time of its own keeps it. Only a record
//     whose own time ties with the previous record's own time (same
//     millisecond or earlier, while its own clock did not go back) is put
//     1 ms after the previous record, so that the run's own series
//     (ml_records_total, ...) never get two values at one instant.
//   - A record without one that is read as it is written (Live) is placed
//     at the time it was read, or 1 ms after the file's previous record
//     when that is later: records read together never share a time.
//   - Records without one that are read after the fact (CatchUp: the
//     content a file had when it was found, an archive, a document) are
//     placed by an elapsed clock between anchors. The anchor after them
//     is the next record with a time of its own, else the file's
//     modification time, which is when its last record was written. The
//     anchor before them, if any, is the previous record with a time of
//     its own (or the last record delivered before a restart, Resume):
//     the records are spread between the two in the proportions of the
//     clock; without one, they are placed back from the anchor after them
//     by the clock. The elapsed clock advances, from one record to the
//     next, by what the producer tells: the difference of an elapsed-time
//     field (Record.Elapsed), else seconds per step times the steps
//     advanced (Record.StepSeconds), else a run's runtime over its steps
//     once a summary tells it (Record.RunSeconds); in a file that tells
//     none of these, by 1 s per record. What one record tells counts for
//     at most a week, and every record adds 1 ms on top, so that no two
//     share a time.
//
// Only records without a time of their own are read for hints, so that a
// log whose records carry their time pays one short call per record.
package timeline

import (
	"math"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// Mode says how a record without a time of its own was read.
type Mode uint8

const (
	// Live: read as it was written; the read time is its time.
	Live Mode = iota
	// CatchUp: read after the fact; placed back from a later anchor.
	CatchUp
)

// Even spacing, in milliseconds, of records of a file that tells nothing
// of the time between them; the least time between two records; and the
// most one record may tell (a value of 1e300 seconds is no clock).
const (
	evenSpacingMs = 1000
	leastMs       = 1
	mostToldMs    = 7 * 24 * 3600 * 1000
	// No estimate goes before 2000-01-01, the earliest time a record may
	// carry, nor counts more than that many ms back.
	floorMs = 946684800000
	maxMs   = 1 << 52
)

// Estimator places the records of one file. The zero value is ready; a
// file read again from its start (truncated, rotated) takes a new one.
type Estimator struct {
	clock   clock
	seg     segment
	last    int64 // ms of the previous record, if placed
	lastOwn int64 // ms of the previous own time, if hasOwn
	placed  bool
	hasOwn  bool
	ownLast bool // the previous record was placed at its own time
}

// Ahead runs a Probe over the records that follow the current one, up to
// the end of what is read after the fact, and returns the time of that end
// in ms (the file's modification time). It may stop early once Observe
// returns false, and decline (ok false) when reading ahead costs too much:
// the record is then placed forward from the previous one.
type Ahead func(p *Probe) (endMs int64, ok bool)

// Resume says that the records that follow come after ms: the time of
// the last record delivered before (a restart that resumes delivery).
func (e *Estimator) Resume(ms int64) {
	e.last, e.placed, e.ownLast = ms, true, false
	e.seg.open = false
}

// Place sets rec.Time (Unix seconds) for a record, in the file's order:
// its own time, or an estimate (rec.HasTime and rec.TimeEstimated set). A
// record read after the fact that needs an anchor asks ahead for one; ahead
// may be nil when mode is Live.
func (e *Estimator) Place(rec *record.Record, mode Mode, readMs int64, ahead Ahead) {
	if rec.HasTime {
		e.placeOwn(rec)
		return
	}
	step := e.clock.observe(rec)
	var t int64
	switch {
	case mode == Live:
		t = max(readMs, e.last+leastMs)
		e.seg.open = false
	case e.seg.open:
		e.seg.remove(step)
		t = e.seg.at()
	case !e.placed:
		e.anchor(ahead, readMs, step, false)
		t = e.seg.at()
	case e.anchor(ahead, readMs, step, true):
		t = e.seg.at()
	default:
		// Forward from the previous record, by what this one tells.
		t = e.last + int64(math.Round(min(step.told, mostToldMs))) + leastMs
	}
	t = max(t, floorMs)
	if e.placed && t <= e.last {
		t = e.last + leastMs
	}
	rec.Time, rec.HasTime, rec.TimeEstimated = float64(t)/1000, true, true
	e.last, e.placed, e.ownLast = t, true, false
}

// placeOwn keeps a record's own time, only putting a tie 1 ms after the
// previous record: the path of logs whose records carry their time, kept
// short.
func (e *Estimator) placeOwn(rec *record.Record) {
	e.clock.stepOf(rec)
	own := toMs(rec.Time)
	t := own
	if e.ownLast && own <= e.last && own >= e.lastOwn {
		t = e.last + leastMs // a tie, not a clock that went back
		rec.Time = float64(t) / 1000
	}
	e.lastOwn, e.hasOwn = own, true
	e.seg.open = false
	e.last, e.placed, e.ownLast = t, true, true
}

// anchor opens a segment at the current record, whose advance over the
// previous one is step: it probes the records after it for the next own
// time, else takes the end's time. With after, the segment also starts
// from the previous record's time; it reports false when it cannot (no
// probe, or an anchor not after it).
func (e *Estimator) anchor(ahead Ahead, fallbackMs int64, step steps, after bool) bool {
	p := &Probe{clock: e.clock}
	end, ok := fallbackMs, !after
	if ahead != nil {
		end, ok = ahead(p)
	}
	if !ok && after {
		return false
	}
	seg := segment{open: true, anchor: end, rest: p.rest, rate: p.clock.rate, even: !p.clock.hinted && p.clock.rate == 0}
	if p.found {
		seg.anchor = p.anchorMs
	}
	if after {
		if seg.anchor <= e.last {
			return false
		}
		total := p.rest
		total.add(step)
		seg.from, seg.total, seg.after = e.last, total.ms(seg.rate, seg.even), true
	}
	e.seg = seg
	return true
}

// Probe runs ahead of an Estimator to find where its segment ends.
type Probe struct {
	clock    clock
	rest     steps // the clock's advances of the records probed
	found    bool
	anchorMs int64
}

// Observe takes the next record (after the profile's rules). It reports
// false once the record holds a time of its own: the anchor is found.
func (p *Probe) Observe(rec *record.Record) bool {
	if p.found {
		return false
	}
	p.rest.add(p.clock.observe(rec))
	if rec.HasTime {
		p.found, p.anchorMs = true, toMs(rec.Time)
		return false
	}
	return true
}

// segment is a run of records read after the fact, placed by what the
// clock tells of the records still to come before anchor: back from it,
// or, after a record with a time (after), spread between that time and
// the anchor in the clock's proportions.
type segment struct {
	open   bool
	anchor int64
	rest   steps   // advances from the current record to the anchor
	rate   float64 // ms per step of a run summary, when known
	even   bool    // the records tell no time: even spacing
	after  bool    // from and total hold
	from   int64   // the time the segment starts after
	total  int64   // the clock's ms from that record to the anchor
}

func (s *segment) remove(st steps) { s.rest.sub(st) }

// at is the time of the current record.
func (s *segment) at() int64 {
	rest := s.rest.ms(s.rate, s.even)
	if !s.after || s.total <= 0 {
		return s.anchor - rest
	}
	span := float64(s.anchor - s.from)
	return s.from + int64(math.Round(span*float64(s.total-min(rest, s.total))/float64(s.total)))
}

// steps are the parts of the elapsed clock's advance over some records,
// kept apart because the rate and whether the file tells any time are
// only known once every record up to the anchor was seen.
type steps struct {
	told    float64 // ms told by elapsed times and seconds per step
	untold  float64 // steps advanced by records that told no time
	silent  int64   // records that told no time
	records int64
}

func (s *steps) add(o steps) {
	s.told += o.told
	s.untold += o.untold
	s.silent += o.silent
	s.records += o.records
}

func (s *steps) sub(o steps) {
	s.told -= o.told
	s.untold -= o.untold
	s.silent -= o.silent
	s.records -= o.records
}

// ms is the advance in milliseconds: what was told, the untold steps at
// the run's rate, even spacing for a file that tells nothing, and the
// least spacing for every record.
func (s steps) ms(rate float64, even bool) int64 {
	d := s.told + s.untold*rate + float64(s.records*leastMs)
	if even {
		d += float64(s.silent * evenSpacingMs)
	}
	return int64(math.Round(min(max(d, 0), maxMs)))
}

// clock follows what the records of a file tell of the time between them.
type clock struct {
	hinted      bool    // some record told an elapsed time or seconds per step
	rate        float64 // ms per step from a run summary; 0: none
	step, delta float64 // the last step and the last positive increment
	hasStep     bool
	elapsed     float64
	hasElapsed  bool
}

// observe takes one record and returns its advance over the previous one.
func (c *clock) observe(rec *record.Record) steps {
	st := steps{records: 1}
	advanced := c.stepOf(rec)
	if rec.HasTime {
		return st // its own time says it all; its hints are not read
	}
	switch {
	case rec.HasElapsed && isFinite(rec.Elapsed):
		d := rec.Elapsed
		if c.hasElapsed && rec.Elapsed >= c.elapsed {
			d = rec.Elapsed - c.elapsed
		} else if !c.hasElapsed {
			d = 0
		} // else a restarted clock: at least its new value passed
		c.elapsed, c.hasElapsed = rec.Elapsed, true
		st.told, c.hinted = min(d*1000, mostToldMs), true
	case rec.HasStepSeconds && isFinite(rec.StepSeconds) && rec.StepSeconds >= 0:
		st.told, c.hinted = min(rec.StepSeconds*advanced*1000, mostToldMs), true
	default:
		st.untold, st.silent = advanced, 1
	}
	if rec.HasRunSeconds && rec.HasStep && rec.Step > 0 && isFinite(rec.RunSeconds) && rec.RunSeconds > 0 {
		c.rate = min(rec.RunSeconds*1000/rec.Step, mostToldMs)
	}
	return st
}

// stepOf follows the record's step and returns the steps it advanced:
// an epoch's steps that start again count the usual increment.
func (c *clock) stepOf(rec *record.Record) (advanced float64) {
	if !rec.HasStep || !isFinite(rec.Step) {
		return 0
	}
	switch {
	case !c.hasStep:
	case rec.Step > c.step:
		advanced = rec.Step - c.step
		c.delta = advanced
	case rec.Step < c.step:
		advanced = c.delta
	}
	c.step, c.hasStep = rec.Step, true
	return advanced
}

// toMs rounds a time in seconds to milliseconds (times are positive).
func toMs(sec float64) int64 { return int64(sec*1000 + 0.5) }

func isFinite(f float64) bool { return math.Abs(f) <= math.MaxFloat64 }
