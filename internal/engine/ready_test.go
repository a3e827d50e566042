// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestReady: an engine is ready (/-/ready) once the files found at start
// were read to the size they had then, and not before it has even looked.
func TestReady(t *testing.T) {
	t.Run("complete lines", func(t *testing.T) { testReady(t, `{"step":1,"loss":2}`+"\n") })
	// A writer that stopped in the middle of a line (a crash, or a log
	// being written) does not keep the engine from being ready: plot and
	// backfill wait for it, and waited for ever.
	t.Run("an unfinished last line", func(t *testing.T) { testReady(t, `{"step":1,"loss":2}`+"\n"+`{"step":2,"lo`) })
	t.Run("only an unfinished line", func(t *testing.T) { testReady(t, `{"step":2,"lo`) })
	// Python's csv module ends lines with "\r\n": the "\r" the tailer
	// takes off is a byte read too, or the file was never caught up.
	t.Run("CRLF line ends", func(t *testing.T) { testReady(t, `{"step":1,"loss":2}`+"\r\n"+`{"step":2,"loss":1}`+"\r\n") })
}

func testReady(t *testing.T, content string) {
	dir := t.TempDir()
	appendTo(t, filepath.Join(dir, "r", "metrics.jsonl"), content)
	cfg := DefaultConfig()
	cfg.Input = []string{filepath.Join(dir, "*", "metrics.jsonl")}
	e, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Ready() {
		t.Fatal("ready before the first scan")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Follow(ctx) }()
	defer func() { cancel(); <-done }()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := e.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	if !e.Ready() {
		t.Error("not ready once WaitReady returned")
	}
}
