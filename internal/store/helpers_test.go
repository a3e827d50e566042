// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"regexp"
	"time"
)

// fixedMtime stands in for the read time of records without one.
var fixedMtime = time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)

// newTestStore returns a store with the exporter's default rules for
// best-so-far and watched series.
func newTestStore(maxSeries int) *Store {
	return New(Options{
		Namespace: "ml",
		MaxSeries: maxSeries,
		Best:      BestRules{Minimize: regexp.MustCompile(DefaultBestMinimize), Maximize: regexp.MustCompile(DefaultBestMaximize)},
		Watch: WatchRules{
			Metrics:   regexp.MustCompile(DefaultWatchMetrics),
			EMAWeight: DefaultEMAWeight,
			Spike:     SpikeRules{Weight: DefaultSpikeWeight, Sigma: DefaultSpikeSigma, MinJump: DefaultSpikeMinJump, Warmup: DefaultSpikeWarmup},
		},
	})
}
