// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"math"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

type stepObs struct {
	step, epoch float64
	hasEpoch    bool
}

func TestStepTracker(t *testing.T) {
	tests := []struct {
		name            string
		obs             []stepObs
		wantGlobal      []float64
		wantRestarts    int
		wantEpochResets float64
	}{
		{
			name:       "global steps",
			obs:        []stepObs{{0, 0, true}, {1, 0, true}, {2, 1, true}, {3, 1, true}},
			wantGlobal: []float64{0, 1, 2, 3},
		},
		{
			name:            "per-epoch reset every step",
			obs:             []stepObs{{0, 0, true}, {1, 0, true}, {2, 0, true}, {0, 1, true}, {1, 1, true}, {0, 2, true}},
			wantGlobal:      []float64{0, 1, 2, 3, 4, 5},
			wantEpochResets: 2,
		},
		{
			name:            "per-epoch reset logged every 10 steps from 10",
			obs:             []stepObs{{10, 0, true}, {20, 0, true}, {10, 1, true}, {20, 1, true}},
			wantGlobal:      []float64{10, 20, 30, 40},
			wantEpochResets: 1,
		},
		{
			name:         "resume from a checkpoint without epochs",
			obs:          []stepObs{{100, 0, false}, {200, 0, false}, {300, 0, false}, {150, 0, false}, {250, 0, false}},
			wantGlobal:   []float64{100, 200, 300, 150, 250},
			wantRestarts: 1,
		},
		{
			name:            "resume inside a later epoch keeps that epoch's offset",
			obs:             []stepObs{{0, 0, true}, {5, 0, true}, {0, 1, true}, {5, 1, true}, {3, 1, true}},
			wantGlobal:      []float64{0, 5, 10, 15, 13},
			wantRestarts:    1,
			wantEpochResets: 1,
		},
		{
			name:            "run restarted from scratch",
			obs:             []stepObs{{0, 0, true}, {5, 0, true}, {0, 1, true}, {5, 1, true}, {0, 0, true}, {5, 0, true}},
			wantGlobal:      []float64{0, 5, 10, 15, 0, 5},
			wantRestarts:    1,
			wantEpochResets: 1,
		},
		{
			// Validation and epoch_end carry the next epoch before its
			// steps start again at 0: a boundary, not a restart.
			name: "seed trainer: the epoch goes up before the steps reset",
			obs: []stepObs{{180, 0, true}, {190, 0, true}, {190, 1, true}, {190, 1, true},
				{0, 1, true}, {180, 1, true}, {190, 1, true}, {190, 2, true}, {0, 2, true}, {10, 2, true}},
			wantGlobal:      []float64{180, 190, 190, 190, 200, 380, 390, 390, 400, 410},
			wantEpochResets: 2,
		},
		{
			name: "seed trainer resumed inside an epoch",
			obs: []stepObs{{180, 0, true}, {190, 0, true}, {190, 1, true}, {0, 1, true}, {100, 1, true},
				{50, 1, true}, {60, 1, true}},
			wantGlobal:      []float64{180, 190, 190, 200, 300, 250, 260},
			wantRestarts:    1,
			wantEpochResets: 1,
		},
		{
			name: "seed trainer log starting over at epoch 0",
			obs: []stepObs{{180, 0, true}, {190, 0, true}, {190, 1, true}, {0, 1, true}, {190, 1, true},
				{0, 0, true}, {10, 0, true}},
			wantGlobal:      []float64{180, 190, 190, 200, 390, 0, 10},
			wantRestarts:    1,
			wantEpochResets: 1,
		},
		{
			// Hugging Face counts global steps and fractional epochs: a
			// resume goes back in both, which is no epoch boundary.
			name:         "global steps resumed from an earlier checkpoint",
			obs:          []stepObs{{10, 0.02, true}, {500, 1, true}, {1000, 2, true}, {510, 1.02, true}, {520, 1.04, true}},
			wantGlobal:   []float64{10, 500, 1000, 510, 520},
			wantRestarts: 1,
		},
		{
			name:            "per-epoch reset resumed at the start of an earlier epoch",
			obs:             []stepObs{{8, 0, true}, {9, 0, true}, {0, 1, true}, {8, 1, true}, {9, 1, true}, {0, 2, true}, {4, 2, true}, {0, 1, true}},
			wantGlobal:      []float64{8, 9, 10, 18, 19, 20, 24, 10},
			wantRestarts:    1,
			wantEpochResets: 2,
		},
		{
			name:       "repeated step (train and val records of one step)",
			obs:        []stepObs{{5, 0, true}, {5, 0, true}, {6, 0, true}},
			wantGlobal: []float64{5, 5, 6},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr stepTracker
			restarts := 0
			for i, o := range tt.obs {
				rec := record.Record{Step: o.step, HasStep: true, Epoch: o.epoch, HasEpoch: o.hasEpoch}
				if tr.observe(&rec) {
					restarts++
				}
				if tr.global != tt.wantGlobal[i] {
					t.Errorf("record %d (step %g epoch %g): global %g, want %g", i, o.step, o.epoch, tr.global, tt.wantGlobal[i])
				}
			}
			if restarts != tt.wantRestarts {
				t.Errorf("restarts %d, want %d", restarts, tt.wantRestarts)
			}
			if tr.epochResets != tt.wantEpochResets {
				t.Errorf("epoch resets %g, want %g", tr.epochResets, tt.wantEpochResets)
			}
		})
	}
}

// recordWith is a metric record holding one metric.
func recordWith(name string, v float64) record.Record {
	return record.Record{Kind: record.KindMetric, Metrics: []record.Metric{{Name: []byte(name), Value: v}}}
}

func TestIsFinite(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want bool
	}{
		{0, true}, {math.Copysign(0, -1), true}, {1.5, true}, {-2, true},
		{math.MaxFloat64, true}, {-math.MaxFloat64, true}, {math.SmallestNonzeroFloat64, true},
		{math.NaN(), false}, {math.Inf(1), false}, {math.Inf(-1), false},
	} {
		if got := isFinite(tc.v); got != tc.want {
			t.Errorf("isFinite(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}
