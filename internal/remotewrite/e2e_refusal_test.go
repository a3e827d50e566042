// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	remote "github.com/prometheus/client_golang/exp/api/remote"
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"github.com/prometheus/prometheus/prompb"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// strictConfig is a Prometheus without an out-of-order window, as it comes:
// a sample more than an hour older than the newest it holds is out of
// bounds.
const strictConfig = `
global:
  scrape_interval: 15s
`

// TestPrometheusRefusals records what a real Prometheus 3 answers for a
// request whose samples are partly out of bounds, on which the writer's
// counting relies: to 2.0, 400 with one line per refused sample and the
// count of the samples it wrote in X-Prometheus-Remote-Write-Samples-Written,
// the others kept; to 1.0, 400 and nothing kept (the request is rolled back).
func TestPrometheusRefusals(t *testing.T) {
	bin := promtest.Binary(t, "prometheus")
	addr := promtest.FreeAddr(t)
	api := promtest.StartPrometheus(t, bin, []byte(strictConfig), addr, "--web.enable-remote-write-receiver")
	client, err := remote.NewAPI("http://"+addr+"/api/v1/write", remote.WithAPIPath(""),
		remote.WithAPIBackoff(remote.BackoffConfig{Min: time.Millisecond, Max: time.Millisecond, MaxRetries: 1}))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	ctx := context.Background()
	// The newest sample Prometheus holds sets its bounds.
	if _, err := client.Write(ctx, remote.WriteV1MessageType, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels: []prompb.Label{{Name: "__name__", Value: "ml_step"}, {Name: "run", Value: "recent"}}, Samples: []prompb.Sample{{Value: 1, Timestamp: now}},
	}}}); err != nil {
		t.Fatal(err)
	}
	hour := time.Hour.Milliseconds()
	times := []int64{now - 3*hour, now - 2*hour, now - 10*60_000, now - 5*60_000} // two out of bounds, two kept

	symbols := writev2.NewSymbolTable()
	ts := &writev2.TimeSeries{LabelsRefs: symbols.SymbolizeLabels([]string{"__name__", "ml_step", "run", "v2"}, nil)}
	for i, tm := range times {
		ts.Samples = append(ts.Samples, &writev2.Sample{Value: float64(i), Timestamp: tm})
	}
	stats, err := client.Write(ctx, remote.WriteV2MessageType, &writev2.Request{Symbols: symbols.Symbols(), Timeseries: []*writev2.TimeSeries{ts}})
	t.Logf("2.0: written %d, error %v", stats.Samples, err)
	if err == nil || !strings.Contains(err.Error(), "HTTP status 400") || !strings.Contains(err.Error(), "out of bounds") || stats.Samples != 2 {
		t.Errorf("2.0 request partly out of bounds: written %d, error %v; want 400, out of bounds, 2 written", stats.Samples, err)
	}
	if n := strings.Count(err.Error(), "out of bounds"); n != 2 {
		t.Errorf("2.0: %d lines of reasons, want one per refused sample (2)", n)
	}

	v1 := prompb.TimeSeries{Labels: []prompb.Label{{Name: "__name__", Value: "ml_step"}, {Name: "run", Value: "v1"}}}
	for i, tm := range times {
		v1.Samples = append(v1.Samples, prompb.Sample{Value: float64(i), Timestamp: tm})
	}
	_, err = client.Write(ctx, remote.WriteV1MessageType, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{v1}})
	t.Logf("1.0: error %v", err)
	if err == nil || !strings.Contains(err.Error(), "HTTP status 400") || !strings.Contains(err.Error(), "out of bounds") {
		t.Errorf("1.0 request partly out of bounds: %v; want 400, out of bounds", err)
	}
	at := time.UnixMilli(now)
	for run, want := range map[string]float64{"v2": 2, "v1": 0} {
		got, err := api.InstantValueAt(`sum(count_over_time(ml_step{run="`+run+`"}[4h])) or vector(0)`, at)
		if err != nil || got != want {
			t.Errorf("%s: Prometheus kept %v samples (%v), want %v", run, got, err, want)
		}
	}
}

