// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import "fmt"

// finite keeps the samples of sel that are neither NaN nor ±Inf, so that
// one NaN loss does not blank a whole smoothing window.
func finite(sel string) string {
	return "(" + sel + " < Inf > -Inf)"
}

// meanOver is the time-weighted mean of the finite values of sel over
// $window. The subquery is needed to filter before averaging.
func meanOver(sel string) string {
	return "avg_over_time(" + finite(sel) + "[$window:])"
}

// medianOver is like meanOver but ignores spikes.
func medianOver(sel string) string {
	return "quantile_over_time(0.5, " + finite(sel) + "[$window:])"
}

// whenSmoothing keeps expr only while the smoothing variable has the given
// value; every variant stays valid PromQL whatever the selection.
func whenSmoothing(expr string, mode int) string {
	return fmt.Sprintf("%s and on() (vector($smoothing) == %d)", expr, mode)
}

// appeared marks the evaluation steps where a counter went up or first
// appeared (a counter created at 1 never shows an increase).
func appeared(sel string) string {
	return fmt.Sprintf("(%[1]s > %[1]s offset $__interval) or (%[1]s unless %[1]s offset $__interval)", sel)
}

// stepsPerSecond is the slope of the global step. deriv, not rate: the
// global step is a gauge that goes back when a run restarts from a
// checkpoint, and rate would read that as a counter reset and add the
// whole step count as a burst of fake progress.
func stepsPerSecond(sel string) string {
	return "deriv(" + sel + "[$__rate_interval])"
}
