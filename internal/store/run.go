// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// Limits on ml_run_info labels taken from meta and run_start records.
const (
	maxInfoLabels     = 16
	maxInfoValueBytes = 256
	maxEpochOffsets   = 4096
)

// RunState is the state of one run label: the last value of each series and
// the step bookkeeping. Records of a run are applied under its lock.
type RunState struct {
	store       *Store
	labelValues []string

	labels atomic.Pointer[runLabels] // rendered once, read by scrapes

	mu           sync.Mutex
	name         string
	byName       map[string]*series // canonical metric name (kind-coded) -> series
	bySeries     map[string]*series // series name -> series
	all          []*series          // in creation order
	derived      map[string]bool    // names of best-so-far series
	info         map[string]string  // ml_run_info labels
	lastActivity time.Time          // wall clock of the last record, for expiry

	records, restarts float64
	lastRecordTime    float64
	hasRecordTime     bool
	epochEndTime      float64
	hasEpochEnd       bool

	steps stepTracker
	hp    hparamState // hparams.go
	// progress: how far the run has to go (ml_run_* series).
	progress progressState
	// doc is how far the run's document records were applied.
	doc docCursor

	// For subscribers: the series the record being applied set, the batch
	// handed over, and a count of batches that marks series already in it.
	publishing    bool
	touched       []*series
	batch         Batch
	stamp         uint32
	infoLabels    []Label
	counterLabels map[*series][]Label // of series with counters
	labelsFor     *runLabels          // the run labels infoLabels and counterLabels were made of
}

// docCursor is the newest document record applied to a run: its step and
// its place among the records of that step.
type docCursor struct {
	step    float64
	nth     int
	metrics int // of the record applied last
	has     bool
	timeMs  int64 // of the record applied last
}

// series is one series created from a metric key, guarded by its run's
// lock.
type series struct {
	fam       *family
	run       *RunState
	value     float64
	nonfinite float64 // values that were NaN or ±Inf
	best      *best   // nil unless best-so-far is tracked
	watch     *watch  // nil unless smoothed and checked for spikes
	dead      bool    // the run was removed; guarded by Store.famMu
	stamp     uint32  // the run's batch that has the series already (fits beside dead)
}

// runLabels are the label values every series of a run carries, and
// their rendering in the text format, sorted by name as Prometheus does.
type runLabels struct {
	values []string // run, then the static labels: the Collector's order
	pairs  []Label  // sorted by name, as samples carry them
	text   string   // cluster="...",run="..."
	// text split where a "metric" label goes.
	beforeMetric, afterMetric string
}

// Label is one label of a sample.
type Label struct{ Name, Value string }

func newRunLabels(names, values []string) *runLabels {
	l := &runLabels{values: values}
	for i, n := range names {
		l.pairs = append(l.pairs, Label{n, values[i]})
	}
	slices.SortFunc(l.pairs, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
	l.text = renderLabels(l.pairs)
	i, _ := slices.BinarySearchFunc(l.pairs, "metric", func(p Label, n string) int { return strings.Compare(p.Name, n) })
	l.beforeMetric, l.afterMetric = renderLabels(l.pairs[:i]), renderLabels(l.pairs[i:])
	return l
}

func renderLabels(pairs []Label) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p.Name)
		b.WriteString(`="`)
		b.WriteString(escapeLabelValue(p.Value))
		b.WriteByte('"')
	}
	return b.String()
}

func newRun(s *Store, name string, labelValues []string) *RunState {
	r := &RunState{
		store:       s,
		name:        name,
		labelValues: labelValues,
		byName:      map[string]*series{},
		bySeries:    map[string]*series{},
		derived:     map[string]bool{},
		info:        map[string]string{},
	}
	r.setName(name)
	return r
}

// setName sets the run label; called with r.mu held or before r is shared.
func (r *RunState) setName(name string) {
	r.name = name
	r.labels.Store(newRunLabels(r.store.constLabelNames(), append([]string{name}, r.labelValues...)))
}