// TestRefusedSamplesAreNotSent: a run half of which is too old for a
// Prometheus without an out-of-order window, backfilled in both
// protocols: the backfill fails, says so first with Prometheus' reason,
// and counts as sent exactly the samples Prometheus stored.
func TestRefusedSamplesAreNotSent(t *testing.T) {
	bin := promtest.Binary(t, "prometheus")
	addr := promtest.FreeAddr(t)
	api := promtest.StartPrometheus(t, bin, []byte(strictConfig), addr, "--web.enable-remote-write-receiver")
	write := "http://" + addr + "/api/v1/write"
	tmp := t.TempDir()
	exporter := promtest.BuildExporter(t, "../..", tmp)
	now := time.Now().Truncate(time.Second)

	recent := filepath.Join(tmp, "recent", "logs", "metrics.jsonl")
	writeRun(t, recent, now.Add(-2*time.Minute), 100)
	if out, err := exec.Command(exporter, "backfill", "--remote-write.url", write, recent).CombinedOutput(); err != nil {
		t.Fatalf("backfill of a recent run: %v\n%s", err, out)
	}
	for _, protocol := range []string{"2.0", "1.0"} {
		t.Run(protocol, func(t *testing.T) {
			// 2,000 records from 90 to about 57 minutes ago, one a second:
			// Prometheus takes those of the last hour before its newest sample.
			run := "old-" + protocol
			log := filepath.Join(tmp, run, "logs", "metrics.jsonl")
			writeSparseRun(t, log, now.Add(-90*time.Minute), 2000, time.Second)
			cmd := exec.Command(exporter, "backfill", "--remote-write.url", write, "--remote-write.protocol", protocol,
				"--remote-write.batch-size", "1000", log)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			t.Logf("backfill:\n%s%s", out, stderr.String())
			if err == nil {
				t.Fatal("a backfill that Prometheus refused in part exited 0")
			}
			first, _, _ := strings.Cut(string(out), "\n")
			m := regexp.MustCompile(`^backfill: FAILED: (\d+) of (\d+) samples were not stored; ` + regexp.QuoteMeta(write) + ` answered HTTP 400 for \d+ samples: out of bounds`).FindStringSubmatch(first)
			if m == nil {
				t.Fatalf("the summary does not lead with the refusal and Prometheus' reason: %q", first)
			}
			failed, _ := strconv.Atoi(m[1])
			total, _ := strconv.Atoi(m[2])
			sm := regexp.MustCompile(`(\d+) samples sent`).FindStringSubmatch(string(out))
			if sm == nil {
				t.Fatal("the summary does not say how many samples were sent")
			}
			sent, _ := strconv.Atoi(sm[1])
			if sent+failed != total || failed == 0 {
				t.Errorf("sent %d + not stored %d != %d", sent, failed, total)
			}
			if protocol == "2.0" && sent == 0 {
				t.Error("2.0: Prometheus writes the samples in bounds of a refused request; none counted as sent")
			}
			stored := storedSamples(t, api, run, now, 3*time.Hour)
			if int(stored) != sent {
				t.Errorf("Prometheus stored %v samples of the run; the backfill counted %d as sent", stored, sent)
			}
		})
	}
}

