// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"bufio"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jsonl-exporter/jsonl-exporter/internal/hparams"
)

// fixedSeriesDef is a per-run series the exporter always knows.
type fixedSeriesDef struct {
	name string
	help string
	typ  prometheus.ValueType
}

var (
	seriesStep         = fixedSeriesDef{"step", "Step of the run's newest record that has one (first of the configured step keys).", prometheus.GaugeValue}
	seriesEpoch        = fixedSeriesDef{"epoch", "Epoch of the run's newest record that has one.", prometheus.GaugeValue}
	seriesGlobalStep   = fixedSeriesDef{"global_step", "Step that keeps increasing across per-epoch step resets (step plus the steps of earlier epochs).", prometheus.GaugeValue}
	seriesEpochEndTime = fixedSeriesDef{"epoch_end_timestamp_seconds", "Time of the run's newest epoch_end record (its own time, else an estimate: docs/remote-write.md).", prometheus.GaugeValue}
	seriesLastRecord   = fixedSeriesDef{"last_record_timestamp_seconds", "Time of the run's newest record (its own time, else an estimate: docs/remote-write.md).", prometheus.GaugeValue}
	seriesRecords      = fixedSeriesDef{"records_total", "Records read for the run, of any type.", prometheus.CounterValue}
	seriesRestarts     = fixedSeriesDef{"run_restarts_total", "Times the run's step went back without a new epoch (resumed from a checkpoint or restarted).", prometheus.CounterValue}
	seriesNonfinite    = fixedSeriesDef{"nonfinite_values_total", "NaN or infinite values read, by series.", prometheus.CounterValue}
	seriesSpikesDef    = fixedSeriesDef{seriesSpikes, "Records of a watched metric that jumped far above its moving average (see spike.* settings), by series.", prometheus.CounterValue}
	seriesRunInfo      = fixedSeriesDef{"run_info", "Always 1; labels carry the string fields of the run's meta and run_start records.", prometheus.GaugeValue}
	// Progress and status (progress.go).
	seriesProgress = fixedSeriesDef{"run_progress_ratio", "Share of the run done, 0 to 1: the producer's percentage, else steps of the total steps, else epochs of the total epochs (docs/metrics.md).", prometheus.GaugeValue}
	seriesETA      = fixedSeriesDef{"run_eta_seconds", "Estimated seconds to finish as of the newest record: the producer's own estimate, else what is left at the recent rate; 0 once finished.", prometheus.GaugeValue}
	seriesFinished = fixedSeriesDef{"run_finished", "1 after a final summary record, the producer's end marker or progress reaching 1; 0 again when the run restarts.", prometheus.GaugeValue}
	seriesInterval = fixedSeriesDef{"run_record_interval_seconds", "The run's usual seconds between records: median of the last 16 positive gaps between record times.", prometheus.GaugeValue}
	fixedSeries    = []fixedSeriesDef{seriesStep, seriesEpoch, seriesGlobalStep, seriesEpochEndTime, seriesLastRecord, seriesRecords, seriesRestarts, seriesNonfinite, seriesSpikesDef, seriesRunInfo,
		seriesProgress, seriesETA, seriesFinished, seriesInterval}
)

// Suffixes of the best-so-far series.
const (
	seriesBestSuffix     = "_best"
	seriesBestStepSuffix = "_best_step"
)

// runView is what a scrape reads of one run, copied under its lock.
type runView struct {
	labels   *runLabels
	fixed    [len(fixedValueSeries)]float64
	has      [len(fixedValueSeries)]bool
	counters []seriesCounters
	infoKeys []string
	infoVals []string
	hparams  []hparams.Param // shared with the run: read only
}

// seriesCounters are the per-series counters of a series.
type seriesCounters struct {
	series            string
	nonfinite, spikes float64
	watched           bool
}

// fixedValueSeries are the per-run series with one value each, in the
// order of runView.fixed.
var fixedValueSeries = [...]fixedSeriesDef{seriesEpoch, seriesEpochEndTime, seriesGlobalStep, seriesLastRecord, seriesRecords,
	seriesETA, seriesFinished, seriesProgress, seriesInterval, seriesRestarts, seriesStep}

// fixedValues are the run's own series in the order of fixedValueSeries,
// and whether it has each yet. Called with r.mu held.
func (r *RunState) fixedValues() (values [len(fixedValueSeries)]float64, has [len(fixedValueSeries)]bool) {
	eta, finished, ratio, interval, hasETA, hasRatio, hasInterval := r.progressValues()
	values = [...]float64{r.steps.epoch, r.epochEndTime, r.steps.global, r.lastRecordTime, r.records,
		eta, finished, ratio, interval, r.restarts, r.steps.step}
	has = [...]bool{r.steps.hasEpoch, r.hasEpochEnd, r.steps.hasStep, r.hasRecordTime, true,
		hasETA, true, hasRatio, hasInterval, true, r.steps.hasStep}
	return values, has
}