// Apply folds one parsed record into the run. readTime stands in for
// the record's time when it has none. It reports false, doing nothing,
// when the run was removed from the store meanwhile.
func (r *RunState) Apply(rec *record.Record, readTime time.Time, cache *ShapeCache) bool {
	return r.ApplyFrom(rec, readTime, cache, Source{})
}

// ApplyFrom is Apply for a record read from src, which subscribers are
// told along with its samples (and not told of at all when src.Delivered).
func (r *RunState) ApplyFrom(rec *record.Record, readTime time.Time, cache *ShapeCache, src Source) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bySeries == nil {
		return false
	}
	r.applyLocked(rec, readTime, cache, src)
	return true
}

// ApplyDocumentRecord applies a record of a document file, the nth with
// its step, unless the run has it already from this or another copy of
// the document; checked and applied under one lock, so that two copies
// read at once cannot apply an older record after a newer one. The
// record applied last may come again with more metrics at its end (a
// Sacred heartbeat between two values of one step): then only those are
// applied, as a record of their own. It reports false, doing nothing,
// when the run was removed meanwhile.
func (r *RunState) ApplyDocumentRecord(rec *record.Record, step float64, nth int, readTime time.Time, cache *ShapeCache, src Source) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bySeries == nil {
		return false
	}
	c := &r.doc
	applied := 0
	switch {
	case !c.has || step > c.step || step == c.step && nth > c.nth:
	case step == c.step && nth == c.nth && len(rec.Metrics) > c.metrics:
		applied = c.metrics
	default:
		return true // every copy of a document holds the older copies' records first
	}
	// Each read of a document places its records back from its own
	// modification time, and the copies in successive checkpoints are
	// files of their own: a record new to the run comes after the last
	// one applied, whichever copy that came from.
	if ms := int64(math.Round(rec.Time * 1000)); rec.HasTime && c.has && ms <= c.timeMs {
		rec.Time = float64(c.timeMs+1) / 1000
	}
	c.timeMs = int64(math.Round(rec.Time * 1000))
	c.step, c.nth, c.metrics, c.has = step, nth, len(rec.Metrics), true
	if applied > 0 {
		rec.Metrics, rec.Shape = rec.Metrics[applied:], 0 // the names no longer are the shape's
	}
	r.applyLocked(rec, readTime, cache, src)
	return true
}

func (r *RunState) applyLocked(rec *record.Record, readTime time.Time, cache *ShapeCache, src Source) {
	subs := r.store.loadSubscribers()
	if src.Delivered {
		subs = nil
	}
	r.publishing = subs != nil
	r.records++
	// The time the record was written, as well as we know it: for expiry.
	r.lastActivity = readTime
	t := rec.Time
	if !rec.HasTime {
		t = float64(readTime.UnixNano()) / 1e9
	}
	r.lastRecordTime, r.hasRecordTime = t, true
	r.batch.TimeEstimated = rec.TimeEstimated || !rec.HasTime

	restarts := r.restarts
	if rec.HasStep || rec.HasEpoch {
		if r.steps.observe(rec) {
			r.restarts++
		}
	}
	r.progress.observe(rec, t, &r.steps, r.restarts > restarts)

	if rec.Config != nil {
		r.applyConfig(rec.Config) // hyperparameters, never metrics
	}
	switch rec.Kind {
	case record.KindMeta, record.KindRunStart:
		r.addInfo(rec.Info)
		r.setMetrics(rec.Metrics, "", "", "", false, nil, 0)
	case record.KindEpochEnd:
		r.epochEndTime, r.hasEpochEnd = t, true
		r.setMetrics(rec.Metrics, "\x00e", epochEndPrefix, "in the newest epoch_end record", false, nil, 0)
	case record.KindMetric:
		r.setMetrics(rec.Metrics, "", "", "", true, cache, rec.Shape)
	}
	if subs != nil {
		r.batch.Source = src
		r.publish(subs)
	}
}

