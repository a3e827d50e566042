// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package plot

import (
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
)

// linearTicks label 5 to 8 values of an axis at multiples of 1, 2, 2.5
// or 5 times a power of ten, as matplotlib's default locator does
// (gonum's gave about three).
type linearTicks struct{}

func (linearTicks) Ticks(lo, hi float64) []gplot.Tick {
	values := linearValues(lo, hi)
	return labelled(values, linearFormat(values))
}

// linearValues are the tick values of [lo, hi]: the step of 1, 2, 2.5
// or 5 times a power of ten that gives 5 to 8 of them (the widest such
// step, 2.5 only where no other fits), else the count nearest 6.
func linearValues(lo, hi float64) []float64 {
	if !(hi > lo) {
		return []float64{lo}
	}
	count := func(step float64) int {
		return int(math.Floor(hi/step+1e-9) - math.Ceil(lo/step-1e-9) + 1)
	}
	base := math.Pow(10, math.Floor(math.Log10(hi-lo))-1)
	best, bestScore := 0.0, math.Inf(1)
	for _, decade := range []float64{1, 10, 100} {
		for _, m := range []float64{1, 2, 2.5, 5} {
			step := m * base * decade
			n := count(step)
			score := math.Abs(float64(n) - 6.5)
			if n >= 5 && n <= 8 {
				score = 0
				if m == 2.5 {
					score = 0.5
				}
			}
			// Ties go to the wider step: fewer, rounder labels.
			if score <= bestScore {
				best, bestScore = step, score
			}
		}
	}
	var values []float64
	for k := math.Ceil(lo/best - 1e-9); k <= math.Floor(hi/best+1e-9); k++ {
		v := k * best
		if math.Abs(v) < best*1e-9 {
			v = 0 // not -0 or 1e-20
		}
		values = append(values, v)
	}
	return values
}

// logTicks label a log axis readably: over a few decades at 1, 2 and 5
// times the powers of ten (or 1, 2, 3 and 5: 0.3, 0.5, 1, 2 over
// 0.25..2.9), over many at the powers of ten (every other one, or
// fewer, past eight), with unlabelled ticks at the rest; over less than
// a factor of about three, the ticks of a linear axis.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(lo > 0 && hi > lo) {
		return linearTicks{}.Ticks(lo, hi)
	}
	first, last := int(math.Floor(math.Log10(lo))), int(math.Floor(math.Log10(hi)))
	at := func(mantissas []float64, every int) (in []float64) {
		for e := first; e <= last; e++ {
			if (e-first)%every != 0 && every > 1 {
				continue
			}
			for _, m := range mantissas {
				if v := m * math.Pow10(e); v >= lo*(1-1e-12) && v <= hi*(1+1e-12) {
					in = append(in, v)
				}
			}
		}
		return in
	}
	powers := func() []float64 {
		every := 1
		for len(at([]float64{1}, every)) > 8 {
			every++
		}
		return at([]float64{1}, every)
	}
	var major []float64
	for _, try := range []func() ([]float64, bool){
		func() ([]float64, bool) { v := at([]float64{1, 2, 5}, 1); return v, len(v) >= 4 && len(v) <= 8 },
		func() ([]float64, bool) { v := at([]float64{1, 2, 3, 5}, 1); return v, len(v) >= 4 && len(v) <= 8 },
		func() ([]float64, bool) { v := powers(); return v, len(v) >= 3 },
		func() ([]float64, bool) { v := at([]float64{1, 2, 3, 5}, 1); return v, len(v) >= 3 && len(v) <= 8 },
		func() ([]float64, bool) { v := powers(); return v, len(v) >= 2 },
	} {
		var ok bool
		if major, ok = try(); ok {
			break
		}
		major = nil
	}
	if major == nil {
		return linearTicks{}.Ticks(lo, hi)
	}
	ticks := labelled(major, logFormat(major))
	// Unlabelled ticks at the other multiples (at the other powers when
	// they are many).
	minor := at([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1)
	if last-first > 6 {
		minor = at([]float64{1}, 1)
	}
	for _, v := range minor {
		if !containsClose(major, v) {
			ticks = append(ticks, gplot.Tick{Value: v})
		}
	}
	return ticks
}

