// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type ruleTestFile struct {
	Tests []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func promtool(t *testing.T) string { return promtest.Binary(t, "promtool") }

// TestRulesCheckAndUnitTests runs promtool check rules and promtool test
// rules on the shipped rules.
func TestRulesCheckAndUnitTests(t *testing.T) {
	bin := promtool(t)
	rules, _ := filepath.Glob(filepath.Join("prometheus", "rules", "*.yml"))
	tests, _ := filepath.Glob(filepath.Join("prometheus", "tests", "*.yml"))
	if len(rules) == 0 || len(tests) == 0 {
		t.Fatalf("rules %v, tests %v: both must exist", rules, tests)
	}
	if out, err := exec.Command(bin, append([]string{"check", "rules"}, rules...)...).CombinedOutput(); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, append([]string{"test", "rules"}, tests...)...).CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}

// TestEveryAlertIsTestedAndDocumented: each alert has a firing and a quiet
// unit test case, a severity, summary, description, and a runbook section.
func TestEveryAlertIsTestedAndDocumented(t *testing.T) {
	firing, quiet := map[string]bool{}, map[string]bool{}
	tests, _ := filepath.Glob(filepath.Join("prometheus", "tests", "*.yml"))
	for _, path := range tests {
		var tf ruleTestFile
		readYAML(t, path, &tf)
		for _, tc := range tf.Tests {
			for _, art := range tc.AlertRuleTest {
				if len(art.ExpAlerts) > 0 {
					firing[art.Alertname] = true
				} else {
					quiet[art.Alertname] = true
				}
			}
		}
	}
	runbooks, err := os.ReadFile(filepath.Join("..", "docs", "alerts.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^### (\S+)`).FindAllStringSubmatch(string(runbooks), -1) {
		anchors[strings.ToLower(m[1])] = true
	}
	rules, _ := filepath.Glob(filepath.Join("prometheus", "rules", "*.yml"))
	alerts := 0
	for _, path := range rules {
		var rf ruleFile
		readYAML(t, path, &rf)
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				alerts++
				if !firing[r.Alert] || !quiet[r.Alert] {
					t.Errorf("%s: needs a firing and a not-firing promtool test case (firing %v, quiet %v)", r.Alert, firing[r.Alert], quiet[r.Alert])
				}
				switch r.Labels["severity"] {
				case "critical", "warning", "info":
				default:
					t.Errorf("%s: severity %q", r.Alert, r.Labels["severity"])
				}
				for _, a := range []string{"summary", "description", "runbook"} {
					if r.Annotations[a] == "" {
						t.Errorf("%s: no %s annotation", r.Alert, a)
					}
				}
				anchor := strings.TrimPrefix(r.Annotations["runbook"], "docs/alerts.md#")
				if anchor != strings.ToLower(r.Alert) || !anchors[anchor] {
					t.Errorf("%s: runbook %q must point at a \"### %s\" section of docs/alerts.md", r.Alert, r.Annotations["runbook"], r.Alert)
				}
			}
		}
	}
	if alerts < 9 {
		t.Errorf("found %d alerts, want the 9 of docs/alerts.md", alerts)
	}
}

// TestAlertmanagerConfig runs amtool check-config on the stack's
// Alertmanager configuration.
func TestAlertmanagerConfig(t *testing.T) {
	amtool := promtest.Binary(t, "amtool")
	out, err := exec.Command(amtool, "check-config", filepath.Join("alertmanager", "alertmanager.yml")).CombinedOutput()
	if err != nil {
		t.Errorf("amtool check-config: %v\n%s", err, out)
	}
	for severity, want := range map[string]string{"critical": "oncall", "warning": "training-team", "info": "training-team"} {
		out, err := exec.Command(amtool, "config", "routes", "test", "--config.file", filepath.Join("alertmanager", "alertmanager.yml"),
			"severity="+severity, "alertname=Any", "run=r").CombinedOutput()
		if got := strings.TrimSpace(string(out)); err != nil || got != want {
			t.Errorf("severity %s is routed to %q (%v), want %s", severity, got, err, want)
		}
	}
}
