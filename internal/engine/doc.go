// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package engine runs the exporter's pipeline: it finds log files with
// the configured globs (discovery), follows each with the tailer, parses
// its lines with the record.Reader its profile picks (JSON Lines or CSV),
// names its run, and applies the records to a store.Store. It also owns the
// configuration the command converts into (Config), the exporter's own
// metrics (SelfMetrics), the /metrics handler, config reloads (Service)
// and inspect, which runs the same pieces over files once.
package engine
