// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import (
	"math"
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
				s.Add(float64(i), float64(i%10))
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
			xs, _ := s.Points()
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
		s.Add(0, y)
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
