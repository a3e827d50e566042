// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import "strings"

// lastIn is the newest value of sel in the dashboard's time range. Pushed
// runs get no staleness markers and finished runs stop writing, so a plain
// selector would lose both five minutes after their last sample.
func lastIn(sel string) string {
	return "last_over_time(" + sel + "[$__range])"
}

// perRun keeps one row per run of each exporter, with the labels the
// table merges its queries on and the run link needs.
func perRun(expr string) string {
	return "max by (job, instance, run) (" + expr + ")"
}

// listed selects a series of the listed runs.
func listed(name string) string { return name + `{run=~"$run"}` }

// statusCode is the status rule of docs/metrics.md ("Progress and
// status") in PromQL, joined on (job, instance, run) like the alert rules:
// 2 finished, else 1 stalled (no record for 5 usual intervals, at least 10
// minutes), else 0 running. It repeats the expression of the recording
// rule ml:run_status:code because a dashboard must not need the
// repository's rules.
func statusCode() string {
	last := func(name string) string { return lastIn(listed(name)) }
	return perRun(`(` + last("ml_run_finished") + ` == 1) * 2` +
		` or on(job, instance, run) (((time() - ` + last("ml_last_record_timestamp_seconds") + `) > on(job, instance, run) group_left() (clamp_min(5 * ` + last("ml_run_record_interval_seconds") + `, 600) or on(job, instance, run) (` + last("ml_records_total") + ` * 0 + 600))) * 0 + 1)` +
		` or on(job, instance, run) (` + last("ml_records_total") + ` * 0)`)
}

// firstOf is, per run, the first of names the run has, with suffix
// ("_best", "_best_step"): the picks' preference order, applied per row
// because the listed runs may come from different trainers.
func firstOf(names []string, suffix string) string {
	alts := make([]string, len(names))
	for i, n := range names {
		alts[i] = perRun(lastIn(listed(n + suffix)))
	}
	return strings.Join(alts, " or ")
}

// validationLosses are the validation names of the Validation pick that
// are losses; its scores (accuracy, AP) are not losses and stay out of
// the loss columns.
func validationLosses() []string {
	var out []string
	for _, n := range pickVal.names {
		if strings.HasSuffix(n, "loss") {
			out = append(out, n)
		}
	}
	return out
}

// hparamsIn are the hyperparameters of the listed runs as of the end of
// the time range, one series per run, name and value.
const hparamsIn = `max by (run, name, value) (last_over_time(ml_hparam_info{run=~"$run"}[$__range]))`

// differing names the hyperparameters whose value is not the same in
// every listed run: two values or more, or missing in some run.
const differing = `(count by (name) (count by (name, value) (` + hparamsIn + `)) > 1)` +
	` or (count by (name) (count by (name, run) (` + hparamsIn + `)) < scalar(count(count by (run) (` + hparamsIn + `))))`

// Column titles of the runs table, by query.
var runColumns = []struct{ refID, title string }{
	{"A", "status"},
	{"B", "progress"},
	{"C", "time to finish"},
	{"D", "step"},
	{"E", "loss"},
	{"F", "best loss"},
	{"G", "validation loss"},
	{"H", "best validation loss"},
	{"I", "step of best validation"},
}

