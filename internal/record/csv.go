// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"errors"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record/number"
)

// CSV reads a CSV or TSV log with a header, one record per row:
// Ultralytics' results.csv, Lightning's metrics.csv, Keras' CSVLogger,
// timm's summary.csv, Flair's loss.tsv. It keeps the header between
// calls, so one CSV reads the lines of one file, in order.
//
// The first line that is not blank is the header; a tab in it makes the
// file tab-separated, else cells are separated by commas (by semicolons
// when the header has them and no comma). Cells may be padded with
// spaces (Ultralytics 8.0) and quoted ("a,b", with "" for a quote); a
// trailing "\r" and a UTF-8 BOM are fine. Header names are
// matched with the step, epoch, time and ignore keys of Options without
// regard to case (Flair's EPOCH), and each other column is a metric named
// as the header writes it, with '/' read as '.' as for JSON keys. In a
// row:
//
//   - a number, nan, inf, -inf (as Python prints them, in any case) or
//     True/False (1/0) is a value; an empty cell is none (the sparse rows
//     of Lightning); any other cell is no metric (with Options.Explain,
//     Record.Ignored lists it);
//   - the step is the first step column in key order holding a finite
//     number; without a step column, the epoch is also the step;
//   - a time column holding a plausible Unix time (seconds or
//     milliseconds, or an RFC 3339 string) is the record's time, and any
//     other number in it a metric (Ultralytics' "time" counts seconds
//     since training began);
//   - a row with more or fewer cells than the header is an *Error with
//     ReasonInvalidCSV, and the next row is read as usual;
//   - a row that repeats a header (two files concatenated) is read as the
//     new header.
//
// Records carry a Shape per set of columns that gave metrics, so the
// store looks names up once for all rows of the same columns.
type CSV struct {
	opts Options

	// The header of the current content. The names of its columns are
	// made anew, not reused, with each header: records point into them.
	header bool
	delim  byte
	cols   []csvCol
	// stepFromEpoch: there is an epoch column and no step column.
	stepFromEpoch bool
	named         CSVHeader

	// Per row, reused.
	metrics  []Metric
	sources  [][]byte
	ignored  []Ignored
	mask     []uint64 // columns that gave a metric, one bit each
	unquoted []byte   // a quoted cell without its quotes

	// Shapes of the current header's rows, by the columns that gave
	// metrics: the last one, and a few more for sparse rows that take
	// turns (Lightning's training, validation and epoch rows).
	lastShape uint64
	lastMask  []uint64
	shapes    []csvShape
	nextEvict int

	rw csvRewrite
}

type csvRole uint8

const (
	colMetric csvRole = iota
	colStep
	colEpoch
	colTime
	colIgnore  // an ignore key, a name too long, or a name a later column has too
	colUnnamed // a column without a name (pandas' index)
)

// csvCol is one column of the header.
type csvCol struct {
	role   csvRole
	idx    int    // the key's position in its option list: earlier wins
	name   []byte // canonical: '/' read as '.'
	source []byte // as written
	why    string // for colIgnore, with Options.Explain
}

type csvShape struct {
	mask  []uint64
	shape uint64
}

// maxCSVShapes bounds the shapes remembered per header.
const maxCSVShapes = 16

// cellKind is what a cell holds.
type cellKind uint8

const (
	cellEmpty cellKind = iota
	cellNumber
	cellNonFinite
	cellBool
	cellText
)

func (k cellKind) describe() string {
	switch k {
	case cellNonFinite:
		return "non-finite number"
	case cellBool:
		return "boolean"
	case cellText:
		return "string"
	}
	return "number"
}

// NewCSV returns a CSV reader. Zero or empty fields of opts take defaults;
// the type, prefix and container keys and the options for JSON text do
// not apply to CSV.
func NewCSV(opts Options) *CSV {
	return &CSV{opts: opts.withDefaults(), rw: csvRewrite{seed: maphash.MakeSeed()}}
}

