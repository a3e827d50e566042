package dashboards

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// demoRuns are the runs `jsonl-exporter demo` starts first; the second gets
// the NaN loss, so it is the run the training-run dashboard is checked with.
var demoRuns = []string{"resnet50-bs256", "bert-base-lr3e-4", "gpt2-small-warmup"}

// TestEndToEnd runs every query of every dashboard against a real
// Prometheus scraping the demo, and expects data from each.
func TestEndToEnd(t *testing.T) {
	promBin := promtest.Binary(t, "prometheus")
	tmp := t.TempDir()
	exporterBin := promtest.BuildExporter(t, "..", tmp)

	exporterAddr := promtest.FreeAddr(t)
	promtest.Start(t, exporterBin, "demo", "--demo.interval", "10ms", "--demo.dir", filepath.Join(tmp, "demo"),
		"--web.listen-address", exporterAddr)
	if err := promtest.Eventually(20*time.Second, func() error {
		body, err := promtest.HTTPGet("http://" + exporterAddr + "/metrics")
		if err == nil && !strings.Contains(string(body), "ml_records_total{") {
			err = fmt.Errorf("no runs on /metrics yet")
		}
		return err
	}); err != nil {
		t.Fatalf("exporter not serving: %v", err)
	}

	promAddr := promtest.FreeAddr(t)
	cfg := promtest.LocalConfig(t, filepath.Join("..", "deploy", "prometheus", "prometheus.yml"), exporterAddr, promAddr)
	api := promtest.StartPrometheus(t, promBin, cfg, promAddr)
	// Rates need a few scrapes, the NaN has to be written (step 450 of the
	// second run), and epochs (100 steps) have to go by.
	if err := promtest.Eventually(45*time.Second, func() error {
		scrapes, err := api.InstantValue(`count_over_time(up{job="jsonl-exporter"}[1m])`)
		if err == nil && scrapes < 15 {
			err = fmt.Errorf("%v scrapes so far", scrapes)
		}
		if err == nil {
			_, err = api.InstantValue(`sum(ml_nonfinite_values_total{run="` + demoRuns[0] + `"})`)
		}
		return err
	}); err != nil {
		t.Fatalf("prometheus has not scraped enough: %v", err)
	}

	end := time.Now()
	vars := sampleVars{
		"run":             demoRuns,
		"run_filter":      {".*"},
		"metric":          {"ml_train_loss"},
		"window":          {"10s"},
		"job":             {"jsonl-exporter"},
		"instance":        {exporterAddr},
		"__interval":      {"2s"},
		"__rate_interval": {"4s"}, // Grafana: max(4 x scrape interval, interval + scrape interval)
		"__range":         {"60s"},
	}
	for _, d := range loadDashboards(t) {
		t.Run(d.name, func(t *testing.T) {
			checkVariablesLive(t, d, api, vars, end)
			for _, q := range d.queries() {
				checkQueryLive(t, d, api, q, vars, end)
			}
		})
	}
}

// checkVariablesLive runs each query variable and expects it to offer the
// sample value the queries are checked with.
func checkVariablesLive(t *testing.T, d dashboardFile, api promtest.API, vars sampleVars, end time.Time) {
	for _, v := range d.variables() {
		if str(v["type"]) != "query" {
			continue
		}
		name := str(v["name"])
		sel, label, err := variableQuery(v)
		if err != nil {
			t.Errorf("variable %s: %v", name, err)
			continue
		}
		expanded, _ := expand(sel, vars, d.multi())
		values, err := api.LabelValues(label, expanded, end, time.Minute)
		if err != nil {
			t.Errorf("variable %s: %s: %v", name, expanded, err)
			continue
		}
		if want := vars[name][0]; !slices.Contains(values, want) {
			t.Errorf("variable %s: %s offers %v, want %q among them", name, expanded, values, want)
		}
		if name == "metric" && slices.Contains(values, "ml_step") {
			t.Errorf("variable metric offers the per-run series ml_step: %v", values)
		}
	}
}

// smoothingGate finds the mode a query is restricted to, if any.
var smoothingGate = regexp.MustCompile(`vector\(\$smoothing\) == (\d+)`)

// checkQueryLive runs q over the last minute. A query gated on a smoothing
// mode must return data in that mode and nothing in the others.
func checkQueryLive(t *testing.T, d dashboardFile, api promtest.API, q query, vars sampleVars, end time.Time) {
	t.Helper()
	modes := []string{""}
	gate := ""
	if m := smoothingGate.FindStringSubmatch(q.expr); m != nil {
		modes, gate = []string{"0", "1", "2"}, m[1]
	}
	for _, mode := range modes {
		vs := vars
		if mode != "" {
			vs = sampleVars{"smoothing": {mode}}
			for k, v := range vars {
				vs[k] = v
			}
		}
		expanded, unknown := expand(q.expr, vs, d.multi())
		if len(unknown) > 0 {
			t.Errorf("%s: unknown variables %v", q.where, unknown)
			return
		}
		n, err := api.QueryRange(expanded, end, time.Minute, 2*time.Second)
		switch {
		case err != nil:
			t.Errorf("%s: %s: %v", q.where, expanded, err)
		case n == 0 && (gate == "" || mode == gate):
			t.Errorf("%s: no data over the last minute: %s", q.where, expanded)
		case n > 0 && gate != "" && mode != gate:
			t.Errorf("%s: %d series with smoothing=%s, want none outside mode %s: %s", q.where, n, mode, gate, expanded)
		}
	}
}