func containsClose(values []float64, v float64) bool {
	for _, w := range values {
		if math.Abs(w-v) <= 1e-9*math.Abs(v) {
			return true
		}
	}
	return false
}

func labelled(values []float64, format func(float64) string) []gplot.Tick {
	ticks := make([]gplot.Tick, len(values))
	for i, v := range values {
		ticks[i] = gplot.Tick{Value: v, Label: format(v)}
	}
	return ticks
}

// exponential reports whether an axis labels its ticks as 5e-5: values
// from a millionth to a thousandth, or a million and more (a learning
// rate; steps of a long run), where decimals would be long.
func exponential(values []float64) bool {
	large := 0.0
	for _, v := range values {
		large = max(large, math.Abs(v))
	}
	return large >= 1e6 || large > 0 && large < 1e-3
}

// linearFormat is one format for all the ticks of a linear axis: the
// same number of decimals for each (0.5, 1.0, 1.5; as few as tell them
// apart), or exponents (5e-5, 1e-4, 1.5e-4); zero is always 0.
func linearFormat(values []float64) func(float64) string {
	if exponential(values) {
		return shortExp
	}
	return zeroAs0(tickFormat(values))
}

// logFormat labels each tick of a log axis with its own shortest
// decimals (0.3, 0.5, 1, 2), or all of them with exponents (1e-5, 1e-3)
// when the values are small or large.
func logFormat(values []float64) func(float64) string {
	small := math.Inf(1)
	for _, v := range values {
		small = min(small, math.Abs(v))
	}
	if exponential(values) || small < 1e-3 {
		return shortExp
	}
	return zeroAs0(func(v float64) string { return strconv.FormatFloat(round(v), 'f', -1, 64) })
}

func zeroAs0(f func(float64) string) func(float64) string {
	return func(v float64) string {
		if v == 0 {
			return "0"
		}
		return f(v)
	}
}

// round drops the noise of the tick arithmetic (0.30000000000000004):
// twelve significant digits are more than any axis shows.
func round(v float64) float64 {
	if v == 0 {
		return 0
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return r
}

// shortExp writes v as 5e-5 or 1.5e-4: the shortest mantissa, an
// exponent without + or leading zeros, and 0 for zero.
func shortExp(v float64) string {
	if v == 0 {
		return "0"
	}
	s := strconv.FormatFloat(round(v), 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	sign := ""
	if exp[0] == '-' {
		sign = "-"
	}
	exp = strings.TrimLeft(exp[1:], "0")
	if exp == "" {
		return mant
	}
	return mant + "e" + sign + exp
}

// tickFormat returns the shortest fixed-decimal formatting that labels
// values apart and as they are (2500, not 2500.00; 2.85 and 2.90, not
// 2.9 twice).
func tickFormat(values []float64) func(float64) string {
	for decimals := 0; decimals < 16; decimals++ {
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', decimals, 64) }
		if distinct(values, f) && exact(values, f) {
			return f
		}
	}
	return func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
}

// distinct reports whether format labels the values all differently.
func distinct(values []float64, format func(float64) string) bool {
	seen := map[string]bool{}
	for _, v := range values {
		l := format(v)
		if seen[l] {
			return false
		}
		seen[l] = true
	}
	return true
}

// exact reports whether format's labels read back as the values, up to
// rounding noise of a millionth of their spacing.
func exact(values []float64, format func(float64) string) bool {
	for i, v := range values {
		tol := math.Abs(v) * 1e-12
		if i > 0 {
			tol = max(tol, math.Abs(v-values[i-1])*1e-6)
		}
		back, err := strconv.ParseFloat(format(v), 64)
		if err != nil || math.Abs(back-v) > tol {
			return false
		}
	}
	return true
}
