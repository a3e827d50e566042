// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"math"
	"unicode/utf8"
)

// Parser turns lines into Records. It keeps its buffers between calls so
// that steady-state parsing does not allocate. It is not safe for
// concurrent use.
type Parser struct {
	opts Options
	keys *keyTable
	seed maphash.Seed

	// Per line.
	line     []byte
	pos      int
	keyCount int
	stack    []frame
	path     []byte // canonical name of the innermost collecting object
	keyBuf   []byte // decoded key when it has escapes
	arena    []byte // names and strings handed out in the Record
	entries  []entry
	fields   []fieldRef
	infoOnly int // entries of kind entInfoOnly
	metrics  []Metric
	info     []Field
	table    []int32 // dedupe hash table, for records with many names
	memo     keyMemo
	tmpl     lineTemplate
	// distinctKeys: the line is one flat object whose keys have pairwise
	// distinct names, so its entries need no merging.
	distinctKeys bool
	// noTemplates: the options give records something templates do not
	// reproduce (tags, numeric strings, explanations).
	noTemplates bool
	// stringsAreNumbers: some strings are numbers (Options.NumericStrings
	// or Options.ProgressStrings).
	stringsAreNumbers bool

	tag        span     // in the arena; end 0: none
	config     span     // of the line: the top-level "config" object; end 0: none
	configOpen int      // where the config object being scanned starts
	textTime   timeSlot // the time that starts the text before the object
	longArrays int

	// With Options.Explain: keys as written, for Record.Sources (indexed
	// by entry.field of metric entries) and Record.Ignored.
	raws    []span
	notes   []note
	rawPath []byte // the key path as written, beside path

	// The slots of the configured keys, cleared for every line. Slots of
	// one type share an array, so a line costs three clears, not five.
	strSlots    []strSlot // typeSlots, then prefixSlots
	numSlots    []numSlot // stepSlots, then epochSlots
	typeSlots   []strSlot
	prefixSlots []strSlot
	stepSlots   []numSlot
	epochSlots  []numSlot
	timeSlots   []timeSlot
	runName     strSlot
	longName    strSlot
	longValue   numSlot
}

// clearSlots forgets the configured keys' values of the previous line.
func (p *Parser) clearSlots() {
	clear(p.strSlots)
	clear(p.numSlots)
	clear(p.timeSlots)
}

// frame is one open object or array.
type frame struct {
	obj     bool
	top     bool // the record's own object
	collect bool // an object whose numeric members are metrics
	root    bool // the object directly under a container key
	arr     bool // an array whose numbers are metrics, named by index
	bad     bool // such an array holds something other than numbers
	config  bool // the record's "config" object (Record.Config)
	n       int  // members seen
	pathLen int  // len(p.path) to restore when the frame closes
	rawLen  int  // len(p.rawPath) likewise
	segs    int  // path segments of member names
	entries int  // len(p.entries) when an arr frame opened
}

// span is a stretch of the arena.
type span struct{ off, end int }

// note is a key that gave no metric, for Record.Ignored.
type note struct {
	key  span
	what string
}

type strSlot struct {
	ref strRef
	ok  bool
}

// numSlot holds a step or epoch candidate: top-level values win over values
// at the root of a metrics container.
type numSlot struct {
	top, cont       bool
	topVal, contVal float64
	ok              bool // long-form value present
}

type timeSlot struct {
	secs  float64
	ok    bool
	entry bool // an implausible value of this key was taken as a metric
}

type entryKind uint8

const (
	entMetric   entryKind = iota
	entString             // a string field: Info of run_start/meta, else only hides earlier values
	entInfoOnly           // a string under a structural key (step, prefix, ...): Info only
	entTomb               // a null, array or object: hides earlier values of the same name
)

// entry is a named value found while scanning, resolved after the whole
// line is seen because the type and prefix keys may come last.
type entry struct {
	nameOff, nameEnd int // canonical name in arena
	value            float64
	field            int32  // string fields: index in Parser.fields
	hash             uint32 // set by dedupe
	kind             entryKind
	top              bool
}

