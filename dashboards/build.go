// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import "strings"

// schemaVersion is the dashboard schema of Grafana 11.x and 12.x.
const schemaVersion = 41

// datasource is where every panel, target, variable and annotation points:
// the dashboard's own data source variable, so one file works with any
// Prometheus-compatible data source.
var datasource = DataSourceRef{Type: "prometheus", UID: "${datasource}"}

func newDashboard(uid, title, description string, tags ...string) Dashboard {
	return Dashboard{
		Annotations:   Annotations{List: []Annotation{builtInAnnotation()}},
		Description:   description,
		Editable:      true,
		GraphTooltip:  1, // shared crosshair: compare panels at one moment
		Links:         []any{},
		Refresh:       "10s",
		SchemaVersion: schemaVersion,
		Tags:          append([]string{"jsonl-exporter"}, tags...),
		Time:          TimeRange{From: "now-1h", To: "now"},
		Timezone:      "browser",
		Title:         title,
		UID:           uid,
		Version:       1,
	}
}

// builtInAnnotation is Grafana's own "Annotations & Alerts" entry, which
// every dashboard carries; it queries Grafana, not Prometheus.
func builtInAnnotation() Annotation {
	return Annotation{
		BuiltIn:    1,
		Datasource: DataSourceRef{Type: "grafana", UID: "-- Grafana --"},
		Enable:     true,
		Hide:       true,
		IconColor:  "rgba(0, 211, 255, 1)",
		Name:       "Annotations & Alerts",
		Type:       "dashboard",
	}
}

// promAnnotation marks an event at every point where expr has a value.
func promAnnotation(name, expr, title, text, color string) Annotation {
	return Annotation{
		Datasource:  datasource,
		Enable:      true,
		Expr:        expr,
		IconColor:   color,
		Name:        name,
		TitleFormat: title,
		TextFormat:  text,
	}
}

func datasourceVariable() Variable {
	return Variable{
		Label:   "Data source",
		Name:    "datasource",
		Options: []Option{},
		Query:   "prometheus",
		Type:    "datasource",
	}
}

