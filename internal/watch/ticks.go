// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import (
	"math"
	"strconv"
	"strings"
)

// linearTicks are at most n values of [lo, hi] at multiples of 1, 2 or 5
// times a power of ten: few, round labels fit a terminal axis.
func linearTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || n < 2 {
		return []float64{lo}
	}
	// The finest step of 1, 2 or 5 times a power of ten that gives at
	// most n ticks; but if that gives one tick alone (n = 2, when no step
	// gives two), the coarsest that gives two or more: an axis needs two
	// labels for a scale.
	p := math.Pow(10, math.Floor(math.Log10(hi-lo))-1)
	step, several := 0.0, 0.0
	for _, decade := range []float64{1, 10, 100} {
		for _, m := range []float64{1, 2, 5} {
			s := m * p * decade
			count := math.Floor(hi/s+1e-9) - math.Ceil(lo/s-1e-9) + 1
			if step == 0 && count <= float64(n) {
				step = s
			}
			if count >= 2 {
				several = s
			}
		}
	}
	if math.Floor(hi/step+1e-9)-math.Ceil(lo/step-1e-9)+1 < 2 && several > 0 {
		step = several
	}
	var out []float64
	for k := math.Ceil(lo/step - 1e-9); k <= math.Floor(hi/step+1e-9); k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		out = append(out, v)
	}
	return out
}

// logTicks are the powers of ten in [lo, hi] (every k-th to keep at most
// n), or linear ticks where the range is less than a decade.
func logTicks(lo, hi float64, n int) []float64 {
	a, b := math.Ceil(math.Log10(lo)-1e-9), math.Floor(math.Log10(hi)+1e-9)
	if b-a < 2 {
		// Over a decade or two: 1, 2 and 5 times the powers of ten.
		var out []float64
		for e := math.Floor(math.Log10(lo)); e <= b; e++ {
			for _, m := range []float64{1, 2, 5} {
				if v := m * math.Pow(10, e); v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
					out = append(out, roundSig(v))
				}
			}
		}
		if len(out) >= 2 && len(out) <= n {
			return out
		}
	}
	if b < a {
		return linearTicks(lo, hi, n)
	}
	every := math.Max(1, math.Ceil((b-a+1)/float64(n)))
	var out []float64
	for e := a; e <= b; e += every {
		out = append(out, math.Pow(10, e))
	}
	return out
}

// formatTicks labels values with one format: as few decimals as tell
// them apart, exponents for the very small and large, and thousands as k
// and M where that is shorter (20k steps).
func formatTicks(values []float64, short bool) []string {
	return formatTicksLog(values, short, false)
}

// formatTicksLog is formatTicks; on a log axis (log) each tick has its
// own shortest decimals (0.01, 0.1, 1, 10).
func formatTicksLog(values []float64, short, log bool) []string {
	large, small := 0.0, math.Inf(1)
	for _, v := range values {
		large = max(large, math.Abs(v))
		if v != 0 {
			small = min(small, math.Abs(v))
		}
	}
	out := make([]string, len(values))
	for decimals := 0; decimals <= 12; decimals++ {
		ok := true
		for i, v := range values {
			switch {
			case v == 0:
				out[i] = "0"
			case short && large >= 1e4:
				out[i] = withSuffix(v)
			case large >= 1e6 || small < 1e-3:
				out[i] = shortExp(v)
			case log:
				out[i] = strconv.FormatFloat(roundSig(v), 'f', -1, 64)
			default:
				out[i] = strconv.FormatFloat(v, 'f', decimals, 64)
			}
			if i > 0 && out[i] == out[i-1] {
				ok = false
			}
		}
		if ok {
			break
		}
	}
	return out
}

// withSuffix writes 20000 as 20k and 1500000 as 1.5M.
func withSuffix(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e9:
		return strconv.FormatFloat(roundSig(v/1e9), 'f', -1, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(roundSig(v/1e6), 'f', -1, 64) + "M"
	case a >= 1e3:
		return strconv.FormatFloat(roundSig(v/1e3), 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(roundSig(v), 'f', -1, 64)
}

// shortExp writes 5e-5 or 1.5e-4.
func shortExp(v float64) string {
	s := strconv.FormatFloat(roundSig(v), 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	sign := ""
	if exp[0] == '-' {
		sign = "-"
	}
	if exp = strings.TrimLeft(exp[1:], "0"); exp == "" {
		return mant
	}
	return mant + "e" + sign + exp
}

// roundSig drops the noise of tick arithmetic (0.30000000000000004).
func roundSig(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 10, 64), 64)
	return r
}

// formatValue writes a table value in at most about 8 characters.
func formatValue(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case a != 0 && (a < 1e-3 || a >= 1e6):
		return strconv.FormatFloat(v, 'e', 2, 64)
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}

// durationSteps are the spacings of time ticks: round to a clock.
var durationSteps = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
	3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400}

// durationTicks are at most n values of [lo, hi] seconds at multiples of
// a round duration (1 s, 5 min, 1 h, 1 day, ...); past weeks, as numbers.
func durationTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || n < 2 {
		return []float64{lo}
	}
	for _, step := range durationSteps {
		if math.Floor(hi/step+1e-9)-math.Ceil(lo/step-1e-9)+1 > float64(n) {
			continue
		}
		var out []float64
		for k := math.Ceil(lo/step - 1e-9); k <= math.Floor(hi/step+1e-9); k++ {
			out = append(out, k*step)
		}
		return out
	}
	week := 7 * 86400.0
	ticks := linearTicks(lo/week, hi/week, n)
	for i := range ticks {
		ticks[i] *= week
	}
	return ticks
}

// formatDurations writes seconds as 0, 30s, 5m, 1h30m, 2d, 3d12h.
func formatDurations(v []float64) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = formatDuration(s)
	}
	return out
}

func formatDuration(sec float64) string {
	if sec == 0 {
		return "0"
	}
	sign := ""
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := int64(math.Round(sec))
	d, h, m := s/86400, s%86400/3600, s%3600/60
	s %= 60
	var b strings.Builder
	b.WriteString(sign)
	for _, p := range []struct {
		n    int64
		unit string
	}{{d, "d"}, {h, "h"}, {m, "m"}, {s, "s"}} {
		if p.n != 0 {
			b.WriteString(strconv.FormatInt(p.n, 10) + p.unit)
		}
	}
	return b.String()
}
