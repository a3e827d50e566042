// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package store holds what the exporter knows of every run: the newest
// value of each series, the step axis (step, global step across epoch
// resets, restarts), best-so-far values, moving averages and spike
// counts. It is the one place that names series and labels them.
//
// The engine hands it parsed records (RunState.Apply). Three kinds of
// reader take from it:
//
//   - /metrics: WriteText, and the Collector for a prometheus.Registry,
//     both through one walk over runs and series families;
//   - inspect, which reads a file into a store of its own and prints the
//     same walk;
//   - subscribers (Subscribe), handed every record's samples at the
//     record's time, for consumers that must not lose points between two
//     scrapes.
//
// A run's records are applied under its lock; scrapes take the lock
// briefly to read values, so neither the record path nor a scrape waits
// long for the other.
package store
