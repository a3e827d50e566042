// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"hash/maphash"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jsonl-exporter/jsonl-exporter/internal/hparams"
)

// The hyperparameter series (docs/metrics.md, "Hyperparameters").
const (
	seriesHparam     = "hparam"
	seriesHparamInfo = "hparam_info"
	helpHparam       = "Hyperparameter of the run that is a number (booleans 1 and 0), by flattened name; from config records and the files beside the log."
	helpHparamInfo   = "Always 1; every hyperparameter of the run kept, by flattened name, with its text as written in the value label."
)

// HparamsResend is how long in record time the hyperparameter samples
// may go unsent to subscribers: within Prometheus' 5-minute lookback, so
// that an instant query finds them for a pushed run.
const HparamsResend = 240.0

// LogSource names the hyperparameters of the log's own records.
const LogSource = "log"

// configSeed hashes config objects: Ray Tune repeats the same one in
// every record, flattened only when it changes.
var configSeed = maphash.MakeSeed()

// hparamState is a run's hyperparameters, guarded by the run's lock: the
// sources, and what they merge into. Sets, merged and kept are replaced,
// never changed in place, so that they may share one array (a run with
// only its log as source keeps one: log, merged and kept alike) and a
// scrape's view may share them too.
type hparamState struct {
	files    map[string]*hparamFile // files beside the log, by path
	log      hparams.Set            // config records, merged in order
	logHash  uint64                 // of the last config object applied
	hasLog   bool
	merged   []hparams.Param
	leftOut  []hparams.LeftOut
	kept     []hparams.Param // a prefix of merged: those with series, within the series cap
	series   int64           // series reserved for kept
	pending  bool            // changed since subscribers were last sent them
	sentAt   float64         // record time they were last sent
	sent     bool
	samples  [][]Label // labels of the samples of kept: info, then the gauge's if numeric
	samplesL *runLabels
}

type hparamFile struct {
	set hparams.Set
	err string // why the file's last read failed, "" if it did not
}

// fileSources returns the files beside the log, by path, made on first
// use. Called with the run's lock held.
func (h *hparamState) fileSources() map[string]*hparamFile {
	if h.files == nil {
		h.files = map[string]*hparamFile{}
	}
	return h.files
}

// SetHparamFile sets the hyperparameters read from a file beside the
// run's log, replacing what the file gave before (its removed keys
// disappear). It reports false when the run was removed.
func (r *RunState) SetHparamFile(path string, set hparams.Set) bool {
	set = r.store.hpIntern.internSet(set)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bySeries == nil {
		return false
	}
	r.hp.fileSources()[path] = &hparamFile{set: set}
	r.mergeHparams()
	return true
}

// SetHparamFileError notes that a file beside the log could not be read:
// what it gave before stays (a file being rewritten may be caught half
// written), and inspect lists the error.
func (r *RunState) SetHparamFileError(path string, err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bySeries == nil {
		return false
	}
	files := r.hp.fileSources()
	f := files[path]
	if f == nil {
		f = &hparamFile{}
		files[path] = f
	}
	f.err = err.Error()
	return true
}

// RemoveHparamFile drops a file's hyperparameters (the file is gone).
func (r *RunState) RemoveHparamFile(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.hp.files[path]; !ok || r.bySeries == nil {
		return
	}
	delete(r.hp.files, path)
	r.mergeHparams()
}

// applyConfig merges a record's config object into the log's source:
// keys overwrite, none is removed. Called with r.mu held.
func (r *RunState) applyConfig(config []byte) {
	h := &r.hp
	sum := maphash.Bytes(configSeed, config)
	if h.hasLog && sum == h.logHash {
		return
	}
	set, err := hparams.FromJSON(config)
	if err != nil {
		return // the parser read it as JSON: not expected
	}
	set = r.store.hpIntern.internSet(set)
	h.logHash = sum
	params, left := hparams.Merge(h.log, set)
	h.log, h.hasLog = hparams.Set{Params: params, LeftOut: left}, true
	r.mergeHparams()
}

// mergeHparams merges the sources, files first (a parent folder's before
// the log's own folder's, then by name), the log's config records on top,
// and accounts for their series. Called with r.mu held.
func (r *RunState) mergeHparams() {
	h := &r.hp
	paths := h.sourcePaths()
	sets := make([]hparams.Set, 0, len(paths)+1)
	for _, p := range paths {
		if p == LogSource {
			sets = append(sets, h.log)
		} else {
			sets = append(sets, h.files[p].set)
		}
	}
	merged, left := hparams.Merge(sets...)
	changed := !sameParams(merged, h.merged)
	h.merged, h.leftOut = merged, left
	if !changed {
		return
	}
	r.keepHparams()
	h.pending, h.samples = true, nil
	r.hparamsChanged(merged)
}

// sourcePaths are the run's sources in the order they merge: files by
// sourceOrder, then LogSource if the log gave a config.
func (h *hparamState) sourcePaths() []string {
	paths := make([]string, 0, len(h.files)+1)
	for p := range h.files {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int {
		if da, db := strings.Count(filepath.Dir(a), string(filepath.Separator)), strings.Count(filepath.Dir(b), string(filepath.Separator)); da != db {
			return da - db
		}
		return strings.Compare(a, b)
	})
	if h.hasLog {
		paths = append(paths, LogSource)
	}
	return paths
}

// sources gives the source of each merged param, the last source that
// has its name: for inspect only, so not kept per run.
func (h *hparamState) sources() []string {
	from := map[string]string{}
	for _, p := range h.sourcePaths() {
		set := h.log
		if p != LogSource {
			set = h.files[p].set
		}
		for _, q := range set.Params {
			from[q.Name] = p
		}
	}
	sources := make([]string, len(h.merged))
	for i, p := range h.merged {
		sources[i] = from[p.Name]
	}
	return sources
}

