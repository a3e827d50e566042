// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package profile

import (
	"slices"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// Rules applies a profile's record rules to the records of one file. It
// keeps the names it makes until the next Apply.
type Rules struct {
	p       *Profile
	names   []byte
	metrics []record.Metric
	doc     record.RunHints // totals of the document being read (SetDocument)
}

// NewRules returns the rules of p, or nil when its records need none, so
// that a caller pays nothing for the general case.
func NewRules(p *Profile) *Rules {
	if p == nil || !p.HasRecordRules() {
		return nil
	}
	return &Rules{p: p}
}

// Apply adjusts one parsed record to the profile. A nil *Rules does
// nothing.
func (r *Rules) Apply(rec *record.Record) {
	if r == nil {
		return
	}
	p := r.p
	if rec.Kind == record.KindMetric {
		switch {
		case len(p.SummaryKeys) > 0 && hasAnyMetric(rec, p.SummaryKeys):
			r.prefix(rec, SummaryPrefix)
			rec.Run.Final = true // a summary closes the run
		case p.SplitWithoutStep != "" && !rec.HasStep && len(rec.Prefix) == 0 && len(rec.Metrics) > 0:
			r.prefix(rec, p.SplitWithoutStep)
		}
	}
	if rec.HasStep && len(rec.Prefix) > 0 && slices.Contains(p.StepFreeSplits, string(rec.Prefix)) {
		rec.HasStep = false
	}
	if p.EpochIsStep && !rec.HasStep && rec.HasEpoch {
		rec.Step, rec.HasStep = rec.Epoch, true
	}
	if p.Progress.any() {
		r.hintProgress(rec)
	}
}

func hasAnyMetric(rec *record.Record, names []string) bool {
	for _, m := range rec.Metrics {
		for _, n := range names {
			if string(m.Name) == n {
				return true
			}
		}
	}
	return false
}

// prefix puts "<split>." in front of every metric name, as the parser
// does for a prefix key. The record's Shape no longer holds: its names
// changed.
func (r *Rules) prefix(rec *record.Record, split string) {
	r.names = append(r.names[:0], split...) // the prefix itself, then the names
	for _, m := range rec.Metrics {
		r.names = append(append(append(r.names, split...), '.'), m.Name...)
	}
	r.metrics = r.metrics[:0]
	off := len(split)
	for _, m := range rec.Metrics {
		end := off + len(split) + 1 + len(m.Name)
		r.metrics = append(r.metrics, record.Metric{Name: r.names[off:end:end], Value: m.Value})
		off = end
	}
	rec.Metrics = r.metrics
	rec.Prefix = r.names[:len(split):len(split)]
	rec.Shape = 0
}
