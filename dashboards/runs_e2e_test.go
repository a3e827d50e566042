// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// shortDemoRun is the demo run that finishes first (internal/demo's
// shortRun) and closes with a summary record.
const shortDemoRun = "gpt2-small-warmup"

// row is one series of an instant query: its labels and value.
type row struct {
	labels map[string]string
	value  float64
}

// instantRows evaluates expr at a time, as a table panel's instant query.
func instantRows(api promtest.API, expr string, at time.Time) ([]row, error) {
	result, err := api.Instant(expr, at)
	if err != nil {
		return nil, err
	}
	out := make([]row, len(result))
	for i, r := range result {
		v, err := strconv.ParseFloat(r.Value, 64)
		if err != nil {
			return nil, err
		}
		out[i] = row{r.Metric, v}
	}
	return out, nil
}

func rowOf(rows []row, run string) (row, bool) {
	for _, r := range rows {
		if r.labels["run"] == run {
			return r, true
		}
	}
	return row{}, false
}

// withVars is vars with some values replaced.
func withVars(vars sampleVars, set sampleVars) sampleVars {
	out := sampleVars{}
	for k, v := range vars {
		out[k] = v
	}
	for k, v := range set {
		out[k] = v
	}
	return out
}

// runsTarget is a target of the Runs table by refId.
func runsTarget(t *testing.T, d dashboardFile, refID string) string {
	t.Helper()
	for _, p := range d.panels() {
		if str(p["title"]) != "Runs" {
			continue
		}
		for _, tg := range list(p["targets"]) {
			if str(obj(tg)["refId"]) == refID {
				return str(obj(tg)["expr"])
			}
		}
	}
	t.Fatalf("Runs table has no target %s", refID)
	return ""
}

