// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package demo simulates ML training runs that write JSON Lines logs live,
// so `jsonl-exporter demo`, the compose demo profile and end-to-end tests
// have realistic, moving data without a real trainer.
//
// Each run writes <Dir>/<run>/logs/metrics.jsonl: a run_start, config and
// meta header (the config holds the hyperparameters, which differ between
// runs, and total_steps), one train record per step (the step resets at
// each epoch), a validation record plus an epoch_end record at the end of
// each epoch (which, in the seed trainer's aliased shape, carry the next
// epoch, as that trainer writes them), and a summary record
// ({"_type":"summary",...}: ml_summary_*) when the run ends. The third run
// is short (a tenth of the epochs, 40 s by default), so a finished run
// shows within the first minute.
// Runs use three record shapes (dotted+slashed aliases, "prefix"+"metrics",
// nested "metrics") so the demo exercises the parser. Over the life of one
// Simulate call, the first run gets a loss spike and the second a NaN loss,
// each within the first 30 s at the default options and again halfway
// through the run, so spike and non-finite alerts have something to fire
// on when a newcomer first looks, and later.
package demo
