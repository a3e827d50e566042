// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"strings"
	"testing"
)

// TestChartLongNames: with the longest name the chart makes (63
// characters, from a 48-character release name or fullnameOverride),
// every object still has a name of its own, and each name fits its kind
// (a Service's is a 63-character DNS label, the others 253-character
// subdomains).
func TestChartLongNames(t *testing.T) {
	long := strings.Repeat("a", 63)
	r := renderWith(t, "--set", "fullnameOverride="+long, "--set", "monitor.enabled=true",
		"--set", "prometheusRule.enabled=true")
	if len(r.configMaps) != 5 {
		t.Errorf("%d ConfigMaps, want 5 (the configuration and 4 dashboards)", len(r.configMaps))
	}
	for key := range r.sizes {
		kind, name, _ := strings.Cut(key, "/")
		limit := 253
		if kind == "Service" {
			limit = 63
		}
		if len(name) > limit {
			t.Errorf("%s: name of %d characters, more than %d", key, len(name), limit)
		}
	}
}