// checkRunsLive: the demo's short run is finished and the others running,
// every run's link opens the Training run dashboard on it, and (scrape
// mode) every producer's finished run fills the table's columns it has
// series for, the hyperparameter chart and the by-step panel.
func checkRunsLive(t *testing.T, d dashboardFile, training dashboardFile, api promtest.API, vars sampleVars, end time.Time, push bool) {
	status := func(vs sampleVars) []row {
		expanded, _ := expand(runsTarget(t, d, "A"), vs, d.multi())
		rows, err := instantRows(api, expanded, end)
		if err != nil {
			t.Fatalf("status: %s: %v", expanded, err)
		}
		return rows
	}
	demoStatus := status(vars)
	// At 10 ms a step the demo's long runs finish too (and are replaced
	// by new ones): a run is finished when the exporter said so at the
	// same instant, and its status must say the same.
	finishedRows, err := instantRows(api, `max by (run) (last_over_time(ml_run_finished[1h]))`, end)
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range demoRuns {
		r, ok := rowOf(demoStatus, run)
		f, fok := rowOf(finishedRows, run)
		want := 0.0 // running
		if fok && f.value == 1 {
			want = 2
		}
		if run == shortDemoRun && want != 2 {
			t.Errorf("short demo run %s: ml_run_finished %v (listed %v), want 1: its summary record was written", run, f.value, fok)
		}
		if !ok || r.value != want {
			t.Errorf("status of demo run %s = %v (listed %v), want %v", run, r.value, ok, want)
		}
		if ok {
			checkRunLink(t, d, training, api, r, end)
		}
	}
	// The runs that wrote within the last minute and are not finished
	// (the demo's newest, which replace those that finished) are running.
	fresh, err := instantRows(api, `max by (run) (time() - last_over_time(ml_last_record_timestamp_seconds[1h])) < 60 unless on(run) max by (run) (last_over_time(ml_run_finished[1h]) == 1)`, end)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range fresh {
		names = append(names, r.labels["run"])
	}
	if len(names) == 0 {
		t.Errorf("no run wrote in the last minute; the demo replaces a finished run with a new one")
	} else {
		rows := status(withVars(vars, sampleVars{"run": names}))
		for _, name := range names {
			if r, ok := rowOf(rows, name); !ok || r.value != 0 {
				t.Errorf("status of run %s, which wrote in the last minute = %v (listed %v), want 0 (running)", name, r.value, ok)
			}
		}
	}
	if push {
		return
	}
	for _, pr := range profileRuns {
		t.Run(pr.run, func(t *testing.T) {
			vs := withVars(vars, sampleVars{"run": {pr.run}})
			r, ok := rowOf(status(vs), pr.run)
			if !ok {
				t.Fatalf("no status row")
			}
			checkRunLink(t, d, training, api, r, end)
			missing := slices.Clone(runsColumnsMissing[pr.run])
			// Progress and time to finish exist where the log tells its
			// total (docs/metrics.md, "Progress and status"); the columns
			// must show them there.
			for title, series := range map[string]string{"progress": "ml_run_progress_ratio", "time to finish": "ml_run_eta_seconds"} {
				if rows, err := instantRows(api, `last_over_time(`+series+`{run="`+pr.run+`"}[1h])`, end); err == nil && len(rows) == 0 {
					t.Logf("no %s: the log does not tell its total", series)
					missing = append(missing, title)
				}
			}
			for _, c := range runColumns {
				expanded, _ := expand(runsTarget(t, d, c.refID), vs, d.multi())
				rows, err := instantRows(api, expanded, end)
				if err != nil {
					t.Errorf("%s: %s: %v", c.title, expanded, err)
					continue
				}
				_, got := rowOf(rows, pr.run)
				if wantMissing := slices.Contains(missing, c.title); got == wantMissing {
					t.Errorf("column %s: value %v, want %v: %s", c.title, got, !wantMissing, expanded)
				}
			}
			// Listed with a demo run (which has hyperparameters of its
			// own), a run with hyperparameters has columns among those
			// that differ.
			hp, err := instantRows(api, `group by (run) (ml_hparam_info{run="`+pr.run+`"})`, end)
			if err == nil && len(hp) > 0 {
				expanded, _ := expand(runsTarget(t, d, "J"), withVars(vars, sampleVars{"run": {pr.run, demoRuns[0]}}), d.multi())
				rows, err := instantRows(api, expanded, end)
				if _, ok := rowOf(rows, pr.run); err != nil || !ok {
					t.Errorf("no differing hyperparameters of the run among all producers' (%v): %s", err, expanded)
				}
			}
			checkChartsLive(t, d, api, vs, end)
		})
	}
}

// runsColumnsMissing are the table columns a producer's finished run rightly
// leaves empty: no validation loss (mmengine's and mmdetection's
// validation gives AP, detectron2's too), no total to measure progress by.
var runsColumnsMissing = map[string][]string{
	"mmengine/work_dirs/mask-rcnn_r50/20240101_120000":  {"validation loss", "best validation loss", "step of best validation"},
	"mmengine/work_dirs/resnet50_8xb32/20240102_090000": {"validation loss", "best validation loss", "step of best validation"},
	"mmdet2/work_dirs/faster_rcnn_r50":                  {"validation loss", "best validation loss", "step of best validation"},
	"detectron2/faster_rcnn_R_50_FPN":                   {"validation loss", "best validation loss", "step of best validation"},
}

