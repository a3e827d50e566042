// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// binary is the exporter built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	// fairseq's logging writes local time: read it in UTC here and in the
	// binaries the tests run, whatever the machine's zone.
	time.Local = time.UTC
	os.Setenv("TZ", "UTC")
	dir, err := os.MkdirTemp("", "jsonl-exporter-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "jsonl-exporter")
	build := exec.Command("go", "build", "-race", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the exporter:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBinary runs the exporter to completion.
func runBinary(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBadInvocationsExitTwoWithOneLine(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "run", "metrics.jsonl")
	writeFile(t, logs, "")
	badKey := filepath.Join(dir, "bad-key.yml")
	writeFile(t, badKey, "input: [x]\nweb:\n  listen_adress: :1\n")
	badYAML := filepath.Join(dir, "bad.yml")
	writeFile(t, badYAML, "input: [x\n")
	badRegex := filepath.Join(dir, "bad-regex.yml")
	writeFile(t, badRegex, "inputs:\n  - path: /x/*.jsonl\n    run-regex: '/(?P<name>x)'\n")
	tests := []struct {
		name string
		env  []string
		args []string
		want string // in the one line on stderr
	}{
		{"unknown flag", nil, []string{"--input", logs, "--no-such-flag"}, "unknown flag: --no-such-flag"},
		{"bad flag value", nil, []string{"--input", logs, "--max-series", "many"}, "max-series"},
		{"missing input", nil, []string{}, "input"},
		{"missing config file", nil, []string{"--config.file", filepath.Join(dir, "nope.yml")}, "config.file"},
		{"unknown config key", nil, []string{"--config.file", badKey}, "unknown key web.listen_adress"},
		{"broken yaml", nil, []string{"--config.file", badYAML}, "config.file"},
		{"run regex without run group", nil, []string{"--config.file", badRegex}, "run-regex"},
		{"bad env value", []string{"JSONL_EXPORTER_TAIL_POLL_INTERVAL=soon"}, []string{"--input", logs}, "poll-interval"},
		{"bad log level", nil, []string{"--input", logs, "--log.level", "loud"}, "log.level"},
		{"bad namespace", nil, []string{"--input", logs, "--namespace", "1x"}, "namespace"},
		{"stray argument", nil, []string{"--input", logs, "extra"}, "unexpected argument"},
		{"inspect without files", nil, []string{"inspect"}, "inspect"},
		{"missing web config", nil, []string{"--input", logs, "--web.config.file", filepath.Join(dir, "web.yml")}, "web.config.file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runBinary(t, tt.env, tt.args...)
			if code != 2 {
				t.Errorf("exit code %d, want 2; stderr: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "jsonl-exporter: ") || !strings.Contains(lines[0], tt.want) {
				t.Errorf("stderr %q: want one line naming %q", stderr, tt.want)
			}
		})
	}
}

func TestConfigCheckAndVersion(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "cfg.yml")
	writeFile(t, cfg, "inputs:\n  - path: "+dir+"/**/metrics.jsonl\n    labels: {cluster: a}\nweb:\n  listen-address: 127.0.0.1:0\n")
	out, stderr, code := runBinary(t, nil, "--config.file", cfg, "--config.check")
	if code != 0 || strings.TrimSpace(out) != "configuration OK" {
		t.Errorf("config.check: code %d, stdout %q, stderr %q", code, out, stderr)
	}
	out, _, code = runBinary(t, nil, "version")
	if code != 0 || !strings.Contains(out, "jsonl-exporter, version") {
		t.Errorf("version: code %d, stdout %q", code, out)
	}
}

// exporterProcess is a running exporter with its address.
type exporterProcess struct {
	cmd     *exec.Cmd
	addr    string
	stderr  *syncBuffer
	done    chan struct{} // closed when the process has exited
	waitErr error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listeningRE = regexp.MustCompile(`msg=listening address=(\S+)`)

// startExporter starts the binary listening on a free port and waits
// until it logs its address.
func startExporter(t *testing.T, args ...string) *exporterProcess {
	t.Helper()
	return startExporterUnder(t, nil, args...)
}

// startExporterUnder is startExporter with the binary run by a wrapper
// command (its path comes after wrapper's arguments).
func startExporterUnder(t *testing.T, wrapper []string, args ...string) *exporterProcess {
	t.Helper()
	listen := []string{"--web.listen-address", "127.0.0.1:0"}
	if len(args) > 0 && args[0] == "demo" {
		args = append(append([]string{"demo"}, listen...), args[1:]...)
	} else {
		args = append(listen, args...)
	}
	cmd := exec.Command(binary, args...)
	if wrapper != nil {
		cmd = exec.Command(wrapper[0], append(append(wrapper[1:len(wrapper):len(wrapper)], binary), args...)...)
	}
	pr, pw := io.Pipe()
	p := &exporterProcess{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = io.MultiWriter(pw, p.stderr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.waitErr = cmd.Wait(); pw.Close(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("exporter log:\n%s", p.stderr.String())
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case p.addr = <-addr:
	case <-time.After(20 * time.Second):
		t.Fatalf("exporter did not start; log:\n%s", p.stderr.String())
	}
	return p
}

func get(t *testing.T, url string, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitFor polls /metrics until it contains every wanted line.
func waitFor(t *testing.T, url string, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		_, body = get(t, url, "", "")
		missing := false
		for _, w := range want {
			if !strings.Contains(body, w) {
				missing = true
			}
		}
		if !missing {
			return body
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("metrics never contained %q; last scrape:\n%s", want, body)
	return ""
}

func TestServeFollowsLogsAndStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "bert-lr3e-4", "checkpoint", "logs", "metrics.jsonl")
	writeFile(t, logs, `{"_type":"meta","host":"gpu-node-7","user":"alice","world_size":8}
{"_type":"metric","time":1764115201.5,"epoch":0,"step":10,"train/loss":2.31,"train.loss":2.31}
not json at all
{"step":30,"train.loss":NaN}
`)
	p := startExporter(t, "--input", filepath.Join(dir, "**", "metrics.jsonl"), "--discovery.interval", "100ms")
	status, landing := get(t, "http://"+p.addr+"/", "", "")
	if status != 200 || !strings.Contains(landing, "/metrics") {
		t.Errorf("landing page: status %d, body %q", status, landing)
	}
	body := waitFor(t, "http://"+p.addr+"/metrics",
		`ml_train_loss{run="bert-lr3e-4"} NaN`,
		`ml_world_size{run="bert-lr3e-4"} 8`,
		`ml_run_info{host="gpu-node-7",run="bert-lr3e-4",user="alice"} 1`,
		`ml_nonfinite_values_total{metric="ml_train_loss",run="bert-lr3e-4"} 1`,
		`jsonl_exporter_parse_errors_total{reason="invalid_json"} 1`,
		`ml_step{run="bert-lr3e-4"} 30`,
	)
	promtoolCheck(t, body)

	// A record appended later, and a run started after the engine.
	f, err := os.OpenFile(logs, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `{"step":40,"epoch":0,"prefix":"train","metrics":{"loss":1.5}}`)
	f.Close()
	writeFile(t, filepath.Join(dir, "gpt2-small", "logs", "metrics.jsonl"), `{"step":1,"metrics":{"val":{"loss":3.5}}}`+"\n")
	waitFor(t, "http://"+p.addr+"/metrics", `ml_train_loss{run="bert-lr3e-4"} 1.5`, `ml_val_loss{run="gpt2-small"} 3.5`)

	terminate(t, p)
}

// terminate sends SIGTERM and expects exit code 0 within 5 s.
func terminate(t *testing.T, p *exporterProcess) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		if p.waitErr != nil {
			t.Errorf("exit after SIGTERM: %v, want exit code 0", p.waitErr)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("shutdown took %s, want at most 5s", d)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit 15s after SIGTERM")
	}
}

func TestBasicAuthWithWebConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "r1", "metrics.jsonl"), `{"step":1,"train.loss":2}`+"\n")
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webCfg := filepath.Join(dir, "web.yml")
	writeFile(t, webCfg, "basic_auth_users:\n  alice: "+string(hash)+"\n")
	p := startExporter(t, "--input", filepath.Join(dir, "*", "metrics.jsonl"), "--web.config.file", webCfg)
	if status, _ := get(t, "http://"+p.addr+"/metrics", "", ""); status != http.StatusUnauthorized {
		t.Errorf("no password: status %d, want 401", status)
	}
	if status, _ := get(t, "http://"+p.addr+"/metrics", "alice", "wrong"); status != http.StatusUnauthorized {
		t.Errorf("wrong password: status %d, want 401", status)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body := get(t, "http://"+p.addr+"/metrics", "alice", "s3cret")
		if status == 200 && strings.Contains(body, `ml_train_loss{run="r1"} 2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("right password: status %d, body:\n%s", status, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(p.stderr.String(), "s3cret") || strings.Contains(p.stderr.String(), string(hash)) {
		t.Error("a credential appears in the log")
	}
}

func TestReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "r1", "metrics.jsonl"), `{"step":1,"train.loss":2}`+"\n")
	cfg := filepath.Join(dir, "cfg.yml")
	writeFile(t, cfg, "input: ['"+dir+"/*/metrics.jsonl']\nnamespace: ml\n")
	p := startExporter(t, "--config.file", cfg)
	url := "http://" + p.addr + "/metrics"
	waitFor(t, url, `ml_train_loss{run="r1"} 2`, "jsonl_exporter_config_last_reload_successful 1")

	writeFile(t, cfg, "input: ['"+dir+"/*/metrics.jsonl']\nnamespace: training\n")
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, url, `training_train_loss{run="r1"} 2`, `jsonl_exporter_config_reloads_total{outcome="success"} 1`)

	writeFile(t, cfg, "input: ['"+dir+"/*/metrics.jsonl']\nnamespace: training\nbogus: 1\n")
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	body := waitFor(t, url, "jsonl_exporter_config_last_reload_successful 0", `jsonl_exporter_config_reloads_total{outcome="failure"} 1`)
	if !strings.Contains(body, `training_train_loss{run="r1"} 2`) {
		t.Errorf("a broken config must keep the running one; scrape:\n%s", body)
	}
}

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "exp1", "logs", "metrics.jsonl")
	writeFile(t, path, `{"_type":"run_start","run_name":"bert","time":1764115200.1}
{"step":0,"epoch":0,"train.loss":3}
{"step":9,"epoch":0,"train.loss":2}
{"step":0,"epoch":1,"train.loss":1.5}
{"step":3,"epoch":1,"train.loss":NaN}
{"step":1,"epoch":1,"train.loss":1.4}
{broken
`)
	// Written within the minute after the run started: the records
	// without a time are placed between.
	written := time.Unix(1764115260, 0)
	if err := os.Chtimes(path, written, written); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runBinary(t, nil, "inspect", path)
	if code != 0 {
		t.Fatalf("inspect: code %d, stderr %s", code, stderr)
	}
	for _, want := range []string{
		"run:      bert",
		"lines:    7 (6 records",
		"steps:    0 .. 9 (reset at 1 epoch starts)",
		"epochs:   0 .. 1",
		"time:     2025-11-26T00:00:00Z .. 2025-11-26T00:01:00Z (estimated for 5 records without a time of their own)",
		`ml_train_loss{run="bert"} 1.4  (from train.loss)`,
		`ml_nonfinite_values_total{metric="ml_train_loss",run="bert"} 1`,
		"profile:  seed (detected)",
		"line 5: train.loss is NaN",
		"line 6: step went back from 3 to 1",
		"line 7: invalid_json",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}

	// A folder: the log files under it.
	out, stderr, code = runBinary(t, nil, "inspect", dir)
	if code != 0 || !strings.Contains(out, path+"\n  run:      bert") {
		t.Errorf("inspect DIR: code %d, stderr %s, output:\n%s", code, stderr, out)
	}
	empty := t.TempDir()
	writeFile(t, filepath.Join(empty, "notes.txt"), "no log\n")
	out, stderr, code = runBinary(t, nil, "inspect", empty)
	if code != 1 || !strings.Contains(out, "no log files under it") || !strings.Contains(stderr, "inspect: some files could not be read") {
		t.Errorf("inspect of a folder without logs: code %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// promtoolCheck runs promtool check metrics on an exposition when
// promtool is installed (CI requires it).
func promtoolCheck(t *testing.T, exposition string) {
	t.Helper()
	path, ok := promtest.Tool(t, "promtool")
	if !ok {
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestDemoThatCannotWriteExits: when the demo cannot go on writing its
// runs (here its folder is replaced by a file, so the next run cannot
// start), the exporter says so and exits non-zero instead of serving
// nothing forever.
func TestDemoThatCannotWriteExits(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	p := startExporter(t, "demo", "--demo.dir", dir, "--demo.interval", "1ms", "--demo.runs", "1")
	waitFor(t, "http://"+p.addr+"/metrics", "ml_records_total{")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "in the way\n")
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the exporter went on serving after the demo stopped writing")
	}
	if ee, ok := p.waitErr.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want code 1", p.waitErr)
	}
	if log := p.stderr.String(); !strings.Contains(log, `msg="demo: writing simulated runs stopped"`) || !strings.Contains(log, "level=ERROR") {
		t.Errorf("log lacks the demo's error:\n%s", log)
	}
}