func (r *RunState) view() (runView, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bySeries == nil {
		return runView{}, false
	}
	v := runView{labels: r.labels.Load()}
	for _, g := range r.all {
		if g.nonfinite > 0 || g.watch != nil {
			c := seriesCounters{series: g.fam.name, nonfinite: g.nonfinite}
			if g.watch != nil {
				c.spikes, c.watched = g.watch.det.spikes, true
			}
			v.counters = append(v.counters, c)
		}
	}
	v.fixed, v.has = r.fixedValues()
	v.hparams = r.hp.kept
	for k := range r.info {
		v.infoKeys = append(v.infoKeys, k)
	}
	sort.Strings(v.infoKeys)
	for _, k := range v.infoKeys {
		v.infoVals = append(v.infoVals, r.info[k])
	}
	return v, true
}

// sink receives the exposition family by family.
type sink interface {
	begin(f *family)
	sample(f *family, l *runLabels, metric string, v float64)
	info(f *family, view *runView)
	// labelled is a sample with labels beside the run's, sorted by name.
	labelled(f *family, l *runLabels, extra []Label, v float64)
}

// walk sends every series of the store to out, the samples of each name
// together as the exposition formats want.
func (s *Store) walk(out sink) {
	runs := s.snapshotRuns()
	views := make([]runView, 0, len(runs))
	for _, r := range runs {
		if v, ok := r.view(); ok {
			views = append(views, v)
		}
	}
	fixed := s.fixedFamilies()
	for i, d := range fixedValueSeries {
		f := fixed[d.name]
		out.begin(f)
		for j := range views {
			if views[j].has[i] {
				out.sample(f, views[j].labels, "", views[j].fixed[i])
			}
		}
	}
	// Counters of watched series start at 0, so that their first event is
	// an increase that alerts can see.
	f := fixed[seriesNonfinite.name]
	out.begin(f)
	for j := range views {
		for _, c := range views[j].counters {
			out.sample(f, views[j].labels, c.series, c.nonfinite)
		}
	}
	f = fixed[seriesSpikes]
	out.begin(f)
	for j := range views {
		for _, c := range views[j].counters {
			if c.watched {
				out.sample(f, views[j].labels, c.series, c.spikes)
			}
		}
	}
	f = fixed[seriesRunInfo.name]
	out.begin(f)
	for j := range views {
		out.info(f, &views[j])
	}
	s.walkHparams(out, views)

	for _, fs := range s.families() {
		out.begin(fs.f)
		for _, m := range fs.members {
			if v, ok := m.value(); ok {
				out.sample(fs.f, m.g.run.labels.Load(), "", v)
			}
		}
	}
}

// fixedFamilies are the families of the per-run series, made once.
func (s *Store) fixedFamilies() map[string]*family {
	s.fixedOnce.Do(func() {
		s.fixed = map[string]*family{}
		base := s.constLabelNames()
		for _, d := range fixedSeries {
			labels := base
			if d.name == seriesNonfinite.name || d.name == seriesSpikes {
				labels = append(append([]string{}, base...), "metric")
			}
			name := s.fullName(d.name)
			s.fixed[d.name] = newFamily(name, d.help, d.typ, labels)
		}
		for i, d := range fixedValueSeries {
			s.fixedNames.values[i] = s.fixed[d.name].name
		}
		s.fixedNames.runInfo = s.fixed[seriesRunInfo.name].name
		s.fixedNames.nonfinite = s.fixed[seriesNonfinite.name].name
		s.fixedNames.spikes = s.fixed[seriesSpikes].name
	})
	return s.fixed
}

// WriteText writes the store in the Prometheus text format 0.0.4. It is
// the /metrics fast path: no intermediate protobuf objects.
func (s *Store) WriteText(w *bufio.Writer) error {
	t := &textSink{w: w}
	s.walk(t)
	return w.Flush()
}

type textSink struct {
	w   *bufio.Writer
	buf []byte
}

func (t *textSink) begin(f *family) {
	b := t.buf[:0]
	b = append(b, "# HELP "...)
	b = append(b, f.name...)
	b = append(b, ' ')
	b = append(b, escapeHelp(f.help())...)
	b = append(b, "\n# TYPE "...)
	b = append(b, f.name...)
	if f.typ == prometheus.CounterValue {
		b = append(b, " counter\n"...)
	} else {
		b = append(b, " gauge\n"...)
	}
	t.buf = b
	_, _ = t.w.Write(b)
}

