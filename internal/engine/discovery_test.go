// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDiscoveryLogs drives discovery with the times of its scans: what it
// found at start, files found and lost, an input that matches nothing for
// a while, and a folder given instead of a glob.
func TestDiscoveryLogs(t *testing.T) {
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs", "**", "metrics.jsonl")
	empty := filepath.Join(dir, "nothing", "*.jsonl")
	folder := filepath.Join(dir, "runs")
	a, b := filepath.Join(dir, "runs", "a", "metrics.jsonl"), filepath.Join(dir, "runs", "b", "metrics.jsonl")
	appendTo(t, a, `{"step":1,"loss":2}`+"\n")

	cfg := DefaultConfig()
	cfg.Input = []string{runs, empty, folder}
	log := &logBuffer{}
	e, err := New(cfg, nil, newTestLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); e.wg.Wait() }()
	expect := func(step string, want int, parts ...string) {
		t.Helper()
		if got := len(log.linesWith(parts...)); got != want {
			t.Errorf("%s: %d log lines with %q, want %d; log:\n%s", step, got, parts, want, log.String())
		}
	}

	t0 := time.Now()
	e.scan(ctx, t0)
	expect("start", 1, `level=INFO msg=input glob=`+runs, "files=1")
	expect("start", 1, `level=DEBUG msg="input matches a new file"`, "path="+a)
	expect("start", 1, `level=INFO msg=input glob=`+empty, "files=0")
	expect("start", 1, `level=WARN msg="input is a folder, not a glob of files: did you mean \"`+filepath.Join(folder, "**", "*.jsonl")+`\"?"`)
	expect("start", 0, "has matched no file")

	appendTo(t, b, `{"step":1,"loss":2}`+"\n")
	e.scan(ctx, t0.Add(5*time.Second))
	expect("found", 1, `msg="input files changed" glob=`+runs, "files=2 added=1 removed=0")
	e.scan(ctx, t0.Add(10*time.Second))
	expect("nothing changed", 1, `msg="input files changed"`)

	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	e.scan(ctx, t0.Add(15*time.Second))
	expect("lost", 1, `msg="input files changed" glob=`+runs, "files=1 added=0 removed=1")
	expect("lost", 1, `level=DEBUG msg="input no longer matches a file"`, "path="+a)

	e.scan(ctx, t0.Add(50*time.Second))
	expect("empty for less than a minute", 0, "has matched no file")
	e.scan(ctx, t0.Add(61*time.Second))
	e.scan(ctx, t0.Add(70*time.Second))
	expect("empty for a minute", 1, `level=WARN msg="input has matched no file for 1m0s; is the glob right?" glob=`+empty)
	if n := len(log.linesWith("has matched no file")); n != 1 {
		t.Errorf("%d warnings about empty inputs, want 1 (the folder counts no files but was hinted at)", n)
	}
	if strings.Contains(log.String(), "not a regular file") {
		t.Errorf("a folder counted as an unreadable file:\n%s", log.String())
	}
}
