// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"math"
	"math/rand/v2"
	"testing"
)

var testSpikeRules = SpikeRules{Weight: DefaultSpikeWeight, Sigma: DefaultSpikeSigma, MinJump: DefaultSpikeMinJump, Warmup: DefaultSpikeWarmup}

// healthyLoss is a decaying loss with multiplicative noise of the given
// relative size, as real training curves look.
func healthyLoss(rng *rand.Rand, i int, noise float64) float64 {
	base := 0.5 + 4*math.Exp(-float64(i)/2000)
	return base * (1 + noise*rng.NormFloat64())
}

func TestEMAMatchesTensorBoard(t *testing.T) {
	// TensorBoard: last = last*w + (1-w)*x; smoothed = last / (1 - w^n).
	values := []float64{1, 2, 3, math.NaN(), 4}
	// By hand: last = 0.4, 1.04, 1.824, -, 2.6944; 1-w^n = 0.4, 0.64, 0.784, -, 0.8704.
	want := []float64{1, 1.625, 1.824 / 0.784, math.NaN(), 2.6944 / 0.8704}
	e := ema{weight: 0.6}
	for i, v := range values {
		e.observe(v)
		if math.IsNaN(want[i]) != math.IsNaN(e.value) || !math.IsNaN(want[i]) && math.Abs(e.value-want[i]) > 1e-12 {
			t.Errorf("after %v: ema %v, want %v", values[:i+1], e.value, want[i])
		}
	}
	raw := ema{weight: 0}
	raw.observe(7)
	if raw.value != 7 {
		t.Errorf("weight 0 must give the raw value, got %v", raw.value)
	}
}

func TestSpikeDetector(t *testing.T) {
	tests := []struct {
		name       string
		values     func() []float64
		wantSpikes float64
	}{
		{
			name: "noisy but healthy curve",
			values: func() []float64 {
				rng := rand.New(rand.NewPCG(1, 2))
				v := make([]float64, 20000)
				for i := range v {
					v[i] = healthyLoss(rng, i, 0.1)
				}
				return v
			},
		},
		{
			name: "one record at 5x",
			values: func() []float64 {
				rng := rand.New(rand.NewPCG(3, 4))
				v := make([]float64, 500)
				for i := range v {
					v[i] = healthyLoss(rng, i, 0.05)
				}
				v[300] *= 5
				return v
			},
			wantSpikes: 1,
		},
		{
			name: "two separate spikes",
			values: func() []float64 {
				rng := rand.New(rand.NewPCG(5, 6))
				v := make([]float64, 1000)
				for i := range v {
					v[i] = healthyLoss(rng, i, 0.05)
				}
				v[200] *= 4
				v[700] *= 6
				return v
			},
			wantSpikes: 2,
		},
		{
			name: "spike during warm-up is not counted",
			values: func() []float64 {
				v := []float64{3, 3.1, 2.9, 30}
				for range 50 {
					v = append(v, 3)
				}
				return v
			},
		},
		{
			name: "NaN and Inf are not spikes and do not poison the state",
			values: func() []float64 {
				v := make([]float64, 100)
				for i := range v {
					v[i] = 2 + 0.01*float64(i%3)
				}
				v[50], v[60] = math.NaN(), math.Inf(1)
				v[90] = 10
				return v
			},
			wantSpikes: 1,
		},
		{
			name: "a constant loss with a small rise is no spike",
			values: func() []float64 {
				v := make([]float64, 100)
				for i := range v {
					v[i] = 1
				}
				v[80] = 1.2 // infinitely many sigmas, but only 20 %
				return v
			},
		},
		{
			name: "a gradual climb is no spike",
			values: func() []float64 {
				v := make([]float64, 2000)
				for i := range v {
					v[i] = 1 + float64(i)*0.002
				}
				return v
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := spikeDetector{rules: testSpikeRules}
			for _, v := range tt.values() {
				d.observe(v)
			}
			if d.spikes != tt.wantSpikes {
				t.Errorf("spikes %v, want %v", d.spikes, tt.wantSpikes)
			}
		})
	}
}

func TestSpikeStatePerRunAndSeries(t *testing.T) {
	s := newTestStore(1000)
	a, b := s.RunState("a", nil), s.RunState("b", nil)
	feed := func(r *RunState, name string, v float64) {
		rec := recordWith(name, v)
		r.Apply(&rec, fixedMtime, nil)
	}
	for i := range 100 {
		feed(a, "train.loss", 2)
		feed(b, "train.loss", 2+float64(i%2))
		feed(a, "val.loss", 1)
	}
	feed(a, "train.loss", 20)
	if got := a.bySeries["ml_train_loss"].watch.det.spikes; got != 1 {
		t.Errorf("run a train loss spikes %v, want 1", got)
	}
	if got := a.bySeries["ml_val_loss"].watch.det.spikes; got != 0 {
		t.Errorf("run a val loss spikes %v, want 0", got)
	}
	if got := b.bySeries["ml_train_loss"].watch.det.spikes; got != 0 {
		t.Errorf("run b spikes %v, want 0", got)
	}
	if a.bySeries["ml_train_lr"] != nil {
		t.Fatal("unexpected series")
	}
	feed(a, "train.lr", 0.1)
	if a.bySeries["ml_train_lr"].watch != nil {
		t.Error("train.lr does not match watch.metrics and must not be watched")
	}
}