func (t *textSink) sample(f *family, l *runLabels, metric string, v float64) {
	b := t.buf[:0]
	b = append(b, f.name...)
	b = append(b, '{')
	if metric == "" {
		b = append(b, l.text...)
	} else {
		if l.beforeMetric != "" {
			b = append(b, l.beforeMetric...)
			b = append(b, ',')
		}
		b = append(b, `metric="`...)
		b = append(b, metric...) // a series name: nothing to escape
		b = append(b, '"')
		if l.afterMetric != "" {
			b = append(b, ',')
			b = append(b, l.afterMetric...)
		}
	}
	b = append(b, "} "...)
	b = appendValue(b, v)
	b = append(b, '\n')
	t.buf = b
	_, _ = t.w.Write(b)
}

func (t *textSink) info(f *family, view *runView) {
	b := t.buf[:0]
	pairs := slices.Clone(view.labels.pairs)
	for i, k := range view.infoKeys {
		pairs = append(pairs, Label{k, view.infoVals[i]})
	}
	slices.SortFunc(pairs, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
	b = append(b, f.name...)
	b = append(b, '{')
	b = append(b, renderLabels(pairs)...)
	b = append(b, "} 1\n"...)
	t.buf = b
	_, _ = t.w.Write(b)
}

func (t *textSink) labelled(f *family, l *runLabels, extra []Label, v float64) {
	b := t.buf[:0]
	b = append(b, f.name...)
	b = append(b, '{')
	pairs, i, j := l.pairs, 0, 0
	for i < len(pairs) || j < len(extra) {
		var p Label
		if j == len(extra) || i < len(pairs) && pairs[i].Name < extra[j].Name {
			p, i = pairs[i], i+1
		} else {
			p, j = extra[j], j+1
		}
		if i+j > 1 {
			b = append(b, ',')
		}
		b = append(b, p.Name...)
		b = append(b, `="`...)
		b = appendEscaped(b, p.Value)
		b = append(b, '"')
	}
	b = append(b, "} "...)
	b = appendValue(b, v)
	b = append(b, '\n')
	t.buf = b
	_, _ = t.w.Write(b)
}

// appendEscaped appends a label value escaped as the text format wants,
// without a copy when nothing needs escaping.
func appendEscaped(b []byte, s string) []byte {
	if !strings.ContainsAny(s, "\\\n\"") {
		return append(b, s...)
	}
	return append(b, escapeLabelValue(s)...)
}

// appendValue formats a sample value as Prometheus does.
func appendValue(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabelValue(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string       { return helpEscaper.Replace(s) }

// Collector exposes a Store to a prometheus.Registry. Metric names come
// from the logs, so it is an unchecked collector: Describe sends nothing.
// /metrics uses Store.WriteText instead, which is several times cheaper.
type Collector struct {
	store *Store
}

// NewCollector returns a collector over store.
func NewCollector(store *Store) *Collector { return &Collector{store: store} }

// Describe sends no descriptors: the series names are only known once
// the logs are read.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect emits const metrics from the store.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.store.walk(collectSink{ch: ch, store: c.store})
}

type collectSink struct {
	ch    chan<- prometheus.Metric
	store *Store
}

func (collectSink) begin(*family) {}

func (c collectSink) sample(f *family, l *runLabels, metric string, v float64) {
	if metric == "" {
		c.ch <- prometheus.MustNewConstMetric(f.desc(), f.typ, v, l.values...)
		return
	}
	c.ch <- prometheus.MustNewConstMetric(f.desc(), f.typ, v, append(append([]string{}, l.values...), metric)...)
}

func (c collectSink) info(f *family, view *runView) {
	names := append(c.store.constLabelNames(), view.infoKeys...)
	values := append(append([]string{}, view.labels.values...), view.infoVals...)
	c.ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(f.name, f.help(), names, nil), f.typ, 1, values...)
}

func (c collectSink) labelled(f *family, l *runLabels, extra []Label, v float64) {
	values := append(make([]string, 0, len(l.values)+len(extra)), l.values...)
	for _, e := range extra {
		values = append(values, e.Value)
	}
	c.ch <- prometheus.MustNewConstMetric(f.desc(), f.typ, v, values...)
}

// FixedSeries lists the names, without the namespace, of the series every
// run has whatever it logs (docs/metrics.md, "Per run").
func FixedSeries() []string {
	names := make([]string, len(fixedSeries))
	for i, d := range fixedSeries {
		names[i] = d.name
	}
	return names
}
