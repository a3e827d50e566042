// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"github.com/jsonl-exporter/jsonl-exporter/internal/record/number"

	"encoding/binary"
	"sync/atomic"
)

// lineTemplate is the previous lines' text with the numbers left out. A
// trainer prints every line of a kind with one format string, so a line
// that reads as the template with new numbers in its holes has the same
// keys, separators and string values, and it parses as the line the
// template was taken from did, number for number: replay checks each
// stretch of text with one comparison and converts the numbers, instead of
// reading keys, colons and commas one at a time.
//
// The template is taken from a line whose keys the memo already held (so
// the shape repeats) and whose members scanFlat read entirely; it refers
// to the memo's keys by position, and goes whenever the memo changes.
type lineTemplate struct {
	ok      bool
	text    []byte // the stretches of text between the holes, back to back
	members []templateMember
	tail    int // text[tail:] closes the object
	// direct: the line it was taken from resolved to exactly its plain
	// numbers, in order, as metrics of a record of kind: no prefix, no
	// long form, no merged names, no run name or fields. A line that fits
	// then needs no resolving, so replay writes the metrics themselves.
	direct bool
	kind   Kind
	shape  uint64 // of a direct template's records
	// The slots of a direct template's step, epoch and time members, or
	// -1: replay writes them on every line, and no other slot is read.
	stepSlot, epochSlot, timeSlot int
	// metrics of a direct template's records: the names are fixed, so
	// replay only writes the values.
	metrics []Metric
	// misses counts replays that failed in a row; after maxTemplateMisses
	// the template is dropped and none is taken for cooldown lines, so a
	// file whose lines never repeat pays for neither.
	misses, cooldown int
}

// templateMember is one member of the record's object: the text from the
// end of the previous value up to its number, or up to the end of its
// value when that is not a number (a string, true, NaN, ...) and so is
// part of the text.
type templateMember struct {
	textOff, textLen int32
	// Up to 24 bytes of text as little-endian words, with masks of the
	// bytes that belong to it; nwords > 3 means longer text.
	w, m   [3]uint64
	nwords int32
	base   int32  // where its text started in the line it was taken from
	key    strRef // in that line
	value  scalar // a value that is part of the text; its str is in that line
	number bool
	// The memo's view of the key: the memo cannot change while the
	// template lives, so its names stay where they are in the arena.
	plain            bool // a number under it is an ordinary metric
	cls              keyClass
	idx              uint8
	nameOff, nameEnd int32
}

// Bounds of a template: longer lines or more members are not templated.
const (
	templateMaxText    = 4 << 10
	templateMaxMembers = 32 // of about 150 bytes each
	maxTemplateMisses  = 8
	templateCooldown   = 256
)