// fieldRef is the key and value of a string field, decoded only when the
// record turns out to be a run_start or meta record.
type fieldRef struct{ key, val strRef }

// maxLineLen keeps offsets within int32, which halves the size of the
// per-value bookkeeping.
const maxLineLen = math.MaxInt32

// Buffers above these sizes are dropped after a huge line instead of being
// kept for the lifetime of the Parser.
const (
	flatMaxLine   = 1 << 16 // longer lines do not get arena room for scanFlat up front
	retainArena   = 1 << 20
	retainEntries = 1 << 14
)

// NewParser returns a Parser. Zero or empty fields of opts take defaults.
func NewParser(opts Options) *Parser {
	o := opts.withDefaults()
	p := &Parser{
		opts:      o,
		keys:      newKeyTable(o),
		seed:      maphash.MakeSeed(),
		strSlots:  make([]strSlot, len(o.TypeKeys)+len(o.PrefixKeys)),
		numSlots:  make([]numSlot, len(o.StepKeys)+len(o.EpochKeys)),
		timeSlots: make([]timeSlot, len(o.TimeKeys)),
	}
	nt, ns := len(o.TypeKeys), len(o.StepKeys)
	p.typeSlots, p.prefixSlots = p.strSlots[:nt:nt], p.strSlots[nt:]
	p.stepSlots, p.epochSlots = p.numSlots[:ns:ns], p.numSlots[ns:]
	p.stringsAreNumbers = o.NumericStrings || o.ProgressStrings
	p.noTemplates = o.Explain || p.stringsAreNumbers || o.TextPrefix
	return p
}

// Parse resets r and fills it from line: one JSON object, optionally
// preceded by a UTF-8 BOM and surrounded by whitespace (a trailing "\r" is
// fine). The slices in r are valid until the next call of Parse on p, and
// read-only: the parser keeps using what they point to.
// Blank lines return ErrEmpty; other failures return an *Error, after which
// the content of r is unspecified.
func (p *Parser) Parse(line []byte, r *Record) error {
	*r = Record{}
	p.reset(line)
	if len(line) >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF {
		p.pos = 3
	}
	p.skipSpace()
	if p.pos == len(line) {
		return ErrEmpty
	}
	if len(line) > maxLineLen {
		return p.fail(ReasonInvalidJSON, maxLineLen, "line longer than 2 GiB")
	}
	if p.opts.TextPrefix && line[p.pos] != '{' {
		if err := p.skipTextPrefix(); err != nil {
			return err
		}
	}
	start := p.pos
	if p.tmpl.ok {
		if !p.tmpl.direct {
			p.clearSlots() // a direct template reads only the slots it writes
		}
		// A line that fits the template is valid UTF-8: its text is
		// copied from a valid line and its numbers are ASCII.
		next, ok := p.replay(start)
		switch {
		case !ok || skipSpace(line, next) != len(line):
			p.tmpl.missed()
		case !p.tmpl.direct:
			p.tmpl.misses = 0
			p.pos = len(line)
			p.distinctKeys = p.memo.distinct
			p.resolve(r)
			return nil
		case p.finishDirect(r):
			p.tmpl.misses = 0
			return nil
		default:
			p.tmpl.direct = false // its values change what the line means
		}
		p.reset(line)
		p.pos = start
	} else if p.tmpl.cooldown > 0 {
		p.tmpl.cooldown--
	}
	p.clearSlots()
	if !utf8.Valid(line) {
		return p.fail(ReasonInvalidUTF8, firstInvalidUTF8(line), "invalid UTF-8")
	}
	switch c := line[p.pos]; {
	case c == '{':
	case c == '[' || c == '"' || c == '-' || isDigit(c) || c == 't' || c == 'f' || c == 'n' || c == 'N' || c == 'I':
		// Only a whole JSON value is "not an object"; text that merely
		// starts like one ("this is not JSON") is invalid JSON.
		if rest := bytes.TrimSpace(line[p.pos:]); json.Valid(rest) || isPythonToken(rest) {
			return p.fail(ReasonNotObject, p.pos, "top-level value is not an object")
		}
		return p.unexpected("looking for an object")
	default:
		return p.unexpected("looking for an object")
	}
	if len(line) <= flatMaxLine && cap(p.arena)-len(p.arena) < len(line)+8 {
		// Room for every key: scanFlat copies keys into spare capacity.
		// The arena starts with the memo's names, which are kept.
		p.arena = append(make([]byte, 0, len(p.arena)+len(line)+len(line)/2+64), p.arena...)
	}
	next, n, done := p.pos+1, 0, false
	if !p.opts.Explain {
		// The careful scan sees every key; scanFlat's are not explained.
		next, n, done = p.scanFlat(next)
	}
	same := p.memo.settle(line, n)
	if !same {
		p.tmpl.ok = false // it names the memo's keys by position
	}
	if done {
		p.pos = next
		p.distinctKeys = same && p.memo.distinct
	} else if err := p.scan(next, n); err != nil {
		return err
	}
	p.skipSpace()
	if p.pos != len(line) {
		return p.unexpected("after top-level object")
	}
	learn := same && done && !p.tmpl.ok && p.tmpl.cooldown == 0 && !p.noTemplates
	if learn {
		p.learnTemplate(start)
	}
	p.resolve(r)
	if learn && p.tmpl.ok {
		p.judgeTemplate(r)
	}
	return nil
}

