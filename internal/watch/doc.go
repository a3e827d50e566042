// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package watch is the model of `jsonl-exporter watch`: it takes the
// store's per-record sample batches (the same engine, profiles, run names
// and global steps as serve and plot), keeps per run and metric a bounded,
// downsampled series, and renders the runs table and a braille chart of a
// metric as text. It knows no terminal: the command draws its text, once
// or in a terminal UI, and tests drive its clock.
package watch