// Parse fills r from one line: the header (ErrHeader), a row, a blank
// line (ErrEmpty) or, after Restart, a row read before (ErrSeen). The
// slices of r are valid until the next call; the names of its metrics
// until the header changes. Numbers are read in windows that may take
// bytes past the end of line, up to its capacity (the tailer's buffer
// goes on): they are never written, and never change the record.
func (c *CSV) Parse(line []byte, r *Record) error {
	*r = Record{}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if isBlankCSV(line) {
		return ErrEmpty
	}
	if !c.header {
		return c.readHeader(line)
	}
	if c.rw.skipRow() {
		return ErrSeen
	}
	err := c.row(line, r)
	if err == ErrHeader {
		c.rw.rows-- // a repeated header is no row
		return err
	}
	if c.rw.firstRow() && c.rw.seenBefore(c.fingerprint(line, r, err)) {
		return ErrSeen
	}
	return err
}

// Forget drops the buffers of rows, for a reader kept idle with its
// file: the header and what Restart needs stay (records point into the
// header's names, never into a line). The next row takes them again.
func (c *CSV) Forget() {
	c.metrics, c.sources, c.ignored, c.unquoted = nil, nil, nil, nil
	c.shapes, c.lastShape = nil, 0
}

func isBlankCSV(b []byte) bool {
	for _, ch := range b {
		if ch != ' ' && ch != '\t' {
			return false
		}
	}
	return true
}

// csvFail returns a row error.
func csvFail(reason string, off int, msg string) error {
	return &Error{Reason: reason, Offset: off, Msg: msg}
}

// readHeader takes line as the header of the rows that follow.
func (c *CSV) readHeader(line []byte) error {
	off := 0
	if bytes.HasPrefix(line, []byte("\xEF\xBB\xBF")) {
		off = 3
	}
	b := line[off:]
	if !utf8.Valid(b) {
		return csvFail(ReasonInvalidUTF8, off+firstInvalidUTF8(b), "invalid UTF-8 in the header")
	}
	delim := sniffDelimiter(b)
	cells, err := splitCSV(b, delim)
	if err != nil {
		return err
	}
	if len(cells) > c.opts.MaxKeys {
		return csvFail(ReasonTooManyKeys, off, "more columns than parser.max-keys")
	}
	named := false
	for _, cell := range cells {
		if len(cell) > 0 {
			if _, kind := parseCSVValue(cell); kind == cellText {
				named = true
			}
		}
	}
	if !named {
		return csvFail(ReasonInvalidCSV, off, "the first line names no column: a CSV log needs a header")
	}

	names := make([]byte, 0, 2*len(b)) // canonical names, then names as written
	cols := make([]csvCol, len(cells))
	for k, cell := range cells {
		col := &cols[k]
		start := len(names)
		names = appendCanonical(names, cell)
		col.name = names[start:len(names):len(names)]
		start = len(names)
		names = append(names, cell...)
		col.source = names[start:len(names):len(names)]
		col.role, col.idx = c.roleOf(string(cell))
		switch {
		case len(cell) == 0:
			col.role = colUnnamed
		case col.role == colIgnore:
			col.why = "ignored key"
		case col.role == colMetric && len(cell) > MaxNameLen:
			col.role, col.why = colIgnore, "name longer than 1024 bytes"
		}
	}
	// Two columns of one name: the last one wins, as the last of two JSON
	// keys does.
	for k := range cols {
		if cols[k].role != colMetric {
			continue
		}
		for j := k + 1; j < len(cols); j++ {
			if cols[j].role == colMetric && bytes.Equal(cols[j].name, cols[k].name) {
				cols[k].role, cols[k].why = colIgnore, "a later column has the same name"
				break
			}
		}
	}
	c.header, c.delim, c.cols = true, delim, cols
	has := func(role csvRole) bool {
		return slices.ContainsFunc(cols, func(col csvCol) bool { return col.role == role })
	}
	c.stepFromEpoch = has(colEpoch) && !has(colStep)
	c.named = CSVHeader{Read: true, Step: has(colStep) || has(colEpoch), Time: has(colTime)}
	words := (len(cols) + 63) / 64
	c.metrics = make([]Metric, 0, len(cols))
	if c.opts.Explain {
		c.sources = make([][]byte, 0, len(cols))
	}
	c.mask = make([]uint64, words)
	c.lastMask = make([]uint64, words)
	c.lastShape, c.shapes, c.nextEvict = 0, c.shapes[:0], 0
	return ErrHeader
}

