// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package hparams

// The bounds of a run's hyperparameters (docs/metrics.md,
// "Hyperparameters"): each is a series or two of every run, and their
// values are label values.
const (
	// MaxParams is the most hyperparameters a run exports: the first
	// ones by name of its merged set.
	MaxParams = 100
	// MaxNameBytes and MaxValueBytes cut longer names and texts at a
	// UTF-8 boundary.
	MaxNameBytes  = 128
	MaxValueBytes = 200
	// MaxDepth is how many levels of objects are flattened: a key of a
	// deeper object is left out.
	MaxDepth = 6
	// MaxListLen is the longest list of scalars kept, as one text.
	MaxListLen = 8
	// MaxFileBytes bounds a hyperparameter file read whole.
	MaxFileBytes = 1 << 20
	// maxNodes bounds the values visited in one document, so that YAML
	// aliases cannot make a small file expand without end.
	maxNodes = 100000
	// maxLeftOut bounds the keys listed as left out of one source.
	maxLeftOut = 100
)