// replay reads the object at start as the template says, recording its
// members as scanFlat would, and returns the position after its '}'. It
// reports false, having recorded part of the line, when the line does not
// match the template.
func (p *Parser) replay(start int) (int, bool) {
	b, t := p.line, &p.tmpl
	members := t.members
	i := start
	direct, j := t.metrics, 0
	for k := range members {
		m := &members[k]
		// Three word comparisons take the usual text: a key with its
		// quotes, colon and comma.
		if m.nwords <= 3 && len(b)-i >= 24 {
			s := (*[24]byte)(b[i:])
			if (binary.LittleEndian.Uint64(s[:8])^m.w[0])&m.m[0]|
				(binary.LittleEndian.Uint64(s[8:16])^m.w[1])&m.m[1]|
				(binary.LittleEndian.Uint64(s[16:])^m.w[2])&m.m[2] != 0 {
				return i, false
			}
		} else if !m.matchesText(b, i, t.text) {
			return i, false
		}
		delta := int32(i) - m.base
		i += int(m.textLen)
		if !m.number && t.direct && p.memo.distinct && (m.plain && !m.value.numeric() || m.cls == clsType) {
			// A string or null fixed by the text: a direct line reads
			// neither the type slot nor string fields. true, NaN and the
			// like are metrics, and may be the value of a number's name
			// once a prefix makes "a" and "train.a" one name: they go
			// through topValueOf, so finishDirect sees them.
			continue
		}
		var f float64
		if m.number {
			// number.Read, written out: it is not inlined, and a call more
			// per number costs about 150 instructions a line.
			var w number.Windowed
			if len(b)-i >= number.WindowLen {
				w = number.Window((*[number.WindowLen]byte)(b[i:]))
			} else {
				w = number.Window(number.Pad(b[i:]))
			}
			switch w.State {
			case number.Done:
				f = w.Value
				i += int(w.Len)
			case number.Handed:
				f = w.Finish(b, i, false)
				i += int(w.Len)
			default:
				var ok bool
				if f, i, ok = number.Scan(b, i); !ok {
					return i, false
				}
			}
			if m.plain {
				if t.direct {
					direct[j].Value = f // judgeTemplate sized it
					j++
				} else {
					p.entries = append(p.entries, entry{nameOff: int(m.nameOff), nameEnd: int(m.nameEnd), value: f, kind: entMetric, top: true})
				}
				continue
			}
			// Step, epoch and a wall-clock time, as topValueOf takes them.
			switch num := (scalar{kind: valNumber, num: f}); m.cls {
			case clsStep:
				s := &p.stepSlots[m.idx]
				s.top, s.topVal = num.finiteNumber(), f
				continue
			case clsEpoch:
				s := &p.epochSlots[m.idx]
				s.top, s.topVal = num.finiteNumber(), f
				continue
			case clsTime:
				// A direct template has one time member, so an entry of
				// its key can only be a previous line's, not cleared.
				if s := &p.timeSlots[m.idx]; isWallClock(f) && (t.direct || !s.entry) {
					s.secs, s.ok = f, true
					continue
				}
			}
		}
		v := m.value
		if m.number {
			v.num = f
		} else if v.kind == valString {
			v.str.start += delta
			v.str.end += delta
		}
		keyRef := strRef{start: m.key.start + delta, end: m.key.end + delta}
		p.topValueOf(m.cls, int(m.idx), b[keyRef.start:keyRef.end], keyRef, v)
	}
	p.keyCount = len(members)
	if tail := t.text[t.tail:]; len(b)-i < len(tail) || string(b[i:i+len(tail)]) != string(tail) {
		return i, false
	}
	return i + len(t.text) - t.tail, true
}

// finishDirect fills r from a line that fit a direct template, and
// reports false if a value gave the line a metric the template does not
// have (a time that is no wall-clock time is one): resolve must then see
// the whole line.
func (p *Parser) finishDirect(r *Record) bool {
	for i := range p.entries {
		if p.entries[i].kind == entMetric {
			return false
		}
	}
	t := &p.tmpl
	r.Kind = t.kind
	// As resolvePosition, from the only slots a direct line can fill.
	if t.stepSlot >= 0 && p.stepSlots[t.stepSlot].top {
		r.Step, r.HasStep = p.stepSlots[t.stepSlot].topVal, true
	}
	if t.epochSlot >= 0 && p.epochSlots[t.epochSlot].top {
		r.Epoch, r.HasEpoch = p.epochSlots[t.epochSlot].topVal, true
	}
	if t.timeSlot >= 0 && p.timeSlots[t.timeSlot].ok {
		r.Time, r.HasTime = p.timeSlots[t.timeSlot].secs, true
	}
	if len(p.tmpl.metrics) > 0 {
		r.Metrics = p.tmpl.metrics
	}
	r.Shape = p.tmpl.shape
	return true
}

// shapes numbers the shapes of records for Record.Shape, across parsers.
var shapes atomic.Uint64

// judgeTemplate decides, from r resolved from the line the template was
// just taken from, whether the template is direct, and numbers its shape.
func (p *Parser) judgeTemplate(r *Record) {
	t := &p.tmpl
	t.kind, t.direct = r.Kind, p.isDirect(r)
	if t.direct {
		t.shape = shapes.Add(1)
		t.metrics = t.metrics[:0]
		for i := range t.members {
			if m := &t.members[i]; m.number && m.plain {
				// The memo's names stay at the start of the arena while
				// the template lives; should the arena grow, this slice
				// keeps the old array, whose bytes do not change.
				t.metrics = append(t.metrics, Metric{Name: p.arena[m.nameOff:m.nameEnd:m.nameEnd]})
			}
		}
	}
}

