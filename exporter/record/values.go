package record

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
	switch cls {
	case clsType:
		p.typeSlots[idx] = strSlot{ref: v.str, ok: v.kind == valString}
	case clsRunName:
		// An empty name is as good as none: the caller falls back to the path.
		p.runName = strSlot{ref: v.str, ok: v.kind == valString && v.str.end > v.str.start}
	case clsStep:
		s := &p.stepSlots[idx]
		s.top, s.topVal = v.finiteNumber(), v.num
		p.addInfoOnly(key, keyRef, v)
	case clsEpoch:
		s := &p.epochSlots[idx]
		s.top, s.topVal = v.finiteNumber(), v.num
		p.addInfoOnly(key, keyRef, v)
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
		p.addTop(key, keyRef, scalar{}) // the last value wins over an earlier metric
	}
}

// openTop prepares the frame of an object or array that is a member of the
// record's own object.
func (p *Parser) openTop(child *frame, key []byte, keyRef strRef) {
	// The key now holds a container, so it loses any earlier scalar meaning.
	p.topValue(key, keyRef, scalar{})
	if !child.obj {
		return
	}
	switch cls, _ := p.keys.lookup(key); cls {
	case clsContainer:
		child.collect, child.root = true, true
	case clsSplit:
		child.collect, child.segs = true, 1
		p.path = appendCanonical(p.path, key)
	}
}

// openNested prepares the frame of a member of a collecting object: an
// object is flattened under the member's name.
func (p *Parser) openNested(child *frame, parent *frame, key []byte) {
	p.nestedValue(parent, key, scalar{})
	if !child.obj || p.nameLen(parent, key) > MaxNameLen {
		return
	}
	child.collect, child.segs = true, parent.segs+1
	if parent.segs > 0 {
		p.path = append(p.path, '.')
	}
	p.path = appendCanonical(p.path, key)
}

// nestedValue records a scalar member of a collecting object.
func (p *Parser) nestedValue(f *frame, key []byte, v scalar) {
	if f.root {
		// Step and epoch inside the container are never metrics; they serve
		// when the record has none at the top level.
		switch cls, idx := p.keys.lookup(key); cls {
		case clsStep:
			s := &p.stepSlots[idx]
			s.cont, s.contVal = v.finiteNumber(), v.num
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
	p.entries = append(p.entries, e)
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
	case v.kind == valString:
		e.kind, e.field = entString, p.addField(keyRef, v.str)
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