// TestRepeatedTimesAreNotCountedAsSent: records that carry the same time
// two by two (as records without a wall-clock time once all got), to a
// real Prometheus, which keeps one sample per series and time (and, in
// one request, says it wrote both): a loss Prometheus did not store is
// counted as not stored, and the backfill says so first. (Should the
// records ever get times of their own, every loss must be stored instead.)
func TestRepeatedTimesAreNotCountedAsSent(t *testing.T) {
	bin := promtest.Binary(t, "prometheus")
	addr := promtest.FreeAddr(t)
	api := promtest.StartPrometheus(t, bin, []byte(receiverConfig), addr, "--web.enable-remote-write-receiver")
	write := "http://" + addr + "/api/v1/write"
	tmp := t.TempDir()
	exporter := promtest.BuildExporter(t, "../..", tmp)
	now := time.Now().Truncate(time.Second)
	for _, protocol := range []string{"2.0", "1.0"} {
		t.Run(protocol, func(t *testing.T) {
			run := "pairs-" + protocol
			log := filepath.Join(tmp, run, "logs", "metrics.jsonl")
			const n = 400
			writeRunEvery(t, log, now.Add(-10*time.Minute), n, 2, time.Second)
			cmd := exec.Command(exporter, "backfill", "--remote-write.url", write, "--remote-write.protocol", protocol, log)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			t.Logf("backfill:\n%s%s", out, stderr.String())
			losses, qerr := api.InstantValueAt(`count_over_time(ml_train_loss{run="`+run+`"}[1h])`, now)
			if qerr != nil {
				t.Fatal(qerr)
			}
			if err == nil {
				if losses != n {
					t.Errorf("the backfill succeeded, yet Prometheus kept %v of the %d losses", losses, n)
				}
				return
			}
			m := regexp.MustCompile(`^backfill: FAILED: (\d+) of (\d+) samples were not stored; .*\d+ repeat the time of an earlier sample of their series`).FindStringSubmatch(string(out))
			if m == nil {
				t.Fatalf("the backfill does not lead with the refused repeats:\n%s", out)
			}
			if failed, _ := strconv.Atoi(m[1]); float64(failed) < n-losses {
				t.Errorf("%d samples counted as not stored; Prometheus did not keep %v losses", failed, n-losses)
			}
			// One per time; with 1.0 fewer: a pair split between two
			// batches makes Prometheus refuse the whole second request.
			if losses != n/2 && (protocol == "2.0" || losses > n/2 || losses == 0) {
				t.Errorf("Prometheus kept %v losses, want one per time (%d)", losses, n/2)
			}
		})
	}
}

// storedSamples counts the samples Prometheus holds of a run over the span
// before at, all series together.
func storedSamples(t *testing.T, api promtest.API, run string, at time.Time, span time.Duration) float64 {
	t.Helper()
	names, err := api.LabelValues("__name__", `{run="`+run+`"}`, at, span)
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, name := range names {
		c, err := api.InstantValueAt(fmt.Sprintf(`sum(count_over_time(%s{run=%q}[%ds]))`, name, run, int(span.Seconds())), at)
		if err != nil {
			t.Fatal(err)
		}
		total += c
	}
	return total
}

// writeSparseRun writes n train records of a run, every d from start.
func writeSparseRun(t *testing.T, path string, start time.Time, n int, d time.Duration) {
	t.Helper()
	writeRunEvery(t, path, start, n, 1, d)
}