// epochEndPrefix starts the series names of epoch_end metrics.
const epochEndPrefix = "epoch_end_"

// SeriesOf names the series a metric of a record of kind k goes to.
func (s *Store) SeriesOf(k record.Kind, name []byte) string {
	if k == record.KindEpochEnd {
		return seriesName(s.namespace, epochEndPrefix, name)
	}
	return seriesName(s.namespace, "", name)
}

// setMetrics stores each metric under its series, creating series on
// first sight within the cap. key distinguishes record kinds that map
// the same key to different series.
// trackBest enables best-so-far series for metrics the config names.
// shape is the record's Shape: when the cache holds the series of a record
// of the same shape, the names need no comparison.
func (r *RunState) setMetrics(metrics []record.Metric, key, prefix, where string, trackBest bool, cache *ShapeCache, shape uint64) {
	if cache != nil && cache.run != r {
		cache.reset(r)
	}
	if shape != 0 && cache != nil && cache.shape == shape && len(metrics) <= len(cache.series) {
		for i, g := range cache.series[:len(metrics)] {
			if v := metrics[i].Value; g.best == nil && g.watch == nil && isFinite(v) {
				g.value = v // all setSeries would do, without the call
			} else {
				r.setSeries(g, v)
			}
		}
		if r.publishing {
			r.touched = append(r.touched, cache.series[:len(metrics)]...)
		}
		return
	}
	complete := cache != nil
	for i := range metrics {
		m := &metrics[i]
		g := cache.lookup(i, m.Name)
		if g == nil {
			if key == "" {
				g = r.byName[string(m.Name)]
			} else {
				g = r.byName[key+string(m.Name)]
			}
			if g == nil {
				if g = r.newSeries(m.Name, m.Value, key, prefix, where, trackBest); g == nil {
					complete = false
					continue
				}
			}
			complete = cache.store(i, m.Name, g) && complete
		}
		r.setSeries(g, m.Value)
		if r.publishing {
			r.touched = append(r.touched, g)
		}
	}
	if complete {
		cache.shape = shape // every metric is in the cache at its position
	} else if cache != nil {
		cache.shape = 0
	}
}

// setSeries stores one value of g's metric, feeding its best-so-far and
// spike watch.
func (r *RunState) setSeries(g *series, v float64) {
	g.value = v
	if !isFinite(v) {
		g.nonfinite++
	} else if g.best != nil {
		g.best.observe(v, r.steps.global)
	}
	if g.watch != nil && g.watch.observe(v) && r.store.onSpike != nil {
		r.store.onSpike(g.fam.name, v)
	}
}

func (r *RunState) newSeries(name []byte, value float64, key, prefix, where string, trackBest bool) *series {
	s := r.store
	fullName := seriesName(s.namespace, prefix, name)
	if g := r.bySeries[fullName]; g != nil {
		// Another spelling of a known series, e.g. "train-loss" and "train_loss".
		r.byName[key+string(name)] = g
		return g
	}
	if s.reserved[fullName] || r.derived[fullName] {
		r.refuse(DropReservedName)
		return nil
	}
	if !s.reserveSeries(1) {
		r.refuse(DropMaxSeries)
		return nil
	}
	if where == "" {
		where = "in the run's newest record that has it"
	}
	g := &series{run: r, value: value}
	g.fam = s.join(fullName, "Last value of "+strings.ToValidUTF8(string(name), "?")+" "+where+" (JSONL training log).", prometheus.GaugeValue, g, memberValue)
	r.bySeries[g.fam.name] = g
	r.byName[s.canonicalKey(g.fam, key, name)] = g
	r.all = append(r.all, g)
	if trackBest {
		r.addBest(g, name)
		r.addWatch(g, name)
	}
	return g
}