// CSVHeader is what the header of a CSV file names, as far as telling
// a log from a dataset goes: every CSV training log has a step or an
// epoch column, a dataset's table has neither.
type CSVHeader struct {
	Read bool // a header was read
	Step bool // a column is named by a step or an epoch key
	Time bool // a column is named by a time key
}

// Header tells what the header read last names; the zero value before
// a header is read, and after Restart until the next one.
func (c *CSV) Header() CSVHeader { return c.named }

// Restart forgets the header: the file is read again from its first
// byte, which must be a header. See csvRewrite for the rows read again.
func (c *CSV) Restart() {
	c.header = false
	c.named = CSVHeader{}
	c.rw.restart()
}

// sniffDelimiter returns the delimiter a header line uses: a tab if it
// holds one, else a comma if it holds one, else a semicolon if it holds
// one (Keras' CSVLogger(separator=";"), spreadsheets set to European
// locales), else a comma.
func sniffDelimiter(header []byte) byte {
	switch {
	case bytes.IndexByte(header, '\t') >= 0:
		return '\t'
	case bytes.IndexByte(header, ',') < 0 && bytes.IndexByte(header, ';') >= 0:
		return ';'
	}
	return ','
}

// roleOf finds the role of a header name among the configured keys.
func (c *CSV) roleOf(name string) (csvRole, int) {
	for _, list := range []struct {
		keys []string
		role csvRole
	}{
		{c.opts.IgnoreKeys, colIgnore},
		{c.opts.StepKeys, colStep},
		{c.opts.EpochKeys, colEpoch},
		{c.opts.TimeKeys, colTime},
	} {
		for idx, k := range list.keys {
			if strings.EqualFold(k, name) {
				return list.role, idx
			}
		}
	}
	return colMetric, 0
}

// csvRow is what a row says besides its metrics, while it is read.
type csvRow struct {
	metrics                    []Metric
	mask0                      uint64 // columns 0 to 63 that gave a metric
	step, epoch, secs          float64
	stepIdx, epochIdx, timeIdx int // of the key that gave it; noKey: none
	maybeHeader                bool
}

// noKey is above every key's position in its list.
const noKey = 1 << 30

