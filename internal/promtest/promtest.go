// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package promtest runs the real Prometheus and the built exporter for
// end-to-end tests, on 127.0.0.1 only, and queries Prometheus' HTTP API.
package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// Eventually polls cond until it returns nil or the deadline passes, and
// returns cond's last error.
func Eventually(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// FreeAddr returns a 127.0.0.1 address with a port free at the time of the call.
func FreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Start runs a process until the test ends (or the test kills it); its
// output goes to a file whose content is logged if the test fails.
func Start(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), filepath.Base(name)+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("output of %s (last 3000 bytes):\n%s", filepath.Base(name), tail(out, 3000))
		}
	})
	return cmd
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

var httpClient = &http.Client{Timeout: 5 * time.Second}

func HTTPGet(rawURL string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", rawURL, resp.Status, tail(body, 500))
	}
	return body, nil
}

// API is a Prometheus HTTP API client for the few calls the test needs.
type API struct{ Base string }

type apiResponse struct {
	Status   string          `json:"status"`
	Error    string          `json:"error"`
	Data     json.RawMessage `json:"data"`
	Warnings []string        `json:"warnings"`
}

func (p API) Get(path string, params url.Values) (json.RawMessage, error) {
	body, err := HTTPGet(p.Base + path + "?" + params.Encode())
	if err != nil {
		return nil, err
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s", r.Error)
	}
	if len(r.Warnings) > 0 {
		return nil, fmt.Errorf("warnings: %v", r.Warnings)
	}
	return r.Data, nil
}

// QueryRange returns the number of series expr yields over [end-span, end].
func (p API) QueryRange(expr string, end time.Time, span, step time.Duration) (int, error) {
	data, err := p.Get("/api/v1/query_range", url.Values{
		"query": {expr},
		"start": {fmt.Sprint(end.Add(-span).Unix())},
		"end":   {fmt.Sprint(end.Unix())},
		"step":  {step.String()},
	})
	if err != nil {
		return 0, err
	}
	var d struct {
		Result []json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return 0, err
	}
	return len(d.Result), nil
}

// InstantValue returns the value of a query that yields one sample.
func (p API) InstantValue(expr string) (float64, error) {
	return p.InstantValueAt(expr, time.Time{})
}

// InstantValueAt is InstantValue evaluated at a time (zero: now).
func (p API) InstantValueAt(expr string, at time.Time) (float64, error) {
	params := url.Values{"query": {expr}}
	if !at.IsZero() {
		params.Set("time", fmt.Sprintf("%.3f", float64(at.UnixMilli())/1000))
	}
	data, err := p.Get("/api/v1/query", params)
	if err != nil {
		return 0, err
	}
	var d struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return 0, err
	}
	if len(d.Result) != 1 {
		return 0, fmt.Errorf("%s: %d results, want 1", expr, len(d.Result))
	}
	var v float64
	_, err = fmt.Sscan(fmt.Sprint(d.Result[0].Value[1]), &v)
	return v, err
}

// Series is one series of an instant query's result: its labels and
// its value as Prometheus wrote it.
type Series struct {
	Metric map[string]string
	Value  string
}

// Instant returns the result of an instant query at a time.
func (p API) Instant(expr string, at time.Time) ([]Series, error) {
	data, err := p.Get("/api/v1/query", url.Values{"query": {expr}, "time": {fmt.Sprint(at.Unix())}})
	if err != nil {
		return nil, err
	}
	var d struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	out := make([]Series, len(d.Result))
	for i, r := range d.Result {
		out[i] = Series{r.Metric, fmt.Sprint(r.Value[1])}
	}
	return out, nil
}

// QueryResult returns the results of an instant query as Grafana's
// query_result() variable shows them, {labels} value, in order.
func (p API) QueryResult(expr string, at time.Time) ([]string, error) {
	result, err := p.Instant(expr, at)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range result {
		var pairs []string
		for k, v := range r.Metric {
			pairs = append(pairs, fmt.Sprintf("%s=%q", k, v))
		}
		sort.Strings(pairs)
		out = append(out, fmt.Sprintf("{%s} %v", strings.Join(pairs, ", "), r.Value))
	}
	return out, nil
}

// LabelValues lists the values of label on series matching selector.
func (p API) LabelValues(label, selector string, end time.Time, span time.Duration) ([]string, error) {
	data, err := p.Get("/api/v1/label/"+label+"/values", url.Values{
		"match[]": {selector},
		"start":   {fmt.Sprint(end.Add(-span).Unix())},
		"end":     {fmt.Sprint(end.Unix())},
	})
	if err != nil {
		return nil, err
	}
	var values []string
	err = json.Unmarshal(data, &values)
	return values, err
}

