// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// staticVars are sample values for checks that do not query Prometheus.
var staticVars = sampleVars{
	"run":             {"resnet50-bs256", "bert-base-lr3e-4"},
	"run_filter":      {".*"},
	"metric":          {"ml_train_loss"},
	"hparam":          {"lr"},
	"window":          {"1m"},
	"smoothing":       {"1"},
	"loss":            {"ml_train_loss"},
	"val":             {"ml_val_loss"},
	"acc":             {"ml_val_accuracy"},
	"lr":              {"ml_train_lr"},
	"grad":            {"ml_train_grad_norm"},
	"throughput":      {"ml_train_throughput"},
	"job":             {"jsonl-exporter"},
	"instance":        {"127.0.0.1:9478"},
	"__rate_interval": {"20s"},
	"__interval":      {"5s"},
	"__range":         {"1h"},
}

// promql parses like a Prometheus server with default flags: no
// experimental functions.
var promql = parser.NewParser(parser.Options{})

// selectorNames parses expr and returns the metric names it selects and
// its selectors that pick names by regular expression.
func selectorNames(expr string) (names []string, patterns []*labels.Matcher, err error) {
	e, err := promql.ParseExpr(expr)
	if err != nil {
		return nil, nil, err
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		if vs.Name != "" {
			names = append(names, vs.Name)
			return nil
		}
		for _, m := range vs.LabelMatchers {
			if m.Name != labels.MetricName {
				continue
			}
			if m.Type == labels.MatchEqual {
				names = append(names, m.Value)
			} else {
				patterns = append(patterns, m)
			}
		}
		return nil
	})
	return names, patterns, nil
}

func TestDashboards(t *testing.T) {
	allow := readAllowList(t)
	uids := map[string]string{}
	for _, d := range loadDashboards(t) {
		t.Run(d.name, func(t *testing.T) {
			uid, title := str(d.raw["uid"]), str(d.raw["title"])
			if uid == "" || title == "" {
				t.Errorf("uid %q and title %q must be set", uid, title)
			}
			if other, dup := uids[uid]; dup {
				t.Errorf("uid %q also used by %s", uid, other)
			}
			uids[uid] = d.name
			if v, _ := d.raw["schemaVersion"].(float64); v < 39 {
				t.Errorf("schemaVersion %v, want Grafana 11 or later (39+)", d.raw["schemaVersion"])
			}
			t.Run("variables", func(t *testing.T) { checkVariables(t, d, allow) })
			t.Run("panels", func(t *testing.T) { checkPanels(t, d) })
			t.Run("queries", func(t *testing.T) { checkQueries(t, d, allow) })
		})
	}
}

func checkVariables(t *testing.T, d dashboardFile, allow allowList) {
	hasDatasource := false
	for _, v := range d.variables() {
		name := str(v["name"])
		switch str(v["type"]) {
		case "datasource":
			hasDatasource = name == "datasource" && str(v["query"]) == "prometheus"
		case "query":
			if uid := str(obj(v["datasource"])["uid"]); uid != "${datasource}" {
				t.Errorf("variable %s: datasource %q, want ${datasource}", name, uid)
			}
			sel, _, err := variableQuery(v)
			if err != nil {
				t.Errorf("variable %s: %v", name, err)
				continue
			}
			checkExpr(t, "variable "+name, sel, d.multi(), allow)
		}
		if _, ok := staticVars[name]; !ok && name != "datasource" {
			t.Errorf("variable %s has no sample value in the tests", name)
		}
	}
	if !hasDatasource {
		t.Error(`no variable "datasource" of type datasource with query prometheus`)
	}
}

