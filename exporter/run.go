package exporter

import (
	"math"
	"strings"
	"sync"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/exporter/record"
	"github.com/prometheus/client_golang/prometheus"
)

// Limits on ml_run_info labels taken from meta and run_start records.
const (
	maxInfoLabels     = 16
	maxInfoValueBytes = 256
	maxEpochOffsets   = 4096
)

// Run is the state of one run label: the last value of each series and
// the step bookkeeping. Records of a run are applied under its lock.
type Run struct {
	store       *Store
	labelValues []string

	mu           sync.Mutex
	name         string
	byName       map[string]*gauge // canonical metric name (kind-coded) -> series
	bySeries     map[string]*gauge // series name -> series
	info         map[string]string // ml_run_info labels
	lastActivity time.Time         // wall clock of the last record, for expiry

	records, restarts float64
	lastRecordTime    float64
	hasRecordTime     bool
	epochEndTime      float64
	hasEpochEnd       bool

	steps stepTracker
}

// gauge is one series created from a metric key.
type gauge struct {
	name      string
	desc      *prometheus.Desc
	value     float64
	nonfinite float64 // values that were NaN or ±Inf
}

func newRun(s *Store, name string, labelValues []string) *Run {
	return &Run{
		store:       s,
		name:        name,
		labelValues: labelValues,
		byName:      map[string]*gauge{},
		bySeries:    map[string]*gauge{},
		info:        map[string]string{},
	}
}

// apply folds one parsed record into the run. readTime stands in for
// the record's time when it has none. It reports false, doing nothing,
// when the run was removed from the store meanwhile.
func (r *Run) apply(rec *record.Record, readTime time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bySeries == nil {
		return false
	}
	r.records++
	r.lastActivity = time.Now()
	t := float64(readTime.UnixNano()) / 1e9
	if rec.HasTime {
		t = rec.Time
	}
	r.lastRecordTime, r.hasRecordTime = t, true

	if rec.HasStep || rec.HasEpoch {
		if r.steps.observe(rec) {
			r.restarts++
		}
	}

	switch rec.Kind {
	case record.KindMeta, record.KindRunStart:
		r.addInfo(rec.Info)
		r.setMetrics(rec.Metrics, "", "", "")
	case record.KindEpochEnd:
		r.epochEndTime, r.hasEpochEnd = t, true
		r.setMetrics(rec.Metrics, "\x00e", "epoch_end_", "in the newest epoch_end record")
	case record.KindMetric:
		r.setMetrics(rec.Metrics, "", "", "")
	}
	return true
}

// setMetrics stores each metric under its series, creating series on
// first sight within the cap. key distinguishes record kinds that map
// the same key to different series.
func (r *Run) setMetrics(metrics []record.Metric, key, prefix, where string) {
	for i := range metrics {
		m := &metrics[i]
		var g *gauge
		if key == "" {
			g = r.byName[string(m.Name)]
		} else {
			g = r.byName[key+string(m.Name)]
		}
		if g == nil {
			if g = r.newGauge(m.Name, key, prefix, where); g == nil {
				continue
			}
		}
		g.value = m.Value
		if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			g.nonfinite++
		}
	}
}

func (r *Run) newGauge(name []byte, key, prefix, where string) *gauge {
	s := r.store
	series := seriesName(s.namespace, prefix, name)
	if g := r.bySeries[series]; g != nil {
		// Another spelling of a known series, e.g. "train-loss" and "train_loss".
		r.byName[key+string(name)] = g
		return g
	}
	if s.reserved[series] {
		r.refuse(dropReservedName)
		return nil
	}
	if !s.reserveSeries() {
		r.refuse(dropMaxSeries)
		return nil
	}
	if where == "" {
		where = "in the run's newest record that has it"
	}
	help := s.helpFor(series, "Last value of "+strings.ToValidUTF8(string(name), "?")+" "+where+" (JSONL training log).")
	g := &gauge{name: series, desc: prometheus.NewDesc(series, help, s.constLabelNames(), nil)}
	r.bySeries[series] = g
	r.byName[key+string(name)] = g
	return g
}

func (r *Run) refuse(reason string) {
	if r.store.self != nil {
		r.store.self.seriesDropped.WithLabelValues(reason).Inc()
	}
}

// addInfo merges string fields of meta/run_start records into the
// ml_run_info labels, bounded in number and length.
func (r *Run) addInfo(fields []record.Field) {
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
		r.info[name] = labelValue(string(v))
	}
}

func (r *Run) isStaticLabel(name string) bool {
	for _, n := range r.store.labelNames {
		if n == name {
			return true
		}
	}
	return false
}

// stepTracker derives ml_global_step, which never goes back across
// per-epoch step resets, and spots resumed runs.
type stepTracker struct {
	hasStep, hasEpoch bool
	step, epoch       float64
	global            float64
	offset            float64 // global = offset + step
	delta             float64 // last positive step increment
	epochOffsets      map[float64]float64
}

// observe updates the tracker and reports whether the record shows a
// restart: a step going back without a new epoch.
func (t *stepTracker) observe(rec *record.Record) (restart bool) {
	if rec.HasEpoch && !isFinite(rec.Epoch) || rec.HasStep && !isFinite(rec.Step) {
		return false
	}
	newEpoch := rec.HasEpoch && t.hasEpoch && rec.Epoch > t.epoch
	if rec.HasStep {
		switch {
		case !t.hasStep:
			t.delta = 1
		case rec.Step > t.step:
			t.delta = rec.Step - t.step
		case rec.Step < t.step && newEpoch:
			t.offset = t.global + t.delta - rec.Step
			t.rememberOffset(rec.Epoch)
		case rec.Step < t.step:
			// Resumed from a checkpoint, or restarted: global steps go back
			// to where that epoch began.
			restart = true
			if off, ok := t.epochOffsets[rec.Epoch]; ok && rec.HasEpoch {
				t.offset = off
			}
		}
		t.step, t.hasStep = rec.Step, true
		t.global = t.offset + rec.Step
	}
	if rec.HasEpoch {
		if !t.hasEpoch && rec.HasStep {
			t.rememberOffset(rec.Epoch)
		}
		t.epoch, t.hasEpoch = rec.Epoch, true
	}
	return restart
}

func (t *stepTracker) rememberOffset(epoch float64) {
	if t.epochOffsets == nil {
		t.epochOffsets = map[float64]float64{}
	}
	if len(t.epochOffsets) < maxEpochOffsets {
		t.epochOffsets[epoch] = t.offset
	}
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
