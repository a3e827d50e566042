// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"slices"
	"strings"
)

// Sample is one value of one series, named and labelled exactly as
// /metrics shows it.
type Sample struct {
	Name   string
	Labels []Label // sorted by name; shared by many samples: read only
	Value  float64
}

// Batch is what one record made of its run: every series the record set,
// with the values derived from them (best so far, moving average,
// counters), and the run's own series (step, global step, epoch, records,
// restarts, times, run_info), all at the record's time.
type Batch struct {
	Run  string
	Time float64 // Unix seconds: the record's time, else its estimate (package timeline)
	// TimeEstimated: the record had no time of its own; Time is an
	// estimate (or, for a caller that placed nothing, when it was read).
	TimeEstimated bool
	Samples       []Sample
	Source        Source
}

// Source is where a record was read: subscribers that deliver samples
// elsewhere remember how far each file was delivered.
type Source struct {
	Path   string
	Input  string // the configured input (glob) that found the file
	Offset int64  // bytes of the file up to the end of the record's line; 0: not known (a document)
	// Delivered: the record was handed to subscribers before (by an
	// earlier engine or process) and is applied only to rebuild the run.
	Delivered bool
}

// A Subscriber is handed a Batch for every record the store applies.
// The batches of a run come in the order of its records, under the run's
// lock: a subscriber must be quick, must not call the store back, and
// must copy what it keeps, since the Batch is reused. Batches of
// different runs may come at once from different goroutines.
type Subscriber func(*Batch)

// Subscribe adds sub to the consumers of every record applied from now
// on. /metrics is not one of them: it reads the newest values the store
// keeps, so a record that is replaced before a scrape is not seen there.
func (s *Store) Subscribe(sub Subscriber) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	subs := append(slices.Clip(s.loadSubscribers()), sub)
	s.subs.Store(&subs)
}

// loadSubscribers returns the subscribers, nil when there are none: the
// record path pays one load for them.
func (s *Store) loadSubscribers() []Subscriber {
	if p := s.subs.Load(); p != nil {
		return *p
	}
	return nil
}

// publish hands the batch of the record just applied to subs. touched
// holds the series the record set, in its order, possibly repeated.
func (r *RunState) publish(subs []Subscriber) {
	b := &r.batch
	b.Run, b.Time, b.Samples = r.name, r.lastRecordTime, b.Samples[:0]
	labels := r.labels.Load()
	if r.labelsFor != labels { // renamed
		r.infoLabels, r.counterLabels, r.labelsFor = nil, nil, labels
	}
	r.store.fixedFamilies()
	names := &r.store.fixedNames

	// The run's own series, as view gives them to a scrape.
	values, has := r.fixedValues()
	for i := range fixedValueSeries {
		if has[i] {
			b.Samples = append(b.Samples, Sample{names.values[i], labels.pairs, values[i]})
		}
	}
	b.Samples = append(b.Samples, Sample{names.runInfo, r.infoLabelsOf(labels), 1})
	b.Samples = r.appendHparamSamples(b.Samples, labels)

	if r.stamp++; r.stamp == 0 { // wrapped: forget every mark
		for _, g := range r.all {
			g.stamp = 0
		}
		r.stamp = 1
	}
	for _, g := range r.touched {
		if g.stamp == r.stamp {
			continue // a record can set a series under two spellings of its key
		}
		g.stamp = r.stamp
		b.Samples = append(b.Samples, Sample{g.fam.name, labels.pairs, g.value})
		if g.best != nil && g.best.has {
			b.Samples = append(b.Samples,
				Sample{g.best.fam.name, labels.pairs, g.best.value},
				Sample{g.best.stepFam.name, labels.pairs, g.best.step})
		}
		if g.watch != nil && g.watch.emaSet {
			b.Samples = append(b.Samples, Sample{g.watch.fam.name, labels.pairs, g.watch.ema.value})
		}
		if g.nonfinite > 0 || g.watch != nil {
			ml := r.counterLabelsOf(g, labels)
			b.Samples = append(b.Samples, Sample{names.nonfinite, ml, g.nonfinite})
			if g.watch != nil {
				b.Samples = append(b.Samples, Sample{names.spikes, ml, g.watch.det.spikes})
			}
		}
	}
	clear(r.touched)
	r.touched = r.touched[:0]
	for _, sub := range subs {
		sub(b)
	}
}

// counterLabelsOf returns the run's labels with the "metric" label that
// g's counters carry, made once per run label set.
func (r *RunState) counterLabelsOf(g *series, l *runLabels) []Label {
	ml, ok := r.counterLabels[g]
	if !ok {
		ml = sortedLabels(append(slices.Clone(l.pairs), Label{"metric", g.fam.name}))
		if r.counterLabels == nil {
			r.counterLabels = map[*series][]Label{}
		}
		r.counterLabels[g] = ml
	}
	return ml
}

// infoLabelsOf returns the labels of the run's run_info sample, made again
// when its info changes.
func (r *RunState) infoLabelsOf(l *runLabels) []Label {
	if r.infoLabels == nil {
		pairs := slices.Clone(l.pairs)
		for k, v := range r.info {
			pairs = append(pairs, Label{k, v})
		}
		r.infoLabels = sortedLabels(pairs)
	}
	return r.infoLabels
}

func sortedLabels(pairs []Label) []Label {
	slices.SortFunc(pairs, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
	return pairs
}
