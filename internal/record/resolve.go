// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
)

// resolve turns what scan collected into r, now that the type, prefix and
// long-form keys are known wherever they were in the line. Lines that fit
// a direct template skip it (template.go): a new rule here that depends on
// a value rather than on the text needs its check in isDirect or
// finishDirect.
func (p *Parser) resolve(r *Record) {
	kind, split := p.kindAndSplit()
	r.Kind = kind
	p.resolvePosition(r)
	runNameOff, runNameEnd := -1, -1
	if p.runName.ok {
		runNameOff = len(p.arena)
		p.arena = p.appendString(p.arena, p.runName.ref)
		runNameEnd = len(p.arena)
	}

	metrics, info := p.metrics[:0], p.info[:0]
	switch kind {
	case KindMetric, KindEpochEnd:
		var prefix []byte
		if kind == KindMetric {
			prefix = p.prefix(split)
		}
		if p.longName.ok && p.longValue.ok {
			p.entries = p.entries[:0]
			off := len(p.arena)
			p.arena = p.appendString(p.arena, p.longName.ref)
			end := len(p.arena)
			if p.opts.Explain {
				p.arena = append(p.arena, p.arena[off:end]...) // the source, before canonicalizing
				p.raws = append(p.raws, span{end, len(p.arena)})
			}
			canonicalizeTail(p.arena[off:end])
			if end > off {
				p.entries = append(p.entries, entry{nameOff: off, nameEnd: end, value: p.longValue.topVal, field: int32(len(p.raws) - 1)})
			}
		} else if p.infoOnly > 0 {
			p.keepEntries(func(e *entry) bool { return e.kind != entInfoOnly })
		}
		if len(prefix) > 0 {
			r.Prefix = prefix
			p.applyPrefix(prefix)
			p.distinctKeys = false // a prefixed name may equal another one
		}
	case KindRunStart, KindMeta:
		p.keepEntries(func(e *entry) bool { return e.top })
	default:
		p.entries = p.entries[:0]
	}
	if kind != KindMetric && kind != KindEpochEnd {
		p.notes = p.notes[:0] // such records have no metrics to miss
	}
	if !p.distinctKeys {
		if p.opts.Explain {
			p.mergeSources()
		}
		p.dedupe()
	}

	// The arena does not grow any more: hand out slices of it.
	a := p.arena
	if runNameOff >= 0 {
		r.RunName = a[runNameOff:runNameEnd:runNameEnd]
	}
	if p.tag.end > 0 {
		r.Tag = a[p.tag.off:p.tag.end:p.tag.end]
	}
	r.LongArrays = p.longArrays
	if p.config.end > 0 {
		r.Config = p.line[p.config.off:p.config.end:p.config.end]
	}
	for i := range p.entries {
		if e := &p.entries[i]; e.kind == entMetric {
			metrics = append(metrics, Metric{Name: a[e.nameOff:e.nameEnd:e.nameEnd], Value: e.value})
			if p.opts.Explain {
				src := p.raws[e.field]
				r.Sources = append(r.Sources, a[src.off:src.end:src.end])
			}
		}
	}
	for _, n := range p.notes {
		r.Ignored = append(r.Ignored, Ignored{Key: a[n.key.off:n.key.end:n.key.end], What: n.what})
	}
	if kind == KindRunStart || kind == KindMeta {
		info = p.appendInfo(info)
	}
	p.metrics, p.info = metrics, info
	if len(metrics) > 0 {
		r.Metrics = metrics
	}
	if len(info) > 0 {
		r.Info = info
	}
}

// resolvePosition sets r's step, epoch and time from the slots: the first
// key of each list that had a usable value wins.
func (p *Parser) resolvePosition(r *Record) {
	r.Step, r.HasStep = pickNum(p.stepSlots)
	r.Epoch, r.HasEpoch = pickNum(p.epochSlots)
	r.Time, r.HasTime = pickTime(p.timeSlots)
	if !r.HasTime && p.textTime.ok {
		r.Time, r.HasTime = p.textTime.secs, true
	}
}