// addBest gives g best-so-far series when the config asks for them and
// their names are free and within the cap.
func (r *RunState) addBest(g *series, name []byte) {
	s := r.store
	dir := s.rulesOf(name).bestDir
	if dir == 0 {
		return
	}
	bestName, stepName := g.fam.name+seriesBestSuffix, g.fam.name+seriesBestStepSuffix
	if r.bySeries[bestName] != nil || r.bySeries[stepName] != nil {
		r.refuse(DropReservedName)
		return
	}
	if !s.reserveSeries(2) {
		r.refuse(DropMaxSeries)
		return
	}
	word := "Lowest"
	if dir > 0 {
		word = "Highest"
	}
	what := strings.ToValidUTF8(string(name), "?")
	g.best = &best{dir: dir}
	g.best.fam = s.join(bestName, word+" finite value of "+what+" so far in the run, over every record read.", prometheus.GaugeValue, g, memberBest)
	g.best.stepFam = s.join(stepName, "Global step of the record with the "+strings.ToLower(word)+" value of "+what+" so far.", prometheus.GaugeValue, g, memberBestStep)
	r.derived[bestName], r.derived[stepName] = true, true
}

// best is the best-so-far value of a series, kept per record so that no
// scrape interval can miss it.
type best struct {
	dir          int // -1 lower is better, +1 higher is better
	value, step  float64
	has          bool
	fam, stepFam *family
}

func (b *best) observe(v, step float64) {
	if !b.has || float64(b.dir)*(v-b.value) > 0 {
		b.value, b.step, b.has = v, step, true
	}
}

func (r *RunState) refuse(reason string) {
	if r.store.dropped != nil {
		r.store.dropped.WithLabelValues(reason).Inc()
	}
}

// addInfo merges string fields of meta/run_start records into the
// ml_run_info labels, bounded in number and length.
func (r *RunState) addInfo(fields []record.Field) {
	for _, f := range fields {
		name := string(appendSanitized(nil, f.Key))
		if name == "" || name[0] >= '0' && name[0] <= '9' || strings.HasPrefix(name, "__") || reservedLabels[name] || r.isStaticLabel(name) {
			continue
		}
		if _, ok := r.info[name]; !ok && len(r.info) >= maxInfoLabels {
			continue
		}
		v := f.Value
		if len(v) > maxInfoValueBytes {
			v = v[:maxInfoValueBytes]
		}
		r.info[name] = LabelValue(string(v))
		r.infoLabels = nil
	}
}

func (r *RunState) isStaticLabel(name string) bool {
	for _, n := range r.store.labelNames {
		if n == name {
			return true
		}
	}
	return false
}

// stepTracker derives ml_global_step, which never goes back across
// per-epoch step resets, and spots resumed runs.
//
// A step that goes back is an epoch boundary when the record's epoch is
// above the epoch its step sequence began with and not below the newest
// epoch seen: trainers that count steps per epoch start again at their
// first step then. The seed trainer's validation and epoch_end records
// already carry the next epoch before its steps start again, so the epoch
// is compared with the sequence's first, not with the previous record's.
// Anything else that goes back is a resume or a restart.
type stepTracker struct {
	hasStep, hasEpoch bool
	step, epoch       float64
	global            float64
	offset            float64 // global = offset + step
	delta             float64 // last positive step increment
	// seqEpoch is the epoch of the first record of the current step
	// sequence (since the first step, or since the step last went back).
	seqEpoch     float64
	hasSeqEpoch  bool
	epochResets  float64 // steps that went back at an epoch boundary
	epochOffsets map[float64]float64
}