func checkPanels(t *testing.T, d dashboardFile) {
	ids := map[float64]string{}
	for _, p := range d.panels() {
		id, _ := p["id"].(float64)
		title := str(p["title"])
		if other, dup := ids[id]; dup || id == 0 {
			t.Errorf("panel %q: id %v missing or also used by %q", title, p["id"], other)
		}
		ids[id] = title
		if str(p["type"]) == "row" {
			continue
		}
		if uid := str(obj(p["datasource"])["uid"]); uid != "${datasource}" {
			t.Errorf("panel %q: datasource %q, want ${datasource}", title, uid)
		}
		if str(p["description"]) == "" {
			t.Errorf("panel %q: no description", title)
		}
		if str(obj(obj(p["fieldConfig"])["defaults"])["unit"]) == "" {
			t.Errorf("panel %q: no unit", title)
		}
		if len(list(p["targets"])) == 0 {
			t.Errorf("panel %q: no query", title)
		}
		for _, tg := range list(p["targets"]) {
			if uid := str(obj(obj(tg)["datasource"])["uid"]); uid != "${datasource}" {
				t.Errorf("panel %q target %v: datasource %q, want ${datasource}", title, obj(tg)["refId"], uid)
			}
		}
	}
	for _, a := range list(obj(d.raw["annotations"])["list"]) {
		a := obj(a)
		if a["builtIn"] == nil && str(obj(a["datasource"])["uid"]) != "${datasource}" {
			t.Errorf("annotation %q: datasource is not ${datasource}", a["name"])
		}
	}
}

// perRunSelector matches a selector of several runs (run=~"$run").
var perRunSelector = regexp.MustCompile(`run=~"\$run"`)

func checkQueries(t *testing.T, d dashboardFile, allow allowList) {
	qs := d.queries()
	if len(qs) == 0 {
		t.Fatal("no queries")
	}
	for _, q := range qs {
		checkExpr(t, q.where, q.expr, d.multi(), allow)
		if perRunSelector.MatchString(q.expr) && !q.table && !strings.Contains(q.legend, "{{run}}") {
			t.Errorf("%s: legend %q of a per-run query lacks {{run}}", q.where, q.legend)
		}
	}
}

// checkExpr parses expr with sample values and checks every metric name it
// selects against the allow-list. Name patterns are only allowed in
// variables: the metric picker (TestMetricPicker) and the picks
// (TestPicks).
func checkExpr(t *testing.T, where, expr string, multi map[string]bool, allow allowList) {
	t.Helper()
	expanded, unknown := expand(expr, staticVars, multi)
	if len(unknown) > 0 {
		t.Errorf("%s: unknown variables %v in %s", where, unknown, expr)
		return
	}
	names, patterns, err := selectorNames(expanded)
	if err != nil {
		t.Errorf("%s: %s does not parse: %v", where, expanded, err)
		return
	}
	if len(patterns) > 0 && !strings.HasPrefix(where, "variable ") {
		t.Errorf("%s: selects metric names by pattern %v; name the series, or pick it with a variable", where, patterns)
	}
	for _, n := range names {
		if why := allow.check(n); why != "" {
			t.Errorf("%s: %s: %s", where, n, why)
		}
	}
}

// TestMetricPicker checks that the metric variable offers training metrics
// and leaves out every per-run series of docs/metrics.md and the
// best-so-far companions.
func TestMetricPicker(t *testing.T) {
	allow := readAllowList(t)
	sel, label, err := variableQuery(map[string]any{"query": metricQuery(), "definition": metricQuery()})
	if err != nil {
		t.Fatal(err)
	}
	if label != "__name__" {
		t.Fatalf("metric picker lists %q, want __name__", label)
	}
	_, patterns, err := selectorNames(sel)
	if err != nil {
		t.Fatal(err)
	}
	offered := func(name string) bool {
		for _, m := range patterns {
			if !m.Matches(name) {
				return false
			}
		}
		return true
	}
	for _, name := range allow.perRun {
		if offered(name) {
			t.Errorf("per-run series %s is offered", name)
		}
	}
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"ml_train_loss", true},
		{"ml_val_mlm_acc", true},
		{"ml_epoch_end_data_truncation_rate", true},
		{"ml_train_loss_best", false},
		{"ml_val_loss_best_step", false},
		{"ml_world_size", false},
		{"jsonl_exporter_runs", false},
	} {
		if got := offered(tc.name); got != tc.want {
			t.Errorf("offered(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestPicksDocumented: docs/formats.md lists the series each pick looks
// for, in the pick's order.
func TestPicksDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "formats.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		var names []string
		for _, m := range docName.FindAllStringSubmatch(cells[2], -1) {
			names = append(names, m[1])
		}
		rows[strings.TrimSpace(cells[1])] = names
	}
	for _, p := range picks {
		if got := rows[p.label]; !slices.Equal(got, p.names) {
			t.Errorf("docs/formats.md lists %v for %s, the dashboard picks %v", got, p.label, p.names)
		}
	}
}
