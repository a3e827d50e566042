// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

var updateChart = flag.Bool("update-chart", false, "copy the rules and dashboards into the Helm chart's files/")

// chartCopies are the folders the chart reads through .Files (Helm reads
// no file outside the chart) and the sources they copy.
var chartCopies = []struct{ source, copy, pattern string }{
	{filepath.Join("prometheus", "rules"), filepath.Join(chartDir, "files", "rules"), "*.yml"},
	{filepath.Join(repoRoot, "dashboards", "grafana"), filepath.Join(chartDir, "files", "dashboards"), "*.json"},
}

// TestChartFilesAreCopies: the chart's alert rules and dashboards are the
// repository's, byte for byte, no more and no fewer. After a change to
// deploy/prometheus/rules or dashboards/grafana:
//
//	go test ./deploy -run TestChartFilesAreCopies -update-chart
func TestChartFilesAreCopies(t *testing.T) {
	for _, c := range chartCopies {
		sources, _ := filepath.Glob(filepath.Join(c.source, c.pattern))
		copies, _ := filepath.Glob(filepath.Join(c.copy, "*"))
		if len(sources) == 0 {
			t.Fatalf("nothing in %s", c.source)
		}
		if *updateChart {
			for _, f := range copies {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.MkdirAll(c.copy, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range sources {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(c.copy, filepath.Base(f)), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		var names, copyNames []string
		for _, f := range sources {
			names = append(names, filepath.Base(f))
		}
		for _, f := range copies {
			copyNames = append(copyNames, filepath.Base(f))
		}
		if !slices.Equal(names, copyNames) {
			t.Errorf("%s holds %v, %s %v; run go test ./deploy -run TestChartFilesAreCopies -update-chart", c.copy, copyNames, c.source, names)
			continue
		}
		for _, name := range names {
			src, err1 := os.ReadFile(filepath.Join(c.source, name))
			cp, err2 := os.ReadFile(filepath.Join(c.copy, name))
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if !bytes.Equal(src, cp) {
				t.Errorf("%s differs from %s; run go test ./deploy -run TestChartFilesAreCopies -update-chart", filepath.Join(c.copy, name), filepath.Join(c.source, name))
			}
		}
	}
}

// TestChartRefusesBadValues: helm refuses values the schema or the
// templates know to be wrong, with a message that names the value.
func TestChartRefusesBadValues(t *testing.T) {
	promtest.Binary(t, "helm")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown key", []string{"--set", "replicas=2"}, "replicas"},
		{"misspelt key", []string{"--set", "monitor.enabeld=true"}, "enabeld"},
		{"wrong type", []string{"--set", "containerPort=http"}, "containerPort"},
		{"unknown monitor kind", []string{"--set", "monitor.enabled=true", "--set", "monitor.kind=Probe"}, "kind"},
		{"two runs volumes", []string{"--set", "runs.hostPath.path=/data"}, "exactly one of existingClaim, nfs, hostPath or volume"},
		{"no runs volume", []string{"--set", "runs.existingClaim="}, "exactly one of existingClaim, nfs, hostPath or volume"},
		{"listen address in config", []string{"--set", "config.web.listen-address[0]=:8080"}, "config.web.listen-address: set containerPort"},
		{"state file in config", []string{"--set", "config.state.file=/tmp/state.json"}, "config.state.file"},
		{"web config file in config", []string{"--set", "config.web.config.file=/x.yml"}, "config.web.config.file"},
		{"TLS without a Secret", []string{"--set", "webConfig.tls.enabled=true"}, "webConfig.tls.secretName"},
		{"basic auth without users", []string{"--set", "webConfig.basicAuth.enabled=true"}, "webConfig.basicAuth.users"},
		{"basic auth scrape without a Secret", []string{"--set", "webConfig.basicAuth.enabled=true", "--set", "webConfig.basicAuth.users.p=$2a$10$x", "--set", "monitor.enabled=true"}, "webConfig.basicAuth.scrapeSecret.name"},
		{"remote write without a URL", []string{"--set", "remoteWrite.endpoints[0].name=mimir"}, "url"},
		{"remote write with two credentials", []string{"--set", "remoteWrite.endpoints[0].url=http://x/api/v1/push",
			"--set", "remoteWrite.endpoints[0].basicAuth.secretName=a", "--set", "remoteWrite.endpoints[0].bearerToken.secretName=b"}, "exclude each other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := helmTemplate(t, tc.args...)
			if err == nil {
				t.Fatalf("helm template %v succeeded:\n%.400s", tc.args, out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("helm template %v: error does not name %q:\n%s", tc.args, tc.want, errOut)
			}
		})
	}
}

// TestChartConfigCoversEveryKey: every key of docs/configuration.md that
// serve reads is set by ci/full-config-values.yaml (whose rendering the exporter
// loads in TestChart), or by the chart itself, and is listed in
// values.yaml, so that a user finds it there.
func TestChartConfigCoversEveryKey(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z0-9.-]+)` \\|").FindAllSubmatch(doc, -1) {
		keys = append(keys, string(m[1]))
	}
	if len(keys) < 40 {
		t.Fatalf("found %d keys in docs/configuration.md's table", len(keys))
	}
	notKeys := map[string]bool{"config.file": true, "config.check": true, "version": true}
	chartOwned := map[string]bool{"web.listen-address": true, "web.config.file": true, "state.file": true}

	var full struct {
		Config map[string]any `json:"config"`
	}
	data, err := os.ReadFile(filepath.Join(chartDir, "ci", "full-config-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &full); err != nil {
		t.Fatal(err)
	}
	values, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	config := string(values[bytes.Index(values, []byte("\nconfig:")):])
	config = config[:strings.Index(config, "\ncontainerPort:")]
	for _, key := range keys {
		if notKeys[key] || strings.HasPrefix(key, "demo.") {
			continue
		}
		leaf := key[strings.LastIndex(key, ".")+1:]
		if !regexp.MustCompile(`(?m)^\s*#?\s*`+regexp.QuoteMeta(leaf)+`:`).MatchString(config) && !chartOwned[key] {
			t.Errorf("values.yaml's config does not list %s", key)
		}
		if chartOwned[key] {
			continue
		}
		if dig(full.Config, strings.Split(key, ".")...) == nil && !(key == "input" && full.Config["input"] != nil) {
			t.Errorf("ci/full-config-values.yaml does not set %s", key)
		}
	}
}
