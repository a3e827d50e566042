// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"container/heap"
	"math"
	"strconv"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record/number"
)

// The keys of the records SacredMetrics makes, which the sacred profile
// takes as step and time: underscored, so that metrics Sacred users log
// as "step" or "time" stay metrics.
const (
	SacredStepKey = "_step"
	SacredTimeKey = "_timestamp"
)

// SacredMetrics reads Sacred's metrics.json (FileStorageObserver), which
// holds each metric as parallel arrays, rewritten with every value at
// each heartbeat:
//
//	{"training.loss": {"steps": [1, 2], "timestamps": ["2024-02-12T15:21:43.083436", ...], "values": [0.367, ...]}}
//
// The values of all metrics are taken in time order, the order they were
// logged in, so that those a heartbeat adds come after the ones already
// read. Values logged one after the other with the same step make one
// record, at the time of the first:
// {"_step":1,"_timestamp":1707751303.083436,"training.loss":0.367,"validation.loss":0.41}.
// A heartbeat may come between two values of a step: the record of that
// step then has more values at the next read, at its end. Sacred writes
// times in UTC without a zone. A record's step is left out when it is
// below a step already yielded: within one Sacred run that is a metric
// counting on a counter of its own (log_scalar without a step counts per
// metric), which would read as the run going back.
func SacredMetrics(doc []byte, yield func([]byte)) error {
	cols, err := sacredColumns(doc)
	if err != nil {
		return err
	}
	h := make(sacredHeap, 0, len(cols))
	for i := range cols {
		if cols[i].load() {
			h = append(h, &cols[i])
		}
	}
	heap.Init(&h)
	var (
		buf     []byte
		maxStep float64
		anyStep bool
		open    bool   // buf holds a record not yet yielded
		step    []byte // the step of the open record, as written
		record  = 1    // the number of the open record, in sacredColumn.record
	)
	flush := func() {
		if open {
			yield(append(buf, '}'))
			open = false
			record++
		}
	}
	for len(h) > 0 {
		c := h[0]
		if open && (!bytes.Equal(c.step, step) || c.record == record) {
			flush() // another step, or a second value of a metric
		}
		if !open {
			buf, step, open = append(buf[:0], '{'), c.step, true
			if s, ok := c.stepValue(); ok && (!anyStep || s >= maxStep) {
				maxStep, anyStep = s, true
				buf = append(append(append(buf, `"`+SacredStepKey+`":`...), c.step...), ',')
			}
			if c.hasTime && isWallClock(c.time) {
				buf = append(buf, `"`+SacredTimeKey+`":`...)
				buf = append(strconv.AppendFloat(buf, c.time, 'f', -1, 64), ',')
			}
		} else {
			buf = append(buf, ',')
		}
		buf = append(append(append(buf, c.name...), ':'), c.value...)
		c.record = record
		if c.load() {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	flush()
	return nil
}

// sacredColumn is one metric of metrics.json: cursors on its arrays and
// the value they are at.
type sacredColumn struct {
	order                int    // place in the document, for equal times
	name                 []byte // the key as written, quotes included
	steps, times, values arrayCursor

	step, value []byte
	time        float64
	hasTime     bool
	record      int // the record its last value went to
}

// load moves the column to its next value and reports whether it has
// one. A value without a readable time keeps the column's previous time
// for ordering, so that it stays among its own metric's values.
func (c *sacredColumn) load() bool {
	v, ok := c.values.next()
	if !ok {
		return false
	}
	c.value = v
	c.step, _ = c.steps.next()
	ts, _ := c.times.next()
	c.hasTime = false
	if len(ts) >= 2 && ts[0] == '"' && ts[len(ts)-1] == '"' {
		if t, ok := parseDateTime(ts[1:len(ts)-1], true); ok {
			c.time, c.hasTime = t, true
		}
	}
	return true
}

// stepValue returns the column's step when it is a finite number.
func (c *sacredColumn) stepValue() (float64, bool) {
	if len(c.step) == 0 || !startsNumber(c.step, 0) {
		return 0, false
	}
	f, next, ok := number.Read(c.step, 0)
	if !ok || next != len(c.step) {
		var err error
		if f, err = strconv.ParseFloat(string(c.step), 64); err != nil {
			return 0, false
		}
	}
	return f, !math.IsInf(f, 0) && !math.IsNaN(f)
}

// sacredColumns checks metrics.json and returns a column per metric that
// has a values array. A metric that is not an object makes the document
// another one than Sacred's.
func sacredColumns(doc []byte) ([]sacredColumn, error) {
	w := newDocWalker(doc)
	if !w.expect('{') {
		return nil, w.errorf("the document is not an object")
	}
	var cols []sacredColumn
	err := w.members(func(name []byte) error {
		if w.peek() != '{' {
			return w.errorf("metric %s is not an object of steps, timestamps and values", name)
		}
		c := sacredColumn{order: len(cols), name: name, time: math.Inf(-1)}
		found := false
		w.i++
		err := w.members(func(key []byte) error {
			var cur *arrayCursor
			switch string(key) {
			case `"steps"`:
				cur = &c.steps
			case `"timestamps"`:
				cur = &c.times
			case `"values"`:
				cur, found = &c.values, true
			}
			if cur != nil && w.peek() == '[' {
				*cur = arrayCursor{w: docWalker{b: doc, i: w.i + 1}}
			}
			if !w.value() {
				return w.errorf("unreadable value")
			}
			return nil
		})
		if err != nil {
			return err
		}
		if found {
			cols = append(cols, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if w.space(); w.i != len(doc) {
		return nil, w.errorf("text after the document")
	}
	return cols, nil
}

// members walks the members of the object whose '{' was just read,
// calling f with each name (quotes included) and w at its value; f must
// leave w after the value. It leaves w after the '}'.
func (w *docWalker) members(f func(name []byte) error) error {
	w.space()
	if w.peek() == '}' {
		w.i++
		return nil
	}
	for {
		w.space()
		start := w.i
		if _, _, ok := w.str(); !ok {
			return w.errorf("expected a member name")
		}
		name := w.b[start:w.i]
		if !w.expect(':') {
			return w.errorf("expected ':' after %s", name)
		}
		w.space()
		if err := f(name); err != nil {
			return err
		}
		w.space()
		switch w.peek() {
		case ',':
			w.i++
		case '}':
			w.i++
			return nil
		default:
			return w.errorf("expected ',' or '}' after member %s", name)
		}
	}
}

// arrayCursor yields the elements of an array that was checked already,
// from just after its '[' or a ','. Its zero value is an empty array.
type arrayCursor struct{ w docWalker }

func (c *arrayCursor) next() ([]byte, bool) {
	w := &c.w
	w.space()
	if w.b == nil || w.i >= len(w.b) || w.peek() == ']' {
		return nil, false
	}
	start := w.i
	if !w.value() {
		w.i = len(w.b)
		return nil, false
	}
	v := w.b[start:trimSpaceEnd(w.b, start, w.i)]
	if w.space(); w.peek() == ',' {
		w.i++
	}
	return v, len(v) > 0
}

// trimSpaceEnd returns the end of b[start:end] without trailing JSON
// whitespace: the extent of a scalar ends at the next separator.
func trimSpaceEnd(b []byte, start, end int) int {
	for end > start && isSpace(b[end-1]) {
		end--
	}
	return end
}

// sacredHeap orders the columns by the time of their current value.
type sacredHeap []*sacredColumn

func (h sacredHeap) Len() int { return len(h) }
func (h sacredHeap) Less(i, j int) bool {
	if h[i].time != h[j].time {
		return h[i].time < h[j].time
	}
	return h[i].order < h[j].order
}
func (h sacredHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *sacredHeap) Push(x any)   { *h = append(*h, x.(*sacredColumn)) }
func (h *sacredHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
