// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import "math"

// MaxBuckets bounds the points kept of one metric of one run. A chart
// column of braille is two dots wide, so 512 buckets are about two
// points per dot column of a 130-column chart, whatever the log's
// length: 512 × 56 bytes, 28 KB per series at most.
const MaxBuckets = 512

// XKey is what the chart draws against.
type XKey uint8

const (
	XStep  XKey = iota // the global step: it does not go back at an epoch
	XTime              // seconds since the run's first record
	XEpoch             // the epoch the records carry
	NumXKeys
)

var xKeyNames = [...]string{"step", "time", "epoch"}

func (k XKey) String() string { return xKeyNames[k] }

// ParseXKey reads --x-key: step (or global_step, which watch's step
// already is), time or epoch.
func ParseXKey(s string) (XKey, bool) {
	switch s {
	case "step", "global_step":
		return XStep, true
	case "time":
		return XTime, true
	case "epoch":
		return XEpoch, true
	}
	return XStep, false
}

// A Place is where a point sits on each x axis, so that the axis can be
// switched without reading the logs again.
type Place struct {
	Step, Time, Epoch float64
	HasEpoch          bool
}

// A bucket is the mean of consecutive points of a series on each axis,
// with the extremes of their values.
type bucket struct {
	sumStep, sumTime, sumEpoch float64
	sumY, lo, hi               float64
	n, nEpoch                  int32 // points; those with an epoch
}

// Series keeps a metric of a run in at most MaxBuckets buckets of
// `width` consecutive points each: when the buckets are full, adjacent
// pairs are merged and the width doubles. The last value and the least
// one are kept exactly.
type Series struct {
	buckets []bucket
	width   int32
	cap     int
	count   int // finite points added
	last    float64
	least   float64
}

func newSeries(capacity int) *Series {
	return &Series{width: 1, cap: capacity, least: math.Inf(1)}
}

// Add appends a finite value at p (callers drop NaN and ±Inf).
func (s *Series) Add(p Place, y float64) {
	s.count++
	s.last = y
	s.least = min(s.least, y)
	var e float64
	var ne int32
	if p.HasEpoch {
		e, ne = p.Epoch, 1
	}
	if n := len(s.buckets); n > 0 && s.buckets[n-1].n < s.width {
		b := &s.buckets[n-1]
		b.sumStep += p.Step
		b.sumTime += p.Time
		b.sumEpoch += e
		b.sumY += y
		b.lo, b.hi = min(b.lo, y), max(b.hi, y)
		b.n++
		b.nEpoch += ne
		return
	}
	if len(s.buckets) == s.cap {
		s.halve()
	}
	s.buckets = append(s.buckets, bucket{sumStep: p.Step, sumTime: p.Time, sumEpoch: e,
		sumY: y, lo: y, hi: y, n: 1, nEpoch: ne})
}

// halve merges adjacent buckets: half as many, twice as wide.
func (s *Series) halve() {
	out := s.buckets[:0]
	for i := 0; i < len(s.buckets); i += 2 {
		b := s.buckets[i]
		if i+1 < len(s.buckets) {
			c := s.buckets[i+1]
			b.sumStep, b.sumTime, b.sumEpoch = b.sumStep+c.sumStep, b.sumTime+c.sumTime, b.sumEpoch+c.sumEpoch
			b.sumY, b.n, b.nEpoch = b.sumY+c.sumY, b.n+c.n, b.nEpoch+c.nEpoch
			b.lo, b.hi = min(b.lo, c.lo), max(b.hi, c.hi)
		}
		out = append(out, b)
	}
	s.buckets = out
	s.width *= 2
}

// DropFrom forgets the points at a step of at least step (a bucket by
// its mean step): a run resumed from an earlier checkpoint trains those
// steps again. The least value is that of the points kept; the last
// stays the newest until the next point.
func (s *Series) DropFrom(step float64) {
	keep := len(s.buckets)
	for keep > 0 && s.buckets[keep-1].sumStep/float64(s.buckets[keep-1].n) >= step {
		keep--
	}
	if keep == len(s.buckets) {
		return
	}
	s.buckets = s.buckets[:keep]
	s.least = math.Inf(1)
	for _, b := range s.buckets {
		s.least = min(s.least, b.lo)
	}
}

// Len is the number of points kept (buckets).
func (s *Series) Len() int { return len(s.buckets) }

// Count is the number of points added.
func (s *Series) Count() int { return s.count }

// Last is the newest value; Least the smallest.
func (s *Series) Last() float64  { return s.last }
func (s *Series) Least() float64 { return s.least }

// Width is how many points each bucket holds (the last may hold fewer).
func (s *Series) Width() int { return int(s.width) }

// Points returns the buckets' mean x on axis k and mean y. By epoch, a
// bucket of points that carry no epoch is left out.
func (s *Series) Points(k XKey) (xs, ys []float64) {
	xs, ys = make([]float64, 0, len(s.buckets)), make([]float64, 0, len(s.buckets))
	for _, b := range s.buckets {
		n := float64(b.n)
		switch k {
		case XStep:
			xs = append(xs, b.sumStep/n)
		case XTime:
			xs = append(xs, b.sumTime/n)
		case XEpoch:
			if b.nEpoch == 0 {
				continue
			}
			xs = append(xs, b.sumEpoch/float64(b.nEpoch))
		}
		ys = append(ys, b.sumY/n)
	}
	return xs, ys
}
