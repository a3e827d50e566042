// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Reasons a series is dropped or refused, the values of the reason label
// of jsonl_exporter_series_dropped_total.
const (
	DropMaxSeries    = "max_series"
	DropReservedName = "reserved_name"
	DropRunExpired   = "run_expired"
	DropFileDeleted  = "file_deleted"
)

// DropReasons lists every reason, for counters that start at 0.
var DropReasons = []string{DropMaxSeries, DropReservedName, DropRunExpired, DropFileDeleted}

// Options configure a Store.
type Options struct {
	Namespace  string   // prefix of every series name
	LabelNames []string // static label names every run carries, sorted
	MaxSeries  int      // series created from metric keys, all runs; more are refused
	Best       BestRules
	Watch      WatchRules
	// Dropped, if set, counts series refused or removed by reason.
	Dropped *prometheus.CounterVec
	// OnSpike, if set, hears of every spike of a watched series, under its
	// run's lock (inspect lists them).
	OnSpike func(series string, value float64)
}

// Store holds the newest state of every run, keyed by run label. It is the
// single source of /metrics (WriteText) and of the Collector.
type Store struct {
	namespace  string
	labelNames []string
	maxSeries  int64
	reserved   map[string]bool
	best       BestRules
	watch      WatchRules
	dropped    *prometheus.CounterVec
	onSpike    func(series string, value float64)

	seriesCount atomic.Int64 // series created from metric keys, all runs

	mu   sync.RWMutex
	runs map[string]*RunState

	fixedOnce sync.Once
	fixed     map[string]*family // per-run series by short name
	// fixedNames are the full names of the per-run series a batch
	// carries, so that a batch asks no map for them.
	fixedNames struct {
		values                     [len(fixedValueSeries)]string
		runInfo, nonfinite, spikes string
	}

	ruleMu    sync.Mutex
	ruleCache map[string]nameRules

	subMu sync.Mutex // serializes Subscribe
	subs  atomic.Pointer[[]Subscriber]

	hpOnce          sync.Once // hparamFamilies
	hpValue, hpInfo *family
	hpIntern        interner // names and texts of hyperparameters, shared by runs

	famMu     sync.RWMutex
	fams      map[string]*family // by series name
	famOrder  []*family
	famSorted bool
}

// New returns an empty store.
func New(o Options) *Store {
	s := &Store{
		namespace:  o.Namespace,
		labelNames: o.LabelNames,
		maxSeries:  int64(o.MaxSeries),
		best:       o.Best,
		watch:      o.Watch,
		dropped:    o.Dropped,
		onSpike:    o.OnSpike,
		runs:       map[string]*RunState{},
		fams:       map[string]*family{},
		reserved:   map[string]bool{},
		ruleCache:  map[string]nameRules{},
	}
	for _, n := range fixedSeries {
		s.reserved[s.fullName(n.name)] = true
	}
	s.reserveHparamNames()
	return s
}

func (s *Store) fullName(name string) string {
	if s.namespace == "" {
		return name
	}
	return s.namespace + "_" + name
}

// constLabelNames are the label names of every per-run series.
func (s *Store) constLabelNames() []string {
	return append([]string{"run"}, s.labelNames...)
}

// RunState returns the run named name, creating it with the given static
// label values.
func (s *Store) RunState(name string, labelValues []string) *RunState {
	s.mu.RLock()
	r := s.runs[name]
	s.mu.RUnlock()
	if r != nil {
		return r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r = s.runs[name]; r == nil {
		r = newRun(s, name, labelValues)
		s.runs[name] = r
	}
	return r
}

// Rename moves run from to the label to, when to is free; it reports
// whether it did.
func (s *Store) Rename(from, to string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runs[from]
	if r == nil || s.runs[to] != nil {
		return false
	}
	delete(s.runs, from)
	r.mu.Lock()
	r.setName(to)
	r.mu.Unlock()
	s.runs[to] = r
	return true
}

// Remove drops a run and all its series, counting them under reason
// unless it is empty.
func (s *Store) Remove(name, reason string) {
	s.mu.Lock()
	r := s.runs[name]
	delete(s.runs, name)
	s.mu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	n := 0
	for _, g := range r.all {
		n++
		if g.best != nil {
			n += 2
		}
		if g.watch != nil {
			n++
		}
	}
	hp := r.hparamSeriesLocked()
	all := r.all
	r.bySeries, r.byName, r.all = nil, nil, nil
	r.mu.Unlock()
	s.dropMembers(all)
	s.seriesCount.Add(-int64(n) - hp)
	if s.dropped != nil && reason != "" {
		s.dropped.WithLabelValues(reason).Add(float64(n + int(hp)))
	}
}

// RunNames lists the current runs, sorted.
func (s *Store) RunNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.runs))
	for n := range s.runs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// snapshotRuns returns the runs for collection in label order, so that
// the exposition is stable.
func (s *Store) snapshotRuns() []*RunState {
	s.mu.RLock()
	runs := make([]*RunState, 0, len(s.runs))
	for _, r := range s.runs {
		runs = append(runs, r)
	}
	s.mu.RUnlock()
	sort.Slice(runs, func(i, j int) bool { return runs[i].name < runs[j].name })
	return runs
}

// Expire removes runs that have written nothing since before cutoff.
func (s *Store) Expire(cutoff time.Time) []string {
	var old []string
	for _, r := range s.snapshotRuns() {
		r.mu.Lock()
		if r.lastActivity.Before(cutoff) {
			old = append(old, r.name)
		}
		r.mu.Unlock()
	}
	for _, name := range old {
		s.Remove(name, DropRunExpired)
	}
	return old
}

// reserveSeries accounts for n new series, all or none, refusing them past
// the cap. Compare-and-swap, not add-then-undo, so that the count (and the
// jsonl_exporter_series gauge reading it) never passes the cap even briefly.
func (s *Store) reserveSeries(n int64) bool {
	for {
		cur := s.seriesCount.Load()
		if cur+n > s.maxSeries {
			return false
		}
		if s.seriesCount.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}

// SeriesCount is the number of series created from metric keys, all runs.
func (s *Store) SeriesCount() int64 { return s.seriesCount.Load() }
