// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVersionFlag: --version prints what the version subcommand prints,
// as other Prometheus binaries do.
func TestVersionFlag(t *testing.T) {
	sub, _, code1 := runBinary(t, nil, "version")
	for _, args := range [][]string{{"--version"}, {"serve", "--version"}, {"demo", "--version"}} {
		out, stderr, code := runBinary(t, nil, args...)
		if code != 0 || code1 != 0 || out != sub || !strings.Contains(out, "jsonl-exporter, version") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", args, code, out, stderr, sub)
		}
	}
}

// TestTwoListenAddresses: every --web.listen-address serves.
func TestTwoListenAddresses(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "r1", "metrics.jsonl"), `{"step":1,"train.loss":2}`+"\n")
	p := startExporter(t, "--input", filepath.Join(dir, "*", "metrics.jsonl"), "--web.listen-address", "127.0.0.1:0")
	var addrs [][]string
	for deadline := time.Now().Add(10 * time.Second); len(addrs) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		addrs = listeningRE.FindAllStringSubmatch(p.stderr.String(), -1)
	}
	if len(addrs) != 2 {
		t.Fatalf("%d listening lines, want 2:\n%s", len(addrs), p.stderr.String())
	}
	for _, a := range addrs {
		waitFor(t, "http://"+a[1]+"/metrics", `ml_train_loss{run="r1"} 2`)
	}
}

// TestLifecycleEndpoints: /-/healthy and /-/ready always; POST /-/reload
// only with --web.enable-lifecycle, counted as a SIGHUP reload is.
func TestLifecycleEndpoints(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "r1", "metrics.jsonl"), `{"step":1,"train.loss":2}`+"\n")
	cfg := filepath.Join(dir, "config.yml")
	writeFile(t, cfg, "input: ['"+dir+"/*/metrics.jsonl']\n")

	off := startExporter(t, "--config.file", cfg)
	base := "http://" + off.addr
	waitFor(t, base+"/metrics", `ml_train_loss{run="r1"} 2`)
	for path, want := range map[string]string{"/-/healthy": "jsonl-exporter is Healthy.", "/-/ready": "jsonl-exporter is Ready."} {
		if code, body := get(t, base+path, "", ""); code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d %q", path, code, body)
		}
	}
	if code := post(t, base+"/-/reload"); code != http.StatusForbidden {
		t.Errorf("POST /-/reload without --web.enable-lifecycle: %d, want 403", code)
	}

	on := startExporter(t, "--config.file", cfg, "--web.enable-lifecycle")
	base = "http://" + on.addr
	waitFor(t, base+"/metrics", `ml_train_loss{run="r1"} 2`)
	if code, _ := get(t, base+"/-/reload", "", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: %d, want 405", code)
	}
	writeFile(t, cfg, "input: ['"+dir+"/*/metrics.jsonl']\nnamespace: training\n")
	if code := post(t, base+"/-/reload"); code != http.StatusOK {
		t.Errorf("POST /-/reload: %d, want 200", code)
	}
	waitFor(t, base+"/metrics", `training_train_loss{run="r1"} 2`, `jsonl_exporter_config_reloads_total{outcome="success"} 1`)
	writeFile(t, cfg, "input: ['"+dir+"/*/metrics.jsonl']\nbogus: 1\n")
	if code := post(t, base+"/-/reload"); code != http.StatusInternalServerError {
		t.Errorf("POST /-/reload of a broken file: %d, want 500", code)
	}
	waitFor(t, base+"/metrics", `training_train_loss{run="r1"} 2`, `jsonl_exporter_config_reloads_total{outcome="failure"} 1`,
		"jsonl_exporter_config_last_reload_successful 0")
}

func post(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Post(url, "text/plain", nil)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestGOGC: the collector runs at 75 % unless GOGC says otherwise.
func TestGOGC(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "run", "metrics.jsonl")
	writeFile(t, log, `{"step":1,"train.loss":2}`+"\n")
	for env, want := range map[string]string{"-u": "go_gc_gogc_percent 75", "GOGC=100": "go_gc_gogc_percent 100", "GOGC=50": "go_gc_gogc_percent 50"} {
		wrapper := []string{"env", env}
		if env == "-u" {
			wrapper = []string{"env", "-u", "GOGC"}
		}
		p := startExporterUnder(t, wrapper, "--input", log)
		waitFor(t, "http://"+p.addr+"/metrics", want)
	}
}