// keepHparams gives the merged set's series within the series cap.
func (r *RunState) keepHparams() {
	h := &r.hp
	s := r.store
	s.seriesCount.Add(-h.series)
	h.series = 0
	k := 0 // the series are given in order: those kept are a prefix
	for _, p := range h.merged {
		n := int64(1)
		if p.Numeric {
			n = 2
		}
		if !s.reserveSeries(n) {
			for range len(h.merged) - k {
				r.refuse(DropMaxSeries)
			}
			for _, q := range h.merged[k:] {
				h.leftOut = append(h.leftOut, hparams.LeftOut{Name: q.Name, Why: "over max-series"})
			}
			break
		}
		h.series += n
		k++
	}
	h.kept = h.merged[:k:k]
}

func sameParams(a, b []hparams.Param) bool {
	return slices.EqualFunc(a, b, func(x, y hparams.Param) bool {
		return x.Name == y.Name && x.Text == y.Text && x.Numeric == y.Numeric
	})
}

// hparamsChanged is called, under the run's lock, whenever the run's
// merged hyperparameters change. It does nothing yet: the progress
// stream reads totals (max_steps, epochs, ...) from them here.
func (r *RunState) hparamsChanged(merged []hparams.Param) { r.progress.setHparams(merged) }

// Hparams is what a run's hyperparameters are, for inspect.
type Hparams struct {
	Params  []hparams.Param // merged, sorted by name
	Sources []string        // of Params[i]: a file's path, or LogSource
	LeftOut []hparams.LeftOut
	Notes   []string // files that could not be read, and why
}

// Hparams returns the run's hyperparameters.
func (r *RunState) Hparams() Hparams {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := &r.hp
	out := Hparams{Params: h.merged, Sources: h.sources(), LeftOut: h.leftOut}
	for _, p := range slices.Sorted(mapsKeys(h.files)) {
		if e := h.files[p].err; e != "" {
			out.Notes = append(out.Notes, p+": "+e)
		}
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// hparamSeriesLocked is the count of series the run's hyperparameters
// hold, released when the run is removed. Called with r.mu held.
func (r *RunState) hparamSeriesLocked() int64 {
	n := r.hp.series
	r.hp = hparamState{}
	return n
}

// hparamFamilies are the two families of every run's hyperparameters.
func (s *Store) hparamFamilies() (value, info *family) {
	s.hpOnce.Do(func() {
		base := s.constLabelNames()
		s.hpValue = newFamily(s.fullName(seriesHparam), helpHparam, prometheus.GaugeValue, append(slices.Clone(base), "name"))
		s.hpInfo = newFamily(s.fullName(seriesHparamInfo), helpHparamInfo, prometheus.GaugeValue, append(slices.Clone(base), "name", "value"))
	})
	return s.hpValue, s.hpInfo
}

// walkHparams writes the two families of every run's hyperparameters.
func (s *Store) walkHparams(out sink, views []runView) {
	numeric, any := false, false
	for j := range views {
		for _, p := range views[j].hparams {
			any, numeric = true, numeric || p.Numeric
		}
	}
	if !any {
		return // no family without samples: /metrics of runs without any stays as it was
	}
	value, info := s.hparamFamilies()
	extra := []Label{{Name: "name"}, {Name: "value"}} // reused: sinks keep no labels
	if numeric {
		out.begin(value)
	}
	for j := range views {
		for _, p := range views[j].hparams {
			if p.Numeric {
				extra[0].Value = p.Name
				out.labelled(value, views[j].labels, extra[:1], p.Value)
			}
		}
	}
	out.begin(info)
	for j := range views {
		for _, p := range views[j].hparams {
			extra[0].Value, extra[1].Value = p.Name, p.Text
			out.labelled(info, views[j].labels, extra, 1)
		}
	}
}

// appendHparamSamples adds the run's hyperparameter samples to a batch
// when they changed since last sent, or were sent more than
// HparamsResend seconds of record time ago. Called with r.mu held.
func (r *RunState) appendHparamSamples(b []Sample, l *runLabels) []Sample {
	h := &r.hp
	if len(h.kept) == 0 {
		h.pending = false
		return b
	}
	if !h.pending && h.sent && math.Abs(r.lastRecordTime-h.sentAt) < HparamsResend {
		return b
	}
	value, info := r.store.hparamFamilies()
	if h.samples == nil || h.samplesL != l {
		h.samples, h.samplesL = make([][]Label, 0, 2*len(h.kept)), l
		for _, p := range h.kept {
			h.samples = append(h.samples, sortedLabels(append(slices.Clone(l.pairs), Label{"name", p.Name}, Label{"value", p.Text})))
			if p.Numeric {
				h.samples = append(h.samples, sortedLabels(append(slices.Clone(l.pairs), Label{"name", p.Name})))
			}
		}
	}
	k := 0
	for _, p := range h.kept {
		b = append(b, Sample{info.name, h.samples[k], 1})
		k++
		if p.Numeric {
			b = append(b, Sample{value.name, h.samples[k], p.Value})
			k++
		}
	}
	h.pending, h.sent, h.sentAt = false, true, r.lastRecordTime
	return b
}

// reserveHparamNames keeps metric keys from making series of the
// hyperparameters' names, whose labels differ.
func (s *Store) reserveHparamNames() {
	s.reserved[s.fullName(seriesHparam)] = true
	s.reserved[s.fullName(seriesHparamInfo)] = true
}

// HparamSeries lists the names, without the namespace, of the
// hyperparameter series: run state, not metrics (plot leaves them out).
func HparamSeries() []string { return []string{seriesHparam, seriesHparamInfo} }