// writeRunEvery writes n train records of a run, each time carried by
// `each` records in a row, the times d apart from start.
func writeRunEvery(t *testing.T, path string, start time.Time, n, each int, d time.Duration) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range n {
		ts := float64(start.Add(time.Duration(i/each)*d).UnixMilli()) / 1000
		fmt.Fprintf(&b, `{"step":%d,"epoch":0,"time":%.3f,"train/loss":%s}`+"\n", i, ts, lossText(i))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tenantProxy stands in front of a receiver as multi-tenant Mimir does:
// a request without X-Scope-OrgID gets 401 "no org id".
type tenantProxy struct {
	*httptest.Server
	refused atomic.Int64
}

func newTenantProxy(t *testing.T, receiver string) *tenantProxy {
	t.Helper()
	u, err := url.Parse(receiver)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(u)
	p := &tenantProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Scope-OrgID") == "" {
			p.refused.Add(1)
			http.Error(w, "no org id", http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// waitRefusedAndRead waits until the exporter at addr read every line of
// the run (the queue holds them all) and its receiver refused at least
// two requests.
func waitRefusedAndRead(t *testing.T, p *tenantProxy, addr string, lines int) {
	t.Helper()
	if err := promtest.Eventually(30*time.Second, func() error {
		_, err := promtest.HTTPGet("http://" + addr + "/metrics")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := promtest.Eventually(60*time.Second, func() error {
		if read := metricValue(t, addr, "jsonl_exporter_lines_read_total"); read < float64(lines) || p.refused.Load() < 2 {
			return fmt.Errorf("%v lines read, %d requests refused", read, p.refused.Load())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if sent := metricValue(t, addr, "jsonl_exporter_remote_write_samples_sent_total"); sent != 0 {
		t.Errorf("%v samples counted as sent while every request was refused", sent)
	}
	if failed := metricValue(t, addr, "jsonl_exporter_remote_write_samples_failed_total"); failed != 0 {
		t.Errorf("%v samples counted as failed while serving: a 401 is retried", failed)
	}
}

// TestUnauthorizedUntilRestart: the Mimir case. Every push is refused for
// a missing tenant header while the exporter reads a whole run with a
// state file; stopped and started again with the header and the same
// state file, it stores every record of the run.
func TestUnauthorizedUntilRestart(t *testing.T) {
	api, write := startReceiver(t)
	p := newTenantProxy(t, write)
	tmp := t.TempDir()
	bin := promtest.BuildExporter(t, "../..", tmp)
	log := filepath.Join(tmp, "runs", "tenant", "logs", "metrics.jsonl")
	const n = 2000
	start := time.Now().Add(-5 * time.Minute).Truncate(time.Second)
	sum := writeRun(t, log, start, n)
	state := filepath.Join(tmp, "state.json")
	args := func(addr string, extra ...string) []string {
		return append([]string{"--input", filepath.Join(tmp, "runs", "*", "logs", "metrics.jsonl"),
			"--web.listen-address", addr, "--remote-write.url", p.URL + "/api/v1/write", "--state.file", state,
			"--remote-write.batch-size", "500"}, extra...)
	}
	addr := promtest.FreeAddr(t)
	first := promtest.Start(t, bin, args(addr)...)
	waitRefusedAndRead(t, p, addr, n)
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if data, err := os.ReadFile(state); err == nil && strings.Contains(string(data), log) {
		t.Fatalf("the state file moved past records no receiver accepted:\n%s", data)
	}

	addr2 := promtest.FreeAddr(t)
	promtest.Start(t, bin, args(addr2, "--remote-write.header", "X-Scope-OrgID: ml")...)
	expectRun(t, api, "tenant", start, n, sum)
}

// TestUnauthorizedUntilReload: the same, fixed without a restart: the
// configuration file gets the tenant header and POST /-/reload sends the
// records that were waiting.
func TestUnauthorizedUntilReload(t *testing.T) {
	api, write := startReceiver(t)
	p := newTenantProxy(t, write)
	tmp := t.TempDir()
	bin := promtest.BuildExporter(t, "../..", tmp)
	log := filepath.Join(tmp, "runs", "reload", "logs", "metrics.jsonl")
	const n = 2000
	start := time.Now().Add(-5 * time.Minute).Truncate(time.Second)
	sum := writeRun(t, log, start, n)
	cfg := filepath.Join(tmp, "config.yml")
	config := func(headers string) []byte {
		return []byte("input: ['" + filepath.Join(tmp, "runs", "*", "logs", "metrics.jsonl") + "']\n" +
			"remote-write:\n  batch-size: 500\n  endpoints:\n    - url: " + p.URL + "/api/v1/write\n" + headers)
	}
	if err := os.WriteFile(cfg, config(""), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := promtest.FreeAddr(t)
	promtest.Start(t, bin, "--config.file", cfg, "--web.listen-address", addr, "--web.enable-lifecycle")
	waitRefusedAndRead(t, p, addr, n)

	if err := os.WriteFile(cfg, config("      http_headers: {X-Scope-OrgID: {values: [ml]}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+addr+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reload: %s", resp.Status)
	}
	expectRun(t, api, "reload", start, n, sum)
}
