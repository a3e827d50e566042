// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package profile

import (
	"bytes"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// DefaultElapsedKeys are the metrics that hold seconds since the run
// began, for a profile that names none: Chainer's and LLaMA-Factory's
// elapsed_time, W&B's _runtime.
var DefaultElapsedKeys = []string{"elapsed_time", "elapsed", "_runtime"}

// Hint sets what a record without a time of its own tells of the time
// that passed (Record.Elapsed, StepSeconds, RunSeconds), from its metrics,
// after the profile's rules. A record with a time is left alone: its
// time says it all.
func (p *Profile) Hint(rec *record.Record) {
	if rec.HasTime || len(rec.Metrics) == 0 {
		return
	}
	elapsed := p.ElapsedKeys
	if elapsed == nil {
		elapsed = DefaultElapsedKeys
	}
	for _, m := range rec.Metrics {
		switch {
		case p.StepSecondsKey != "" && string(m.Name) == p.StepSecondsKey:
			rec.StepSeconds, rec.HasStepSeconds = m.Value, true
		case p.RunSecondsKey != "" && isSummaryOf(m.Name, p.RunSecondsKey):
			rec.RunSeconds, rec.HasRunSeconds = m.Value, true
		default:
			for _, k := range elapsed {
				if string(m.Name) == k {
					rec.Elapsed, rec.HasElapsed = m.Value, true
				}
			}
		}
	}
}

// isSummaryOf reports whether name is key, or key in a summary record
// ("summary.train_runtime").
func isSummaryOf(name []byte, key string) bool {
	if string(name) == key {
		return true
	}
	rest, ok := bytes.CutPrefix(name, []byte(SummaryPrefix+"."))
	return ok && string(rest) == key
}
