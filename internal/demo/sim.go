// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

const valBatches = 50

// runSim produces the records of one run, one step per call to next. Its
// output depends only on the profile, the options, the rng and the times
// passed in, so it can be tested without files or clocks.
type runSim struct {
	p             profile
	epochs        int
	stepsPerEpoch int
	warmup        int
	tau           float64
	minLR         float64
	incident      incident
	incidentAt    []point // epoch and step of each occurrence
	host          string
	user          string
	rng           *rand.Rand

	started   bool
	startTime float64 // of the first record, for the summary's runtime
	ended     bool    // the summary is written
	epoch     int     // of the next train record
	step      int     // within the epoch, of the next train record
	lossSum   float64
	lossCount int
	epochLoss float64 // mean train loss of the last finished epoch
	valLoss   float64 // of the last validation
}

func newRunSim(p profile, inc incident, rng *rand.Rand, epochs, stepsPerEpoch int) *runSim {
	total := epochs * stepsPerEpoch
	r := &runSim{
		p:             p,
		epochs:        epochs,
		stepsPerEpoch: stepsPerEpoch,
		warmup:        max(1, int(math.Round(float64(total)*p.warmupFrac))),
		tau:           max(1, float64(total)*p.decayFrac),
		minLR:         p.peakLR * 0.02,
		incident:      inc,
		incidentAt:    incidentPoints(inc, epochs, stepsPerEpoch),
		host:          "gpu-node-" + strconv.Itoa(1+rng.IntN(16)),
		user:          []string{"alice", "bob", "carol", "dmitri"}[rng.IntN(4)],
		rng:           rng,
	}
	// Same family, different seed: a slightly different floor.
	r.p.lossFloor *= jitter(rng.NormFloat64(), 0.02, 0.05)
	return r
}

func (r *runSim) done() bool { return r.ended }

// next returns the records for the next step, oldest first: the header on
// the first call, then one train record, plus validation and epoch_end
// records after the last step of an epoch, and the run's summary after the
// last epoch. It returns nil once done.
func (r *runSim) next(now float64) [][]byte {
	if r.done() {
		return nil
	}
	var out [][]byte
	if !r.started {
		r.started, r.startTime = true, now
		out = append(out, r.header(now)...)
	}
	out = append(out, r.trainRecord(now))
	if r.step == r.stepsPerEpoch-1 {
		out = append(out, r.valRecord(now), r.epochEndRecord(now))
		r.epochLoss = r.lossSum / float64(max(r.lossCount, 1))
		r.lossSum, r.lossCount = 0, 0
		r.epoch++
		r.step = 0
		if r.epoch >= r.epochs {
			out = append(out, r.summaryRecord(now))
			r.ended = true
		}
	} else {
		r.step++
	}
	return out
}

func (r *runSim) header(now float64) [][]byte {
	start := newLine().str("_type", "run_start").str("run_name", r.p.name).unixTime("time", now)
	cfg := newLine().
		str("model", r.p.model).
		num("lr", r.p.peakLR).
		int("batch_size", r.p.batchSize).
		int("epochs", r.epochs).
		int("steps_per_epoch", r.stepsPerEpoch).
		int("total_steps", r.epochs*r.stepsPerEpoch).
		int("warmup_steps", r.warmup).
		str("optimizer", "adamw").
		str("lr_schedule", "cosine")
	config := newLine().str("_type", "config").unixTime("time", now).object("config", cfg)
	meta := newLine().str("_type", "meta").str("host", r.host).str("user", r.user).int("world_size", r.p.worldSize)
	return [][]byte{start.bytes(), config.bytes(), meta.bytes()}
}

func (r *runSim) globalStep() int { return r.epoch*r.stepsPerEpoch + r.step }

