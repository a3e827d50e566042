// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/curves"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// seriesKind is what a series of the sample path is to the view.
type seriesKind uint8

const (
	kindMetric seriesKind = iota
	kindOther             // the run's own series that the view does not use
	kindStep
	kindGlobalStep
	kindLastRecord
	kindRecords
	kindFinished
	kindInterval
	kindEpoch
	kindRestarts
)

// Steps per second is measured over the newest rateStamps stamps, kept
// at least rateSpacing seconds apart (the newest one excepted). Records
// read together carry read times a millisecond apart, not the times they
// were written: measured over a few records, a log without times read
// every half second gave many times the true rate.
const (
	rateStamps  = 16
	rateSpacing = 1.0
)

type stamp struct{ t, g float64 }

// A slot is what a sample position of a run's batches was last time:
// batches of a run mostly have the same shape, so a sample is placed
// without a map lookup by its name.
type slot struct {
	name   string
	kind   seriesKind
	series *Series // the run's series of a metric, once it has a value
}

// run is what the view keeps of one run.
type run struct {
	name     string
	step     float64 // global step: it does not go back at an epoch
	hasStep  bool
	records  float64
	last     float64 // newest record time, Unix seconds
	hasLast  bool
	finished bool
	interval float64
	hasIntvl bool
	recent   [rateStamps]stamp // ring of (time, global step)
	nRecent  int
	first    float64 // the first record's time: time 0 of the x axis
	restarts float64 // the store's count of the run's restarts
	timed    bool
	series   map[string]*Series
	slots    []slot
}

// Model follows the batches of the store and answers the view. It is an
// engine.Delivery that never holds the engine back.
type Model struct {
	names    curves.Names
	want     []string // series asked for (--metrics), in order
	capacity int

	mu    sync.Mutex
	kinds map[string]seriesKind
	runs  map[string]*run
	order []string
}

// New returns a model for a store of namespace; seriesOf is the store's
// naming of a metric as logged (train.loss → ml_train_loss); metrics are
// the metrics asked for, as logged or as series (empty: all, the usual
// ones first).
func New(namespace string, seriesOf func(string) string, metrics []string) *Model {
	m := &Model{names: curves.Names{Namespace: namespace, SeriesOf: seriesOf}, capacity: MaxBuckets,
		kinds: map[string]seriesKind{}, runs: map[string]*run{}}
	full := func(n string) string {
		if namespace == "" {
			return n
		}
		return namespace + "_" + n
	}
	for _, n := range append(store.FixedSeries(), store.HparamSeries()...) {
		m.kinds[full(n)] = kindOther
	}
	m.kinds[full("global_step")] = kindGlobalStep
	m.kinds[full("step")] = kindStep
	m.kinds[full("last_record_timestamp_seconds")] = kindLastRecord
	m.kinds[full("records_total")] = kindRecords
	m.kinds[full("run_finished")] = kindFinished
	m.kinds[full("run_record_interval_seconds")] = kindInterval
	m.kinds[full("epoch")] = kindEpoch
	m.kinds[full("run_restarts_total")] = kindRestarts
	for _, name := range metrics {
		s := name
		if namespace == "" || !strings.HasPrefix(name, namespace+"_") {
			s = seriesOf(name)
		}
		if !slices.Contains(m.want, s) {
			m.want = append(m.want, s)
		}
	}
	return m
}

// DeliveredTo: every file is read from its start.
func (m *Model) DeliveredTo(string) (offset, timeMs int64) { return 0, 0 }

// Wait never waits: the view keeps a bounded summary of what it reads.
func (m *Model) Wait(<-chan struct{}) {}