// row reads one data row into r. i is where the current cell starts: past
// the delimiter of the cell before, or len(b)+1 once the line ended. The
// usual cell, a number in a metric, step or epoch column ended by the
// delimiter or the line, is read in the loop; cell reads the others.
func (c *CSV) row(b []byte, r *Record) error {
	n, delim, cols := len(b), c.delim, c.cols
	if cap(c.metrics) < len(cols) {
		c.metrics = make([]Metric, 0, len(cols)) // after Forget
	}
	st := csvRow{metrics: c.metrics[:0], stepIdx: noKey, epochIdx: noKey, timeIdx: noKey}
	if len(cols) > 64 {
		clear(c.mask)
	}
	c.ignored = c.ignored[:0]
	// The window reads up to 32 bytes: past the end of the line when the
	// buffer holding it goes on (the tailer's does), and a number that
	// took bytes past the end is read again within it.
	ext := b[:cap(b)]
	i := 0
	for k := range cols {
		col := &cols[k]
		if i >= n {
			if i > n {
				return c.rowError(b, csvFail(ReasonInvalidCSV, n, "fewer cells than the header has columns"))
			}
			i = n + 1 // an empty last cell
			continue
		}
		if b[i] == delim {
			i++ // an empty cell
			continue
		}
		var w number.Windowed
		if len(ext)-i >= number.WindowLen {
			w = number.Window((*[number.WindowLen]byte)(ext[i:]))
		} else {
			w = number.Window(number.Pad(b[i:]))
		}
		next := i + int(w.Len)
		switch {
		case w.State == number.Declined || next > n:
			next = -1
		case next == n:
			next = n + 1
		case b[next] == delim:
			next++
		default:
			next = -1
		}
		if next < 0 {
			var err error
			if i, err = c.cell(b, i, k, &st); err != nil {
				return c.rowError(b, err)
			}
			continue
		}
		v := w.Value
		if w.State == number.Handed {
			v = w.Finish(b, i, false) // Python's 17 digits
		}
		switch col.role {
		case colMetric:
			st.metrics = append(st.metrics, Metric{Name: col.name, Value: v})
			if k < 64 {
				st.mask0 |= 1 << k
			} else {
				c.mask[k>>6] |= 1 << (k & 63)
			}
		case colStep:
			if !isFinite(v) { // 1e700: what value() says of it
				c.value(&st, k, cellNumber, v, nil)
			} else if col.idx < st.stepIdx {
				st.stepIdx, st.step = col.idx, v
			}
		case colEpoch:
			if !isFinite(v) {
				c.value(&st, k, cellNumber, v, nil)
			} else if col.idx < st.epochIdx {
				st.epochIdx, st.epoch = col.idx, v
			}
		default:
			c.value(&st, k, cellNumber, v, nil)
		}
		i = next
	}
	if i <= n {
		return c.rowError(b, csvFail(ReasonInvalidCSV, i-1, "more cells than the header has columns"))
	}
	if st.maybeHeader && LooksLikeCSVHeader(b) {
		return c.readHeader(b)
	}
	metrics := st.metrics
	c.metrics = metrics
	r.Step, r.HasStep = st.step, st.stepIdx != noKey
	r.Epoch, r.HasEpoch = st.epoch, st.epochIdx != noKey
	r.Time, r.HasTime = st.secs, st.timeIdx != noKey
	if c.stepFromEpoch && r.HasEpoch {
		r.Step, r.HasStep = r.Epoch, true
	}
	if len(metrics) > 0 {
		r.Metrics = metrics
		r.Shape = c.shapeOf(st.mask0)
	}
	if c.opts.Explain {
		c.explain(r, st.mask0)
	}
	if len(metrics) == 0 && !r.HasStep && !r.HasEpoch && !r.HasTime && len(r.Ignored) == 0 {
		return ErrEmpty // every cell empty
	}
	return nil
}

// cell reads the k-th cell, at b[i], when it is not a plain number
// ended by the delimiter: padded, quoted, a token, text, a long number.
// It returns where the next cell starts, as row counts.
func (c *CSV) cell(b []byte, i, k int, st *csvRow) (int, error) {
	n := len(b)
	for i < n && (b[i] == ' ' || b[i] == '\t' && c.delim != '\t') {
		i++ // Ultralytics 8.0 pads every cell
	}
	if i == n {
		return n + 1, nil
	}
	if b[i] == c.delim {
		return i + 1, nil
	}
	kind, v, text, next, err := c.slowCell(b, i)
	if err != nil {
		return 0, err
	}
	if kind != cellEmpty {
		c.value(st, k, kind, v, text)
	}
	if next == n {
		return n + 1, nil
	}
	return next + 1, nil
}

// explain fills r.Sources and r.Ignored, with Options.Explain.
func (c *CSV) explain(r *Record, mask0 uint64) {
	c.sources = c.sources[:0]
	for k := range c.cols {
		bit := mask0 & (1 << (k & 63))
		if k >= 64 {
			bit = c.mask[k>>6] & (1 << (k & 63))
		}
		if bit != 0 {
			c.sources = append(c.sources, c.cols[k].source)
		}
	}
	if len(r.Metrics) > 0 {
		r.Sources = c.sources
	}
	if len(c.ignored) > 0 {
		r.Ignored = c.ignored
	}
}

