// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The tests read the JSON files, not the builders: the files are what
// Grafana loads.

type dashboardFile struct {
	name string
	raw  map[string]any
}

func loadDashboards(t *testing.T) []dashboardFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("grafana", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 4 {
		t.Fatalf("want 4 dashboards in grafana/, found %v", paths)
	}
	var out []dashboardFile
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatalf("%s: invalid JSON: %v", p, err)
		}
		out = append(out, dashboardFile{filepath.Base(p), raw})
	}
	return out
}

func list(v any) []any         { l, _ := v.([]any); return l }
func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func str(v any) string         { s, _ := v.(string); return s }

// panels returns every panel, rows and the panels nested in rows included.
func (d dashboardFile) panels() []map[string]any {
	var out []map[string]any
	var walk func([]any)
	walk = func(ps []any) {
		for _, p := range ps {
			out = append(out, obj(p))
			walk(list(obj(p)["panels"]))
		}
	}
	walk(list(d.raw["panels"]))
	return out
}

// query is one PromQL expression of a dashboard and where it comes from.
type query struct {
	where   string
	expr    string
	legend  string
	table   bool // instant table: one row per series, no legend
	panel   string
	mayMiss bool // an annotation may rightly find no event
}

// queries returns the panel targets and the Prometheus annotation queries.
func (d dashboardFile) queries() []query {
	var out []query
	for _, p := range d.panels() {
		for _, tg := range list(p["targets"]) {
			tg := obj(tg)
			out = append(out, query{
				where:  fmt.Sprintf("panel %v %q target %s", p["id"], str(p["title"]), str(tg["refId"])),
				expr:   str(tg["expr"]),
				legend: str(tg["legendFormat"]),
				table:  str(tg["format"]) == "table",
				panel:  str(p["title"]),
			})
		}
	}
	for _, a := range list(obj(d.raw["annotations"])["list"]) {
		a := obj(a)
		if a["builtIn"] != nil {
			continue
		}
		out = append(out, query{where: fmt.Sprintf("annotation %q", str(a["name"])), expr: str(a["expr"])})
	}
	return out
}

func (d dashboardFile) variables() []map[string]any {
	var out []map[string]any
	for _, v := range list(obj(d.raw["templating"])["list"]) {
		out = append(out, obj(v))
	}
	return out
}

// multi names the variables Grafana substitutes as (a|b).
func (d dashboardFile) multi() map[string]bool {
	m := map[string]bool{}
	for _, v := range d.variables() {
		if v["multi"] == true || v["includeAll"] == true {
			m[str(v["name"])] = true
		}
	}
	return m
}

var (
	labelValues = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)
	queryResult = regexp.MustCompile(`^query_result\((.+)\)$`)
)

// variableQuery returns the PromQL of a query variable: the selector of
// label_values(selector, label) with the label it lists, or the
// expression of query_result(expr) with the regular expression that takes
// the offers from its results.
func variableQuery(v map[string]any) (expr, label string, err error) {
	q := str(v["query"])
	if q == "" {
		q = str(obj(v["query"])["query"])
	}
	if str(v["definition"]) != q {
		return "", "", fmt.Errorf("definition %q differs from query %q", v["definition"], q)
	}
	if m := labelValues.FindStringSubmatch(q); m != nil {
		return strings.TrimSpace(m[1]), m[2], nil
	}
	if m := queryResult.FindStringSubmatch(q); m != nil {
		if str(v["regex"]) == "" {
			return "", "", fmt.Errorf("query_result without a regex to take the offers")
		}
		return strings.TrimSpace(m[1]), "", nil
	}
	return "", "", fmt.Errorf("query %q is neither label_values(selector, label) nor query_result(expr)", q)
}

// offers applies a query_result variable's regex to the results of its
// expression, as Grafana does, in order and without repeats.
func offers(v map[string]any, results []string) ([]string, error) {
	re, err := regexp.Compile(strings.TrimSuffix(strings.TrimPrefix(str(v["regex"]), "/"), "/"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range results {
		if m := re.FindStringSubmatch(r); m != nil && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out, nil
}