func (r *runSim) trainRecord(now float64) []byte {
	g := r.globalStep()
	// Always draw the same numbers per step so the sequence stays reproducible.
	nLoss, nThroughput, nGrad := r.rng.NormFloat64(), r.rng.NormFloat64(), r.rng.NormFloat64()

	loss := cleanLoss(r.p.lossStart, r.p.lossFloor, r.tau, g) * jitter(nLoss, lossNoise(r.tau, g), 0.2)
	gradNorm := r.p.gradNorm * (1 + 3*math.Exp(-float64(g)/(0.5*r.tau))) * jitter(nGrad, 0.12, 0.4)
	throughput := r.p.throughput * jitter(nThroughput, 0.04, 0.15)
	if r.step == 0 {
		throughput *= 0.6 // data loader warm-up at each epoch start
	}
	if slices.Contains(r.incidentAt, point{r.epoch, r.step}) {
		switch r.incident {
		case incidentSpike:
			loss *= 5
			gradNorm *= 6
		case incidentNaN:
			loss = math.NaN()
		}
	}
	// Like trainers that skip non-finite steps, the running mean ignores NaN.
	if !math.IsNaN(loss) {
		r.lossSum += loss
		r.lossCount++
	}
	avgLoss := cleanLoss(r.p.lossStart, r.p.lossFloor, r.tau, g)
	if r.lossCount > 0 {
		avgLoss = r.lossSum / float64(r.lossCount)
	}
	return r.metricRecord(now, r.epoch, "train", []metric{
		{"loss", loss},
		{"avg_loss", avgLoss},
		{"lr", learningRate(r.p.peakLR, r.minLR, r.warmup, r.epochs*r.stepsPerEpoch, g)},
		{"throughput", throughput},
		{"grad_norm", gradNorm},
	})
}

// loggedEpoch is the epoch the records after an epoch carry: runs in the
// seed trainer's shape number them as it does, with the next epoch.
func (r *runSim) loggedEpoch() int {
	if r.p.shape == shapeAliased {
		return r.epoch + 1
	}
	return r.epoch
}

// valRecord evaluates at the end of the current epoch: loss a little above
// the train curve (the gap widens slowly), accuracy rising to a plateau.
func (r *runSim) valRecord(now float64) []byte {
	g := r.globalStep()
	nLoss, nAcc := r.rng.NormFloat64(), r.rng.NormFloat64()
	loss := cleanLoss(r.p.lossStart, r.p.lossFloor, r.tau, g) * (1.04 + 0.004*float64(r.epoch)) * jitter(nLoss, 0.01, 0.03)
	acc := min(accuracy(r.p.accPlateau, r.tau, g)*jitter(nAcc, 0.01, 0.03), 0.999)
	r.valLoss = roundSig(loss)
	ms := []metric{{"loss", loss}, {r.p.accName, acc}}
	if r.p.perplexity {
		ms = append(ms, metric{"perplexity", math.Exp(loss)})
	}
	ms = append(ms, metric{"batches", valBatches})
	return r.metricRecord(now, r.loggedEpoch(), "val", ms)
}

func (r *runSim) epochEndRecord(now float64) []byte {
	rate := r.p.truncation * jitter(r.rng.NormFloat64(), 0.15, 0.5)
	return newLine().
		str("_type", "epoch_end").
		unixTime("time", now).
		int("epoch", r.loggedEpoch()).
		int("step", r.step).
		num("data.truncation_rate", roundSig(rate)).
		bytes()
}

// summaryRecord closes the run, as trainers write a summary when training
// ends: its type prefixes every name with "summary" (ml_summary_*), so the
// averages do not pass for the newest values, and it tells the exporter
// the run is finished (ml_run_finished).
func (r *runSim) summaryRecord(now float64) []byte {
	return newLine().
		str("_type", "summary").
		unixTime("time", now).
		num("train_runtime", roundSig(now-r.startTime)).
		num("train_loss", roundSig(r.epochLoss)).
		num("val_loss", r.valLoss).
		bytes()
}

type metric struct {
	name  string
	value float64
}

// metricRecord lays out split's metrics in the run's shape.
func (r *runSim) metricRecord(now float64, epoch int, split string, ms []metric) []byte {
	l := newLine()
	switch r.p.shape {
	case shapeAliased:
		l.str("_type", "metric").unixTime("time", now).int("epoch", epoch).int("step", r.step)
		for _, m := range ms {
			l.num(split+"/"+m.name, roundSig(m.value))
		}
		for _, m := range ms {
			l.num(split+"."+m.name, roundSig(m.value))
		}
	case shapePrefix:
		l.unixTime("time", now).int("step", r.step).int("epoch", epoch).str("prefix", split).object("metrics", metricObject(ms))
	case shapeNested:
		inner := newLine().object(split, metricObject(ms))
		l.unixTime("time", now).int("step", r.step).int("epoch", epoch).object("metrics", inner)
	}
	return l.bytes()
}

func metricObject(ms []metric) *line {
	l := newLine()
	for _, m := range ms {
		l.num(m.name, roundSig(m.value))
	}
	return l
}

// roundSig keeps 6 significant digits, as trainers that round their logs do;
// it roughly halves the log size. NaN and Inf round-trip unchanged.
func roundSig(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64) // always parses back
	return r
}