func pickTime(slots []timeSlot) (float64, bool) {
	for _, s := range slots {
		if s.ok {
			return s.secs, true
		}
	}
	return 0, false
}

// appendInfo decodes keys and values of the string fields. It runs after
// the metric names were sliced; should the arena move, earlier slices keep
// the old array alive and their bytes never change.
func (p *Parser) appendInfo(info []Field) []Field {
	for i := range p.entries {
		e := &p.entries[i]
		if e.kind != entString && e.kind != entInfoOnly {
			continue
		}
		keyOff := len(p.arena)
		p.arena = p.appendString(p.arena, p.fields[e.field].key)
		valOff := len(p.arena)
		p.arena = p.appendString(p.arena, p.fields[e.field].val)
		end := len(p.arena)
		info = append(info, Field{Key: p.arena[keyOff:valOff:valOff], Value: p.arena[valOff:end:end]})
	}
	return info
}

// kindAndSplit reads the first type key holding a string.
func (p *Parser) kindAndSplit() (Kind, []byte) {
	for _, s := range p.typeSlots {
		if !s.ok {
			continue
		}
		v := p.line[s.ref.start:s.ref.end]
		if s.ref.esc {
			v = appendUnescaped(p.keyBuf[:0], v)
			p.keyBuf = v
		}
		return kindOf(v)
	}
	if p.tag.end > 0 && p.opts.TagTypes != nil {
		if v, ok := p.opts.TagTypes[string(p.arena[p.tag.off:p.tag.end])]; ok {
			return kindOf([]byte(v))
		}
	}
	return KindMetric, nil
}

// kindOf reads a type value: a kind, or a split that prefixes names.
func kindOf(v []byte) (Kind, []byte) {
	switch string(v) {
	case "", "metric", "metrics":
		return KindMetric, nil
	case "epoch_end":
		return KindEpochEnd, nil
	case "run_start":
		return KindRunStart, nil
	case "config":
		return KindConfig, nil
	case "meta":
		return KindMeta, nil
	case "artifact":
		return KindArtifact, nil
	}
	return KindMetric, v
}

// prefix returns the canonical metric name prefix, stored in the arena: the
// first non-empty prefix key, else the split named by the type key.
func (p *Parser) prefix(split []byte) []byte {
	off := len(p.arena)
	for _, s := range p.prefixSlots {
		if s.ok && s.ref.end > s.ref.start {
			p.arena = p.appendString(p.arena, s.ref)
			break
		}
	}
	if len(p.arena) == off {
		p.arena = append(p.arena, split...)
	}
	canonicalizeTail(p.arena[off:])
	return p.arena[off:len(p.arena):len(p.arena)]
}

func canonicalizeTail(b []byte) {
	for i, c := range b {
		if c == '/' {
			b[i] = '.'
		}
	}
}

func pickNum(slots []numSlot) (float64, bool) {
	for _, s := range slots {
		if s.top {
			return s.topVal, true
		}
	}
	for _, s := range slots {
		if s.cont {
			return s.contVal, true
		}
	}
	return 0, false
}

func (p *Parser) keepEntries(keep func(*entry) bool) {
	n := 0
	for i := range p.entries {
		if keep(&p.entries[i]) {
			if n != i {
				p.entries[n] = p.entries[i]
			}
			n++
		}
	}
	p.entries = p.entries[:n]
}

// applyPrefix puts "<prefix>." in front of every name that does not start
// with it already: {"prefix":"train","train/loss":1} stays train.loss.
// When the prefix is a split, a name that names its split already keeps
// it: {"_type":"validation","val/loss":1} is val.loss, not
// validation.val.loss.
func (p *Parser) applyPrefix(prefix []byte) {
	split := isSplit(prefix)
	for i := range p.entries {
		e := &p.entries[i]
		name := p.arena[e.nameOff:e.nameEnd]
		if len(name) > len(prefix) && name[len(prefix)] == '.' && bytes.HasPrefix(name, prefix) {
			continue
		}
		if split && startsWithSplit(name) {
			continue
		}
		off := len(p.arena)
		p.arena = append(p.arena, prefix...)
		p.arena = append(p.arena, '.')
		p.arena = append(p.arena, p.arena[e.nameOff:e.nameEnd]...)
		e.nameOff, e.nameEnd = off, len(p.arena)
	}
}