// checkChartsLive: with the hyperparameter and metric variables on their
// first offers for the run, the XY chart has the run's point and the
// by-step panel its curve.
func checkChartsLive(t *testing.T, d dashboardFile, api promtest.API, vs sampleVars, end time.Time) {
	t.Helper()
	vs = withVars(vs, nil)
	for _, v := range d.variables() {
		name := str(v["name"])
		if name != "hparam" && name != "metric" {
			continue
		}
		sel, label, err := variableQuery(v)
		if err != nil {
			t.Fatal(err)
		}
		expanded, _ := expand(sel, vs, d.multi())
		values, err := api.LabelValues(label, expanded, end, time.Minute)
		if err == nil && str(v["regex"]) != "" {
			values, err = offers(v, values)
		}
		if err != nil || len(values) == 0 {
			t.Logf("variable %s offers nothing for the run (%v): charts not checked", name, err)
			return
		}
		slices.Sort(values)
		vs[name] = values[:1]
	}
	for _, q := range d.queries() {
		if q.panel == "Runs" {
			continue
		}
		expanded, unknown := expand(q.expr, vs, d.multi())
		if len(unknown) > 0 {
			t.Errorf("%s: unknown variables %v", q.where, unknown)
			continue
		}
		if n, err := api.QueryRange(expanded, end, time.Minute, 2*time.Second); err != nil || n == 0 {
			t.Errorf("%s: no data for %v (%v): %s", q.where, vs["run"], err, expanded)
		}
	}
}

// checkRunLink follows the run column's data link as Grafana builds it
// for the row r: it must open the Training run dashboard, set only
// variables that dashboard has, and its run variable, queried with the
// link's job and instance, must offer the run (so Grafana keeps it
// selected).
func checkRunLink(t *testing.T, d, training dashboardFile, api promtest.API, r row, end time.Time) {
	t.Helper()
	link := runLink(t, d)
	fields := map[string]string{
		"${__value.raw}":            r.labels["run"],
		"${__data.fields.job}":      r.labels["job"],
		"${__data.fields.instance}": r.labels["instance"],
		"${datasource}":             "prometheus",
		"${__url_time_range}":       "from=now-1h&to=now",
	}
	href := link
	for k, v := range fields {
		href = strings.ReplaceAll(href, k, url.QueryEscape(v)) // Grafana URL-encodes link values
	}
	u, err := url.Parse(href)
	if err != nil {
		t.Fatalf("link %s: %v", href, err)
	}
	if want := "/d/" + str(training.raw["uid"]) + "/"; !strings.HasPrefix(u.Path, want) {
		t.Errorf("link %s does not open %s", href, want)
	}
	trainingVars := map[string]map[string]any{}
	for _, v := range training.variables() {
		trainingVars[str(v["name"])] = v
	}
	set := sampleVars{}
	for k, vs := range u.Query() {
		name, ok := strings.CutPrefix(k, "var-")
		if !ok {
			continue
		}
		if trainingVars[name] == nil {
			t.Errorf("link sets var-%s, not a variable of %s", name, training.name)
		}
		set[name] = vs
	}
	if got := set["run"]; len(got) != 1 || got[0] != r.labels["run"] {
		t.Fatalf("link %s sets run %v, want %q", href, got, r.labels["run"])
	}
	sel, label, err := variableQuery(trainingVars["run"])
	if err != nil {
		t.Fatal(err)
	}
	expanded, unknown := expand(sel, set, training.multi())
	if len(unknown) > 0 {
		t.Fatalf("the link leaves %v of the run variable's query unset: %s", unknown, sel)
	}
	offered, err := api.LabelValues(label, expanded, end, time.Hour)
	if err != nil || !slices.Contains(offered, r.labels["run"]) {
		t.Errorf("link to %s: run variable (%s) offers %v (%v), not the run", r.labels["run"], expanded, offered, err)
	}
}

// runLink is the URL of the run column's data link.
func runLink(t *testing.T, d dashboardFile) string {
	t.Helper()
	for _, p := range d.panels() {
		for _, o := range list(obj(p["fieldConfig"])["overrides"]) {
			if str(obj(obj(o)["matcher"])["options"]) != "run" {
				continue
			}
			for _, prop := range list(obj(o)["properties"]) {
				if str(obj(prop)["id"]) == "links" {
					if links := list(obj(prop)["value"]); len(links) == 1 {
						return str(obj(links[0])["url"])
					}
				}
			}
		}
	}
	t.Fatal("no data link on the run column")
	return ""
}
