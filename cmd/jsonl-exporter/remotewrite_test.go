// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestDisableRunMetrics: in push mode /metrics keeps the exporter's own
// series and leaves the runs' out; both switched off is a usage error.
func TestDisableRunMetrics(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), []byte(`{"step":1,"train/loss":2}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	glob := filepath.Join(dir, "*.jsonl")
	for _, disable := range []bool{false, true} {
		args := []string{"--input", glob}
		if disable {
			args = append(args, "--web.disable-run-metrics")
		}
		p := startExporter(t, args...)
		var body string
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			_, body = get(t, "http://"+p.addr+"/metrics", "", "")
			if strings.Contains(body, "jsonl_exporter_lines_read_total 1") {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.Contains(body, "jsonl_exporter_lines_read_total 1") {
			t.Fatalf("disable=%v: the line was not read:\n%s", disable, body)
		}
		// A scrape walks the runs before it gathers the counters: the one
		// that saw the count may have walked the runs before the record.
		_, body = get(t, "http://"+p.addr+"/metrics", "", "")
		if got := strings.Contains(body, "ml_train_loss{"); got == disable {
			t.Errorf("disable=%v: /metrics has ml_train_loss: %v", disable, got)
		}
	}

	var stdout, stderr bytes.Buffer
	code := run([]string{"--input", glob, "--web.disable-run-metrics", "--web.disable-exporter-metrics", "--config.check"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "leave /metrics empty") {
		t.Errorf("both disabled: exit %d, %q", code, stderr.String())
	}
}

// TestRemoteWriteFlags: bad remote-write settings end with one line that
// names the key, and exit code 2.
func TestRemoteWriteFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--remote-write.url", "localhost:9090"}, "remote-write.url"},
		{[]string{"--state.file", "/tmp/state.json"}, "state.file: needs a remote-write receiver"},
		{[]string{"--remote-write.url", "http://a/w", "--remote-write.header", "X-Scope-OrgID"}, "remote-write.header"},
		{[]string{"--remote-write.url", "http://a/w", "--remote-write.external-label", "node"}, "remote-write.external-label"},
		{[]string{"--remote-write.url", "http://a/w", "--remote-write.batch-size", "10", "--remote-write.queue-capacity", "5"}, "remote-write.batch-size"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"--input", "/tmp/none/*.jsonl", "--config.check"}, tc.args...), &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), tc.want) || strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line naming %q", tc.args, code, stderr.String(), tc.want)
		}
	}
	// The configuration file's endpoints use Prometheus' client settings.
	cfg := filepath.Join(t.TempDir(), "config.yml")
	os.WriteFile(cfg, []byte("input: [/tmp/none/*.jsonl]\nremote-write:\n  endpoints:\n    - url: http://mimir/api/v1/push\n      http_headers: {X-Scope-OrgID: {values: [ml]}}\n      basic_auth: {username: u, password_file: /etc/pw}\n    - {url: http://vm:8428/api/v1/write, bogus: 1}\n"), 0o644)
	var stdout, stderr bytes.Buffer
	code := run([]string{"--config.file", cfg, "--config.check"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "remote-write.endpoints[1]") || !strings.Contains(stderr.String(), "bogus") {
		t.Errorf("unknown key in an endpoint: exit %d, %q", code, stderr.String())
	}
	os.WriteFile(cfg, []byte("input: [/tmp/none/*.jsonl]\nremote-write:\n  endpoints:\n    - url: http://mimir/api/v1/push\n      http_headers: {X-Scope-OrgID: {values: [ml]}}\n"), 0o644)
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"--config.file", cfg, "--config.check"}, &stdout, &stderr); code != exitOK {
		t.Errorf("valid endpoints: exit %d, %q", code, stderr.String())
	}
}

// TestSIGTERMFlushesRemoteWrite: at SIGTERM the exporter sends what is
// queued (here a last batch that would otherwise wait an hour), writes
// the state file with the whole log acknowledged, and exits within 5 s.
func TestSIGTERMFlushesRemoteWrite(t *testing.T) {
	var requests atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(50 * time.Millisecond) // a receiver with some latency
		requests.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	dir := t.TempDir()
	log := filepath.Join(dir, "metrics.jsonl")
	var b strings.Builder
	for i := range 503 { // not a whole number of batches
		fmt.Fprintf(&b, `{"step":%d,"train/loss":%g}`+"\n", i, 1/float64(i+1))
	}
	if err := os.WriteFile(log, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.json")
	p := startExporter(t, "--input", log, "--remote-write.url", receiver.URL+"/api/v1/write", "--remote-write.protocol", "1.0",
		"--remote-write.batch-size", "1000", "--remote-write.flush-interval", "1h", "--state.file", state)
	deadline := time.Now().Add(10 * time.Second)
	for requests.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if requests.Load() == 0 {
		t.Fatal("no full batch was sent")
	}
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(6 * time.Second):
		t.Fatal("still running 6 s after SIGTERM")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopped %s after SIGTERM, want within 5 s", d)
	}
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatalf("no state file after SIGTERM: %v", err)
	}
	var st struct {
		Files map[string]struct{ Offset int64 }
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if got, want := st.Files[log].Offset, int64(b.Len()); got != want {
		t.Errorf("state file: %s acknowledged to %d, want the whole file (%d): the last batch was not flushed\n%s", log, got, want, data)
	}
}

// TestShippedRemoteWriteConfigs: the configurations of
// deploy/remote-write/ (Mimir, Thanos Receive, VictoriaMetrics) pass
// --config.check and name at least one receiver each.
func TestShippedRemoteWriteConfigs(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "deploy", "remote-write", "*.yml"))
	if len(files) < 3 {
		t.Fatalf("found %v, want the Mimir, Thanos and VictoriaMetrics configurations", files)
	}
	for _, f := range files {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"--config.file", f, "--config.check"}, &stdout, &stderr); code != exitOK {
			t.Errorf("%s: exit %d: %s", f, code, stderr.String())
		}
		l := &loader{fs: newFlagSet(programName, cmdServe), cmd: cmdServe, getenv: func(string) string { return "" }}
		if err := l.fs.Parse([]string{"--config.file", f}); err != nil {
			t.Fatal(err)
		}
		o, err := l.load()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		w, err := o.writerOptions(nil, nil)
		if err != nil || w == nil || len(w.Endpoints) == 0 || w.ExternalLabels["node"] == "" {
			t.Errorf("%s: receivers %+v, %v; want at least one, and a node label", f, w, err)
		}
	}
}

// TestBackfillUnreadableFile: a file that cannot be read fails the
// backfill, by name, and the others are still written.
func TestBackfillUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good", "metrics.jsonl")
	writeFile(t, good, `{"step":1,"train.loss":2}`+"\n"+`{"step":2,"train.loss":1}`+"\n"+`{"step":3,"train.lo`)
	bad := filepath.Join(dir, "bad", "metrics.jsonl.gz")
	writeFile(t, bad, "not gzip\n")
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(bad, old, old); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	stdout, stderr, code := runBinary(t, nil, "backfill", "--out", out, good, bad)
	if code != 1 || !strings.Contains(stdout, "backfill: cannot read "+bad+": ") || !strings.Contains(stderr, "backfill: 1 of 2 files could not be read") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	om, err := os.ReadFile(filepath.Join(out, "samples.om"))
	if err != nil || !strings.Contains(string(om), `ml_train_loss{run="good"} 1 `) {
		t.Errorf("the readable file's samples: %v\n%s", err, om)
	}
}

// TestBackfillSummaryLeadsWithTheFailure: a receiver that refuses the
// samples fails the backfill, and the summary's first line says so, with
// how many samples were not stored and the receiver's reason (without its
// newline). Samples refused for themselves (400) let the state file move
// on; samples refused for the credentials (401) do not.
func TestBackfillSummaryLeadsWithTheFailure(t *testing.T) {
	for _, tc := range []struct {
		code    int
		body    string
		what    string
		stateOK bool
	}{
		{http.StatusBadRequest, "out of bounds", "answered HTTP 400 for ", true},
		{http.StatusUnauthorized, "no org id", "answered HTTP 401 for ", false},
	} {
		t.Run(tc.body, func(t *testing.T) {
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				http.Error(w, tc.body, tc.code)
			}))
			defer receiver.Close()
			dir := t.TempDir()
			log := filepath.Join(dir, "run", "metrics.jsonl")
			content := `{"step":1,"time":1764115200,"train/loss":2}` + "\n" + `{"step":2,"time":1764115201,"train/loss":1}` + "\n"
			writeFile(t, log, content)
			state := filepath.Join(dir, "state.json")
			url := receiver.URL + "/api/v1/write"
			stdout, stderr, code := runBinary(t, nil, "backfill", "--remote-write.url", url, "--remote-write.protocol", "1.0", "--state.file", state, log)
			first, _, _ := strings.Cut(stdout, "\n")
			if code != 1 || !strings.HasPrefix(first, "backfill: FAILED: ") || !strings.Contains(first, " samples were not stored; "+url+" "+tc.what) ||
				!strings.HasSuffix(first, "): "+tc.body) && !strings.HasSuffix(first, " samples: "+tc.body) {
				t.Errorf("exit %d; the summary does not lead with the failure and the receiver's reason:\n%s", code, stdout)
			}
			if !strings.Contains(stderr, "samples were not stored ("+strconv.Itoa(tc.code)+": ") {
				t.Errorf("stderr: %q", stderr)
			}
			if strings.Contains(stdout, " 0 samples were not stored") || !strings.Contains(stdout, "0 samples sent") {
				t.Errorf("refused samples counted as sent, or none counted as refused:\n%s", stdout)
			}
			var st struct {
				Files map[string]struct{ Offset int64 }
			}
			if data, err := os.ReadFile(state); err == nil {
				if err := json.Unmarshal(data, &st); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := st.Files[log].Offset, int64(len(content)); (got == want) != tc.stateOK {
				t.Errorf("state file at %d of %d; want past the records: %v", got, want, tc.stateOK)
			}
		})
	}
}