// Append takes the batch of one record.
func (m *Model) Append(b *store.Batch) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.runs[b.Run]
	if r == nil {
		r = &run{name: b.Run, series: map[string]*Series{}}
		m.runs[b.Run] = r
		// By name: files read at once come in any order, and a run found
		// later takes its place in the table, not the end of it.
		i, _ := slices.BinarySearch(m.order, b.Run)
		m.order = slices.Insert(m.order, i, b.Run)
	}
	if !r.timed {
		r.first, r.timed = b.Time, true
	}
	var step, global, epoch, restarts float64
	hasStep, hasGlobal, hasEpoch := false, false, false
	for i, s := range b.Samples {
		if i >= len(r.slots) || r.slots[i].name != s.Name {
			r.slots = append(r.slots[:min(i, len(r.slots))], slot{name: s.Name, kind: m.kind(s.Name)})
		}
		switch r.slots[i].kind {
		case kindStep:
			step, hasStep = s.Value, true
		case kindGlobalStep:
			global, hasGlobal = s.Value, true
		case kindEpoch:
			epoch, hasEpoch = s.Value, true
		case kindLastRecord:
			r.last, r.hasLast = s.Value, true
		case kindRecords:
			r.records = s.Value
		case kindFinished:
			r.finished = s.Value == 1
		case kindInterval:
			r.interval, r.hasIntvl = s.Value, true
		case kindRestarts:
			restarts = s.Value
		}
	}
	if !hasGlobal {
		global, hasGlobal = step, hasStep
	}
	at := Place{Step: r.records, Time: b.Time - r.first, Epoch: epoch, HasEpoch: hasEpoch} // by record number until the run has a step
	if restarts > r.restarts {
		// Resumed from a checkpoint or started over: the steps trained
		// again replace those logged before, as plot and TensorBoard
		// draw them, and the rate starts anew.
		r.restarts = restarts
		if hasGlobal {
			for _, sr := range r.series {
				sr.DropFrom(global)
			}
			r.nRecent = 0
		}
	}
	if hasGlobal {
		// A record at the step of the one before (a validation record,
		// an epoch's end) is no progress: it would slow the rate down.
		if r.nRecent == 0 || r.recent[(r.nRecent-1)%rateStamps].g != global {
			s := stamp{b.Time, global}
			if r.nRecent >= 2 && b.Time-r.recent[(r.nRecent-2)%rateStamps].t < rateSpacing {
				r.recent[(r.nRecent-1)%rateStamps] = s // too close to the stamp before: the newest moves on
			} else {
				r.recent[r.nRecent%rateStamps] = s
				r.nRecent++
			}
		}
		at.Step, r.step, r.hasStep = global, global, true
	}
	for i, s := range b.Samples {
		sl := &r.slots[i]
		if sl.kind != kindMetric || math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
			continue
		}
		if sl.series == nil {
			if sl.series = r.series[s.Name]; sl.series == nil {
				sl.series = newSeries(m.capacity)
				r.series[s.Name] = sl.series
			}
		}
		sl.series.Add(at, s.Value)
	}
}

// kind says what a series is; a name not known is a metric, unless it is
// a best-so-far or smoothed twin the store adds.
func (m *Model) kind(name string) seriesKind {
	k, ok := m.kinds[name]
	if !ok {
		k = kindMetric
		if strings.HasSuffix(name, "_best") || strings.HasSuffix(name, "_best_step") || strings.HasSuffix(name, "_ema") {
			k = kindOther
		}
		m.kinds[name] = k
	}
	return k
}

// Metrics lists the series the chart can show, in the order the metric
// keys cycle: those asked for, else the usual ones (training and
// validation loss, an accuracy, the learning rate) and then the rest,
// sorted.
func (m *Model) Metrics() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.want) > 0 {
		return slices.Clone(m.want)
	}
	seen := map[string]bool{}
	for _, r := range m.runs {
		for s := range r.series {
			seen[s] = true
		}
	}
	read := make([]string, 0, len(seen))
	for s := range seen {
		read = append(read, s)
	}
	sort.Strings(read)
	var out []string
	if sel, err := m.names.Pick(read, false); err == nil {
		for _, s := range sel {
			out = append(out, s.Series)
		}
	}
	for _, s := range read {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// RunNames are the runs read so far, by name.
func (m *Model) RunNames() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.order)
}

