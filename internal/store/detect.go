// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"math"
	"regexp"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of the spike detector and of the smoothed series.
const (
	DefaultWatchMetrics = `(?i)loss`
	DefaultEMAWeight    = 0.6 // TensorBoard's default smoothing
	DefaultSpikeWeight  = 0.9
	DefaultSpikeSigma   = 4.0
	DefaultSpikeMinJump = 0.5
	DefaultSpikeWarmup  = 20
)

// Suffix and name of the watch series.
const (
	seriesEMASuffix = "_ema"
	seriesSpikes    = "spikes_total"
)

// WatchRules say which metrics are watched (smoothed into <series>_ema
// and checked for spikes), by their names as logged, and how.
type WatchRules struct {
	Metrics   *regexp.Regexp // nil watches nothing
	EMAWeight float64
	Spike     SpikeRules
}

// SpikeRules tune the spike detector of watched metrics.
type SpikeRules struct {
	Weight  float64 // of the detector's moving mean and variance
	Sigma   float64 // a spike exceeds the mean by more than Sigma standard deviations
	MinJump float64 // ... and by more than this fraction of |mean|
	Warmup  int     // records seen before a spike can count
}

// ema is TensorBoard's debiased exponential moving average:
//
//	last = last*w + (1-w)*x;  n++;  smoothed = last / (1 - w^n)
//
// over finite values; a non-finite value is shown as itself.
type ema struct {
	weight  float64
	last, n float64
	powN    float64 // weight^n, kept by multiplication (math.Pow is slow)
	value   float64
}

func (e *ema) observe(x float64) {
	if !isFinite(x) {
		e.value = x
		return
	}
	if e.n == 0 {
		e.powN = 1
	}
	e.last = e.last*e.weight + (1-e.weight)*x
	e.n++
	e.powN = decay(e.powN, e.weight)
	if e.powN == 0 {
		e.value = e.last
	} else {
		e.value = e.last / (1 - e.powN)
	}
}

// spikeDetector keeps a debiased moving mean and variance over records
// (E[x] and E[x²] with the same weights) and counts values far above them.
type spikeDetector struct {
	rules  SpikeRules
	m1, m2 float64 // biased moving E[x], E[x²]
	n      int
	powN   float64 // weight^n
	spikes float64
}

// observe checks x against the state before it, then folds it in. It
// reports whether x is a spike.
func (d *spikeDetector) observe(x float64) bool {
	if !isFinite(x) {
		return false // counted as non-finite instead; keeps the state clean
	}
	if d.n == 0 {
		d.powN = 1
	}
	spike := false
	if d.n >= d.rules.Warmup {
		mean, meanSq := d.m1, d.m2
		if d.powN != 0 { // debias until w^n is below float64 precision
			debias := 1 - d.powN
			mean, meanSq = mean/debias, meanSq/debias
		}
		// The cheap relative-jump test first: most records fail it. Then
		// x - mean > k·σ, squared to save the square root.
		if dev := x - mean; dev > d.rules.MinJump*math.Abs(mean) &&
			dev*dev > d.rules.Sigma*d.rules.Sigma*max(meanSq-mean*mean, 0) {
			spike = true
			d.spikes++
		}
	}
	w := d.rules.Weight
	d.m1 = d.m1*w + (1-w)*x
	d.m2 = d.m2*w + (1-w)*x*x
	d.n++
	d.powN = decay(d.powN, w)
	return spike
}

// watch is the per-series state of a watched metric.
type watch struct {
	ema    ema
	emaSet bool // the EMA has a value to show
	det    spikeDetector
	fam    *family // of <series>_ema
}

// observe folds x in and reports whether it is a spike.
func (w *watch) observe(x float64) bool {
	w.ema.observe(x)
	w.emaSet = true
	return w.det.observe(x)
}

// addWatch makes g a watched series when the config names it and its
// series fit under the cap.
func (r *RunState) addWatch(g *series, name []byte) {
	s := r.store
	if !s.rulesOf(name).watched {
		return
	}
	emaName := g.fam.name + seriesEMASuffix
	if r.bySeries[emaName] != nil {
		r.refuse(DropReservedName)
		return
	}
	if !s.reserveSeries(1) {
		r.refuse(DropMaxSeries)
		return
	}
	what := strings.ToValidUTF8(string(name), "?")
	g.watch = &watch{
		ema: ema{weight: s.watch.EMAWeight},
		det: spikeDetector{rules: s.watch.Spike},
	}
	g.watch.fam = s.join(emaName, "Debiased exponential moving average of "+what+" over every record (TensorBoard smoothing).", prometheus.GaugeValue, g, memberEMA)
	r.derived[emaName] = true
}

// decay returns p·w, flushed to 0 once 1 − p·w is 1 in float64: left
// alone it turns subnormal, and subnormal arithmetic is a hundred times
// slower.
func decay(p, w float64) float64 {
	if p *= w; p < 1e-17 {
		return 0
	}
	return p
}
