// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/creack/pty"

	"github.com/jsonl-exporter/jsonl-exporter/internal/watch"
)

// ptyWatch is the built exporter's watch running in a pseudo-terminal.
type ptyWatch struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func startPTYWatch(t *testing.T, rows, cols uint16, env []string, args ...string) *ptyWatch {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"watch"}, args...)...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "JSONL_EXPORTER_DISCOVERY_INTERVAL=200ms")
	cmd.Env = append(cmd.Env, env...)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: rows, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	w := &ptyWatch{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			w.mu.Lock()
			w.out.Write(buf[:n])
			w.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		tty.Close()
		<-w.done
	})
	return w
}

// output is everything the view wrote so far.
func (w *ptyWatch) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

// waitFor polls until every want is written after offset from, within a
// bound, and returns the output's length then.
func (w *ptyWatch) waitFor(from int, bound time.Duration, want ...string) int {
	w.t.Helper()
	deadline := time.Now().Add(bound)
	for {
		out := w.output()
		missing := ""
		for _, s := range want {
			if !strings.Contains(out[from:], s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return len(out)
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%q not shown within %s; output after %d:\n%q", missing, bound, from, out[from:])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *ptyWatch) press(keys string) {
	w.t.Helper()
	if _, err := io.WriteString(w.tty, keys); err != nil {
		w.t.Fatal(err)
	}
}

// exit waits for the exporter to end and checks its code and that the
// terminal was restored: the alternate screen left, the cursor shown.
func (w *ptyWatch) exit() {
	w.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- w.cmd.Wait() }()
	select {
	case err := <-errc:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			w.t.Fatalf("exit code %d; output:\n%q", ee.ExitCode(), w.output())
		} else if err != nil {
			w.t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		w.t.Fatalf("watch did not exit; output:\n%q", w.output())
	}
	<-w.done // the PTY's output drained
	out := w.output()
	const leave, show = "\x1b[?1049l", "\x1b[?25h"
	i := strings.LastIndex(out, leave)
	if i < 0 || i < strings.LastIndex(out, "\x1b[?1049h") {
		w.t.Fatalf("the alternate screen was not left at the end:\n%q", tail(out))
	}
	if j := strings.LastIndex(out, show); j < 0 || j < strings.LastIndex(out, "\x1b[?25l") {
		w.t.Fatalf("the cursor was not shown at the end:\n%q", tail(out))
	}
}

func tail(s string) string { return s[max(0, len(s)-400):] }

// appendRun writes a run's records as the demo's trainer writes them.
func appendRun(t *testing.T, dir, name string) {
	t.Helper()
	var b strings.Builder
	tm := float64(time.Now().Unix())
	fmt.Fprintf(&b, `{"_type":"run_start","run_name":%q,"time":%g}`+"\n", name, tm)
	for step := range 40 {
		fmt.Fprintf(&b, `{"_type":"metric","time":%g,"epoch":0,"step":%d,"train/loss":%.3f,"train/lr":0.0003}`+"\n", tm+float64(step), step, 2.0-float64(step)/40)
	}
	path := filepath.Join(dir, name, "logs", "metrics.jsonl")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWatchTUI drives the view in a real pseudo-terminal: it shows the
// demo's runs and a chart, changes metric on n, redraws on a resize,
// shows a run that appears while it runs and quits on q or Ctrl-C with the
// terminal restored.
func TestWatchTUI(t *testing.T) {
	for _, quit := range []struct{ name, key string }{{"q", "q"}, {"ctrl-c", "\x03"}} {
		t.Run(quit.name, func(t *testing.T) {
			dir := t.TempDir()
			demoShapedLog(t, dir)
			w := startPTYWatch(t, 40, 120, nil, filepath.Join(dir, "**", "*.jsonl"))

			at := w.waitFor(0, 10*time.Second, "\x1b[?1049h", "RUN", "demo-run-1", "demo-run-3", "train_loss by step", "┤", "n/p metric")
			w.press("n")
			at = w.waitFor(at, 5*time.Second, "val_loss by step")

			// A resize is drawn anew: the table's header is written again.
			if err := pty.Setsize(w.tty, &pty.Winsize{Rows: 30, Cols: 90}); err != nil {
				t.Fatal(err)
			}
			at = w.waitFor(at, 5*time.Second, "RUN", "val_loss by step")

			appendRun(t, dir, "demo-run-4")
			at = w.waitFor(at, 10*time.Second, "demo-run-4")

			w.press(quit.key)
			w.exit()
			_ = at
		})
	}
}

// TestWatchTUITooSmall: a terminal too small says so instead of drawing.
func TestWatchTUITooSmall(t *testing.T) {
	dir := t.TempDir()
	demoShapedLog(t, dir)
	w := startPTYWatch(t, 8, 30, []string{"NO_COLOR=1"}, dir)
	at := w.waitFor(0, 10*time.Second, "terminal too small")
	if err := pty.Setsize(w.tty, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	w.waitFor(at, 5*time.Second, "RUN", "train_loss by step")
	out := w.output()
	if strings.Contains(out, "\x1b[38;5;") {
		t.Errorf("NO_COLOR set, yet colours were written")
	}
	w.press("q")
	w.exit()
}

// TestWatchTUIKeys checks the keys on the view's state, without a
// terminal.
func TestWatchTUIKeys(t *testing.T) {
	model := watch.New("ml", func(n string) string { return "ml_" + n }, []string{"a", "b", "c"})
	at := time.Unix(1764115800, 0)
	ui := &tui{model: model, now: func() time.Time { return at }, width: 100, height: 30}
	press := func(k string) {
		key := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		if k == " " {
			key = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(k)}
		}
		ui.Update(key)
	}
	for _, c := range []struct {
		keys, metric string
		smooth       int
		logY, paused bool
	}{
		{"n", "ml_b", 0, false, false},
		{"nn", "ml_a", 0, false, false},
		{"p", "ml_c", 0, false, false},
		{"pp", "ml_a", 0, false, false},
		{"+", "ml_a", 2, false, false},
		{"+++", "ml_a", 20, false, false},
		{"+++++++++++++", "ml_a", 1000, false, false},
		{"-", "ml_a", 500, false, false},
		{"---------------", "ml_a", 0, false, false},
		{"l", "ml_a", 0, true, false},
		{"l ", "ml_a", 0, false, true},
		{" ", "ml_a", 0, false, false},
	} {
		for _, k := range c.keys {
			press(string(k))
		}
		if ui.view.Metric != c.metric || ui.view.Smooth != c.smooth || ui.view.LogY != c.logY || ui.paused != c.paused {
			t.Errorf("after %q: metric %q smooth %d logy %v paused %v, want %q %d %v %v", c.keys,
				ui.view.Metric, ui.view.Smooth, ui.view.LogY, ui.paused, c.metric, c.smooth, c.logY, c.paused)
		}
	}
	// Paused, a tick keeps the frame; resumed, it draws anew.
	press(" ")
	frame := ui.View()
	ui.width = 120
	ui.Update(tickMsg(at))
	if ui.View() != frame {
		t.Errorf("a tick redrew the paused view")
	}
	press(" ")
	ui.Update(tickMsg(at))
	if ui.View() == frame || !strings.Contains(ui.View(), "q quit") {
		t.Errorf("a tick did not redraw the view: %q", ui.View())
	}
	if _, cmd := ui.Update(tea.KeyMsg{Type: tea.KeyCtrlC}); cmd == nil || cmd() != tea.Quit() {
		t.Errorf("Ctrl-C does not quit")
	}
	ui.Update(tea.WindowSizeMsg{Width: 39, Height: 30})
	if !strings.HasPrefix(ui.View(), "terminal too small") {
		t.Errorf("39 columns: %q", ui.View())
	}
}
