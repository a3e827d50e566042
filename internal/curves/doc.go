// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package curves gathers the values of metrics, record by record, from the
// store's sample path (the same reader, parser, profiles and series names
// as /metrics), and prepares them for an offline plot: the x axis,
// downsampling, percentile clipping and smoothing, with the semantics of
// the pandas script users know.
package curves
