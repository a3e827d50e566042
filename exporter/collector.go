package exporter

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"
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
	seriesEpochEndTime = fixedSeriesDef{"epoch_end_timestamp_seconds", "Time of the run's newest epoch_end record (record time, else read time).", prometheus.GaugeValue}
	seriesLastRecord   = fixedSeriesDef{"last_record_timestamp_seconds", "Time of the run's newest record (record time, else read time).", prometheus.GaugeValue}
	seriesRecords      = fixedSeriesDef{"records_total", "Records read for the run, of any type.", prometheus.CounterValue}
	seriesRestarts     = fixedSeriesDef{"run_restarts_total", "Times the run's step went back without a new epoch (resumed from a checkpoint or restarted).", prometheus.CounterValue}
	seriesNonfinite    = fixedSeriesDef{"nonfinite_values_total", "NaN or infinite values read, by series.", prometheus.CounterValue}
	seriesSpikesDef    = fixedSeriesDef{seriesSpikes, "Records of a watched metric that jumped far above its moving average (see spike.* settings), by series.", prometheus.CounterValue}
	seriesRunInfo      = fixedSeriesDef{"run_info", "Always 1; labels carry the string fields of the run's meta and run_start records.", prometheus.GaugeValue}
	fixedSeries        = []fixedSeriesDef{seriesStep, seriesEpoch, seriesGlobalStep, seriesEpochEndTime, seriesLastRecord, seriesRecords, seriesRestarts, seriesNonfinite, seriesSpikesDef, seriesRunInfo}
)

// Suffixes of the best-so-far series.
const (
	seriesBestSuffix     = "_best"
	seriesBestStepSuffix = "_best_step"
)

// Collector exposes a Store. Metric names come from the logs, so it is
// an unchecked collector: Describe sends nothing.
type Collector struct {
	store *Store
	descs map[string]*prometheus.Desc // fixed series
}

// NewCollector returns a collector over store.
func NewCollector(store *Store) *Collector {
	c := &Collector{store: store, descs: map[string]*prometheus.Desc{}}
	base := append([]string{"run"}, store.labelNames...)
	for _, f := range fixedSeries {
		labels := base
		if f.name == seriesNonfinite.name || f.name == seriesSpikes {
			labels = append(append([]string{}, base...), "metric")
		}
		if f.name == seriesRunInfo.name {
			continue // its label names vary per run
		}
		c.descs[f.name] = prometheus.NewDesc(store.fullName(f.name), f.help, labels, nil)
	}
	return c
}

// Describe sends no descriptors: the series names are only known once
// the logs are read.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect emits const metrics from each run's current state.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.store
	base := append([]string{"run"}, s.labelNames...)
	for _, r := range s.snapshotRuns() {
		r.mu.Lock()
		if r.bySeries == nil {
			r.mu.Unlock()
			continue
		}
		lv := append([]string{r.name}, r.labelValues...)
		fixed := func(f fixedSeriesDef, v float64) {
			ch <- prometheus.MustNewConstMetric(c.descs[f.name], f.typ, v, lv...)
		}
		fixed(seriesRecords, r.records)
		fixed(seriesRestarts, r.restarts)
		if r.hasRecordTime {
			fixed(seriesLastRecord, r.lastRecordTime)
		}
		if r.steps.hasStep {
			fixed(seriesStep, r.steps.step)
			fixed(seriesGlobalStep, r.steps.global)
		}
		if r.steps.hasEpoch {
			fixed(seriesEpoch, r.steps.epoch)
		}
		if r.hasEpochEnd {
			fixed(seriesEpochEndTime, r.epochEndTime)
		}
		c.collectInfo(ch, r, base, lv)
		for _, g := range r.bySeries {
			ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, g.value, lv...)
			if b := g.best; b != nil && b.has {
				ch <- prometheus.MustNewConstMetric(b.desc, prometheus.GaugeValue, b.value, lv...)
				ch <- prometheus.MustNewConstMetric(b.stepDesc, prometheus.GaugeValue, b.step, lv...)
			}
			if w := g.watch; w != nil {
				if w.ema.n > 0 || !isFinite(w.ema.value) {
					ch <- prometheus.MustNewConstMetric(w.emaDesc, prometheus.GaugeValue, w.ema.value, lv...)
				}
				// Watched series start their counters at 0, so that the
				// first spike or NaN is an increase alerts can see.
				ch <- prometheus.MustNewConstMetric(c.descs[seriesSpikes], prometheus.CounterValue, w.det.spikes, append(lv, g.name)...)
			}
			if g.nonfinite > 0 || g.watch != nil {
				ch <- prometheus.MustNewConstMetric(c.descs[seriesNonfinite.name], prometheus.CounterValue, g.nonfinite, append(lv, g.name)...)
			}
		}
		r.mu.Unlock()
	}
}

func (c *Collector) collectInfo(ch chan<- prometheus.Metric, r *Run, base, lv []string) {
	keys := make([]string, 0, len(r.info))
	for k := range r.info {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	names := append(append([]string{}, base...), keys...)
	values := append([]string{}, lv...)
	for _, k := range keys {
		values = append(values, r.info[k])
	}
	desc := prometheus.NewDesc(c.store.fullName(seriesRunInfo.name), seriesRunInfo.help, names, nil)
	ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, 1, values...)
}
