// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package curves

import (
	"math"
	"slices"
	"sort"
)

// Mode is how --smooth averages a window.
type Mode int

const (
	Mean     Mode = iota // trailing mean of the last N values (pandas rolling(N, min_periods=1).mean())
	Centered             // mean of a window centred on each value (rolling(N, center=True))
	EMA                  // exponential, pandas ewm(span=N, adjust=True).mean()
	Median               // trailing median of the last N values
)

var modeNames = [...]string{"mean", "centered", "ema", "median"}

func (m Mode) String() string { return modeNames[m] }

// ParseMode reads a --smooth-mode value.
func ParseMode(s string) (Mode, bool) {
	i := slices.Index(modeNames[:], s)
	return Mode(max(i, 0)), i >= 0
}

// Options are what happens to a curve's values before it is drawn, in
// this order: downsampling, clipping, smoothing.
type Options struct {
	Downsample int     // mean of each N adjacent points (0 or 1: off)
	ClipHigh   float64 // values above this percentile are set to it (0: off)
	ClipLow    float64 // values below this percentile are set to it (0: off)
	Smooth     int     // window (0 or 1: off)
	Mode       Mode
	// Replace: where x goes back (a run resumed from a checkpoint), the
	// points from there on replace those logged before at the same or
	// later x, as TensorBoard shows a resumed run; else they are kept.
	Replace bool
}

// A Prepared curve is what is drawn and written to --csv.
type Prepared struct {
	X, Raw   []float64
	Smoothed []float64 // nil when smoothing is off
}

// Prepare turns a curve's points into the drawn values; byAlt draws them
// by their Alt (the global step) instead of X.
func Prepare(c *Curve, byAlt bool, o Options) Prepared {
	p := Prepared{X: make([]float64, 0, c.n), Raw: make([]float64, 0, c.n)}
	for _, ch := range c.chunks {
		for _, pt := range ch {
			x := pt.X
			if byAlt {
				x = pt.Alt
			}
			if o.Replace && len(p.X) > 0 && x < p.X[len(p.X)-1] {
				// p.X is sorted: each point before x stays.
				cut, _ := slices.BinarySearch(p.X, x)
				p.X, p.Raw = p.X[:cut], p.Raw[:cut]
			}
			p.X, p.Raw = append(p.X, x), append(p.Raw, pt.Y)
		}
	}
	if o.Downsample > 1 {
		p.X = binMeans(p.X, o.Downsample)
		p.Raw = binMeans(p.Raw, o.Downsample)
	}
	if o.ClipHigh > 0 || o.ClipLow > 0 {
		clip(p.Raw, o.ClipLow, o.ClipHigh)
	}
	if o.Smooth > 1 {
		p.Smoothed = Smooth(p.Raw, o.Smooth, o.Mode)
	}
	return p
}

// binMeans replaces each n adjacent values by their mean; the last bin
// may hold fewer. It reuses v.
func binMeans(v []float64, n int) []float64 {
	out := v[:0]
	for i := 0; i < len(v); i += n {
		end := min(i+n, len(v))
		sum := 0.0
		for _, x := range v[i:end] {
			sum += x
		}
		out = append(out, sum/float64(end-i))
	}
	return out
}

// clip bounds v to its low and high percentiles (0: that side is not
// clipped).
func clip(v []float64, low, high float64) {
	sorted := slices.Clone(v)
	slices.Sort(sorted)
	lo, hi := math.Inf(-1), math.Inf(1)
	if low > 0 {
		lo = Percentile(sorted, low)
	}
	if high > 0 {
		hi = Percentile(sorted, high)
	}
	for i, x := range v {
		v[i] = min(max(x, lo), hi)
	}
}

// Percentile of sorted values with linear interpolation between the two
// nearest ranks, as numpy.percentile does by default.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	rank := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	frac := rank - float64(lo)
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}

// Smooth returns v smoothed over windows of n values.
func Smooth(v []float64, n int, m Mode) []float64 {
	out := make([]float64, len(v))
	switch m {
	case EMA:
		// adjust=True: the mean of all values so far, weighted by
		// (1-alpha)^age, so the first values are not pulled to 0.
		alpha := 2 / (float64(n) + 1)
		num, den := 0.0, 0.0
		for i, x := range v {
			num = x + (1-alpha)*num
			den = 1 + (1-alpha)*den
			out[i] = num / den
		}
	case Median:
		window := make([]float64, 0, n) // sorted
		for i, x := range v {
			if i >= n {
				old := v[i-n]
				j := sort.SearchFloat64s(window, old)
				window = slices.Delete(window, j, j+1)
			}
			j := sort.SearchFloat64s(window, x)
			window = slices.Insert(window, j, x)
			k := len(window)
			if k%2 == 1 {
				out[i] = window[k/2]
			} else {
				out[i] = (window[k/2-1] + window[k/2]) / 2
			}
		}
	default:
		// A window ends at i+ahead: 0 for a trailing mean; a centred one
		// reaches (n-1)/2 ahead, as pandas centres an even window. The
		// window's sum slides with Neumaier's compensation, and a window
		// of equal values has that value as its mean exactly, as in
		// pandas: plain running sums drifted (a constant 0.001 came out
		// as 0.0009999999999763 after a million points) and never
		// recovered from a spike of 1e12.
		ahead := 0
		if m == Centered {
			ahead = (n - 1) / 2
		}
		var sum, comp float64
		add := func(x float64) {
			t := sum + x
			if math.Abs(sum) >= math.Abs(x) {
				comp += (sum - t) + x
			} else {
				comp += (x - t) + sum
			}
			sum = t
		}
		start, end, same := 0, 0, 0 // the window is v[start:end]; same: equal values ending it
		for i := range v {
			for ; end < min(i+ahead+1, len(v)); end++ {
				add(v[end])
				if end > 0 && v[end] == v[end-1] {
					same++
				} else {
					same = 1
				}
			}
			for ; start < max(i+ahead+1-n, 0); start++ {
				add(-v[start])
			}
			if count := end - start; same >= count {
				out[i] = v[end-1]
			} else {
				out[i] = (sum + comp) / float64(count)
			}
		}
	}
	return out
}
