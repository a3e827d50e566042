// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/dashboards"
)

type datasources struct {
	APIVersion  int `yaml:"apiVersion"`
	Datasources []struct {
		Name      string `yaml:"name"`
		UID       string `yaml:"uid"`
		Type      string `yaml:"type"`
		Access    string `yaml:"access"`
		URL       string `yaml:"url"`
		IsDefault bool   `yaml:"isDefault"`
		JSONData  struct {
			TimeInterval string `yaml:"timeInterval"`
		} `yaml:"jsonData"`
	} `yaml:"datasources"`
}

type dashboardProviders struct {
	APIVersion int `yaml:"apiVersion"`
	Providers  []struct {
		Name    string `yaml:"name"`
		Folder  string `yaml:"folder"`
		Type    string `yaml:"type"`
		Options struct {
			Path string `yaml:"path"`
		} `yaml:"options"`
	} `yaml:"providers"`
}

// grafanaFile reads a provisioning file through Grafana's mounts: the file
// Grafana sees at containerPath must be the one in the repository.
func grafanaFile(t *testing.T, containerPath string, out any) {
	t.Helper()
	g := service(t, loadProject(t, nil), "grafana")
	host := hostPath(g, containerPath)
	if host == "" {
		t.Fatalf("grafana mounts nothing at %s", containerPath)
	}
	readYAML(t, host, out)
}

// TestGrafanaDatasource: one default Prometheus data source with the uid
// dashboards refer to, pointing at the compose service.
func TestGrafanaDatasource(t *testing.T) {
	var ds datasources
	grafanaFile(t, "/etc/grafana/provisioning/datasources/prometheus.yml", &ds)
	if ds.APIVersion != 1 || len(ds.Datasources) != 1 {
		t.Fatalf("want apiVersion 1 and one data source, got %+v", ds)
	}
	d := ds.Datasources[0]
	if d.UID != "prometheus" || d.Type != "prometheus" || !d.IsDefault || d.Access != "proxy" {
		t.Errorf("data source = %+v, want uid prometheus, type prometheus, default, proxy access", d)
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := loadProject(t, nil)
	prom := service(t, p, u.Hostname())
	if len(prom.Ports) == 0 || strconv.Itoa(int(prom.Ports[0].Target)) != u.Port() {
		t.Errorf("url %s: service %s listens on %+v", d.URL, prom.Name, prom.Ports)
	}

	// $__rate_interval needs the real scrape interval.
	var cfg struct {
		Global struct {
			ScrapeInterval string `yaml:"scrape_interval"`
		} `yaml:"global"`
	}
	readYAML(t, filepath.Join("prometheus", "prometheus.yml"), &cfg)
	if d.JSONData.TimeInterval != cfg.Global.ScrapeInterval {
		t.Errorf("timeInterval = %q, want the scrape interval %q", d.JSONData.TimeInterval, cfg.Global.ScrapeInterval)
	}
}

// TestGrafanaDashboards: the file provider reads the repository's
// dashboards folder into the folder "Training", and the home dashboard is
// one of them.
func TestGrafanaDashboards(t *testing.T) {
	var dp dashboardProviders
	grafanaFile(t, "/etc/grafana/provisioning/dashboards/dashboards.yml", &dp)
	if dp.APIVersion != 1 || len(dp.Providers) != 1 {
		t.Fatalf("want apiVersion 1 and one provider, got %+v", dp)
	}
	prov := dp.Providers[0]
	if prov.Type != "file" || prov.Folder != "Training" {
		t.Errorf("provider = %+v, want type file, folder Training", prov)
	}
	g := service(t, loadProject(t, nil), "grafana")
	dir := hostPath(g, prov.Options.Path)
	if want := abs(t, filepath.Join(repoRoot, "dashboards", "grafana")); dir != want || !isDir(dir) {
		t.Fatalf("provider path %s is %q on the host, want the folder %s", prov.Options.Path, dir, want)
	}

	home := g.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
	if home == nil {
		t.Fatal("no home dashboard set")
	}
	if filepath.Dir(*home) != prov.Options.Path {
		t.Errorf("home dashboard %s is not in the provisioned folder %s", *home, prov.Options.Path)
	}
	jsons, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(jsons) == 0 {
		t.Fatalf("no dashboards in %s: the stack would show none", dir)
	}
	// Every dashboard the builders make is provisioned (Runs too).
	for _, f := range dashboards.Files() {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			t.Errorf("dashboard %s (%s) is not provisioned: %v", f.Name, f.Dashboard.Title, err)
		}
	}
	if _, err := os.Stat(hostPath(g, *home)); err != nil {
		t.Errorf("home dashboard: %v", err)
	}
}