// Runs is the "Runs" dashboard: every run at a glance, with its status,
// progress, losses and hyperparameters.
func Runs() Dashboard {
	d := newDashboard("jsonl-exporter-runs", "Runs",
		"Every training run at a glance: status, progress, time to finish, losses and hyperparameters, and a hyperparameter against the best value of a metric.",
		"training")
	runVar := queryVariable("run", "Runs", "Runs listed, among those matching the run filter.",
		`label_values(ml_records_total{run=~".*(?:$run_filter).*"}, run)`)
	runVar.Multi, runVar.IncludeAll = true, true
	runVar.Current = Current{Selected: true, Text: []string{"All"}, Value: []string{"$__all"}}
	hparamVar := queryVariable("hparam", "Hyperparameter", "Numeric hyperparameter of the listed runs (ml_hparam) for the x axis.",
		`label_values(ml_hparam{run=~"$run"}, name)`)
	hparamVar.Current = Current{Selected: true, Text: "lr", Value: "lr"}
	// Metrics with a best-so-far companion, offered without its suffix.
	metricVar := queryVariable("metric", "Metric", "Metric whose best value is plotted (metrics with best-so-far tracking) and drawn by step.",
		`label_values({__name__=~"ml_.+_best", run=~"$run"}, __name__)`)
	metricVar.Regex = `/^(.+)_best$/`
	metricVar.Current = Current{Selected: true, Text: "ml_train_loss", Value: "ml_train_loss"}
	d.Templating.List = []Variable{
		datasourceVariable(),
		textboxVariable("run_filter", "Run filter", "Regular expression; runs whose name contains a match are offered.", ".*"),
		runVar,
		hparamVar,
		metricVar,
	}

	var l layout
	l.add(24, 12, runsTable())
	l.add(12, 10, hparamChart())
	l.add(12, 10, byStep())
	d.Panels = l.panels
	return d
}

// runsTable has one row per run: the run-level queries A-I merged on the
// run's labels, then its hyperparameters as columns: J those that differ
// between the listed runs, K those they share, each pivoted from
// ml_hparam_info (one row per run and name) to one column per name,
// alphabetical. Grafana orders columns by first appearance, so J's come
// before K's whatever their names.
func runsTable() Panel {
	targets := []Target{
		instant(statusCode()),
		instant(perRun(lastIn(listed("ml_run_progress_ratio")))),
		instant(perRun(lastIn(listed("ml_run_eta_seconds")))),
		instant(perRun(lastIn(listed("ml_global_step")))),
		instant(firstOf(pickLoss.names, "")),
		instant(firstOf(pickLoss.names, "_best")),
		instant(firstOf(validationLosses(), "")),
		instant(firstOf(validationLosses(), "_best")),
		instant(firstOf(validationLosses(), "_best_step")),
		instant(hparamsIn + ` and on(name) (` + differing + `)`),
		instant(hparamsIn + ` unless on(name) (` + differing + `)`),
	}
	p := table("Runs",
		"One row per run. Status: running, stalled (no record for 5 times its usual interval, at least 10 minutes) or finished (ml_run_finished). Progress and time to finish where the log tells the total (ml_run_progress_ratio, ml_run_eta_seconds). Losses are the first training and validation loss names each run has (docs/formats.md, names the dashboards look for). Then the run's hyperparameters (ml_hparam_info): first those that differ between the listed runs, then those they share, each group alphabetical. Click a run for its Training run dashboard; click a header to sort.",
		"short", targets...)
	p.FieldConfig.Defaults.Custom = map[string]any{"align": "auto", "cellOptions": map[string]any{"type": "auto"}, "inspect": false}
	p.Options = map[string]any{
		"cellHeight": "sm",
		"showHeader": true,
		"sortBy":     []map[string]any{{"displayName": "run", "desc": false}},
	}
	zero, one := 0.0, 1.0
	p = p.withOverride("status",
		Property{ID: "mappings", Value: []any{map[string]any{"type": "value", "options": map[string]any{
			"0": map[string]any{"text": "running", "color": "blue", "index": 0},
			"1": map[string]any{"text": "stalled", "color": "orange", "index": 1},
			"2": map[string]any{"text": "finished", "color": "green", "index": 2},
		}}}},
		Property{ID: "custom.cellOptions", Value: map[string]any{"type": "color-text"}},
		Property{ID: "unit", Value: "none"})
	p = p.withOverride("progress",
		Property{ID: "unit", Value: "percentunit"},
		Property{ID: "min", Value: zero}, Property{ID: "max", Value: one},
		Property{ID: "custom.cellOptions", Value: map[string]any{"type": "gauge", "mode": "basic", "valueDisplayMode": "text"}})
	p = p.withOverride("time to finish", Property{ID: "unit", Value: "s"})
	p = p.withOverride("step", Property{ID: "unit", Value: "none"})
	p = p.withOverride("step of best validation", Property{ID: "unit", Value: "none"})
	p = p.withOverride("job", Property{ID: "custom.hidden", Value: true})
	p = p.withOverride("run", Property{ID: "links", Value: []any{map[string]any{
		"title": "Training run ${__value.raw}",
		"url":   trainingRunLink,
	}}})

	rename := map[string]any{}
	index := map[string]any{"run": 0, "instance": 1}
	for i, c := range runColumns {
		rename["Value #"+c.refID] = c.title
		index["Value #"+c.refID] = i + 2
	}
	byRef := func(ref string) *Matcher { return &Matcher{ID: "byRefId", Options: ref} }
	pivot := func(ref string) []Transformation {
		return []Transformation{
			{Filter: byRef(ref), ID: "sortBy", Options: map[string]any{"fields": map[string]any{}, "sort": []map[string]any{{"field": "name"}}}},
			{Filter: byRef(ref), ID: "groupingToMatrix", Options: map[string]any{"columnField": "name", "rowField": "run", "valueField": "value", "emptyValue": "empty"}},
		}
	}
	p = p.withTransformations(pivot("J")...)
	p = p.withTransformations(pivot("K")...)
	return p.withTransformations(
		// The matrices name their row column "run\name"; merge joins rows
		// on the fields every frame has, so it must be "run".
		Transformation{ID: "organize", Options: map[string]any{"renameByName": map[string]any{`run\name`: "run"}}},
		Transformation{ID: "merge", Options: map[string]any{}},
		Transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]any{"Time": true},
			"indexByName":   index,
			"renameByName":  rename,
		}},
	)
}