// observe updates the tracker and reports whether the record shows a
// restart: a step going back that is no epoch boundary.
func (t *stepTracker) observe(rec *record.Record) (restart bool) {
	if rec.HasEpoch && !isFinite(rec.Epoch) || rec.HasStep && !isFinite(rec.Step) {
		return false
	}
	if rec.HasStep {
		switch {
		case !t.hasStep:
			t.delta = 1
		case rec.Step > t.step:
			t.delta = rec.Step - t.step
		case rec.Step < t.step && t.isEpochBoundary(rec):
			t.offset = t.global + t.delta - rec.Step
			t.epochResets++
			t.rememberOffset(rec.Epoch)
			t.hasSeqEpoch = false
		case rec.Step < t.step:
			// Resumed from a checkpoint, or restarted: global steps go back
			// to where that epoch began.
			restart = true
			if off, ok := t.epochOffsets[rec.Epoch]; ok && rec.HasEpoch {
				t.offset = off
			}
			t.hasSeqEpoch = false
		}
		t.step, t.hasStep = rec.Step, true
		t.global = t.offset + rec.Step
	}
	if rec.HasEpoch {
		if !t.hasEpoch && rec.HasStep {
			t.rememberOffset(rec.Epoch)
		}
		t.epoch, t.hasEpoch = rec.Epoch, true
		if !t.hasSeqEpoch {
			t.seqEpoch, t.hasSeqEpoch = rec.Epoch, true
		}
	}
	return restart
}

// isEpochBoundary reports whether rec, whose step went back, starts a new
// epoch's steps rather than repeating steps already trained.
func (t *stepTracker) isEpochBoundary(rec *record.Record) bool {
	return rec.HasEpoch && t.hasSeqEpoch && rec.Epoch > t.seqEpoch && rec.Epoch >= t.epoch
}

func (t *stepTracker) rememberOffset(epoch float64) {
	if t.epochOffsets == nil {
		t.epochOffsets = map[float64]float64{}
	}
	if len(t.epochOffsets) < maxEpochOffsets {
		t.epochOffsets[epoch] = t.offset
	}
}

func isFinite(f float64) bool { return math.Abs(f) <= math.MaxFloat64 } // false for NaN and ±Inf

// ShapeCache remembers the series of the previous metric record of a file.
// Consecutive records mostly carry the same keys in the same order, so a
// byte comparison replaces a map lookup per metric.
type ShapeCache struct {
	run    *RunState
	names  [][]byte
	series []*series
	// shape is the record.Shape whose metrics are all in the cache, in
	// order (0: none).
	shape uint64
}

func (c *ShapeCache) reset(r *RunState) {
	c.run, c.shape = r, 0
	c.names, c.series = c.names[:0], c.series[:0]
}

// lookup returns the series cached for the i-th metric when its name is
// the same as last time. A nil cache finds nothing.
func (c *ShapeCache) lookup(i int, name []byte) *series {
	if c == nil || i >= len(c.series) || !bytes.Equal(c.names[i], name) {
		return nil
	}
	return c.series[i]
}

// store caches g for the i-th metric, and reports whether it did.
func (c *ShapeCache) store(i int, name []byte, g *series) bool {
	if c == nil || i > len(c.series) || i >= maxShape {
		return false
	}
	if i == len(c.series) {
		c.names = append(c.names, nil)
		c.series = append(c.series, nil)
	}
	c.names[i] = append(c.names[i][:0], name...)
	c.series[i] = g
	return true
}

// maxShape bounds the cache of a record with very many keys.
const maxShape = 256

// Progress is where a run stands on the step axis.
type Progress struct {
	Step, GlobalStep float64
	HasStep          bool
	Restarts         float64 // steps that went back, no epoch boundary
	EpochResets      float64 // steps that went back at an epoch boundary
}

// Progress returns where the run stands.
func (r *RunState) Progress() Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Progress{Step: r.steps.step, GlobalStep: r.steps.global, HasStep: r.steps.hasStep,
		Restarts: r.restarts, EpochResets: r.steps.epochResets}
}

// Value returns the newest value of one of the run's series made from
// metric keys, by its full name, and whether the run has it.
func (r *RunState) Value(series string) (float64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if g := r.bySeries[series]; g != nil {
		return g.value, true
	}
	return 0, false
}
