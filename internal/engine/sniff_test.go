// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
)

// TestProfileOfFile: the names two producers share are told apart by
// the first bytes of the file, read as the tailer reads a head: a file
// that does not tell yet waits, one longer than profile.HeadSize is
// decided on its head, and a path that names a FIFO by the time it is
// read (a scan stats a file before it reads it) is not opened for
// reading: that would block the scan, and the engine with it.
func TestProfileOfFile(t *testing.T) {
	dir := t.TempDir()
	long := `{"` + strings.Repeat("x", profile.HeadSize) + `": 1, "iteration": 1}` + "\n"
	for _, tc := range []struct {
		name, content string
		want          string // the profile; "wait" when the file does not tell yet
	}{
		{"empty/metrics.json", "", "wait"},
		{"opened/metrics.json", "{}", "wait"},
		{"sacred/metrics.json", "{\n  \"loss\": {\n    \"steps\": [1],", "sacred"},
		{"d2/metrics.json", `{"iteration": 19, "total_loss": 1.378}` + "\n", "detectron2"},
		{"long/metrics.json", long, "detectron2"},
		{"result/log", "[\n  {\"epoch\": 1}\n]", "chainer"},
		{"text/log", "epoch 1 done\n", "none"},
		{"run/metrics.jsonl", "{}", "none"},
	} {
		path := filepath.Join(dir, tc.name)
		appendTo(t, path, tc.content)
		if got := profileName(profileOfFile(path)); got != tc.want {
			t.Errorf("%s holding %q: %s, want %s", tc.name, tc.content, got, tc.want)
		}
	}
	for name, want := range map[string]string{"fifo/metrics.json": "detectron2", "fifo/log": "none"} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(path, 0o644); err != nil {
			t.Skip(err)
		}
		got := make(chan string, 1)
		go func() { got <- profileName(profileOfFile(path)) }()
		select {
		case g := <-got:
			if g != want {
				t.Errorf("%s, a FIFO: %s, want %s", name, g, want)
			}
		case <-time.After(10 * time.Second):
			// Open it for writing, so that the reader's open returns.
			if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			t.Fatalf("%s, a FIFO, was opened for reading: the scan would block", name)
		}
	}
}

func profileName(p *profile.Profile, _ string, ok bool) string {
	switch {
	case !ok:
		return "wait"
	case p == nil:
		return "none"
	}
	return p.Name
}