// isDirect reports whether r, resolved from the line the template was just
// taken from, allows the template to be direct.
func (p *Parser) isDirect(r *Record) bool {
	if r.Kind != KindMetric && r.Kind != KindEpochEnd || r.RunName != nil || r.Info != nil || r.Prefix != nil {
		// A prefix that left every name as it was ({"_type":"val",
		// "val/loss":1}) must still reach Record.Prefix: finishDirect
		// does not set it.
		return false
	}
	if p.longName.ok && p.longValue.ok {
		// The long form's one metric takes its value from "value", not
		// from the plain number of the same name that may come with it.
		return false
	}
	t := &p.tmpl
	t.stepSlot, t.epochSlot, t.timeSlot = -1, -1, -1
	k := 0
	for i := range t.members {
		m := &t.members[i]
		var slot *int
		switch m.cls {
		case clsStep:
			slot = &t.stepSlot
		case clsEpoch:
			slot = &t.epochSlot
		case clsTime:
			slot = &t.timeSlot
		}
		if slot != nil {
			if *slot >= 0 {
				return false // two steps (say): resolvePosition picks
			}
			*slot = int(m.idx)
		}
		if !m.number || !m.plain {
			continue
		}
		if k == len(r.Metrics) || string(r.Metrics[k].Name) != string(p.arena[m.nameOff:m.nameEnd]) {
			return false
		}
		k++
	}
	return k == len(r.Metrics)
}

// matchesText reports whether b holds m's text at i, the slow way: for
// text of more than 24 bytes, or near the end of the line.
func (m *templateMember) matchesText(b []byte, i int, text []byte) bool {
	n := int(m.textLen)
	return len(b)-i >= n && string(b[i:i+n]) == string(text[m.textOff:int(m.textOff)+n])
}

// setText stores b as m's text.
func (t *lineTemplate) setText(m *templateMember, b []byte) {
	m.textOff, m.textLen = int32(len(t.text)), int32(len(b))
	t.text = append(t.text, b...)
	m.nwords = int32((len(b) + 7) / 8)
	for k := 0; k < len(m.w) && len(b) > 0; k++ {
		var pad [8]byte
		n := copy(pad[:], b)
		m.w[k], m.m[k] = binary.LittleEndian.Uint64(pad[:]), ^uint64(0)>>(64-8*n)
		b = b[n:]
	}
}

// learnTemplate takes the template from the object at start of the line
// just parsed, whose members scanFlat read entirely and whose keys are the
// memo's.
func (p *Parser) learnTemplate(start int) {
	t := &p.tmpl
	t.ok, t.direct, t.misses = false, false, 0
	if len(p.line)-start > templateMaxText || len(p.memo.keys) > templateMaxMembers {
		return
	}
	b := p.line
	t.text, t.members = t.text[:0], t.members[:0]
	i, from := start+1, start
	for k := range p.memo.keys {
		i = skipSpace(b, i)
		if k > 0 {
			i = skipSpace(b, i+1) // past the ','
		}
		mk := &p.memo.keys[k]
		m := templateMember{base: int32(from), cls: mk.cls, idx: mk.idx, nameOff: mk.nameOff, nameEnd: mk.nameEnd}
		m.plain = plainMetricKey(mk.cls, int(mk.rawEnd-mk.rawOff))
		m.key = strRef{start: int32(i + 1), end: int32(i + 1 + int(mk.rawEnd-mk.rawOff))}
		i = skipSpace(b, int(m.key.end)+1) // at the ':'
		i = skipSpace(b, i+1)
		end := i
		if startsNumber(b, i) {
			m.number, m.value.kind = true, valNumber
			_, end, _ = number.Read(b, i)
		} else {
			var err error
			if m.value, end, err = p.scanScalar(i, b[i]); err != nil {
				return // cannot be: scanFlat read this value
			}
			i = end
		}
		t.setText(&m, b[from:i])
		t.members = append(t.members, m)
		from, i = end, end
	}
	i = skipSpace(b, i) // at the '}'
	t.tail = len(t.text)
	t.text = append(t.text, b[from:i+1]...)
	t.ok = true
}

// missed notes a line the template did not fit.
func (t *lineTemplate) missed() {
	if t.misses++; t.misses >= maxTemplateMisses {
		t.ok, t.misses, t.cooldown = false, 0, templateCooldown
	}
}