// TestReloadFixesTheTenantHeader: a receiver that refuses every request
// without its tenant header (as multi-tenant Mimir answers 401 "no org
// id") holds the records while serving; once the configuration file
// gives the header, a SIGHUP sends them, and the state file goes to the
// end of the log. A change a running writer cannot take is logged and
// leaves the running settings.
func TestReloadFixesTheTenantHeader(t *testing.T) {
	var accepted, refused atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("X-Scope-OrgID") == "" {
			refused.Add(1)
			http.Error(w, "no org id", http.StatusUnauthorized)
			return
		}
		accepted.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	dir := t.TempDir()
	log := filepath.Join(dir, "run", "metrics.jsonl")
	var b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&b, `{"step":%d,"time":%d,"train/loss":%g}`+"\n", i, 1764115200+i, 1/float64(i+1))
	}
	writeFile(t, log, b.String())
	cfg := filepath.Join(dir, "config.yml")
	endpoint := "remote-write:\n  endpoints:\n    - {name: r, protocol: '1.0', url: " + receiver.URL + "/api/v1/push"
	writeFile(t, cfg, "input: ['"+log+"']\n"+endpoint+"}\n")
	state := filepath.Join(dir, "state.json")
	p := startExporter(t, "--config.file", cfg, "--state.file", state)
	url := "http://" + p.addr + "/metrics"
	deadline := time.Now().Add(20 * time.Second)
	for refused.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if refused.Load() < 2 || accepted.Load() != 0 {
		t.Fatalf("%d requests refused, %d accepted: want the refused batch retried", refused.Load(), accepted.Load())
	}
	body := waitFor(t, url, `jsonl_exporter_remote_write_samples_sent_total{remote="r"} 0`)
	if strings.Contains(body, "jsonl_exporter_remote_write_samples_failed_total{") {
		t.Errorf("samples counted as failed while the receiver waits for its header:\n%s", body)
	}

	// Another batch size needs a restart: nothing changes.
	writeFile(t, cfg, "input: ['"+log+"']\nremote-write:\n  batch-size: 10\n"+strings.TrimPrefix(endpoint, "remote-write:\n")+", http_headers: {X-Scope-OrgID: {values: [ml]}}}\n")
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, url, `jsonl_exporter_config_reloads_total{outcome="success"} 1`)
	if !strings.Contains(p.stderr.String(), "remote-write.batch-size: changes only on restart") || accepted.Load() != 0 {
		t.Errorf("a new batch size was taken by a reload (%d accepted):\n%s", accepted.Load(), p.stderr.String())
	}

	writeFile(t, cfg, "input: ['"+log+"']\n"+endpoint+", http_headers: {X-Scope-OrgID: {values: [ml]}}}\n")
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, url, `jsonl_exporter_config_reloads_total{outcome="success"} 2`, `jsonl_exporter_remote_write_queue_samples{remote="r"} 0`)
	// An empty queue may still have its batch on the way.
	for deadline := time.Now().Add(10 * time.Second); accepted.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if accepted.Load() == 0 {
		t.Fatal("nothing accepted after the header was given")
	}
	for _, want := range []string{`status=401 reason="no org id"`, "client settings were reloaded"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, p.stderr.String())
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p.done
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Files map[string]struct{ Offset int64 }
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if got := st.Files[log].Offset; got != int64(b.Len()) {
		t.Errorf("state file: %d of %d bytes delivered", got, b.Len())
	}
}

