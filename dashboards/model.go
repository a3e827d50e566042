// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

// The subset of Grafana's dashboard JSON model (schemaVersion 39+, Grafana
// 11 and 12) that the dashboards use. Fields are ordered as Grafana writes
// them, so an exported dashboard diffs cleanly against ours.

// Dashboard is one provisioned dashboard.
type Dashboard struct {
	Annotations   Annotations `json:"annotations"`
	Description   string      `json:"description"`
	Editable      bool        `json:"editable"`
	GraphTooltip  int         `json:"graphTooltip"`
	Links         []any       `json:"links"`
	Panels        []Panel     `json:"panels"`
	Refresh       string      `json:"refresh"`
	SchemaVersion int         `json:"schemaVersion"`
	Tags          []string    `json:"tags"`
	Templating    Templating  `json:"templating"`
	Time          TimeRange   `json:"time"`
	Timepicker    struct{}    `json:"timepicker"`
	Timezone      string      `json:"timezone"`
	Title         string      `json:"title"`
	UID           string      `json:"uid"`
	Version       int         `json:"version"`
}

// TimeRange is the default time range, in Grafana's relative syntax.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Annotations holds the dashboard's annotation queries.
type Annotations struct {
	List []Annotation `json:"list"`
}

// Annotation is a Prometheus annotation query; every point of a result
// series with a non-zero value is one event.
type Annotation struct {
	BuiltIn     int            `json:"builtIn,omitempty"`
	Datasource  DataSourceRef  `json:"datasource"`
	Enable      bool           `json:"enable"`
	Expr        string         `json:"expr,omitempty"`
	Hide        bool           `json:"hide"`
	IconColor   string         `json:"iconColor"`
	Name        string         `json:"name"`
	Step        string         `json:"step,omitempty"`
	TagKeys     string         `json:"tagKeys,omitempty"`
	TextFormat  string         `json:"textFormat,omitempty"`
	TitleFormat string         `json:"titleFormat,omitempty"`
	Type        string         `json:"type,omitempty"`
	Target      map[string]any `json:"target,omitempty"`
	// Filter limits the annotation to some panels.
	Filter *AnnotationFilter `json:"filter,omitempty"`
}

// AnnotationFilter lists the panels an annotation is drawn on.
type AnnotationFilter struct {
	Exclude bool  `json:"exclude"`
	IDs     []int `json:"ids"`
}

// DataSourceRef points at a data source; UID may be a template variable.
type DataSourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Templating holds the dashboard variables.
type Templating struct {
	List []Variable `json:"list"`
}

// Variable is a template variable of any type; unused fields are omitted.
type Variable struct {
	AllValue    string         `json:"allValue,omitempty"`
	Current     Current        `json:"current"`
	Datasource  *DataSourceRef `json:"datasource,omitempty"`
	Definition  string         `json:"definition,omitempty"`
	Description string         `json:"description,omitempty"`
	Hide        int            `json:"hide"`
	IncludeAll  bool           `json:"includeAll"`
	Label       string         `json:"label,omitempty"`
	Multi       bool           `json:"multi"`
	Name        string         `json:"name"`
	Options     []Option       `json:"options"`
	Query       any            `json:"query"`
	Refresh     int            `json:"refresh,omitempty"`
	Regex       string         `json:"regex,omitempty"`
	Sort        int            `json:"sort,omitempty"`
	Type        string         `json:"type"`
}

// Current is a variable's selected value(s).
type Current struct {
	Selected bool `json:"selected,omitempty"`
	Text     any  `json:"text,omitempty"`
	Value    any  `json:"value,omitempty"`
}

// Option is one choice of a custom, interval or textbox variable.
type Option struct {
	Selected bool   `json:"selected"`
	Text     string `json:"text"`
	Value    string `json:"value"`
}

// Panel is a visualization or, with Type "row", a row of panels.
type Panel struct {
	Collapsed       bool             `json:"collapsed,omitempty"`
	Datasource      *DataSourceRef   `json:"datasource,omitempty"`
	Description     string           `json:"description,omitempty"`
	FieldConfig     *FieldConfig     `json:"fieldConfig,omitempty"`
	GridPos         GridPos          `json:"gridPos"`
	ID              int              `json:"id"`
	Options         map[string]any   `json:"options,omitempty"`
	Panels          []Panel          `json:"panels,omitempty"`
	Targets         []Target         `json:"targets,omitempty"`
	Title           string           `json:"title"`
	Transformations []Transformation `json:"transformations,omitempty"`
	Type            string           `json:"type"`
}

// GridPos places a panel on the 24-column grid.
type GridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

// FieldConfig sets how values are shown.
type FieldConfig struct {
	Defaults  FieldDefaults `json:"defaults"`
	Overrides []Override    `json:"overrides"`
}

// FieldDefaults applies to every field of a panel.
type FieldDefaults struct {
	Custom      map[string]any `json:"custom,omitempty"`
	Decimals    *int           `json:"decimals,omitempty"`
	DisplayName string         `json:"displayName,omitempty"`
	Mappings    []any          `json:"mappings"`
	Max         *float64       `json:"max,omitempty"`
	Min         *float64       `json:"min,omitempty"`
	Thresholds  Thresholds     `json:"thresholds"`
	Unit        string         `json:"unit"`
}

// Thresholds colours values by range.
type Thresholds struct {
	Mode  string `json:"mode"`
	Steps []Step `json:"steps"`
}

// Step is one threshold; a nil Value is the base.
type Step struct {
	Color string   `json:"color"`
	Value *float64 `json:"value"`
}

// Override changes field settings for matching fields.
type Override struct {
	Matcher    Matcher    `json:"matcher"`
	Properties []Property `json:"properties"`
}

// Matcher selects fields, e.g. {"byName", "ml_global_step"}.
type Matcher struct {
	ID      string `json:"id"`
	Options any    `json:"options"`
}

// Property is one overridden setting.
type Property struct {
	ID    string `json:"id"`
	Value any    `json:"value"`
}

// Target is one Prometheus query of a panel.
type Target struct {
	Datasource   DataSourceRef `json:"datasource"`
	EditorMode   string        `json:"editorMode"`
	Expr         string        `json:"expr"`
	Format       string        `json:"format,omitempty"`
	Instant      bool          `json:"instant"`
	LegendFormat string        `json:"legendFormat,omitempty"`
	Range        bool          `json:"range"`
	RefID        string        `json:"refId"`
}

// Transformation is a Grafana data transformation applied after the queries.
type Transformation struct {
	// Filter applies the transformation to the matching frames only
	// (Grafana 10.1+; e.g. {"byRefId", "J"}); the others pass unchanged.
	Filter  *Matcher       `json:"filter,omitempty"`
	ID      string         `json:"id"`
	Options map[string]any `json:"options"`
}