// Forget drops the parser's references to the last line it read, for a
// parser kept idle: the buffer that held the line can be collected or
// reused. Parsing goes on as before.
func (p *Parser) Forget() {
	p.line = nil
	clear(p.metrics[:cap(p.metrics)])
	clear(p.info[:cap(p.info)])
}

func (p *Parser) reset(line []byte) {
	p.line = line
	p.pos = 0
	p.keyCount = 0
	p.distinctKeys = false
	if cap(p.arena) > retainArena {
		p.arena = nil
		p.memo.reset()
		p.tmpl.ok = false
	}
	if cap(p.keyBuf) > retainArena {
		p.keyBuf = nil
	}
	if cap(p.stack) > retainEntries {
		p.stack = nil
	}
	if cap(p.entries) > retainEntries {
		p.entries, p.fields, p.metrics, p.info, p.table = nil, nil, nil, nil, nil
	}
	p.arena = p.memo.prepare(p.arena)
	p.entries = p.entries[:0]
	p.fields = p.fields[:0]
	p.infoOnly = 0
	p.path = p.path[:0]
	p.tag, p.longArrays, p.textTime, p.config = span{}, 0, timeSlot{}, span{}
	if p.opts.Explain {
		p.raws, p.notes, p.rawPath = p.raws[:0], p.notes[:0], p.rawPath[:0]
	}
	p.runName, p.longName, p.longValue = strSlot{}, strSlot{}, numSlot{}
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func isPythonToken(b []byte) bool {
	switch string(b) {
	case "NaN", "Infinity", "-Infinity":
		return true
	}
	return false
}

// skipTextPrefix moves past the text before the object, keeping its last
// '|'-separated field as the tag. Text that holds a quote or a bracket is
// no prefix: the line is then read, and refused, as it is.
func (p *Parser) skipTextPrefix() error {
	rest := p.line[p.pos:]
	j := bytes.IndexByte(rest, '{')
	if j < 0 {
		return ErrText
	}
	text := rest[:j]
	if bytes.ContainsAny(text, "\"[]}") {
		return nil
	}
	p.pos += j
	p.textTime.secs, p.textTime.ok = loggingTime(text)
	fields := bytes.Split(text, []byte("|"))
	for k := len(fields) - 1; k >= 1; k-- {
		if tag := bytes.TrimSpace(fields[k]); len(tag) > 0 {
			off := len(p.arena)
			p.arena = append(p.arena, tag...)
			p.tag = span{off, len(p.arena)}
			break
		}
	}
	return nil
}
