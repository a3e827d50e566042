// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import "strings"

// perRunSeries are the series every run has whatever it logs (docs/metrics.md,
// "Per run"), plus ml_world_size, a constant from the meta record, the
// run's progress and status and its hyperparameters. They are not
// training curves, so the metric picker leaves them out.
var perRunSeries = []string{
	"step", "epoch", "global_step", "epoch_end_timestamp_seconds", "last_record_timestamp_seconds",
	"records_total", "run_restarts_total", "nonfinite_values_total", "spikes_total", "run_info", "world_size",
	"run_progress_ratio", "run_eta_seconds", "run_finished", "run_record_interval_seconds", "hparam", "hparam_info",
}

// metricQuery lists the training metrics of the selected runs: every ml_*
// name except the per-run series and the best-so-far companions, which the
// summary table shows next to their metric.
func metricQuery() string {
	excluded := "ml_(" + strings.Join(perRunSeries, "|") + ")|.+_best(_step)?"
	return `label_values({__name__=~"ml_.+", __name__!~"` + excluded + `", run=~"$run"}, __name__)`
}

// Smoothing modes: the values of the smoothing variable.
const (
	smoothingOff = iota
	smoothingMean
	smoothingMedian
)

// CompareRuns is the "Compare runs" dashboard: one metric, many runs.
func CompareRuns() Dashboard {
	d := newDashboard("jsonl-exporter-compare-runs", "Compare runs",
		"One metric of several training runs side by side, against time and against training step.",
		"training")
	run := func(name string) string { return name + `{run=~"$run"}` }

	runVar := queryVariable("run", "Runs", "Runs to compare, among those matching the run filter.",
		`label_values(ml_records_total{run=~".*(?:$run_filter).*"}, run)`)
	runVar.Multi, runVar.IncludeAll = true, true
	runVar.Current = Current{Selected: true, Text: []string{"All"}, Value: []string{"$__all"}}
	metricVar := queryVariable("metric", "Metric", "Series to compare (training metrics of the selected runs).", metricQuery())
	metricVar.Current = Current{Selected: true, Text: "ml_train_loss", Value: "ml_train_loss"}
	d.Templating.List = []Variable{
		datasourceVariable(),
		textboxVariable("run_filter", "Run filter", "Regular expression; runs whose name contains a match are offered.", ".*"),
		runVar,
		metricVar,
		intervalVariable("window", "Smoothing window", "Time window of the mean or median smoothing.",
			"1m", "10s", "30s", "1m", "2m", "5m", "15m", "1h"),
		customVariable("smoothing", "Smoothing",
			"off: raw values; mean: mean of the finite values in the window; median: median in the window (ignores spikes).",
			choice{"off", "0"}, choice{"mean", "1"}, choice{"median", "2"}),
	}

	var l layout
	l.add(24, 10, timeseries("${metric} over time",
		"The metric of every selected run against wall time, raw or smoothed over $window (variable smoothing).", "short",
		series(whenSmoothing(run("$metric"), smoothingOff), "{{run}}"),
		series(whenSmoothing(meanOver(run("$metric")), smoothingMean), "{{run}} (mean $window)"),
		series(whenSmoothing(medianOver(run("$metric")), smoothingMedian), "{{run}} (median $window)")))
	l.add(24, 10, byStep())
	l.add(24, 8, summaryTable())
	d.Panels = l.panels
	return d
}

// byStep draws the metric against ml_global_step, so runs that started at
// different times line up. The Trend panel needs one frame with an
// ascending numeric x: the two queries return points at the same
// timestamps (each is restricted to runs where the other exists), are
// joined by run, split per run and joined again on the step.
func byStep() Panel {
	p := panel("trend", "${metric} by training step",
		"Raw values of every selected run against the global step (ml_global_step), so runs line up whenever they started.", "short",
		series(`$metric{run=~"$run"} and on(run) ml_global_step{run=~"$run"}`, "{{run}}"),
		series(`ml_global_step{run=~"$run"} and on(run) $metric{run=~"$run"}`, "{{run}}"))
	p.FieldConfig.Defaults.DisplayName = "${__field.labels.run}"
	p.FieldConfig.Defaults.Custom = map[string]any{
		"drawStyle":  "line",
		"lineWidth":  1,
		"showPoints": "never",
		"spanNulls":  true, // the outer join leaves gaps where another run has a step
	}
	p.Options = map[string]any{
		"legend":  map[string]any{"calcs": []string{}, "displayMode": "list", "placement": "bottom", "showLegend": true},
		"tooltip": map[string]any{"mode": "multi", "sort": "desc"},
		"xField":  "ml_global_step",
	}
	p = p.withOverride("ml_global_step", Property{ID: "displayName", Value: "global step"}, Property{ID: "unit", Value: "none"})
	return p.withTransformations(
		Transformation{ID: "joinByLabels", Options: map[string]any{"value": "__name__", "join": []string{"run"}}},
		Transformation{ID: "partitionByValues", Options: map[string]any{
			"fields": []string{"run"}, "keepFields": false, "naming": map[string]any{"asLabels": true},
		}},
		Transformation{ID: "joinByField", Options: map[string]any{"byField": "ml_global_step", "mode": "outer"}},
	)
}

// summaryTable shows, per run, the last value, the best value and its step
// (from the exporter's ${metric}_best series, exact even between scrapes),
// and how far the run got.
func summaryTable() Panel {
	last := func(name string) string {
		return `max by (run) (last_over_time(` + name + `{run=~"$run"}[$__range]))`
	}
	p := table("${metric} per run",
		"Last value, best value so far and the global step it was reached at (empty for metrics without best-so-far tracking), and the last global step.", "short",
		instant(last("$metric")),
		instant(last("${metric}_best")),
		instant(last("${metric}_best_step")),
		instant(last("ml_global_step")))
	p = p.withOverride("step at best", Property{ID: "unit", Value: "none"})
	p = p.withOverride("final step", Property{ID: "unit", Value: "none"})
	return p.withTransformations(
		Transformation{ID: "merge", Options: map[string]any{}},
		Transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]any{"Time": true},
			"renameByName": map[string]any{
				"Value #A": "last", "Value #B": "best", "Value #C": "step at best", "Value #D": "final step",
			},
		}},
	)
}