// trainingRunLink opens the Training run dashboard on the row's run, with
// the job and instance that tell runs of the same name apart and the same
// time range. Grafana URL-encodes the values.
const trainingRunLink = "/d/jsonl-exporter-training-run/training-run?var-datasource=${datasource}" +
	"&var-job=${__data.fields.job}&var-instance=${__data.fields.instance}&var-run=${__value.raw}&${__url_time_range}"

// hparamChart plots, one point per run, the chosen hyperparameter against
// the best value of the chosen metric. The options are in the format
// Grafana 10 reads and 11 and 12 migrate (no pluginVersion: "auto"
// mapping, the first number field is x, the others y), so one file works
// on all three; the x field is the first number column after the merge.
func hparamChart() Panel {
	p := panel("xychart", "${hparam} against best ${metric}",
		"One point per listed run: its hyperparameter ${hparam} (ml_hparam) against the best value so far of ${metric} (${metric}_best: lowest for losses, highest for scores). Runs without either are left out.",
		"short",
		instant(`max by (run) (last_over_time(ml_hparam{run=~"$run", name="$hparam"}[$__range]))`),
		instant(`max by (run) (last_over_time(${metric}_best{run=~"$run"}[$__range]))`))
	p.FieldConfig.Defaults.Custom = map[string]any{
		"show":          "points",
		"pointSize":     map[string]any{"fixed": 8},
		"axisPlacement": "auto",
	}
	p.Options = map[string]any{
		"seriesMapping": "auto",
		"dims":          map[string]any{"frame": 0},
		"series":        []any{},
		"legend":        map[string]any{"calcs": []string{}, "displayMode": "list", "placement": "bottom", "showLegend": false},
		"tooltip":       map[string]any{"mode": "single", "sort": "none"},
	}
	return p.withTransformations(
		Transformation{ID: "merge", Options: map[string]any{}},
		Transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]any{"Time": true},
			"indexByName":   map[string]any{"run": 0, "Value #A": 1, "Value #B": 2},
			"renameByName":  map[string]any{"Value #A": "${hparam}", "Value #B": "best ${metric}"},
		}},
	)
}
