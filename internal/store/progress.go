// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"slices"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/hparams"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// Bounds of the windows progress is judged over (docs/metrics.md,
// "Progress and status").
const (
	rateRecords    = 20    // records the step rate is taken over, at most
	rateSeconds    = 600.0 // of record time, at most
	intervalGaps   = 16    // gaps between records the usual interval is the median of
	stallIntervals = 5     // a run is stalled after this many usual intervals without a record...
	stallMinimum   = 600.0 // ...and never before 10 minutes
)

// summarySplit is the split of a run's summary record (profile.SummaryPrefix).
const summarySplit = "summary"

// Hyperparameters that give a run's total steps or epochs, first found
// wins. Hugging Face's max_steps of -1 (and any total not above 0) means
// none.
var (
	totalStepKeys = []string{"max_steps", "total_steps", "max_iter", "max_iters", "num_train_steps", "train_steps",
		"SOLVER.MAX_ITER", "train_cfg.max_iters", "trainer.max_steps"}
	totalEpochKeys = []string{"max_epochs", "epochs", "num_epochs", "num_train_epochs", "total_epochs",
		"train_cfg.max_epochs", "trainer.max_epochs"}
)

// stepsPerEpochKey times the epochs gives the total steps when no key
// states them (the seed trainer's config).
const stepsPerEpochKey = "steps_per_epoch"

// progressState is what a run's records and hyperparameters tell of how
// far it has to go, guarded by the run's lock.
type progressState struct {
	// Totals stated by records (record.RunHints) and by hyperparameters;
	// the records' win.
	recSteps, recEpochs, hpSteps, hpEpochs             float64
	hasRecSteps, hasRecEpochs, hasHpSteps, hasHpEpochs bool

	// Where the newest records stand.
	stepsDone, epochsDone, percent          float64
	hasStepsDone, hasEpochsDone, hasPercent bool
	epochBase                               float64 // 0 or 1: the first epoch of a log whose records close epochs
	hasEpochBase                            bool
	producerETA                             float64
	hasProducerETA                          bool
	final                                   bool // a summary or end record since the last restart

	// What is exported.
	ratio, eta       float64
	hasRatio, hasETA bool

	// The share done at recent record times, oldest first, for the rate.
	window []ratePoint
	// Positive gaps between consecutive record times, a ring.
	gaps     [intervalGaps]float64
	nGaps    int
	lastTime float64
	hasLast  bool
	interval float64 // median of gaps, made when asked
	stale    bool    // gaps changed since interval was made
}

type ratePoint struct{ t, ratio float64 }

// observe folds one applied record, at record time t, into the progress.
// restart: its step went back without a new epoch.
func (p *progressState) observe(rec *record.Record, t float64, steps *stepTracker, restart bool) {
	if restart {
		p.restarted()
	}
	if p.hasLast && t > p.lastTime {
		p.gaps[p.nGaps%intervalGaps] = t - p.lastTime
		p.nGaps++
		p.stale = true
	}
	if !p.hasLast || t > p.lastTime {
		p.lastTime, p.hasLast = t, true
	}
	h := &rec.Run
	if h.HasTotalSteps {
		p.recSteps, p.hasRecSteps = h.TotalSteps, true
	}
	if h.HasTotalEpochs {
		p.recEpochs, p.hasRecEpochs = h.TotalEpochs, true
	}
	if h.HasPercent {
		p.percent, p.hasPercent = h.Percent, true
	}
	if h.HasETA {
		p.producerETA, p.hasProducerETA = h.ETA, true
	}
	if rec.HasStep && steps.hasStep {
		p.stepsDone, p.hasStepsDone = steps.global, true
		if h.StepFromZero {
			p.stepsDone++
		}
	}
	switch {
	case h.HasEpochsDone:
		p.epochsDone, p.hasEpochsDone = h.EpochsDone, true
	case h.EpochEnds && rec.HasEpoch && isFinite(rec.Epoch):
		if !p.hasEpochBase {
			p.epochBase, p.hasEpochBase = min(max(rec.Epoch, 0), 1), true
		}
		p.epochsDone, p.hasEpochsDone = rec.Epoch-p.epochBase+1, true
	}
	// A record of the split "summary" ({"_type":"summary"}, or one a
	// profile marked as the run's summary) closes the run.
	p.final = p.final || h.Final || string(rec.Prefix) == summarySplit
	p.update()
	if p.hasRatio {
		p.addRatePoint(t)
	}
	p.updateETA(t)
}

