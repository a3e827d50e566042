// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func newTestSim(k, epochs, steps int) *runSim {
	return newRunSim(profileFor(k), incidentFor(k), rand.New(rand.NewPCG(1, uint64(k))), epochs, steps)
}

// drain returns every record of a run, one slice per next call.
func drain(sim *runSim) [][]string {
	var calls [][]string
	for now := 1764115200.0; ; now++ {
		recs := sim.next(now)
		if recs == nil {
			return calls
		}
		var lines []string
		for _, r := range recs {
			lines = append(lines, string(r))
		}
		calls = append(calls, lines)
	}
}

func TestRunSimRecordsPerStep(t *testing.T) {
	const epochs, steps = 3, 4
	calls := drain(newTestSim(2, epochs, steps))
	if len(calls) != epochs*steps {
		t.Fatalf("%d steps, want %d", len(calls), epochs*steps)
	}
	for i, lines := range calls {
		var wantTypes []string
		if i == 0 {
			wantTypes = []string{`"_type":"run_start"`, `"_type":"config"`, `"_type":"meta"`}
		}
		wantTypes = append(wantTypes, `"train":`)
		if i%steps == steps-1 {
			wantTypes = append(wantTypes, `"val":`, `"_type":"epoch_end"`)
		}
		if i == epochs*steps-1 {
			wantTypes = append(wantTypes, `{"_type":"summary","time":`)
		}
		if len(lines) != len(wantTypes) {
			t.Fatalf("step %d: %d records, want %d:\n%s", i, len(lines), len(wantTypes), strings.Join(lines, "\n"))
		}
		for j, want := range wantTypes {
			if !strings.Contains(lines[j], want) {
				t.Errorf("step %d record %d = %s, want it to contain %s", i, j, lines[j], want)
			}
		}
	}
}

func TestRunSimShapes(t *testing.T) {
	tests := []struct {
		k        int
		wantName string
		want     string // start of the first train record, after its time
	}{
		{0, "bert-base-lr3e-4", `"epoch":0,"step":0,"train/loss":`},
		{1, "resnet50-bs256", `"step":0,"epoch":0,"prefix":"train","metrics":{"loss":`},
		{2, "gpt2-small-warmup", `"step":0,"epoch":0,"metrics":{"train":{"loss":`},
		{len(catalogue), "bert-base-lr3e-4-run2", `"epoch":0,"step":0,"train/loss":`},
	}
	for _, tt := range tests {
		t.Run(tt.wantName, func(t *testing.T) {
			lines := newTestSim(tt.k, 2, 2).next(1764115200)
			if want := `{"_type":"run_start","run_name":"` + tt.wantName + `","time":1764115200.000}`; string(lines[0]) != want {
				t.Errorf("first record = %s, want %s", lines[0], want)
			}
			if train := string(lines[3]); !strings.Contains(train, `"time":1764115200.000,`+tt.want) {
				t.Errorf("train record = %s, want it to contain %s", train, tt.want)
			}
		})
	}
}

func TestRunSimIncidents(t *testing.T) {
	tests := []struct {
		name             string
		k, epochs, steps int
		wantSpikeEpochs  []int
		wantNaNEpochs    []int
	}{
		{"first run spikes in the first epoch and halfway", 0, 20, 10, []int{0, 10}, nil},
		{"second run has a NaN in the second epoch and after halfway", 1, 20, 10, nil, []int{1, 11}},
		{"short runs still get their incident", 1, 2, 10, nil, []int{1}},
		{"a run of one epoch gets it once", 0, 1, 10, []int{0}, nil},
		{"later runs have none", 2, 20, 10, nil, nil},
		{"runs after the first round have none", len(catalogue), 20, 10, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newTestSim(tt.k, tt.epochs, tt.steps)
			var spikeEpochs, nanEpochs []int
			prev := math.NaN()
			for step := 0; !sim.done(); step++ {
				epoch := sim.epoch
				recs := sim.next(0)
				// The train record comes after the header, before val, epoch_end and summary.
				train := recs[0]
				if len(recs) > 1 && strings.Contains(string(recs[0]), `"_type":"run_start"`) {
					train = recs[3]
				}
				loss := trainLoss(t, string(train))
				switch {
				case math.IsNaN(loss):
					nanEpochs = append(nanEpochs, epoch)
					continue
				case !math.IsNaN(prev) && loss > 3*prev:
					spikeEpochs = append(spikeEpochs, epoch)
				}
				prev = loss
			}
			if !slices.Equal(spikeEpochs, tt.wantSpikeEpochs) || !slices.Equal(nanEpochs, tt.wantNaNEpochs) {
				t.Errorf("spikes in epochs %v, NaNs in epochs %v; want %v and %v", spikeEpochs, nanEpochs, tt.wantSpikeEpochs, tt.wantNaNEpochs)
			}
		})
	}
}

// TestIncidentsWithinHalfAMinute: at the default options, the spike and
// the NaN are written within the first 30 s (a newcomer's first look, as
// the README tells it) and again later. The writer calls next once per
// interval.
func TestIncidentsWithinHalfAMinute(t *testing.T) {
	for k, what := range []string{"spike", "NaN"} {
		sim := newTestSim(k, defaultEpochs, defaultStepsPerEpoch)
		var at []time.Duration
		prev := math.NaN()
		for tick := 0; !sim.done(); tick++ {
			recs := sim.next(0)
			train := recs[0]
			if tick == 0 {
				train = recs[3] // after the header
			}
			loss := trainLoss(t, string(train))
			if math.IsNaN(loss) || loss > 3*prev {
				at = append(at, time.Duration(tick)*defaultInterval)
			}
			prev = loss
		}
		if len(at) != 2 || at[0] >= 30*time.Second || at[1] < 2*time.Minute {
			t.Errorf("run %d writes its %s after %v; want once within 30s and once after 2m", k, what, at)
		}
	}
}

func trainLoss(t *testing.T, raw string) float64 {
	t.Helper()
	r := parseRecord(t, "sim", 0, raw)
	loss, ok := r.metrics["train.loss"]
	if !ok {
		t.Fatalf("no train loss in %s", raw)
	}
	return loss
}

func TestRoundSig(t *testing.T) {
	tests := []struct {
		in, want float64
	}{
		{7.299450835908286, 7.29945},
		{2.4999999999999998e-06, 2.5e-06},
		{1131.179621442939, 1131.18},
		{0, 0},
		{math.Inf(1), math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(string(appendFloat(nil, tt.in)), func(t *testing.T) {
			if got := roundSig(tt.in); got != tt.want {
				t.Errorf("roundSig(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	if !math.IsNaN(roundSig(math.NaN())) {
		t.Error("roundSig(NaN) is not NaN")
	}
}