// LocalConfig rewrites the repository's Prometheus configuration
// for a test on 127.0.0.1: the exporter and Prometheus jobs scrape the given
// addresses every second, other jobs (whose targets only resolve inside the
// compose network) are dropped, and rule files point into the repository.
func LocalConfig(t *testing.T, repoConfig, exporterAddr, promAddr string) []byte {
	t.Helper()
	data, err := os.ReadFile(repoConfig)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("%s: %v", repoConfig, err)
	}
	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		global = map[string]any{}
	}
	global["scrape_interval"], global["evaluation_interval"] = "1s", "1s"
	delete(global, "scrape_timeout")
	cfg["global"] = global

	deployDir, err := filepath.Abs(filepath.Dir(repoConfig))
	if err != nil {
		t.Fatal(err)
	}
	var rules []any
	for _, r := range list(cfg["rule_files"]) {
		// In the container the deploy/prometheus folder is /etc/prometheus.
		rel := strings.TrimPrefix(str(r), "/etc/prometheus/")
		rules = append(rules, filepath.Join(deployDir, rel))
	}
	cfg["rule_files"] = rules

	targets := map[string]string{"jsonl-exporter": exporterAddr, "prometheus": promAddr}
	var jobs []any
	for _, j := range list(cfg["scrape_configs"]) {
		job, _ := j.(map[string]any)
		addr, ok := targets[str(job["job_name"])]
		if !ok {
			continue
		}
		job["static_configs"] = []any{map[string]any{"targets": []any{addr}}}
		delete(job, "scrape_interval")
		delete(job, "scrape_timeout")
		jobs = append(jobs, job)
	}
	if len(jobs) != len(targets) {
		t.Fatalf("%s: want jobs %v, found %d of them", repoConfig, targets, len(jobs))
	}
	cfg["scrape_configs"] = jobs
	// Remote write and alerting would point at compose services.
	delete(cfg, "remote_write")
	delete(cfg, "alerting")
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func list(v any) []any { l, _ := v.([]any); return l }
func str(v any) string { s, _ := v.(string); return s }

// Binary finds a tool on PATH. Without it the test is skipped, unless
// JSONL_EXPORTER_REQUIRE_TOOLS is set (as in CI): then it fails.
func Binary(t *testing.T, name string) string {
	t.Helper()
	path, ok := Tool(t, name)
	if !ok {
		t.Skipf("%s is not on PATH", name)
	}
	return path
}

// Tool finds a tool on PATH for a check that is part of a larger test:
// without it, ok is false (the check is left out), unless
// JSONL_EXPORTER_REQUIRE_TOOLS is set: then the test fails.
func Tool(t *testing.T, name string) (path string, ok bool) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("JSONL_EXPORTER_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s is not on PATH and JSONL_EXPORTER_REQUIRE_TOOLS is set", name)
		}
		t.Logf("%s is not on PATH: check left out", name)
		return "", false
	}
	return path, true
}

// BuildExporter builds cmd/jsonl-exporter of the module at repoRoot into dir.
func BuildExporter(t *testing.T, repoRoot, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "jsonl-exporter")
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/jsonl-exporter")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// StartPrometheus runs Prometheus on addr with config cfg (and extra
// flags; its data goes to a temporary folder unless they name one) until
// the test ends, and waits until it is ready.
func StartPrometheus(t *testing.T, bin string, cfg []byte, addr string, flags ...string) API {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config.file=" + cfgPath, "--web.listen-address=" + addr, "--log.level=warn"}
	if !slices.ContainsFunc(flags, func(f string) bool { return strings.HasPrefix(f, "--storage.tsdb.path=") }) {
		args = append(args, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"))
	}
	Start(t, bin, append(args, flags...)...)
	api := API{Base: "http://" + addr}
	if err := Eventually(20*time.Second, func() error { _, err := HTTPGet(api.Base + "/-/ready"); return err }); err != nil {
		t.Fatalf("prometheus not ready: %v", err)
	}
	return api
}

// StartVictoriaMetrics runs a VictoriaMetrics single node on addr until
// the test ends, answering queries for the newest samples at once, and
// waits until it is healthy. Its remote-write receiver is /api/v1/write.
func StartVictoriaMetrics(t *testing.T, bin, addr string) API {
	t.Helper()
	Start(t, bin, "-storageDataPath="+t.TempDir(), "-httpListenAddr="+addr, "-retentionPeriod=100y",
		"-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=WARN")
	api := API{Base: "http://" + addr}
	if err := Eventually(20*time.Second, func() error { _, err := HTTPGet(api.Base + "/health"); return err }); err != nil {
		t.Fatalf("victoria-metrics not healthy: %v", err)
	}
	return api
}

// Alert is one entry of /api/v1/alerts.
type Alert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
	Value  string            `json:"value"`
}

// Alerts lists the pending and firing alerts.
func (p API) Alerts() ([]Alert, error) {
	data, err := p.Get("/api/v1/alerts", url.Values{})
	if err != nil {
		return nil, err
	}
	var d struct {
		Alerts []Alert `json:"alerts"`
	}
	err = json.Unmarshal(data, &d)
	return d.Alerts, err
}
