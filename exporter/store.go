package exporter

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Reasons a series is dropped or refused, the values of the reason label
// of jsonl_exporter_series_dropped_total.
const (
	dropMaxSeries    = "max_series"
	dropReservedName = "reserved_name"
	dropRunExpired   = "run_expired"
	dropFileDeleted  = "file_deleted"
)

// Store holds the newest state of every run, keyed by run label. It is the
// single source of /metrics (WriteText) and of the Collector.
type Store struct {
	namespace  string
	labelNames []string
	maxSeries  int64
	reserved   map[string]bool
	best       bestRules
	watch      watchRules
	self       *SelfMetrics
	// onSpike, when set before records arrive, hears of every spike of a
	// watched series, under its run's lock (inspect lists them).
	onSpike func(series string, value float64)

	series atomic.Int64 // series created from metric keys, all runs

	mu   sync.RWMutex
	runs map[string]*Run

	fixedOnce sync.Once
	fixed     map[string]*family // per-run series by short name

	famMu     sync.RWMutex
	fams      map[string]*family // by series name
	famOrder  []*family
	famSorted bool
}

// NewStore returns an empty store. labelNames are the static label names
// every run carries.
func NewStore(namespace string, labelNames []string, maxSeries int, self *SelfMetrics) *Store {
	s := &Store{
		namespace:  namespace,
		labelNames: labelNames,
		maxSeries:  int64(maxSeries),
		self:       self,
		runs:       map[string]*Run{},
		fams:       map[string]*family{},
		reserved:   map[string]bool{},
	}
	for _, n := range fixedSeries {
		s.reserved[s.fullName(n.name)] = true
	}
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

// run returns the run named name, creating it with the given static
// label values.
func (s *Store) run(name string, labelValues []string) *Run {
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

// rename moves run from to the label to, when to is free; it reports
// whether it did.
func (s *Store) rename(from, to string) bool {
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

// remove drops a run and all its series, counting them under reason
// unless it is empty.
func (s *Store) remove(name, reason string) {
	s.mu.Lock()
	r := s.runs[name]
	delete(s.runs, name)
	s.mu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	n := 0
	for _, g := range r.gauges {
		n++
		if g.best != nil {
			n += 2
		}
		if g.watch != nil {
			n++
		}
	}
	gauges := r.gauges
	r.bySeries, r.byName, r.gauges = nil, nil, nil
	r.mu.Unlock()
	s.dropMembers(gauges)
	s.series.Add(-int64(n))
	if s.self != nil && reason != "" {
		s.self.seriesDropped.WithLabelValues(reason).Add(float64(n))
	}
}

// runNames lists the current runs, sorted.
func (s *Store) runNames() []string {
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
func (s *Store) snapshotRuns() []*Run {
	s.mu.RLock()
	runs := make([]*Run, 0, len(s.runs))
	for _, r := range s.runs {
		runs = append(runs, r)
	}
	s.mu.RUnlock()
	sort.Slice(runs, func(i, j int) bool { return runs[i].name < runs[j].name })
	return runs
}

// expire removes runs that have written nothing since before cutoff.
func (s *Store) expire(cutoff time.Time) []string {
	var old []string
	for _, r := range s.snapshotRuns() {
		r.mu.Lock()
		if r.lastActivity.Before(cutoff) {
			old = append(old, r.name)
		}
		r.mu.Unlock()
	}
	for _, name := range old {
		s.remove(name, dropRunExpired)
	}
	return old
}

// reserveSeries accounts for n new series, all or none, refusing them past
// the cap. Compare-and-swap, not add-then-undo, so that the count (and the
// jsonl_exporter_series gauge reading it) never passes the cap even briefly.
func (s *Store) reserveSeries(n int64) bool {
	for {
		cur := s.series.Load()
		if cur+n > s.maxSeries {
			return false
		}
		if s.series.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}
