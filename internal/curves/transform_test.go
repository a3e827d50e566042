// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package curves

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12*max(1, math.Abs(b[i])) {
			return false
		}
	}
	return true
}

// The expected values are worked out by hand with pandas' definitions
// (rolling(n, min_periods=1), rolling(n, center=True, min_periods=1),
// ewm(span=n, adjust=True), rolling(n, min_periods=1).median()).
func TestSmooth(t *testing.T) {
	v := []float64{1, 2, 3, 4, 10}
	for _, tc := range []struct {
		name string
		n    int
		mode Mode
		in   []float64
		want []float64
	}{
		{"mean 3", 3, Mean, v, []float64{1, 1.5, 2, 3, 17.0 / 3}},
		{"mean window longer than the curve", 10, Mean, v, []float64{1, 1.5, 2, 2.5, 4}},
		{"centered 3", 3, Centered, v, []float64{1.5, 2, 3, 17.0 / 3, 7}},
		// An even window reaches one value further back than ahead, as pandas centres it.
		{"centered 4", 4, Centered, v, []float64{1.5, 2, 2.5, 4.75, 17.0 / 3}},
		// alpha = 2/(3+1) = 0.5: weights 1, 0.5, 0.25, ... of the newest values.
		{"ema 3", 3, EMA, v, []float64{1, 5.0 / 3, 17.0 / 7, 49.0 / 15, 209.0 / 31}},
		{"median 3", 3, Median, v, []float64{1, 1.5, 2, 3, 4}},
		{"median 2 of unsorted values", 2, Median, []float64{3, 1, 2, 2, 8}, []float64{3, 2, 1.5, 2, 5}},
		{"median 3 with repeats", 3, Median, []float64{5, 5, 1, 5, 1, 1}, []float64{5, 5, 5, 5, 1, 1}},
		{"window of 1 is the values", 1, EMA, v, v},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Smooth(tc.in, tc.n, tc.mode); !near(got, tc.want) {
				t.Errorf("Smooth(%v, %d, %s) = %v, want %v", tc.in, tc.n, tc.mode, got, tc.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 10}
	// numpy.percentile: rank p/100*(n-1), linear between neighbours.
	for p, want := range map[float64]float64{0: 1, 25: 2, 50: 3, 90: 7.6, 99: 9.76, 100: 10} {
		if got := Percentile(sorted, p); math.Abs(got-want) > 1e-12 {
			t.Errorf("Percentile(%v) = %v, want %v", p, got, want)
		}
	}
	if got := Percentile(nil, 50); !math.IsNaN(got) {
		t.Errorf("Percentile of nothing = %v, want NaN", got)
	}
}

func curve(ys ...float64) *Curve {
	c := &Curve{}
	for i, y := range ys {
		c.add(Point{X: float64(i), Alt: float64(100 + i), Y: y})
	}
	return c
}

func TestPrepare(t *testing.T) {
	in := curve(1, 2, 3, 4, 10)
	for _, tc := range []struct {
		name          string
		byAlt         bool
		o             Options
		x, raw, smoot []float64
	}{
		{"nothing", false, Options{}, []float64{0, 1, 2, 3, 4}, []float64{1, 2, 3, 4, 10}, nil},
		{"by global step", true, Options{}, []float64{100, 101, 102, 103, 104}, []float64{1, 2, 3, 4, 10}, nil},
		{"clip above the 90th percentile", false, Options{ClipHigh: 90}, []float64{0, 1, 2, 3, 4}, []float64{1, 2, 3, 4, 7.6}, nil},
		{"clip below the 25th percentile", false, Options{ClipLow: 25}, []float64{0, 1, 2, 3, 4}, []float64{2, 2, 3, 4, 10}, nil},
		{"clip both sides", false, Options{ClipLow: 25, ClipHigh: 50}, []float64{0, 1, 2, 3, 4}, []float64{2, 2, 3, 3, 3}, nil},
		{"downsample by 2: means of x and y, the last bin shorter", false, Options{Downsample: 2}, []float64{0.5, 2.5, 4}, []float64{1.5, 3.5, 10}, nil},
		{"smooth 2", false, Options{Smooth: 2}, []float64{0, 1, 2, 3, 4}, []float64{1, 2, 3, 4, 10}, []float64{1, 1.5, 2.5, 3.5, 7}},
		// Downsampling comes first, then clipping, then smoothing:
		// bins 1.5 3.5 10 → 90th percentile 8.7 → trailing mean of 2.
		{"downsample, clip, smooth in order", false, Options{Downsample: 2, ClipHigh: 90, Smooth: 2}, []float64{0.5, 2.5, 4}, []float64{1.5, 3.5, 8.7}, []float64{1.5, 2.5, 6.1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Prepare(in, tc.byAlt, tc.o)
			if !near(got.X, tc.x) || !near(got.Raw, tc.raw) || !near(got.Smoothed, tc.smoot) {
				t.Errorf("Prepare(%+v) = x %v raw %v smoothed %v, want x %v raw %v smoothed %v", tc.o, got.X, got.Raw, got.Smoothed, tc.x, tc.raw, tc.smoot)
			}
			if tc.smoot == nil && got.Smoothed != nil {
				t.Errorf("smoothed without --smooth: %v", got.Smoothed)
			}
		})
	}
	// A run resumed from step 2 after step 4: the steps run again
	// replace the first ones, or, without Replace, are kept after them.
	resumed := &Curve{}
	for i, x := range []float64{0, 1, 2, 3, 4, 2, 3, 4, 5, 5} {
		resumed.add(Point{X: x, Alt: x, Y: float64(i)})
	}
	for _, tc := range []struct {
		replace bool
		x, y    []float64
	}{
		{true, []float64{0, 1, 2, 3, 4, 5, 5}, []float64{0, 1, 5, 6, 7, 8, 9}},
		{false, []float64{0, 1, 2, 3, 4, 2, 3, 4, 5, 5}, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
	} {
		got := Prepare(resumed, false, Options{Replace: tc.replace})
		if !near(got.X, tc.x) || !near(got.Raw, tc.y) {
			t.Errorf("resumed run, Replace %v: x %v y %v, want %v %v", tc.replace, got.X, got.Raw, tc.x, tc.y)
		}
	}
	if p := in.Points(); p[4].Y != 10 {
		t.Errorf("Prepare changed its input: %v", p)
	}
	// Points across chunks come back in order.
	long := &Curve{}
	for i := range 3*chunkLen + 5 {
		long.add(Point{X: float64(i), Y: float64(-i)})
	}
	p := Prepare(long, false, Options{})
	if long.Len() != 3*chunkLen+5 || len(p.X) != long.Len() || p.X[2*chunkLen+1] != float64(2*chunkLen+1) || p.Raw[long.Len()-1] != -float64(long.Len()-1) {
		t.Errorf("%d points across chunks, prepared %d", long.Len(), len(p.X))
	}
}

func TestParseNames(t *testing.T) {
	for _, s := range []string{"step", "global_step", "epoch", "time"} {
		if k, ok := ParseXKey(s); !ok || k.String() != s {
			t.Errorf("ParseXKey(%q) = %v, %v", s, k, ok)
		}
	}
	for _, s := range []string{"mean", "centered", "ema", "median"} {
		if m, ok := ParseMode(s); !ok || m.String() != s {
			t.Errorf("ParseMode(%q) = %v, %v", s, m, ok)
		}
	}
	if _, ok := ParseXKey("iteration"); ok {
		t.Error("ParseXKey takes iteration")
	}
	if _, ok := ParseMode("gaussian"); ok {
		t.Error("ParseMode takes gaussian")
	}
}

// A window's mean stays exact over long curves and after huge values.
func TestSmoothNumerics(t *testing.T) {
	flat := make([]float64, 1_000_000)
	for i := range flat {
		flat[i] = 0.001
	}
	for _, m := range []Mode{Mean, Centered, Median} {
		for i, v := range Smooth(flat, 100, m) {
			if v != 0.001 {
				t.Fatalf("%s of a constant 0.001: %v at %d", m, v, i)
			}
		}
	}
	// After a spike of 1e12 leaves the window, the mean is the plain
	// mean of what is in it again.
	r := rand.New(rand.NewPCG(7, 7))
	v := make([]float64, 2000)
	for i := range v {
		v[i] = 0.5 + r.Float64()
	}
	v[100], v[900] = 1e12, -3e15
	for _, m := range []Mode{Mean, Centered} {
		got := Smooth(v, 7, m)
		ahead := 0
		if m == Centered {
			ahead = 3
		}
		for i := range v {
			end := min(i+ahead+1, len(v))
			start := max(end-7, 0)
			if m == Centered {
				start = max(i+ahead+1-7, 0)
			}
			want := 0.0
			for _, x := range v[start:end] {
				want += x
			}
			want /= float64(end - start)
			if math.Abs(got[i]-want) > 1e-12*max(1, math.Abs(want)) {
				t.Fatalf("%s at %d: %v, the window's mean is %v", m, i, got[i], want)
			}
		}
	}
}
