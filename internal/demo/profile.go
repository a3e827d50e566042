// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import (
	"slices"
	"strconv"
)

// shape is how a run lays out its metric records; each is a real trainer style.
type shape int

const (
	shapeAliased shape = iota // "train/loss" and "train.loss" in one record
	shapePrefix               // {"prefix":"train","metrics":{"loss":..}}
	shapeNested               // {"metrics":{"train":{"loss":..}}}
)

// profile is the hyper-parameters and curve shape of one simulated run.
type profile struct {
	name       string
	model      string
	shape      shape
	peakLR     float64
	batchSize  int
	warmupFrac float64 // of all steps
	lossStart  float64
	lossFloor  float64
	decayFrac  float64 // loss time constant, as a fraction of all steps
	throughput float64 // samples/s
	gradNorm   float64 // late-training level
	accName    string  // validation accuracy metric
	accPlateau float64
	perplexity bool
	truncation float64 // data.truncation_rate level
	worldSize  int
}

// catalogue lists the runs in start order. Families alternate so the first
// Runs (default 3) differ in model, shape and curve at a glance.
var catalogue = []profile{
	{name: "bert-base-lr3e-4", model: "bert-base", shape: shapeAliased, peakLR: 3e-4, batchSize: 64, warmupFrac: 0.06,
		lossStart: 7.8, lossFloor: 1.9, decayFrac: 0.12, throughput: 1850, gradNorm: 0.9,
		accName: "mlm_acc", accPlateau: 0.68, truncation: 0.021, worldSize: 8},
	{name: "resnet50-bs256", model: "resnet50", shape: shapePrefix, peakLR: 0.1, batchSize: 256, warmupFrac: 0.03,
		lossStart: 6.9, lossFloor: 1.15, decayFrac: 0.2, throughput: 2900, gradNorm: 1.6,
		accName: "accuracy", accPlateau: 0.76, truncation: 0, worldSize: 4},
	{name: "gpt2-small-warmup", model: "gpt2-small", shape: shapeNested, peakLR: 6e-4, batchSize: 32, warmupFrac: 0.12,
		lossStart: 10.9, lossFloor: 3.1, decayFrac: 0.16, throughput: 420, gradNorm: 0.6,
		accName: "accuracy", accPlateau: 0.39, perplexity: true, truncation: 0.048, worldSize: 8},
	{name: "bert-base-lr1e-4", model: "bert-base", shape: shapeAliased, peakLR: 1e-4, batchSize: 64, warmupFrac: 0.06,
		lossStart: 7.8, lossFloor: 2.15, decayFrac: 0.22, throughput: 1850, gradNorm: 0.7,
		accName: "mlm_acc", accPlateau: 0.64, truncation: 0.021, worldSize: 8},
	{name: "resnet50-bs1024", model: "resnet50", shape: shapePrefix, peakLR: 0.4, batchSize: 1024, warmupFrac: 0.05,
		lossStart: 6.9, lossFloor: 1.3, decayFrac: 0.15, throughput: 3400, gradNorm: 2.1,
		accName: "accuracy", accPlateau: 0.745, truncation: 0, worldSize: 16},
	{name: "gpt2-small-ctx2048", model: "gpt2-small", shape: shapeNested, peakLR: 6e-4, batchSize: 16, warmupFrac: 0.1,
		lossStart: 10.9, lossFloor: 2.95, decayFrac: 0.18, throughput: 210, gradNorm: 0.55,
		accName: "accuracy", accPlateau: 0.41, perplexity: true, truncation: 0.012, worldSize: 8},
	{name: "bert-base-lr5e-5", model: "bert-base", shape: shapeAliased, peakLR: 5e-5, batchSize: 32, warmupFrac: 0.1,
		lossStart: 7.8, lossFloor: 2.45, decayFrac: 0.3, throughput: 1020, gradNorm: 0.5,
		accName: "mlm_acc", accPlateau: 0.6, truncation: 0.018, worldSize: 4},
	{name: "resnet50-bs512", model: "resnet50", shape: shapePrefix, peakLR: 0.2, batchSize: 512, warmupFrac: 0.04,
		lossStart: 6.9, lossFloor: 1.2, decayFrac: 0.17, throughput: 3150, gradNorm: 1.8,
		accName: "accuracy", accPlateau: 0.755, truncation: 0, worldSize: 8},
	{name: "gpt2-small-lr3e-4", model: "gpt2-small", shape: shapeNested, peakLR: 3e-4, batchSize: 32, warmupFrac: 0.08,
		lossStart: 10.9, lossFloor: 3.3, decayFrac: 0.24, throughput: 430, gradNorm: 0.5,
		accName: "accuracy", accPlateau: 0.37, perplexity: true, truncation: 0.048, worldSize: 8},
}

// profileFor returns the profile of the k-th run started (0-based). Names
// stay unique forever: after the catalogue is used up they get a -runN suffix.
func profileFor(k int) profile {
	p := catalogue[k%len(catalogue)]
	if round := k / len(catalogue); round > 0 {
		p.name += "-run" + strconv.Itoa(round+1)
	}
	return p
}

// shortRun is the run that finishes first: a tenth of the epochs (2 of the
// default 20, 40 s at the default interval), so a newcomer sees a finished
// run, its summary and its status within the first minute.
const shortRun = 2

// epochsFor gives the k-th run its epochs: the short run a tenth, at least
// 2 (a loss curve to compare epochs on), never more than the others.
func epochsFor(k, epochs int) int {
	if k == shortRun {
		return min(epochs, max(2, epochs/10))
	}
	return epochs
}

// incident is the one anomaly a run carries, if any.
type incident int

const (
	incidentNone  incident = iota
	incidentSpike          // one train record with loss x5
	incidentNaN            // one train record with loss NaN
)

// incidentFor gives the first run the spikes and the second the NaNs, so
// they happen in the first round of runs only, never in the same run.
func incidentFor(k int) incident {
	switch k {
	case 0:
		return incidentSpike
	case 1:
		return incidentNaN
	}
	return incidentNone
}

// point is a step of a run: its epoch and its step within the epoch.
type point struct{ epoch, step int }

// incidentPoints places a run's incident twice: early, so that a newcomer
// who looks after half a minute has seen it (at the default 100 steps of
// 200 ms: the spike at 12 s, the NaN at 24 s), and again halfway through
// the run, for the alerts to fire on a later look. A short run has fewer.
func incidentPoints(inc incident, epochs, stepsPerEpoch int) []point {
	var at []point
	switch inc {
	case incidentSpike:
		at = []point{{0, stepsPerEpoch * 3 / 5}, {epochs / 2, stepsPerEpoch * 3 / 5}}
	case incidentNaN:
		at = []point{{min(1, epochs-1), stepsPerEpoch / 5}, {min(epochs/2+1, epochs-1), stepsPerEpoch / 5}}
	default:
		return nil
	}
	return slices.Compact(at)
}
