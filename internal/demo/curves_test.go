// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*max(1, math.Abs(b)) }

func TestLearningRate(t *testing.T) {
	const peak, minLR, warmup, total = 1e-3, 1e-5, 5, 106 // 100 decay steps after warmup
	tests := []struct {
		name string
		g    int
		want float64
	}{
		{"first warmup step", 0, peak / warmup},
		{"warmup is linear", 2, 3 * peak / warmup},
		{"peak at end of warmup", warmup - 1, peak},
		{"cosine starts at peak", warmup, peak},
		{"half way is the mean", warmup + (total-1-warmup)/2, (peak + minLR) / 2},
		{"last step is the floor", total - 1, minLR},
		{"past the end stays at the floor", total + 10, minLR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := learningRate(peak, minLR, warmup, total, tt.g); !near(got, tt.want) {
				t.Errorf("learningRate(g=%d) = %g, want %g", tt.g, got, tt.want)
			}
		})
	}
}

func TestCleanLossDecaysToFloor(t *testing.T) {
	const start, floor, tau = 7.0, 2.0, 50.0
	if got := cleanLoss(start, floor, tau, 0); !near(got, start) {
		t.Errorf("cleanLoss(0) = %g, want %g", got, start)
	}
	prev := math.Inf(1)
	for g := range 1000 {
		got := cleanLoss(start, floor, tau, g)
		if got >= prev || got < floor {
			t.Fatalf("cleanLoss(%d) = %g after %g: want strictly decreasing and >= %g", g, got, prev, floor)
		}
		prev = got
	}
	if prev-floor > 1e-6 {
		t.Errorf("cleanLoss(999) = %g, want close to floor %g", prev, floor)
	}
	if early, late := lossNoise(tau, 0), lossNoise(tau, 500); late >= early {
		t.Errorf("loss noise grows: %g at step 0, %g at step 500", early, late)
	}
}

func TestJitterIsBounded(t *testing.T) {
	tests := []struct {
		name      string
		n, sd, lo float64
		want      float64
	}{
		{"inside the bounds", 1, 0.1, 0.2, 1.1},
		{"clamped high", 100, 0.1, 0.2, 1.2},
		{"clamped low", -100, 0.1, 0.2, 0.8},
		{"no noise", 0, 0.1, 0.2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jitter(tt.n, tt.sd, tt.lo); !near(got, tt.want) {
				t.Errorf("jitter(%g, %g, %g) = %g, want %g", tt.n, tt.sd, tt.lo, got, tt.want)
			}
		})
	}
}

func TestAccuracyRisesToPlateau(t *testing.T) {
	const plateau, tau = 0.7, 40.0
	prev := 0.0
	for g := range 500 {
		got := accuracy(plateau, tau, g)
		if got <= prev || got >= plateau {
			t.Fatalf("accuracy(%d) = %g after %g: want rising and below %g", g, got, prev, plateau)
		}
		prev = got
	}
	if plateau-prev > 0.01 {
		t.Errorf("accuracy(499) = %g, want close to plateau %g", prev, plateau)
	}
}
