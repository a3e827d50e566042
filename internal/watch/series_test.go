// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import (
	"math"
	"slices"
	"testing"
)

func TestSeriesBounded(t *testing.T) {
	for _, tc := range []struct {
		name             string
		capacity, points int
		wantLen, wantW   int
	}{
		{"fits", 8, 8, 8, 1},
		{"one more halves", 8, 9, 5, 2},
		{"many", 8, 1000, 8, 128},
		{"million", MaxBuckets, 1_000_000, 489, 2048},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSeries(tc.capacity)
			sum := 0.0
			for i := range tc.points {
				s.Add(Place{Step: float64(i), Time: float64(2 * i)}, float64(i%10))
				sum += float64(i % 10)
			}
			if s.Len() != tc.wantLen || s.Width() != tc.wantW {
				t.Errorf("len %d width %d, want %d %d", s.Len(), s.Width(), tc.wantLen, tc.wantW)
			}
			if s.Len() > tc.capacity || s.Count() != tc.points {
				t.Errorf("len %d count %d", s.Len(), s.Count())
			}
			// The buckets' counts weigh their means back to the total.
			got := 0.0
			for _, b := range s.buckets {
				got += b.sumY
			}
			if math.Abs(got-sum) > 1e-6 {
				t.Errorf("sum %g, want %g", got, sum)
			}
			xs, _ := s.Points(XStep)
			for i := 1; i < len(xs); i++ {
				if xs[i] <= xs[i-1] {
					t.Fatalf("x not increasing at %d: %v", i, xs[i-1:i+1])
				}
			}
		})
	}
}

func TestSeriesLastLeast(t *testing.T) {
	s := newSeries(4)
	for _, y := range []float64{3, 1, 2, 5, 4, 0.5, 6} {
		s.Add(Place{}, y)
	}
	if s.Last() != 6 || s.Least() != 0.5 {
		t.Errorf("last %g least %g", s.Last(), s.Least())
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, b := range s.buckets {
		lo, hi = min(lo, b.lo), max(hi, b.hi)
	}
	if lo != 0.5 || hi != 6 {
		t.Errorf("extremes %g %g", lo, hi)
	}
}

func TestSeriesAxes(t *testing.T) {
	s := newSeries(2)
	// Four points in two buckets of two: the first pair carries no
	// epoch, the second pair one epoch of two.
	s.Add(Place{Step: 10, Time: 1}, 4)
	s.Add(Place{Step: 20, Time: 3}, 2)
	s.Add(Place{Step: 30, Time: 5, Epoch: 1, HasEpoch: true}, 1)
	s.Add(Place{Step: 40, Time: 7}, 3)
	for _, tc := range []struct {
		key    XKey
		xs, ys []float64
	}{
		{XStep, []float64{15, 35}, []float64{3, 2}},
		{XTime, []float64{2, 6}, []float64{3, 2}},
		{XEpoch, []float64{1}, []float64{2}}, // the epoch of the points that carry one
	} {
		xs, ys := s.Points(tc.key)
		if !slices.Equal(xs, tc.xs) || !slices.Equal(ys, tc.ys) {
			t.Errorf("%v: %v %v, want %v %v", tc.key, xs, ys, tc.xs, tc.ys)
		}
	}
}
