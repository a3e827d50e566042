// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package curves

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// XKey is what a curve is drawn against.
type XKey int

const (
	Step       XKey = iota // the step as logged
	GlobalStep             // the store's step that never goes back across epoch resets
	Epoch
	Time // wall time since the run's first record
)

var xKeyNames = [...]string{"step", "global_step", "epoch", "time"}

func (k XKey) String() string { return xKeyNames[k] }

// ParseXKey reads a --x-key value.
func ParseXKey(s string) (XKey, bool) {
	i := slices.Index(xKeyNames[:], s)
	return XKey(max(i, 0)), i >= 0
}

// A Point is one logged value. Alt is the global step when the curve is
// drawn by step, so that a log whose steps reset can be drawn by global
// step without reading it again.
type Point struct{ X, Alt, Y float64 }

// A Curve is one metric of one run, in the order of its records.
type Curve struct {
	Series    string // as /metrics names it (ml_train_loss)
	NonFinite int    // NaN and ±Inf values, not kept: they cannot be drawn
	// Points in chunks of chunkLen: a growing slice copied itself over
	// and over, which took half the time of a million-record plot.
	chunks [][]Point
	n      int
}

const chunkLen = 8192

func (c *Curve) add(p Point) {
	if c.n%chunkLen == 0 {
		c.chunks = append(c.chunks, make([]Point, 0, chunkLen))
	}
	last := &c.chunks[len(c.chunks)-1]
	*last = append(*last, p)
	c.n++
}

// Len is the number of points.
func (c *Curve) Len() int { return c.n }

// Release lets go of the points.
func (c *Curve) Release() { c.chunks, c.n = nil, 0 }

// A Run holds the curves of one run label.
type Run struct {
	Name     string
	Path     string            // the file of its first record
	Curves   map[string]*Curve // by series
	Records  int               // records read, with or without kept metrics
	Resets   int               // times its step went back
	Restarts int               // of those, the store's restarts (not at an epoch's start)
	// ByRecord counts the records with kept metrics read before the run
	// had any step: their x is the record number.
	ByRecord int
	// Unplaced counts the records with kept metrics left out for want of
	// an x: without an epoch (by epoch).
	Unplaced int
	// Estimated counts the records with kept metrics placed by time whose
	// time is an estimate (package timeline): they had none of their own.
	Estimated int
	first     float64 // time of its first record
	seen      bool
	lastStep  float64
	timed     bool // first is set
	// What the samples of the run's last batch were: the next batch most
	// often has the same names (the same strings, which compare equal at
	// once), so maps are asked only when the shape of records changes.
	last []slot
}

type slot struct {
	name  string
	kind  seriesKind
	curve *Curve // a kept metric's, once it has one
}

// seriesKind is what a series of the sample path is to a plot.
type seriesKind uint8

const (
	kindUnknown seriesKind = iota
	kindStep
	kindGlobalStep
	kindEpoch
	kindRecords
	kindRestarts
	kindOther  // the run's other own series: not a metric
	kindMetric // a metric not kept
	kindKept   // a metric kept
)

// A Collector keeps, from the store's sample path, the values of the
// metric series that keep accepts, by run. It is an engine.Delivery that
// never holds the engine back.
type Collector struct {
	x    XKey
	keep func(series string) bool

	mu      sync.Mutex
	kinds   map[string]seriesKind
	runs    map[string]*Run
	order   []string          // runs in the order their first record came
	byFile  map[string]*int64 // records with metrics, by file
	scratch []keptSample

	lastPath  string
	lastCount *int64
}

type keptSample struct {
	value float64
	slot  *slot
}

// NewCollector collects, by x, the metric series keep accepts.
// namespace is the store's; fixed names the run's own series
// (store.FixedSeries()), which are not metrics.
func NewCollector(x XKey, namespace string, fixed []string, keep func(series string) bool) *Collector {
	c := &Collector{x: x, keep: keep, kinds: map[string]seriesKind{}, runs: map[string]*Run{}, byFile: map[string]*int64{}}
	full := func(n string) string {
		if namespace == "" {
			return n
		}
		return namespace + "_" + n
	}
	for _, n := range fixed {
		c.kinds[full(n)] = kindOther
	}
	c.kinds[full("step")] = kindStep
	c.kinds[full("global_step")] = kindGlobalStep
	c.kinds[full("epoch")] = kindEpoch
	c.kinds[full("records_total")] = kindRecords
	c.kinds[full("run_restarts_total")] = kindRestarts
	return c
}

