// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package dashboards builds the Grafana dashboards provisioned with
// jsonl-exporter. The JSON files in grafana/ are generated from this code:
//
//	go test ./dashboards -run TestGenerated -update
package dashboards

import (
	"bytes"
	"encoding/json"
)

// File is one dashboard and the name of its file in grafana/.
type File struct {
	Name      string
	Dashboard Dashboard
}

// Files returns every dashboard, in a fixed order.
func Files() []File {
	return []File{
		{"training-run.json", TrainingRun()},
		{"compare-runs.json", CompareRuns()},
		{"exporter-health.json", ExporterHealth()},
		{"runs.json", Runs()},
	}
}

// Render returns the dashboard as Grafana writes it: indented JSON with a
// final newline, without HTML escaping (PromQL has < and >).
func Render(d Dashboard) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