// restarted forgets what the run's earlier attempt told: it is no longer
// finished, and its estimates are of a past attempt. Totals and the usual
// interval stay.
func (p *progressState) restarted() {
	p.final, p.hasPercent, p.hasProducerETA = false, false, false
	p.hasStepsDone, p.hasEpochsDone, p.hasRatio = false, false, false
	p.window = p.window[:0]
}

// update sets the share done from what is known: the producer's
// percentage, else steps of the total steps, else epochs of the total
// epochs. Once known it stays until a restart.
func (p *progressState) update() {
	steps, hasSteps := p.recSteps, p.hasRecSteps
	if !hasSteps {
		steps, hasSteps = p.hpSteps, p.hasHpSteps
	}
	epochs, hasEpochs := p.recEpochs, p.hasRecEpochs
	if !hasEpochs {
		epochs, hasEpochs = p.hpEpochs, p.hasHpEpochs
	}
	// Steps and epochs both known: the further of the two. A trainer that
	// counts steps from 0 is a step short at its end, while its last
	// epoch_end says every epoch is done (the seed trainer).
	switch {
	case p.hasPercent:
		p.ratio, p.hasRatio = p.percent/100, true
	case hasSteps && p.hasStepsDone && hasEpochs && p.hasEpochsDone:
		p.ratio, p.hasRatio = max(p.stepsDone/steps, p.epochsDone/epochs), true
	case hasSteps && p.hasStepsDone:
		p.ratio, p.hasRatio = p.stepsDone/steps, true
	case hasEpochs && p.hasEpochsDone:
		p.ratio, p.hasRatio = p.epochsDone/epochs, true
	}
	if p.hasRatio {
		p.ratio = min(max(p.ratio, 0), 1)
	}
}

// finished: a final record, or all done.
func (p *progressState) finished() bool { return p.final || p.hasRatio && p.ratio >= 1 }

func (p *progressState) addRatePoint(t float64) {
	if n := len(p.window); n > 0 && t <= p.window[n-1].t {
		p.window[n-1].ratio = p.ratio // same time (or placed back): the newest share
		return
	}
	if len(p.window) == rateRecords {
		p.window = append(p.window[:0], p.window[1:]...)
	}
	p.window = append(p.window, ratePoint{t, p.ratio})
}

// updateETA sets the seconds to finish as of the record at time t: 0 once
// finished, else the producer's own estimate, else what is left at the
// rate of the recent records; none without either.
func (p *progressState) updateETA(t float64) {
	switch {
	case p.finished():
		p.eta, p.hasETA = 0, true
	case p.hasProducerETA:
		p.eta, p.hasETA = p.producerETA, true
	case p.hasRatio:
		p.eta, p.hasETA = p.rateETA(t)
	default:
		p.hasETA = false
	}
}

// rateETA is what is left at the rate of the records of the last 10
// minutes of record time (20 records at most).
func (p *progressState) rateETA(t float64) (float64, bool) {
	i := 0
	for i < len(p.window)-1 && p.window[i].t < t-rateSeconds {
		i++
	}
	if len(p.window)-i < 2 {
		return 0, false
	}
	first, last := p.window[i], p.window[len(p.window)-1]
	done, secs := last.ratio-first.ratio, last.t-first.t
	if done <= 0 || secs <= 0 {
		return 0, false
	}
	return (1 - last.ratio) * secs / done, true
}