// queryVariable lists values found by a Prometheus variable query
// (label_values(...), query_result(...)), refreshed with the time range.
func queryVariable(name, label, description, query string) Variable {
	ds := datasource
	return Variable{
		Datasource:  &ds,
		Definition:  query,
		Description: description,
		Label:       label,
		Name:        name,
		Options:     []Option{},
		Query:       map[string]any{"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
		Refresh:     2, // on time range change: new runs appear without a reload
		Sort:        1, // alphabetical
		Type:        "query",
	}
}

// choice is one value of a custom or interval variable.
type choice struct{ text, value string }

// customVariable offers fixed choices; the first is the default. Grafana's
// "text : value" syntax lets a label map to a number usable in PromQL.
func customVariable(name, label, description string, choices ...choice) Variable {
	v := Variable{Description: description, Label: label, Name: name, Type: "custom"}
	parts := make([]string, len(choices))
	for i, c := range choices {
		parts[i] = c.text + " : " + c.value
		v.Options = append(v.Options, Option{Selected: i == 0, Text: c.text, Value: c.value})
	}
	v.Query = strings.Join(parts, ",")
	v.Current = Current{Selected: true, Text: choices[0].text, Value: choices[0].value}
	return v
}

// intervalVariable offers durations for range selectors; def is the default.
func intervalVariable(name, label, description, def string, values ...string) Variable {
	v := Variable{Description: description, Label: label, Name: name, Query: strings.Join(values, ","), Type: "interval"}
	for _, val := range values {
		v.Options = append(v.Options, Option{Selected: val == def, Text: val, Value: val})
	}
	v.Current = Current{Selected: true, Text: def, Value: def}
	return v
}

func textboxVariable(name, label, description, def string) Variable {
	return Variable{
		Current:     Current{Text: def, Value: def},
		Description: description,
		Label:       label,
		Name:        name,
		Options:     []Option{{Selected: true, Text: def, Value: def}},
		Query:       def,
		Type:        "textbox",
	}
}

// series is a range query drawn as one line per result series.
func series(expr, legend string) Target {
	return Target{Datasource: datasource, EditorMode: "code", Expr: expr, LegendFormat: legend, Range: true}
}

// instant is a query evaluated once at the end of the time range, as a table.
func instant(expr string) Target {
	return Target{Datasource: datasource, EditorMode: "code", Expr: expr, Format: "table", Instant: true}
}

// lastValue is an instant query for stat panels.
func lastValue(expr, legend string) Target {
	return Target{Datasource: datasource, EditorMode: "code", Expr: expr, Instant: true, LegendFormat: legend}
}

// panel builds a visualization; targets get refIds A, B, C...
func panel(kind, title, description, unit string, targets ...Target) Panel {
	ds := datasource
	for i := range targets {
		targets[i].RefID = string(rune('A' + i))
	}
	return Panel{
		Datasource:  &ds,
		Description: description,
		FieldConfig: &FieldConfig{Defaults: FieldDefaults{
			Mappings:   []any{},
			Thresholds: Thresholds{Mode: "absolute", Steps: []Step{{Color: "green"}}},
			Unit:       unit,
		}, Overrides: []Override{}},
		Targets: targets,
		Title:   title,
		Type:    kind,
	}
}

func timeseries(title, description, unit string, targets ...Target) Panel {
	p := panel("timeseries", title, description, unit, targets...)
	p.FieldConfig.Defaults.Custom = map[string]any{
		"drawStyle":         "line",
		"fillOpacity":       0,
		"lineWidth":         1,
		"pointSize":         4,
		"showPoints":        "never",
		"spanNulls":         false,
		"insertNulls":       false,
		"lineInterpolation": "linear",
	}
	p.Options = map[string]any{
		"legend":  map[string]any{"calcs": []string{"lastNotNull"}, "displayMode": "table", "placement": "bottom", "showLegend": true},
		"tooltip": map[string]any{"mode": "multi", "sort": "desc"},
	}
	return p
}

func stat(title, description, unit string, targets ...Target) Panel {
	p := panel("stat", title, description, unit, targets...)
	p.Options = map[string]any{
		"colorMode":   "value",
		"graphMode":   "none",
		"justifyMode": "auto",
		"orientation": "auto",
		"reduceOptions": map[string]any{
			"calcs": []string{"lastNotNull"}, "fields": "", "values": false,
		},
		"textMode": "auto",
	}
	return p
}

func table(title, description, unit string, targets ...Target) Panel {
	p := panel("table", title, description, unit, targets...)
	p.Options = map[string]any{"cellHeight": "sm", "showHeader": true}
	return p
}

// withThresholds colours a stat from green upwards; values are the
// lower bounds of the following colours.
func (p Panel) withThresholds(colors []string, bounds ...float64) Panel {
	steps := []Step{{Color: colors[0]}}
	for i, b := range bounds {
		steps = append(steps, Step{Color: colors[i+1], Value: &b})
	}
	p.FieldConfig.Defaults.Thresholds.Steps = steps
	return p
}

func (p Panel) withTransformations(ts ...Transformation) Panel {
	p.Transformations = append(p.Transformations, ts...)
	return p
}

func (p Panel) withOverride(fieldName string, props ...Property) Panel {
	p.FieldConfig.Overrides = append(p.FieldConfig.Overrides, Override{
		Matcher:    Matcher{ID: "byName", Options: fieldName},
		Properties: props,
	})
	return p
}

// layout places panels left to right on Grafana's 24-column grid, wrapping
// to a new line when a panel does not fit, and numbers them.
type layout struct {
	x, y, lineH int
	panels      []Panel
}

func (l *layout) add(w, h int, p Panel) {
	if l.x+w > 24 {
		l.newLine()
	}
	p.GridPos = GridPos{H: h, W: w, X: l.x, Y: l.y}
	p.ID = len(l.panels) + 1
	l.panels = append(l.panels, p)
	l.x += w
	l.lineH = max(l.lineH, h)
}

// row starts a titled, expanded row across the full width.
func (l *layout) row(title string) {
	l.newLine()
	l.add(24, 1, Panel{Title: title, Type: "row", Panels: []Panel{}})
	l.newLine()
}

func (l *layout) newLine() {
	if l.x == 0 {
		return
	}
	l.x, l.y, l.lineH = 0, l.y+l.lineH, 0
}
