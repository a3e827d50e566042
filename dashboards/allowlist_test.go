// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// producedByPrometheus are series Prometheus writes for every scrape target.
var producedByPrometheus = []string{
	"up", "scrape_duration_seconds", "scrape_samples_scraped",
	"scrape_samples_post_metric_relabeling", "scrape_series_added",
	"ALERTS", // written by Prometheus for the rules of deploy/prometheus/rules/
}

// loggedKeys are the series the dashboards expect from keys trainers
// commonly log (docs/metrics.md, "From metric keys": the series name is
// ml_ plus the key). docs/metrics.md can only give examples of such names;
// the end-to-end test proves the demo's runs produce every one of them.
// The names of other producers come from docs/formats.md.
var loggedKeys = []string{
	"ml_train_loss", "ml_train_avg_loss", "ml_train_lr", "ml_train_throughput", "ml_train_grad_norm",
	"ml_val_loss", "ml_val_accuracy", "ml_val_mlm_acc",
}

// allowList is what a dashboard may query, read from docs/metrics.md so that
// docs and dashboards cannot drift apart.
type allowList struct {
	fixed      map[string]bool // documented series of the exporter and Prometheus
	perRun     []string        // the "Per run" table of docs/metrics.md
	keyDerived map[string]bool // ml_<key> series: documented examples and loggedKeys
}

var docName = regexp.MustCompile("`((?:ml|jsonl_exporter)_[A-Za-z0-9_]+)")

// readAllowList collects the first backquoted series name of every table
// row of docs/metrics.md, by section.
func readAllowList(t *testing.T) allowList {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := allowList{fixed: map[string]bool{}, keyDerived: map[string]bool{}}
	for _, n := range producedByPrometheus {
		a.fixed[n] = true
	}
	for _, n := range loggedKeys {
		a.keyDerived[n] = true
	}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if h, ok := strings.CutPrefix(line, "## "); ok {
			section = h
			continue
		}
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		switch section {
		case "Per run", "Hyperparameters", "Progress and status", "The exporter itself":
			if m := docName.FindStringSubmatch(cells[1]); m != nil {
				a.fixed[m[1]] = true
				if len(cells) > 2 && strings.TrimSpace(cells[2]) == "histogram" {
					for _, suffix := range []string{"_bucket", "_count", "_sum"} {
						a.fixed[m[1]+suffix] = true
					}
				}
				if section != "The exporter itself" {
					a.perRun = append(a.perRun, m[1])
				}
			}
		case "From metric keys":
			if m := docName.FindStringSubmatch(cells[2]); m != nil {
				a.keyDerived[m[1]] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// docs/formats.md lists the series of every profile and the names the
	// picks look for; its test proves the profiles give them.
	formats, err := os.ReadFile(filepath.Join("..", "docs", "formats.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range docName.FindAllStringSubmatch(string(formats), -1) {
		if !a.fixed[m[1]] {
			a.keyDerived[m[1]] = true
		}
	}
	if len(a.perRun) < 5 || !a.fixed["jsonl_exporter_lines_read_total"] || !a.keyDerived["ml_val_mlm_acc"] {
		t.Fatalf("docs/metrics.md tables not found where expected (per run %v); did its layout change?", a.perRun)
	}
	return a
}

// check says why name may not be queried, or "" if it may. Best-so-far
// series (<series>_best, <series>_best_step) and smoothed ones (<series>_ema)
// exist for loss-like and accuracy-like key-derived series.
func (a allowList) check(name string) string {
	if a.fixed[name] {
		return ""
	}
	if strings.HasPrefix(name, "jsonl_exporter_") {
		return "not documented in docs/metrics.md"
	}
	base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_best_step"), "_best"), "_ema")
	if base != name && a.fixed[base] {
		return "per-run series have no best-so-far companion"
	}
	if a.keyDerived[base] {
		return ""
	}
	return "neither a documented series nor a known logged key"
}

func TestAllowList(t *testing.T) {
	a := readAllowList(t)
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"ml_global_step", true},
		{"ml_nonfinite_values_total", true},
		{"jsonl_exporter_parse_errors_total", true},
		{"up", true},
		{"ml_train_loss", true},
		{"ml_val_loss_best_step", true},
		{"ml_val_mlm_acc_best", true},
		{"ml_train_loss_ema", true},
		{"ml_spikes_total", true},
		{"ALERTS", true},
		{"ml_step_best", false},
		{"jsonl_exporter_lines_total", false},
		{"ml_train_lose", false},
		{"node_cpu_seconds_total", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if why := a.check(tc.name); (why == "") != tc.ok {
				t.Errorf("check(%q) = %q, want allowed=%v", tc.name, why, tc.ok)
			}
		})
	}
}