// value takes the value of the k-th cell into st, but for a number in a
// metric, step or epoch column, which row takes itself.
func (c *CSV) value(st *csvRow, k int, kind cellKind, v float64, text []byte) {
	col := &c.cols[k]
	metric := false
	switch col.role {
	case colMetric:
		metric = kind != cellText
		if !metric {
			c.note(col, "string")
		}
	case colStep, colEpoch:
		if kind != cellNumber || !isFinite(v) {
			st.maybeHeader = st.maybeHeader || kind == cellText
			if col.role == colStep {
				c.note(col, kind.describe()+" under a step key")
			} else {
				c.note(col, kind.describe()+" under an epoch key")
			}
		} else if col.role == colStep && col.idx < st.stepIdx {
			st.stepIdx, st.step = col.idx, v
		} else if col.role == colEpoch && col.idx < st.epochIdx {
			st.epochIdx, st.epoch = col.idx, v
		}
	case colTime:
		t, ok := 0.0, false
		switch kind {
		case cellNumber:
			t, ok = wallClock(v)
		case cellText:
			t, ok = parseRFC3339(text)
		}
		switch {
		case ok:
			if col.idx < st.timeIdx {
				st.timeIdx, st.secs = col.idx, t
			}
		case kind == cellText:
			c.note(col, "string under a time key, not a time")
		default:
			metric = true
		}
	case colIgnore:
		c.note(col, col.why)
	case colUnnamed:
		c.note(col, "column without a name")
	}
	if !metric {
		return
	}
	st.metrics = append(st.metrics, Metric{Name: col.name, Value: v})
	if k < 64 {
		st.mask0 |= 1 << k
	} else {
		c.mask[k>>6] |= 1 << (k & 63)
	}
}

// note lists a cell that gave no metric, with Options.Explain.
func (c *CSV) note(col *csvCol, what string) {
	if c.opts.Explain {
		c.ignored = append(c.ignored, Ignored{Key: col.source, What: what})
	}
}

// rowError returns err for a row that does not fit the header, unless
// the row is a header itself.
func (c *CSV) rowError(b []byte, err error) error {
	if LooksLikeCSVHeader(b) {
		return c.readHeader(b)
	}
	return err
}

// wallClock returns f in seconds when it is a plausible Unix time in
// seconds or milliseconds.
func wallClock(f float64) (float64, bool) {
	switch {
	case isWallClock(f):
		return f, true
	case minUnixSeconds*1000 <= f && f < maxUnixSeconds*1000:
		return f / 1000, true
	}
	return 0, false
}

// shapeOf returns the Shape of the row whose metric columns are mask0
// and, past 64 columns, c.mask.
func (c *CSV) shapeOf(mask0 uint64) uint64 {
	c.mask[0] |= mask0
	if c.lastShape != 0 && (len(c.mask) == 1 && c.mask[0] == c.lastMask[0] || slices.Equal(c.mask, c.lastMask)) {
		c.mask[0] = 0
		return c.lastShape
	}
	copy(c.lastMask, c.mask)
	for _, s := range c.shapes {
		if slices.Equal(s.mask, c.mask) {
			c.lastShape = s.shape
			c.mask[0] = 0
			return s.shape
		}
	}
	c.lastShape = shapes.Add(1)
	if len(c.shapes) < maxCSVShapes {
		c.shapes = append(c.shapes, csvShape{mask: slices.Clone(c.mask), shape: c.lastShape})
	} else {
		s := &c.shapes[c.nextEvict]
		copy(s.mask, c.mask)
		s.shape = c.lastShape
		c.nextEvict = (c.nextEvict + 1) % maxCSVShapes
	}
	c.mask[0] = 0
	return c.lastShape
}

