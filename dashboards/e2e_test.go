// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// demoRuns are the runs `jsonl-exporter demo` starts first; the second gets
// the NaN loss, so it is the run the training-run dashboard is checked with.
var demoRuns = []string{"resnet50-bs256", "bert-base-lr3e-4", "gpt2-small-warmup"}

// flakyReceiver takes remote write like a store that fails now and then:
// its first request gets a 500 (retried), its second a 400 (refused), the
// others are taken. It feeds the health dashboard's remote-write row; the
// samples themselves go nowhere, so Prometheus only scrapes.
func flakyReceiver(t *testing.T) string {
	var mu sync.Mutex
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		requests++
		n := requests
		mu.Unlock()
		switch n {
		case 1:
			http.Error(w, "try again", http.StatusInternalServerError)
		case 2:
			http.Error(w, "out of bounds", http.StatusBadRequest)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v1/write"
}

// TestEndToEnd runs every query of every dashboard against a real
// Prometheus scraping the demo, and expects data from each; then again in
// push mode, where the runs reach Prometheus by remote write only.
func TestEndToEnd(t *testing.T) {
	t.Run("scrape", func(t *testing.T) { endToEnd(t, false) })
	t.Run("push", func(t *testing.T) { endToEnd(t, true) })
}

func endToEnd(t *testing.T, push bool) {
	promBin := promtest.Binary(t, "prometheus")
	tmp := t.TempDir()
	exporterBin := promtest.BuildExporter(t, "..", tmp)

	// The demo's runs, and a finished run of every producer.
	exporterAddr := promtest.FreeAddr(t)
	demoDir, profilesDir := filepath.Join(tmp, "demo"), filepath.Join(tmp, "profiles")
	if err := os.CopyFS(profilesDir, os.DirFS(filepath.Join("..", "internal", "engine", "testdata", "profiles"))); err != nil {
		t.Fatal(err)
	}
	promAddr := promtest.FreeAddr(t)
	args := []string{"demo", "--demo.interval", "10ms", "--demo.dir", demoDir,
		"--input", filepath.Join(demoDir, "**", "*.jsonl"),
		"--web.listen-address", exporterAddr, "--remote-write.url", flakyReceiver(t)}
	served := "ml_records_total{"
	if push {
		// As the compose stack's REMOTE_WRITE_URL does. The producers'
		// finished runs are left out: pushed, they are at their own
		// (old) times, outside the dashboards' time range.
		args = append(args, "--web.disable-run-metrics",
			"--remote-write.url", "http://"+promAddr+"/api/v1/write",
			"--remote-write.external-label", "job=jsonl-exporter",
			"--remote-write.external-label", "instance="+exporterAddr)
		served = "jsonl_exporter_lines_read_total"
	} else {
		args = append(args, "--input", filepath.Join(profilesDir, "**", "*"))
	}
	promtest.Start(t, exporterBin, args...)
	if err := promtest.Eventually(20*time.Second, func() error {
		body, err := promtest.HTTPGet("http://" + exporterAddr + "/metrics")
		if err == nil && !strings.Contains(string(body), served) {
			err = fmt.Errorf("no %s on /metrics yet", served)
		}
		if err == nil && push && strings.Contains(string(body), "ml_records_total{") {
			err = fmt.Errorf("runs on /metrics in push mode")
		}
		return err
	}); err != nil {
		t.Fatalf("exporter not serving: %v", err)
	}

	cfg := promtest.LocalConfig(t, filepath.Join("..", "deploy", "prometheus", "prometheus.yml"), exporterAddr, promAddr)
	api := promtest.StartPrometheus(t, promBin, cfg, promAddr, "--web.enable-remote-write-receiver")
	// Rates need a few scrapes, the NaN has to be written (step 120 of the
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

	// Every demo run crossed epoch boundaries (the short one, of 2
	// epochs, one), where the seed trainer's shape already gives the
	// validation record the next epoch: none of them is a restart.
	demo := `run=~"` + strings.Join(demoRuns, "|") + `"`
	if epochs, err := api.InstantValue(`min(ml_epoch{` + demo + `, run!="` + shortDemoRun + `"})`); err != nil || epochs < 2 {
		t.Errorf("demo runs are in epoch %v (%v), want 2 or later", epochs, err)
	}
	if epochs, err := api.InstantValue(`ml_epoch{run="` + shortDemoRun + `"}`); err != nil || epochs < 1 {
		t.Errorf("short demo run is in epoch %v (%v), want 1 or later", epochs, err)
	}
	if restarts, err := api.InstantValue(`max(ml_run_restarts_total{` + demo + `})`); err != nil || restarts != 0 {
		t.Errorf("demo runs restarted %v times (%v), want 0", restarts, err)
	}

	end := time.Now()
	vars := sampleVars{
		"run":             demoRuns,
		"run_filter":      {".*"},
		"metric":          {"ml_train_loss"},
		"hparam":          {"lr"},
		"window":          {"10s"},
		"job":             {"jsonl-exporter"},
		"instance":        {exporterAddr},
		"__interval":      {"2s"},
		"__rate_interval": {"4s"}, // Grafana: max(4 x scrape interval, interval + scrape interval)
		"__range":         {"60s"},
	}
	for _, p := range picks {
		vars[p.name] = staticVars[p.name] // what the demo's first run logs
	}
	dashboards := loadDashboards(t)
	for _, d := range dashboards {
		t.Run(d.name, func(t *testing.T) {
			checkVariablesLive(t, d, api, vars, end)
			for _, q := range d.queries() {
				checkQueryLive(t, d, api, q, vars, end)
			}
			if d.name == "training-run.json" && !push {
				checkPicksLive(t, d, api, vars, end)
			}
			if d.name == "runs.json" {
				checkRunsLive(t, d, dashboardNamed(t, dashboards, "training-run.json"), api, vars, end, push)
			}
		})
	}
}

func dashboardNamed(t *testing.T, ds []dashboardFile, name string) dashboardFile {
	t.Helper()
	for _, d := range ds {
		if d.name == name {
			return d
		}
	}
	t.Fatalf("no dashboard %s", name)
	return dashboardFile{}
}

// profileRuns are the runs of internal/engine/testdata/profiles, served with
// the glob profiles/**/* (so named by the folders under it, or their
// run_name), and the
// series the training-run dashboard must pick for them; "" takes any.
var profileRuns = []struct{ run, loss, val, lr string }{
	{"bert-seed", "ml_train_loss", "ml_val_loss", "ml_train_lr"},
	{"mmengine/work_dirs/mask-rcnn_r50/20240101_120000", "ml_loss", "", "ml_lr"},
	{"mmengine/work_dirs/resnet50_8xb32/20240102_090000", "ml_loss", "", "ml_lr"},
	{"mmdet2/work_dirs/faster_rcnn_r50", "ml_train_loss", "", "ml_train_lr"},
	{"detectron2/faster_rcnn_R_50_FPN", "ml_total_loss", "ml_bbox_AP", "ml_lr"},
	{"detr/detr_r50", "ml_train_loss", "ml_test_loss", "ml_train_lr"},
	{"detr/deit_small", "ml_train_loss", "ml_test_loss", "ml_train_lr"},
	{"fairseq/transformer_wmt", "ml_loss", "ml_valid_loss", "ml_lr"},
	{"hf/bert-finetune", "ml_loss", "ml_eval_loss", "ml_learning_rate"},
	{"run-20240101_120000-abc123", "ml_train_loss", "ml_val_loss", "ml_train_lr"}, // wandb/ names no run
	{"llama-factory/saves/Qwen2.5-7B-Instruct/lora/sft-medical", "ml_loss", "ml_eval_loss", "ml_lr"},
	{"ms-swift/qwen3-8b/v0-20260124-040114", "ml_loss", "ml_eval_loss", "ml_learning_rate"},
	{"ms-swift/internvl2-2b/v1-20240801-100000", "ml_loss", "ml_eval_loss", "ml_learning_rate"},
	{"chainer/mnist", "ml_main_loss", "ml_validation_main_loss", "ml_lr"},
	{"sacred/my_runs/1", "ml_training_loss", "ml_validation_loss", "ml_training_lr"},
	// Ray Tune's RLlib trial has rewards and no validation: not listed.
	// Ludwig's statistics hold no learning rate: not listed.
}

// checkPicksLive: for a finished run of every producer, the loss,
// validation and learning-rate variables offer the run's own series first,
// and the panels that show them return data.
func checkPicksLive(t *testing.T, d dashboardFile, api promtest.API, vars sampleVars, end time.Time) {
	variables := map[string]map[string]any{}
	for _, v := range d.variables() {
		variables[str(v["name"])] = v
	}
	panels := map[string]string{"loss": "Training loss: ${loss}", "val": "Validation: ${val}", "lr": "Learning rate: ${lr}"}
	for _, pr := range profileRuns {
		t.Run(pr.run, func(t *testing.T) {
			vs := sampleVars{"run": {pr.run}}
			for k, v := range vars {
				if _, ok := vs[k]; !ok {
					vs[k] = v
				}
			}
			want := map[string]string{"loss": pr.loss, "val": pr.val, "lr": pr.lr}
			for _, p := range picks {
				first, err := firstOffer(variables[p.name], api, vs, end)
				if err != nil {
					t.Errorf("variable %s: %v", p.name, err)
					continue
				}
				if w, checked := want[p.name]; checked && first == "" {
					t.Errorf("variable %s offers nothing", p.name)
				} else if checked && w != "" && first != w {
					t.Errorf("variable %s offers %s first, want %s", p.name, first, w)
				}
				if first != "" {
					vs[p.name] = []string{first}
				}
			}
			for name, title := range panels {
				for _, q := range d.queries() {
					if q.panel != title || !strings.HasSuffix(q.where, "target A") {
						continue
					}
					expanded, unknown := expand(q.expr, vs, d.multi())
					if len(unknown) > 0 {
						t.Errorf("%s: variables %v offer nothing", q.where, unknown)
						continue
					}
					if n, err := api.QueryRange(expanded, end, time.Minute, 2*time.Second); err != nil || n == 0 {
						t.Errorf("panel of %s: no data for %s (%v)", name, expanded, err)
					}
				}
			}
		})
	}
}

// firstOffer runs a query_result variable as Grafana does and returns its
// first offer, which Grafana selects when the current one is not offered.
func firstOffer(v map[string]any, api promtest.API, vars sampleVars, end time.Time) (string, error) {
	expr, _, err := variableQuery(v)
	if err != nil {
		return "", err
	}
	expanded, unknown := expand(expr, vars, nil)
	if len(unknown) > 0 {
		return "", fmt.Errorf("unknown variables %v", unknown)
	}
	results, err := api.QueryResult(expanded, end)
	if err != nil {
		return "", err
	}
	got, err := offers(v, results)
	if err != nil || len(got) == 0 {
		return "", err
	}
	return got[0], nil
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
		var values []string
		if label == "" { // query_result
			var results []string
			if results, err = api.QueryResult(expanded, end); err == nil {
				values, err = offers(v, results)
			}
		} else if values, err = api.LabelValues(label, expanded, end, time.Minute); err == nil && str(v["regex"]) != "" {
			values, err = offers(v, values) // Grafana applies the regex to label values too
		}
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
