// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// receiverConfig is a Prometheus that scrapes nothing and takes old and
// out-of-order samples over a week, as docs/remote-write.md advises.
const receiverConfig = `
global:
  scrape_interval: 15s
storage:
  tsdb:
    out_of_order_time_window: 7d
`

// startReceiver runs a real Prometheus with its remote-write receiver.
func startReceiver(t *testing.T) (promtest.API, string) {
	t.Helper()
	bin := promtest.Binary(t, "prometheus")
	addr := promtest.FreeAddr(t)
	api := promtest.StartPrometheus(t, bin, []byte(receiverConfig), addr, "--web.enable-remote-write-receiver")
	return api, "http://" + addr + "/api/v1/write"
}

// writeRun writes n train records of run, 10 ms apart from start, and
// returns the sum of their losses.
func writeRun(t *testing.T, path string, start time.Time, n int) float64 {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	sum := 0.0
	for i := range n {
		sum += lossAt(i)
		ts := float64(start.UnixMilli()+int64(i)*10) / 1000
		fmt.Fprintf(&b, `{"step":%d,"epoch":0,"time":%.3f,"train/loss":%s}`+"\n", i, ts, lossText(i))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return sum
}

// lossAt returns the loss of step i as the file has it.
func lossAt(i int) float64 {
	f, _ := strconv.ParseFloat(lossText(i), 64)
	return f
}

func lossText(i int) string { return strconv.FormatFloat(3/(1+0.01*float64(i)), 'g', 6, 64) }

// expectRun waits until Prometheus holds exactly the n samples of the
// run's loss and step, with the file's values at the file's times.
func expectRun(t *testing.T, api promtest.API, run string, start time.Time, n int, sum float64) {
	t.Helper()
	sel := `ml_train_loss{run="` + run + `"}`
	at := start.Add(time.Duration(n) * 10 * time.Millisecond).Add(time.Second)
	if err := promtest.Eventually(60*time.Second, func() error {
		got, err := api.InstantValueAt(`count_over_time(`+sel+`[1h])`, at)
		if err == nil && got != float64(n) {
			err = fmt.Errorf("%v samples of %s, want %d", got, sel, n)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got, err := api.InstantValueAt(`sum_over_time(`+sel+`[1h])`, at)
	if err != nil || math.Abs(got-sum) > 1e-6*sum {
		t.Errorf("sum of the losses in Prometheus = %v (%v), the file's = %v", got, err, sum)
	}
	steps, err := api.InstantValueAt(`count_over_time(ml_step{run="`+run+`"}[1h])`, at)
	if err != nil || steps != float64(n) {
		t.Errorf("%v ml_step samples (%v), want %d", steps, err, n)
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		ts := start.Add(time.Duration(i) * 10 * time.Millisecond)
		v, err := api.InstantValueAt(sel, ts)
		if err != nil || math.Abs(v-lossAt(i)) > 1e-9 {
			t.Errorf("loss at step %d's time = %v (%v), want %v", i, v, err, lossAt(i))
		}
		step, err := api.InstantValueAt(`ml_step{run="`+run+`"}`, ts)
		if err != nil || step != float64(i) {
			t.Errorf("step at step %d's time = %v (%v)", i, step, err)
		}
	}
}

// TestLiveRunReachesPrometheus: every record of a run written at high
// speed is in Prometheus at its own time, 2,000 of them, where a scrape
// every 15 s would have kept one.
func TestLiveRunReachesPrometheus(t *testing.T) {
	api, url := startReceiver(t)
	tmp := t.TempDir()
	bin := promtest.BuildExporter(t, "../..", tmp)
	log := filepath.Join(tmp, "runs", "live", "logs", "metrics.jsonl")
	if err := os.MkdirAll(filepath.Dir(log), 0o755); err != nil {
		t.Fatal(err)
	}
	promtest.Start(t, bin, "--input", filepath.Join(tmp, "runs", "*", "logs", "metrics.jsonl"),
		"--web.listen-address", promtest.FreeAddr(t), "--discovery.interval", "200ms",
		"--remote-write.url", url, "--remote-write.external-label", "node=n1")
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	sum := writeRun(t, log, start, 2000)
	expectRun(t, api, "live", start, 2000, sum)
	if n, err := api.InstantValue(`count(ml_train_loss{run="live",node="n1"})`); err != nil || n != 1 {
		t.Errorf("series with the external label node=n1: %v (%v)", n, err)
	}
}

// TestKilledDuringPushResumes: the exporter killed with SIGKILL while it
// pushes a long run and started again with its state file delivers
// exactly the file's samples, and sends less than all of them again.
func TestKilledDuringPushResumes(t *testing.T) {
	api, url := startReceiver(t)
	tmp := t.TempDir()
	bin := promtest.BuildExporter(t, "../..", tmp)
	log := filepath.Join(tmp, "runs", "long", "logs", "metrics.jsonl")
	const n = 100000
	start := time.Now().Add(-20 * time.Minute).Truncate(time.Second)
	sum := writeRun(t, log, start, n)
	state := filepath.Join(tmp, "state.json")
	args := func(addr string) []string {
		return []string{"--input", filepath.Join(tmp, "runs", "*", "logs", "metrics.jsonl"),
			"--web.listen-address", addr, "--remote-write.url", url, "--state.file", state,
			"--remote-write.batch-size", "200", "--remote-write.queue-capacity", "1000"}
	}
	addr := promtest.FreeAddr(t)
	first := promtest.Start(t, bin, args(addr)...)
	// Kill it once the state file says part of the run was delivered.
	if err := promtest.Eventually(60*time.Second, func() error {
		if _, err := os.Stat(state); err != nil {
			return err
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	readBefore := metricValue(t, addr, "jsonl_exporter_lines_read_total")
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if readBefore >= n {
		t.Fatalf("the first exporter had read all %d lines before it was killed: make the run longer", n)
	}

	addr2 := promtest.FreeAddr(t)
	promtest.Start(t, bin, args(addr2)...)
	expectRun(t, api, "long", start, n, sum)
	at := start.Add(n*10*time.Millisecond + time.Second)
	names, err := api.LabelValues("__name__", `{run="long"}`, at, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	stored := 0.0
	for _, name := range names {
		c, err := api.InstantValueAt(`sum(count_over_time(`+name+`{run="long"}[1h]))`, at)
		if err != nil {
			t.Fatal(err)
		}
		stored += c
	}
	// Once the restart is done, it must have sent less than everything:
	// without the state file it would send every sample again.
	var resent float64
	if err := promtest.Eventually(30*time.Second, func() error {
		before := metricValue(t, addr2, "jsonl_exporter_remote_write_samples_sent_total")
		time.Sleep(1500 * time.Millisecond) // longer than the flush interval
		resent = metricValue(t, addr2, "jsonl_exporter_remote_write_samples_sent_total")
		if queued := metricValue(t, addr2, "jsonl_exporter_remote_write_queue_samples"); resent != before || queued > 0 {
			return fmt.Errorf("still sending: %v samples sent, %v queued", resent, queued)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if resent >= stored || resent == 0 {
		t.Errorf("the restart sent %v samples of the %v stored: it did not resume from the state file", resent, stored)
	}
}

// metricValue reads one unlabelled series of the exporter's /metrics
// (the sum over its label sets).
func metricValue(t *testing.T, addr, name string) float64 {
	t.Helper()
	body, err := promtest.HTTPGet("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+"{") {
			var v float64
			fmt.Sscanf(line[strings.LastIndexByte(line, ' ')+1:], "%g", &v)
			total += v
		}
	}
	return total
}

// TestBackfillOfYesterdaysRun: a finished 10,000-step run from yesterday,
// gzipped, is sent by `jsonl-exporter backfill` and queryable at its
// original times; the command says what it sent and exits 0.
func TestBackfillOfYesterdaysRun(t *testing.T) {
	api, url := startReceiver(t)
	tmp := t.TempDir()
	bin := promtest.BuildExporter(t, "../..", tmp)
	plain := filepath.Join(tmp, "old", "logs", "metrics.jsonl")
	const n = 10000
	start := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	sum := writeRun(t, plain, start, n)
	gzipFile(t, plain)

	out, err := exec.Command(bin, "backfill", "--remote-write.url", url, filepath.Join(tmp, "old")).CombinedOutput()
	if err != nil {
		t.Fatalf("backfill: %v\n%s", err, out)
	}
	for _, want := range []string{
		fmt.Sprintf("%d lines read", n),
		"records from " + start.UTC().Format(time.RFC3339) + " to " + start.Add((n-1)*10*time.Millisecond).UTC().Truncate(time.Second).Format(time.RFC3339),
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the summary does not say %q:\n%s", want, out)
		}
	}
	expectRun(t, api, "old", start, n, sum)

	// A receiver that is not there: a clear error, not "done".
	out, err = exec.Command(bin, "backfill", "--remote-write.url", "http://127.0.0.1:1/api/v1/write", filepath.Join(tmp, "nothing-here")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "nothing-here") {
		t.Errorf("backfill of a missing folder: %v\n%s", err, out)
	}
}

// gzipFile replaces path by path.gz.
func gzipFile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".gz", b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

// TestBackfillToBlocks: `backfill --out` writes OpenMetrics that promtool
// turns into blocks, and a Prometheus on those blocks answers the same
// queries as one that received the run by remote write.
func TestBackfillToBlocks(t *testing.T) {
	promtool := promtest.Binary(t, "promtool")
	prom := promtest.Binary(t, "prometheus")
	tmp := t.TempDir()
	bin := promtest.BuildExporter(t, "../..", tmp)
	plain := filepath.Join(tmp, "old", "logs", "metrics.jsonl")
	const n = 10000
	start := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	sum := writeRun(t, plain, start, n)
	gzipFile(t, plain)

	out := filepath.Join(tmp, "out")
	if msg, err := exec.Command(bin, "backfill", "--out", out, filepath.Join(tmp, "old")).CombinedOutput(); err != nil {
		t.Fatalf("backfill --out: %v\n%s", err, msg)
	}
	data := filepath.Join(tmp, "data")
	if msg, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", filepath.Join(out, "samples.om"), data).CombinedOutput(); err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, msg)
	}
	addr := promtest.FreeAddr(t)
	api := promtest.StartPrometheus(t, prom, []byte(receiverConfig), addr, "--storage.tsdb.path="+data)
	expectRun(t, api, "old", start, n, sum)
}

// TestLiveRunReachesVictoriaMetrics: the live run of
// TestLiveRunReachesPrometheus, pushed to a real VictoriaMetrics single
// node, the receiver the multi-node docs start with.
func TestLiveRunReachesVictoriaMetrics(t *testing.T) {
	vm := promtest.Binary(t, "victoria-metrics")
	addr := promtest.FreeAddr(t)
	api := promtest.StartVictoriaMetrics(t, vm, addr)
	tmp := t.TempDir()
	bin := promtest.BuildExporter(t, "../..", tmp)
	log := filepath.Join(tmp, "runs", "live", "logs", "metrics.jsonl")
	if err := os.MkdirAll(filepath.Dir(log), 0o755); err != nil {
		t.Fatal(err)
	}
	promtest.Start(t, bin, "--input", filepath.Join(tmp, "runs", "*", "logs", "metrics.jsonl"),
		"--web.listen-address", promtest.FreeAddr(t), "--discovery.interval", "200ms",
		"--remote-write.url", "http://"+addr+"/api/v1/write", "--remote-write.external-label", "node=n1")
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	sum := writeRun(t, log, start, 2000)
	expectRun(t, api, "live", start, 2000, sum)
}
