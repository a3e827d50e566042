// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package hparams turns a run's hyperparameters, from config records or
// from the files trainers write beside their logs, into a flat, bounded
// list of name = value pairs.
package hparams

// Param is one hyperparameter: its flattened name ("optimizer.lr"), its
// text as a label value, and its number when it is one (booleans are 1
// and 0).
type Param struct {
	Name    string
	Text    string
	Value   float64
	Numeric bool
}

// LeftOut is a key that gave no hyperparameter, and why ("list of 120
// values", "object nested deeper than 4 levels", "past the limit of 100
// keys").
type LeftOut struct {
	Name, Why string
}

// Set is the hyperparameters of one source, sorted by name.
type Set struct {
	Params  []Param
	LeftOut []LeftOut
}