// slowCell reads the cell at b[i] that is not a plain number: quoted,
// padded, a token, text. It returns the position of the delimiter after
// it, or len(b).
func (c *CSV) slowCell(b []byte, i int) (kind cellKind, v float64, text []byte, next int, err error) {
	n, delim := len(b), c.delim
	if b[i] == '"' {
		c.unquoted, next, err = unquoteCSV(c.unquoted[:0], b, i)
		if err != nil {
			return 0, 0, nil, 0, err
		}
		if !endsCell(b, next, delim) {
			return 0, 0, nil, 0, csvFail(ReasonInvalidCSV, next, "text after a quoted cell")
		}
		text = bytes.Trim(c.unquoted, " ")
	} else {
		next = i + bytes.IndexByte(b[i:], delim)
		if next < i {
			next = n
		}
		text = bytes.Trim(b[i:next], " \t")
	}
	if len(text) == 0 {
		return cellEmpty, 0, nil, next, nil
	}
	v, kind = parseCSVValue(text)
	return kind, v, text, next, nil
}

// unquoteCSV appends the quoted cell at b[i] to dst without its quotes,
// "" read as ", and returns the position after it and the spaces that
// follow, which must be the delimiter or the end of the line.
func unquoteCSV(dst, b []byte, i int) ([]byte, int, error) {
	start := i
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return dst, 0, csvFail(ReasonInvalidCSV, start, "unterminated quote")
		}
		dst = append(dst, b[i:i+j]...)
		i += j + 1
		if i < len(b) && b[i] == '"' {
			dst = append(dst, '"')
			i++
			continue
		}
		break
	}
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return dst, i, nil
}

// endsCell reports whether b[i] ends a cell.
func endsCell(b []byte, i int, delim byte) bool { return i == len(b) || b[i] == delim }

// parseCSVValue reads a cell as a value: a number as strconv reads it
// (but hexadecimal and underscores), Python's nan and inf in any case,
// True or False; anything else is text.
func parseCSVValue(s []byte) (float64, cellKind) {
	if f, next, ok := number.Read(s, 0); ok && next == len(s) {
		return f, cellNumber
	}
	switch {
	case bytes.EqualFold(s, []byte("true")):
		return 1, cellBool
	case bytes.EqualFold(s, []byte("false")):
		return 0, cellBool
	case bytes.EqualFold(s, []byte("nan")):
		return math.NaN(), cellNonFinite
	}
	t := s
	if t[0] == '+' || t[0] == '-' {
		t = t[1:]
	}
	if bytes.EqualFold(t, []byte("inf")) || bytes.EqualFold(t, []byte("infinity")) {
		if s[0] == '-' {
			return math.Inf(-1), cellNonFinite
		}
		return math.Inf(1), cellNonFinite
	}
	digits := false
	for _, ch := range t {
		switch {
		case '0' <= ch && ch <= '9':
			digits = true
		case ch == '.' || ch == '-' || ch == '+' || ch == 'e' || ch == 'E':
		default:
			return 0, cellText
		}
	}
	if !digits {
		return 0, cellText
	}
	// ParseFloat does not retain its argument: the unsafe view is fine.
	f, err := strconv.ParseFloat(unsafe.String(&s[0], len(s)), 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, cellText
	case isFinite(f):
		return f, cellNumber
	}
	return f, cellNonFinite // 1e400
}

// splitCSV returns the cells of a header line, trimmed and unquoted.
func splitCSV(b []byte, delim byte) ([][]byte, error) {
	var cells [][]byte
	for i := 0; ; {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		var cell []byte
		if i < len(b) && b[i] == '"' {
			var err error
			if cell, i, err = unquoteCSV(nil, b, i); err != nil {
				return nil, err
			}
			cell = bytes.Trim(cell, " ")
			if !endsCell(b, i, delim) {
				return nil, csvFail(ReasonInvalidCSV, i, "text after a quoted name")
			}
		} else {
			end := i + bytes.IndexByte(b[i:], delim)
			if end < i {
				end = len(b)
			}
			cell = bytes.TrimRight(b[i:end], " \t")
			i = end
		}
		cells = append(cells, cell)
		if i == len(b) {
			return cells, nil
		}
		i++
	}
}
