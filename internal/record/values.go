// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"errors"
	"math"
	"strconv"
)

// Unix seconds accepted as a wall-clock time: 2000-01-01 up to 2100-01-01.
// Milliseconds in the same range are accepted too.
const (
	minUnixSeconds = 946684800
	maxUnixSeconds = 4102444800
)

// plainMetricKey reports whether a number under a top-level key of class
// cls and length keyLen is an ordinary metric of that name.
func plainMetricKey(cls keyClass, keyLen int) bool {
	return cls == clsPlain && uint(keyLen-1) < MaxNameLen
}

// isWallClock reports whether f, in seconds, is a plausible wall-clock time.
func isWallClock(f float64) bool { return minUnixSeconds <= f && f < maxUnixSeconds }

// topValue records a scalar member of the record's own object.
func (p *Parser) topValue(key []byte, keyRef strRef, v scalar) {
	cls, idx := p.keys.lookup(key)
	p.topValueOf(cls, idx, key, keyRef, v)
}

// topValueOf is topValue for a key whose class is known.
func (p *Parser) topValueOf(cls keyClass, idx int, key []byte, keyRef strRef, v scalar) {
	if v.kind == valString && p.stringsAreNumbers {
		switch cls {
		case clsPlain, clsStep, clsEpoch, clsTime, clsLongValue, clsSplit:
			v = p.numericString(v)
		}
	}
	switch cls {
	case clsType:
		p.typeSlots[idx] = strSlot{ref: v.str, ok: v.kind == valString}
	case clsRunName:
		// An empty name is as good as none: the caller falls back to the path.
		p.runName = strSlot{ref: v.str, ok: v.kind == valString && v.str.end > v.str.start}
	case clsStep:
		s := &p.stepSlots[idx]
		s.topVal, s.top = p.stepValue(v)
		p.addInfoOnly(key, keyRef, v)
		p.explainUnusable(key, v, s.top, " under a step key")
	case clsEpoch:
		s := &p.epochSlots[idx]
		s.top, s.topVal = v.finiteNumber(), v.num
		p.addInfoOnly(key, keyRef, v)
		p.explainUnusable(key, v, s.top, " under an epoch key")
	case clsIgnore:
		if p.opts.Explain && v.kind != valComposite {
			p.addNote(nil, key, "ignored key")
		}
	case clsTime:
		p.timeValue(idx, key, keyRef, v)
	case clsPrefix:
		p.prefixSlots[idx] = strSlot{ref: v.str, ok: v.kind == valString}
		p.addInfoOnly(key, keyRef, v)
	case clsLongName:
		p.longName = strSlot{ref: v.str, ok: v.kind == valString}
		p.addInfoOnly(key, keyRef, v)
	case clsLongValue:
		p.longValue = numSlot{ok: v.numeric(), topVal: v.num}
		p.addInfoOnly(key, keyRef, v)
	default:
		p.addTop(key, keyRef, v)
	}
}

// timeValue handles a time key: a plausible wall-clock value is the record
// time; any other number (detectron2's seconds per iteration) is a metric.
func (p *Parser) timeValue(idx int, key []byte, keyRef strRef, v scalar) {
	s := &p.timeSlots[idx]
	s.ok = false
	switch v.kind {
	case valNumber:
		switch {
		case isWallClock(v.num):
			s.secs, s.ok = v.num, true
		case minUnixSeconds*1000 <= v.num && v.num < maxUnixSeconds*1000:
			s.secs, s.ok = v.num/1000, true
		}
	case valString:
		s.secs, s.ok = parseRFC3339(p.line[v.str.start:v.str.end])
	}
	if !s.ok && v.numeric() {
		p.addTop(key, keyRef, v)
		s.entry = true
	} else if s.entry {
		p.addTop(key, keyRef, scalar{kind: valComposite}) // the last value wins over an earlier metric
	}
	p.explainUnusable(key, v, s.ok || v.numeric(), " under a time key, not a time")
}

// explainUnusable notes, with Options.Explain, a scalar under a key with a
// role that could not play it.
func (p *Parser) explainUnusable(key []byte, v scalar, used bool, why string) {
	if p.opts.Explain && !used && v.kind != valComposite {
		p.addNote(nil, key, v.describe()+why)
	}
}

// numericString returns the number a string holds, when all it holds is
// one number (Options.NumericStrings) or a duration or a percentage
// (Options.ProgressStrings); else v.
func (p *Parser) numericString(v scalar) scalar {
	if v.str.esc {
		return v
	}
	s := p.line[v.str.start:v.str.end]
	f, ok := 0.0, false
	if p.opts.NumericStrings {
		f, ok = parseNumericString(s)
	}
	if !ok && p.opts.ProgressStrings {
		f, ok = progressString(s)
	}
	switch {
	case !ok:
		return v
	case isFinite(f):
		return scalar{kind: valNumber, num: f}
	}
	return scalar{kind: valNonFinite, num: f}
}