// DeliveredTo: nothing was delivered before; every file is read whole.
func (c *Collector) DeliveredTo(string) (offset, timeMs int64) { return 0, 0 }

// Wait never waits: a plot keeps what it reads.
func (c *Collector) Wait(<-chan struct{}) {}

// Append takes the batch of one record.
func (c *Collector) Append(b *store.Batch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.runs[b.Run]
	if r == nil {
		r = &Run{Name: b.Run, Path: b.Source.Path, Curves: map[string]*Curve{}}
		c.runs[b.Run] = r
		c.order = append(c.order, b.Run)
	}
	var step, global, epoch, records float64
	hasStep, hasEpoch := false, false
	kept := c.scratch[:0]
	metrics := false
	for i, s := range b.Samples {
		if i >= len(r.last) || r.last[i].name != s.Name {
			r.last = append(r.last[:min(i, len(r.last))], slot{name: s.Name, kind: c.kind(s.Name)})
		}
		switch r.last[i].kind {
		case kindStep:
			step, hasStep = s.Value, true
		case kindGlobalStep:
			global = s.Value
		case kindEpoch:
			epoch, hasEpoch = s.Value, true
		case kindRecords:
			records = s.Value
		case kindRestarts:
			r.Restarts = int(s.Value)
		case kindMetric:
			metrics = true
		case kindKept:
			metrics = true
			kept = append(kept, keptSample{s.Value, &r.last[i]})
		}
	}
	c.scratch = kept[:0]
	r.Records++
	if hasStep {
		if r.seen && step < r.lastStep {
			r.Resets++
		}
		r.lastStep, r.seen = step, true
	} else {
		step, global = records, records
	}
	if !r.timed {
		r.first, r.timed = b.Time, true
	}
	if metrics {
		if b.Source.Path != c.lastPath || c.lastCount == nil {
			c.lastPath, c.lastCount = b.Source.Path, c.byFile[b.Source.Path]
			if c.lastCount == nil {
				c.lastCount = new(int64)
				c.byFile[b.Source.Path] = c.lastCount
			}
		}
		*c.lastCount++
	}
	if len(kept) == 0 {
		return
	}
	if !hasStep && (c.x == Step || c.x == GlobalStep) {
		r.ByRecord++
	}
	p := Point{X: step, Alt: global}
	switch c.x {
	case GlobalStep:
		p.X = global
	case Epoch:
		if !hasEpoch {
			r.Unplaced++
			return
		}
		p.X = epoch
	case Time:
		if b.TimeEstimated {
			r.Estimated++
		}
		p.X = b.Time - r.first
	}
	for _, s := range kept {
		cv := s.slot.curve
		if cv == nil {
			if cv = r.Curves[s.slot.name]; cv == nil {
				cv = &Curve{Series: s.slot.name}
				r.Curves[s.slot.name] = cv
			}
			s.slot.curve = cv
		}
		if math.IsNaN(s.value) || math.IsInf(s.value, 0) {
			cv.NonFinite++
			continue
		}
		p.Y = s.value
		cv.add(p)
	}
}

// kind says what a series is, deciding at first sight.
func (c *Collector) kind(name string) seriesKind {
	k, ok := c.kinds[name]
	if !ok {
		k = kindMetric
		if c.keep(name) {
			k = kindKept
		}
		c.kinds[name] = k
	}
	return k
}

// Runs returns the runs read, in the order their first record came
// (files read at once come in any order: sort by Path for a fixed one).
func (c *Collector) Runs() []*Run {
	c.mu.Lock()
	defer c.mu.Unlock()
	runs := make([]*Run, len(c.order))
	for i, n := range c.order {
		runs[i] = c.runs[n]
	}
	return runs
}

// Metrics lists every metric series seen, kept or not, sorted.
func (c *Collector) Metrics() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var names []string
	for n, k := range c.kinds {
		if k == kindMetric || k == kindKept {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// RecordsWithMetrics returns how many records of path carried metrics.
func (c *Collector) RecordsWithMetrics(path string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.byFile[path]; n != nil {
		return *n
	}
	return 0
}

// IsValidation reports whether a series (without namespace) is a
// validation metric by its prefix: such points are marked, not joined.
func IsValidation(short string) bool {
	for _, p := range []string{"val_", "valid_", "validation_", "eval_", "test_"} {
		if strings.HasPrefix(short, p) {
			return true
		}
	}
	return false
}