// TestSIGTERMDuringReloadWithReceiverDown: a reload (SIGHUP or
// /-/reload) waits for its new
// engine to read the logs, which it cannot while the receiver is down
// and the queue is full; a SIGTERM then must still stop the exporter
// within the shutdown timeout, not after the reload's 30 s.
func TestSIGTERMDuringReloadWithReceiverDown(t *testing.T) {
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + down.Addr().String() + "/api/v1/write"
	down.Close() // refused from now on

	dir := t.TempDir()
	log := filepath.Join(dir, "metrics.jsonl")
	var b strings.Builder
	for i := range 2000 { // far more samples than the queue holds
		fmt.Fprintf(&b, `{"step":%d,"train/loss":%g}`+"\n", i, 1/float64(i+1))
	}
	if err := os.WriteFile(log, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, "--input", log, "--remote-write.url", url, "--remote-write.queue-capacity", "100", "--remote-write.batch-size", "50",
		"--remote-write.shutdown-timeout", "1s", "--state.file", filepath.Join(dir, "state.json"), "--web.enable-lifecycle")
	// A reload through /-/reload: once the loop has taken it, the signals
	// are handled (a SIGHUP sent earlier would end the process).
	go func() {
		resp, err := http.Post("http://"+p.addr+"/-/reload", "", nil)
		if err == nil {
			resp.Body.Close()
		}
	}()
	// The new engine's first scan logs its input: the reload waits now.
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(p.stderr.String(), "msg=input ") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the reload did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after SIGTERM (shutdown timeout 1s)")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stopped %s after SIGTERM, want about the shutdown timeout (1s)", d)
	}
	if p.waitErr != nil {
		t.Errorf("exit after SIGTERM: %v, want exit code 0", p.waitErr)
	}
}