// Short is a series without the namespace.
func (m *Model) Short(series string) string { return m.names.Short(series) }

// A Row is a line of the runs table.
type Row struct {
	Run    string
	Mark   rune // the run's mark on the chart
	Index  int  // the run's place by name: its mark and colour
	Status store.Status
	Step   float64 // global step
	// StepsPerSec is measured over the last records' own times.
	StepsPerSec              float64
	TrainLoss, BestTrainLoss float64
	ValLoss                  float64
	Age                      time.Duration // since the newest record's time
	HasStep, HasRate         bool
	HasTrain, HasVal, HasAge bool
}

// Rows are the runs by name.
func (m *Model) Rows(now time.Time) []Row {
	m.mu.Lock()
	defer m.mu.Unlock()
	rows := make([]Row, 0, len(m.order))
	for i, name := range m.order {
		r := m.runs[name]
		c := store.Completion{Finished: r.finished, Interval: r.interval, HasInterval: r.hasIntvl,
			LastRecord: r.last, HasLastRecord: r.hasLast}
		row := Row{Run: name, Mark: mark(i), Index: i, Status: c.Status(now), Step: r.step, HasStep: r.hasStep}
		if r.hasLast {
			row.Age, row.HasAge = time.Duration((float64(now.UnixNano())/1e9-r.last)*1e9), true
		}
		if n := min(r.nRecent, rateStamps); n >= 2 {
			newest := r.recent[(r.nRecent-1)%rateStamps]
			oldest := r.recent[(r.nRecent-n)%rateStamps]
			if dt := newest.t - oldest.t; dt > 0 {
				row.StepsPerSec, row.HasRate = (newest.g-oldest.g)/dt, true
			}
		}
		if s := r.series[m.pickSeries(r, trainLosses, false)]; s != nil && s.Len() > 0 {
			row.TrainLoss, row.BestTrainLoss, row.HasTrain = s.Last(), s.Least(), true
		}
		if s := r.series[m.pickSeries(r, valLosses, true)]; s != nil && s.Len() > 0 {
			row.ValLoss, row.HasVal = s.Last(), true
		}
		rows = append(rows, row)
	}
	return rows
}

var (
	trainLosses = []string{"train_loss", "loss", "total_loss", "train_total_loss", "train_avg_loss"}
	valLosses   = []string{"val_loss", "valid_loss", "validation_loss", "eval_loss", "test_loss"}
)

// pickSeries is the run's training (or validation) loss: one of the
// usual names, else the first loss of that kind by name.
func (m *Model) pickSeries(r *run, prefer []string, validation bool) string {
	for _, p := range prefer {
		for s := range r.series {
			if m.names.Short(s) == p {
				return s
			}
		}
	}
	var found []string
	for s := range r.series {
		short := m.names.Short(s)
		if strings.Contains(short, "loss") && curves.IsValidation(short) == validation {
			found = append(found, s)
		}
	}
	if len(found) == 0 {
		return ""
	}
	return slices.Min(found)
}

// mark is the run's sign on a chart without colours and in the legend:
// 1-9, then a-z, then A-Z, then *.
func mark(i int) rune {
	const marks = "123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	if i < len(marks) {
		return rune(marks[i])
	}
	return '*'
}

// A curve is one run's points of the chosen metric.
type curve struct {
	run    string
	mark   rune
	index  int
	xs, ys []float64
	width  int // raw points per kept point
}

// curves copies the points of series by run on axis x, but for the
// hidden runs; missing counts the runs whose points all lack that axis
// (an epoch).
func (m *Model) curves(series string, x XKey, hidden map[string]bool) (out []curve, missing int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, name := range m.order {
		s := m.runs[name].series[series]
		if s == nil || s.Len() == 0 || hidden[name] {
			continue
		}
		xs, ys := s.Points(x)
		if len(xs) == 0 {
			missing++
			continue
		}
		out = append(out, curve{run: name, mark: mark(i), index: i, xs: xs, ys: ys, width: s.Width()})
	}
	return out, missing
}
