// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import "math"

// MaxBuckets bounds the points kept of one metric of one run. A chart
// column of braille is two dots wide, so 512 buckets are about two
// points per dot column of a 130-column chart, whatever the log's
// length: 512 × 40 bytes, 20 KB per series at most.
const MaxBuckets = 512

// A bucket is the mean of consecutive points of a series, with their
// extremes.
type bucket struct {
	sumX, sumY float64
	lo, hi     float64
	n          int
}

// Series keeps a metric of a run in at most MaxBuckets buckets of
// `width` consecutive points each: when the buckets are full, adjacent
// pairs are merged and the width doubles. The last value and the least
// one are kept exactly.
type Series struct {
	buckets []bucket
	width   int
	cap     int
	count   int // finite points added
	last    float64
	least   float64
}

func newSeries(capacity int) *Series {
	return &Series{width: 1, cap: capacity, least: math.Inf(1)}
}

// Add appends a finite point (callers drop NaN and ±Inf).
func (s *Series) Add(x, y float64) {
	s.count++
	s.last = y
	s.least = min(s.least, y)
	if n := len(s.buckets); n > 0 && s.buckets[n-1].n < s.width {
		b := &s.buckets[n-1]
		b.sumX += x
		b.sumY += y
		b.lo, b.hi = min(b.lo, y), max(b.hi, y)
		b.n++
		return
	}
	if len(s.buckets) == s.cap {
		s.halve()
	}
	s.buckets = append(s.buckets, bucket{sumX: x, sumY: y, lo: y, hi: y, n: 1})
}

// halve merges adjacent buckets: half as many, twice as wide.
func (s *Series) halve() {
	out := s.buckets[:0]
	for i := 0; i < len(s.buckets); i += 2 {
		b := s.buckets[i]
		if i+1 < len(s.buckets) {
			c := s.buckets[i+1]
			b.sumX, b.sumY, b.n = b.sumX+c.sumX, b.sumY+c.sumY, b.n+c.n
			b.lo, b.hi = min(b.lo, c.lo), max(b.hi, c.hi)
		}
		out = append(out, b)
	}
	s.buckets = out
	s.width *= 2
}

// Len is the number of points kept (buckets).
func (s *Series) Len() int { return len(s.buckets) }

// Count is the number of points added.
func (s *Series) Count() int { return s.count }

// Last is the newest value; Least the smallest.
func (s *Series) Last() float64  { return s.last }
func (s *Series) Least() float64 { return s.least }

// Width is how many points each bucket holds (the last may hold fewer).
func (s *Series) Width() int { return s.width }

// Points returns the buckets' mean x and y.
func (s *Series) Points() (xs, ys []float64) {
	xs, ys = make([]float64, len(s.buckets)), make([]float64, len(s.buckets))
	for i, b := range s.buckets {
		xs[i], ys[i] = b.sumX/float64(b.n), b.sumY/float64(b.n)
	}
	return xs, ys
}