// smallDedupe is the entry count up to which a quadratic scan beats hashing.
const smallDedupe = 32

// dedupe merges entries with the same name: the last one in line order
// wins and takes the place of the first.
func (p *Parser) dedupe() {
	if len(p.entries) <= smallDedupe {
		ents := p.entries
		n := 0
		// seen has one bit per hash value mod 256: a name whose bit is
		// clear is new, and most records have no repeated name at all.
		var seen [4]uint64
		for i := range ents {
			e := &ents[i]
			name := p.arena[e.nameOff:e.nameEnd]
			e.hash = quickHash(name)
			j := n
			if bit := uint64(1) << (e.hash & 63); seen[e.hash>>6&3]&bit == 0 {
				seen[e.hash>>6&3] |= bit
			} else {
				for j = 0; j < n; j++ {
					if ents[j].hash == e.hash && string(p.arena[ents[j].nameOff:ents[j].nameEnd]) == string(name) {
						break
					}
				}
			}
			if j == n {
				n++
			}
			if j != i {
				ents[j] = *e
			}
		}
		p.entries = ents[:n]
		return
	}
	size := 64
	for size < 2*len(p.entries) {
		size *= 2
	}
	if cap(p.table) < size {
		p.table = make([]int32, size)
	}
	table := p.table[:size]
	clear(table)
	mask := uint64(size - 1)
	out := p.entries[:0]
	for _, e := range p.entries {
		name := p.arena[e.nameOff:e.nameEnd]
		h := maphash.Bytes(p.seed, name) & mask
		for {
			slot := table[h]
			if slot == 0 {
				out = append(out, e)
				table[h] = int32(len(out))
				break
			}
			o := &out[slot-1]
			if string(p.arena[o.nameOff:o.nameEnd]) == string(name) {
				*o = e
				break
			}
			h = (h + 1) & mask
		}
	}
	p.entries = out
}

// quickHash tells most distinct names apart in constant time from their
// length and their first and last eight bytes.
func quickHash(b []byte) uint32 {
	h := uint64(len(b)) * 0x9E3779B97F4A7C15
	if len(b) >= 8 {
		h ^= binary.LittleEndian.Uint64(b) * 0xC2B2AE3D27D4EB4F
		h ^= binary.LittleEndian.Uint64(b[len(b)-8:]) * 0x165667B19E3779F9
	} else {
		var x uint64
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
		h ^= x * 0xC2B2AE3D27D4EB4F
	}
	return uint32(h ^ h>>32)
}

// mergeSources gives a metric written under several keys ("train/loss"
// and "train.loss") all of them as its source, on the entry dedupe keeps.
func (p *Parser) mergeSources() {
	for i := range p.entries {
		e := &p.entries[i]
		if e.kind != entMetric {
			continue
		}
		name := p.arena[e.nameOff:e.nameEnd]
		for j := i - 1; j >= 0; j-- {
			o := &p.entries[j]
			if o.kind != entMetric || string(p.arena[o.nameOff:o.nameEnd]) != string(name) {
				continue
			}
			prev, mine := p.raws[o.field], p.raws[e.field]
			if !bytes.Contains(p.arena[prev.off:prev.end], p.arena[mine.off:mine.end]) {
				off := len(p.arena)
				p.arena = append(p.arena, p.arena[prev.off:prev.end]...)
				p.arena = append(p.arena, ", "...)
				p.arena = append(p.arena, p.arena[mine.off:mine.end]...)
				e.field = int32(len(p.raws))
				p.raws = append(p.raws, span{off, len(p.arena)})
			}
			break
		}
	}
}
