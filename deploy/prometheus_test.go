// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

type prometheusConfig struct {
	Global struct {
		ScrapeInterval string `yaml:"scrape_interval"`
	} `yaml:"global"`
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// prometheusConfigPath is the host file Prometheus reads as --config.file.
func prometheusConfigPath(t *testing.T) string {
	t.Helper()
	prom := service(t, loadProject(t, nil), "prometheus")
	for _, arg := range prom.Command {
		if file, ok := strings.CutPrefix(arg, "--config.file="); ok {
			if host := hostPath(prom, file); host != "" {
				return host
			}
			t.Fatalf("--config.file %s is not mounted from the repository", file)
		}
	}
	t.Fatal("prometheus command has no --config.file")
	return ""
}

// TestPrometheusScrapesExporter: the job the dashboards and the end-to-end
// test use scrapes the exporter service on the port it listens on.
func TestPrometheusScrapesExporter(t *testing.T) {
	path := prometheusConfigPath(t)
	if path != abs(t, filepath.Join("prometheus", "prometheus.yml")) {
		t.Errorf("Prometheus reads %s, want deploy/prometheus/prometheus.yml", path)
	}
	var cfg prometheusConfig
	readYAML(t, path, &cfg)
	if cfg.Global.ScrapeInterval != "5s" {
		t.Errorf("scrape_interval = %q, want 5s", cfg.Global.ScrapeInterval)
	}
	var targets []string
	for _, sc := range cfg.ScrapeConfigs {
		if sc.JobName != "jsonl-exporter" {
			continue
		}
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	exporter := service(t, loadProject(t, nil), "exporter")
	want := exporter.Name + ":" + strconv.Itoa(int(exporter.Ports[0].Target))
	if !slices.Equal(targets, []string{want}) {
		t.Errorf("job jsonl-exporter targets = %v, want [%s]", targets, want)
	}
}

// TestPromtoolCheckConfig runs promtool check config on prometheus.yml with
// its rule files read from the repository's deploy/prometheus/rules/ (an
// empty folder is fine). CI sets JSONL_EXPORTER_REQUIRE_TOOLS=1.
func TestPromtoolCheckConfig(t *testing.T) {
	promtool := promtest.Binary(t, "promtool")
	src := prometheusConfigPath(t)
	var cfg map[string]any
	readYAML(t, src, &cfg)

	prom := service(t, loadProject(t, nil), "prometheus")
	var rules []any
	for _, r := range cfg["rule_files"].([]any) {
		pattern, _ := r.(string)
		host := hostPath(prom, pattern)
		if host == "" || !isDir(filepath.Dir(host)) {
			t.Fatalf("rule_files %s: its folder is not mounted from the repository", pattern)
		}
		rules = append(rules, host)
	}
	cfg["rule_files"] = rules
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(copyPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "config", copyPath).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// TestDocsScrapeJobMatchesRules: the scrape configurations the README and
// docs/stack.md show use the job name the rules (up{job="..."}), the
// dashboards and the compose Prometheus use, so that a user who copies
// them gets the exporter-down alert.
func TestDocsScrapeJobMatchesRules(t *testing.T) {
	rules, err := os.ReadFile(filepath.Join("prometheus", "rules", "exporter.yml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`up\{job="([^"]+)"\}`).FindSubmatch(rules)
	if m == nil {
		t.Fatal("no up{job=...} in the exporter rules")
	}
	job := string(m[1])
	jobName := regexp.MustCompile(`job_name:\s*(\S+)`)
	for _, doc := range []string{"../README.md", "../docs/stack.md", "prometheus/prometheus.yml"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		names := jobName.FindAllSubmatch(data, -1)
		if len(names) == 0 {
			t.Errorf("%s shows no scrape job", doc)
		}
		if string(names[0][1]) != job {
			t.Errorf("%s scrapes the exporter as job %q; the rules expect %q", doc, names[0][1], job)
		}
	}
}