// setHparams takes the run's totals from its hyperparameters (the merged
// set, whenever it changes): the first of totalStepKeys, else epochs ×
// steps_per_epoch, and the first of totalEpochKeys. Records that state a
// total win over these.
func (p *progressState) setHparams(params []hparams.Param) {
	value := func(name string) (float64, bool) {
		for i := range params {
			if q := &params[i]; q.Name == name && q.Numeric && q.Value > 0 && isFinite(q.Value) {
				return q.Value, true
			}
		}
		return 0, false
	}
	first := func(names []string) (float64, bool) {
		for _, n := range names {
			if v, ok := value(n); ok {
				return v, true
			}
		}
		return 0, false
	}
	p.hpSteps, p.hasHpSteps = first(totalStepKeys)
	p.hpEpochs, p.hasHpEpochs = first(totalEpochKeys)
	if per, ok := value(stepsPerEpochKey); ok && !p.hasHpSteps && p.hasHpEpochs {
		p.hpSteps, p.hasHpSteps = per*p.hpEpochs, true
	}
	p.update()
	if p.hasLast {
		p.updateETA(p.lastTime)
	}
}

// recordInterval is the run's usual seconds between records: the median
// of the last positive gaps.
func (p *progressState) recordInterval() (float64, bool) {
	if p.nGaps == 0 {
		return 0, false
	}
	if p.stale {
		g := slices.Clone(p.gaps[:min(p.nGaps, intervalGaps)])
		slices.Sort(g)
		n := len(g)
		p.interval = g[n/2]
		if n%2 == 0 {
			p.interval = (g[n/2-1] + g[n/2]) / 2
		}
		p.stale = false
	}
	return p.interval, true
}

// Status is a run's state as the alert and the dashboards judge it.
type Status uint8

// The statuses, in the order of their PromQL code (docs/metrics.md).
const (
	StatusRunning Status = iota
	StatusStalled
	StatusFinished
)

func (s Status) String() string {
	switch s {
	case StatusRunning:
		return "running"
	case StatusStalled:
		return "stalled"
	case StatusFinished:
		return "finished"
	}
	return "unknown"
}

// Completion is how far a run is and how it stands, as its ml_run_*
// series show it.
type Completion struct {
	Ratio, ETA, Interval          float64
	HasRatio, HasETA, HasInterval bool
	Finished                      bool
	// LastRecord is the time of the newest record, Unix seconds.
	LastRecord    float64
	HasLastRecord bool
}

// Completion returns how far the run is.
func (r *RunState) Completion() Completion {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.completionLocked()
}

func (r *RunState) completionLocked() Completion {
	p := &r.progress
	c := Completion{Ratio: p.ratio, HasRatio: p.hasRatio, ETA: p.eta, HasETA: p.hasETA, Finished: p.finished(),
		LastRecord: r.lastRecordTime, HasLastRecord: r.hasRecordTime}
	c.Interval, c.HasInterval = p.recordInterval()
	return c
}

// StallAfter is how long a run may go without a record before it is
// stalled: five usual intervals, and never less than 10 minutes.
func (c Completion) StallAfter() time.Duration {
	secs := stallMinimum
	if c.HasInterval {
		secs = max(stallIntervals*c.Interval, stallMinimum)
	}
	return time.Duration(secs * float64(time.Second))
}

// Status judges the run at now by the rule of the alert and dashboards:
// finished when ml_run_finished is 1, else stalled when its newest record
// is older than StallAfter, else running.
func (c Completion) Status(now time.Time) Status {
	switch {
	case c.Finished:
		return StatusFinished
	case c.HasLastRecord && float64(now.UnixNano())/1e9-c.LastRecord > c.StallAfter().Seconds():
		return StatusStalled
	}
	return StatusRunning
}

// Status judges the run at now (Completion.Status).
func (r *RunState) Status(now time.Time) Status { return r.Completion().Status(now) }

// progressValues are the run's ml_run_* series in the order of
// fixedValueSeries, and whether it has each. Called with r.mu held.
func (r *RunState) progressValues() (eta, finished, ratio, interval float64, hasETA, hasRatio, hasInterval bool) {
	p := &r.progress
	if p.finished() {
		finished = 1
	}
	interval, hasInterval = p.recordInterval()
	return p.eta, finished, p.ratio, interval, p.hasETA, p.hasRatio, hasInterval
}