// stepValue returns the step a value under a step key gives, if any: a
// finite number, or a string that holds a count ("10", "10/438").
func (p *Parser) stepValue(v scalar) (float64, bool) {
	if v.kind == valString && !v.str.esc {
		return stepString(p.line[v.str.start:v.str.end])
	}
	return v.num, v.finiteNumber()
}

// parseNumericString reads "20.714", "-5e-06", "1.72e+06", "nan" or
// "inf" (as Python's str and format print them), and nothing else: no
// spaces, hexadecimal or underscores.
func parseNumericString(s []byte) (float64, bool) {
	if len(s) == 0 || len(s) > 64 {
		return 0, false
	}
	switch {
	case bytes.EqualFold(s, []byte("nan")):
		return math.NaN(), true
	case bytes.EqualFold(s, []byte("inf")), bytes.EqualFold(s, []byte("infinity")):
		return math.Inf(1), true
	case bytes.EqualFold(s, []byte("-inf")), bytes.EqualFold(s, []byte("-infinity")):
		return math.Inf(-1), true
	}
	digits := false
	for _, c := range s {
		switch {
		case isDigit(c):
			digits = true
		case c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E':
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if !digits || err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

func isFinite(f float64) bool { return math.Abs(f) <= math.MaxFloat64 }

// openTop prepares the frame of an object or array that is a member of the
// record's own object.
func (p *Parser) openTop(child *frame, key []byte, keyRef strRef) {
	// The key now holds a container, so it loses any earlier scalar meaning.
	p.topValue(key, keyRef, scalar{kind: valComposite})
	cls, _ := p.keys.lookup(key)
	if !child.obj {
		if plainMetricKey(cls, len(key)) && p.opts.MaxArrayLen > 0 {
			child.arr, child.segs, child.entries = true, 1, len(p.entries)
			p.path = appendCanonical(p.path, key)
			p.appendRawPath(key)
		}
		return
	}
	switch cls {
	case clsContainer:
		child.collect, child.root = true, true
		p.appendRawPath(key)
	case clsSplit:
		child.collect, child.segs = true, 1
		p.path = appendCanonical(p.path, key)
		p.appendRawPath(key)
	case clsIgnore:
		if p.opts.Explain {
			p.addNote(nil, key, "ignored key")
		}
	default:
		if p.opts.Explain {
			p.addNote(nil, key, "object")
		}
	}
}

// appendRawPath extends the key path as written, with Options.Explain.
func (p *Parser) appendRawPath(key []byte) {
	if !p.opts.Explain {
		return
	}
	if len(p.rawPath) > 0 {
		p.rawPath = append(p.rawPath, '.')
	}
	p.rawPath = append(p.rawPath, key...)
}

// arrayValue records an element of an array whose numbers are metrics.
func (p *Parser) arrayValue(f *frame, v scalar) {
	if f.bad {
		return
	}
	if !v.numeric() {
		f.bad = true
		return
	}
	idx := f.n - 1
	if idx >= p.opts.MaxArrayLen {
		return // a long array: closeArray drops it
	}
	off := len(p.arena)
	p.arena = append(p.arena, p.path...)
	p.arena = append(p.arena, '.')
	p.arena = strconv.AppendInt(p.arena, int64(idx), 10)
	if len(p.arena)-off > MaxNameLen {
		p.arena = p.arena[:off]
		return
	}
	e := entry{nameOff: off, nameEnd: len(p.arena), value: v.num, kind: entMetric}
	if p.opts.Explain {
		raw := len(p.arena)
		p.arena = append(p.arena, p.rawPath...)
		p.arena = append(p.arena, '[')
		p.arena = strconv.AppendInt(p.arena, int64(idx), 10)
		p.arena = append(p.arena, ']')
		e.field = int32(len(p.raws))
		p.raws = append(p.raws, span{raw, len(p.arena)})
	}
	p.entries = append(p.entries, e)
}

// closeArray keeps the elements of a closing array only when it holds
// nothing but numbers, and no more than MaxArrayLen of them.
func (p *Parser) closeArray(f *frame) {
	what := ""
	switch {
	case f.bad:
		p.entries = p.entries[:f.entries]
		what = "array that is not all numbers"
	case f.n > p.opts.MaxArrayLen:
		p.entries = p.entries[:f.entries]
		p.longArrays++
		what = "array of " + strconv.Itoa(f.n) + " numbers, longer than " + strconv.Itoa(p.opts.MaxArrayLen)
	case f.n == 0:
		what = "empty array"
	}
	if what != "" && p.opts.Explain {
		p.addNote(nil, p.rawPath, what)
	}
}

// openNested prepares the frame of a member of a collecting object: an
// object is flattened under the member's name.
func (p *Parser) openNested(child *frame, parent *frame, key []byte) {
	p.nestedValue(parent, key, scalar{kind: valComposite})
	if p.nameLen(parent, key) > MaxNameLen {
		return
	}
	if parent.root {
		if cls, _ := p.keys.lookup(key); cls == clsStep || cls == clsEpoch {
			return
		}
	}
	switch {
	case child.obj:
		child.collect = true
	case p.opts.MaxArrayLen > 0:
		child.arr, child.entries = true, len(p.entries)
	default:
		return
	}
	child.segs = parent.segs + 1
	if parent.segs > 0 {
		p.path = append(p.path, '.')
	}
	p.path = appendCanonical(p.path, key)
	p.appendRawPath(key)
}

// nestedValue records a scalar member of a collecting object.
func (p *Parser) nestedValue(f *frame, key []byte, v scalar) {
	if v.kind == valString && p.stringsAreNumbers {
		v = p.numericString(v)
	}
	if f.root {
		// Step and epoch inside the container are never metrics; they serve
		// when the record has none at the top level.
		switch cls, idx := p.keys.lookup(key); cls {
		case clsStep:
			s := &p.stepSlots[idx]
			s.contVal, s.cont = p.stepValue(v)
			return
		case clsEpoch:
			s := &p.epochSlots[idx]
			s.cont, s.contVal = v.finiteNumber(), v.num
			return
		}
	}
	if p.nameLen(f, key) > MaxNameLen || (f.segs == 0 && len(key) == 0) {
		return
	}
	e := entry{nameOff: len(p.arena), kind: entTomb}
	if v.numeric() {
		e.kind, e.value = entMetric, v.num
	}
	p.arena = append(p.arena, p.path...)
	if f.segs > 0 {
		p.arena = append(p.arena, '.')
	}
	p.arena = appendCanonical(p.arena, key)
	e.nameEnd = len(p.arena)
	if p.opts.Explain {
		if e.kind == entMetric {
			e.field = p.addRaw(p.rawPath, key)
		} else if v.kind != valComposite {
			p.addNote(p.rawPath, key, v.describe())
		}
	}
	p.entries = append(p.entries, e)
}

// addRaw stores a metric's key as written, under the path as written,
// and returns its index in p.raws.
func (p *Parser) addRaw(path, key []byte) int32 {
	off := p.appendKeyPath(path, key)
	p.raws = append(p.raws, span{off, len(p.arena)})
	return int32(len(p.raws) - 1)
}

// addNote records a key that gave no metric.
func (p *Parser) addNote(path, key []byte, what string) {
	off := p.appendKeyPath(path, key)
	p.notes = append(p.notes, note{key: span{off, len(p.arena)}, what: what})
}

func (p *Parser) appendKeyPath(path, key []byte) int {
	off := len(p.arena)
	if len(path) > 0 {
		p.arena = append(p.arena, path...)
		p.arena = append(p.arena, '.')
	}
	p.arena = append(p.arena, key...)
	return off
}

func (p *Parser) nameLen(f *frame, key []byte) int {
	n := len(p.path) + len(key)
	if f.segs > 0 {
		n++
	}
	return n
}

// addTop records a plain member of the record's own object.
func (p *Parser) addTop(key []byte, keyRef strRef, v scalar) {
	e := p.addNamed(key)
	if e == nil {
		return
	}
	switch {
	case v.numeric():
		e.kind, e.value = entMetric, v.num
		if p.opts.Explain {
			e.field = p.addRaw(nil, key)
		}
	case v.kind == valString:
		e.kind, e.field = entString, p.addField(keyRef, v.str)
	}
	if p.opts.Explain && !v.numeric() && v.kind != valComposite {
		p.addNote(nil, key, v.describe())
	}
}

// addInfoOnly keeps a string under a structural key for run_start and meta
// records, whose Info lists every string field.
func (p *Parser) addInfoOnly(key []byte, keyRef strRef, v scalar) {
	if v.kind != valString {
		return
	}
	if e := p.addNamed(key); e != nil {
		e.kind, e.field = entInfoOnly, p.addField(keyRef, v.str)
		p.infoOnly++
	}
}

func (p *Parser) addField(key, val strRef) int32 {
	p.fields = append(p.fields, fieldRef{key: key, val: val})
	return int32(len(p.fields) - 1)
}

// addNamed adds a top-level entry, a tombstone until the caller says
// otherwise, and returns it; nil if key cannot name a metric.
func (p *Parser) addNamed(key []byte) *entry {
	if len(key) == 0 || len(key) > MaxNameLen {
		return nil
	}
	off := len(p.arena)
	p.arena = appendCanonical(p.arena, key)
	p.entries = append(p.entries, entry{nameOff: off, nameEnd: len(p.arena), kind: entTomb, top: true})
	return &p.entries[len(p.entries)-1]
}

// appendCanonical appends key with every '/' replaced by '.', so that
// "train/loss" and "train.loss" name the same metric.
func appendCanonical(dst, key []byte) []byte {
	start := len(dst)
	dst = append(dst, key...)
	for i := start; i < len(dst); i++ {
		if dst[i] == '/' {
			dst[i] = '.'
		}
	}
	return dst
}
