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

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
	"github.com/jsonl-exporter/jsonl-exporter/internal/watch"
)

// ptyWatch is the built exporter's watch running in a pseudo-terminal,
// its output read by a terminal emulator: the renderer rewrites only the
// cells that change, so the screen, not the bytes, says what is shown.
type ptyWatch struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	emu  *vt.Emulator
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
	w := &ptyWatch{t: t, cmd: cmd, tty: tty, emu: vt.NewEmulator(int(cols), int(rows)), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			w.mu.Lock()
			w.out.Write(buf[:n])
			_, _ = w.emu.Write(buf[:n])
			w.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	// The emulator answers the program's queries as a terminal would.
	go func() { _, _ = io.Copy(tty, w.emu) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		tty.Close()
		<-w.done
		// The emulator is not closed: Close races with the Read of the
		// copy above, which stays blocked until the test binary ends.
	})
	return w
}

// output is every byte the view wrote so far.
func (w *ptyWatch) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

// screen is what the terminal shows.
func (w *ptyWatch) screen() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.emu.String()
}

// waitFor polls, within a bound, until ok holds of the screen.
func (w *ptyWatch) waitFor(bound time.Duration, what string, ok func(screen string) bool) {
	w.t.Helper()
	deadline := time.Now().Add(bound)
	for !ok(w.screen()) {
		if time.Now().After(deadline) {
			w.t.Fatalf("not shown within %s: %s; screen:\n%s", bound, what, w.screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitShown waits until the screen shows every want.
func (w *ptyWatch) waitShown(bound time.Duration, want ...string) {
	w.t.Helper()
	w.waitFor(bound, fmt.Sprintf("%q", want), func(s string) bool {
		for _, x := range want {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// resize sets the terminal's size, the PTY's and the emulator's.
func (w *ptyWatch) resize(rows, cols uint16) {
	w.t.Helper()
	w.mu.Lock()
	w.emu.Resize(int(cols), int(rows))
	w.mu.Unlock()
	if err := pty.Setsize(w.tty, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		w.t.Fatal(err)
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
			w.t.Fatalf("exit code %d; screen:\n%s", ee.ExitCode(), w.screen())
		} else if err != nil {
			w.t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		w.t.Fatalf("watch did not exit; screen:\n%s", w.screen())
	}
	<-w.done // the PTY's output drained
	out := w.output()
	const leave, show = "\x1b[?1049l", "\x1b[?25h"
	i := strings.LastIndex(out, leave)
	if i < 0 || i < strings.LastIndex(out, "\x1b[?1049h") {
		w.t.Errorf("the alternate screen was not left at the end:\n%q", tail(out))
	}
	if j := strings.LastIndex(out, show); j < 0 || j < strings.LastIndex(out, "\x1b[?25l") {
		w.t.Errorf("the cursor was not shown at the end:\n%q", tail(out))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.emu.IsAltScreen() || w.emu.CursorHidden() {
		w.t.Errorf("the terminal is left on the alternate screen (%v) or without a cursor (%v)", w.emu.IsAltScreen(), w.emu.CursorHidden())
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

			w.waitShown(10*time.Second, "RUN", "demo-run-1", "demo-run-3", "train_loss by step", "┤", "q quit")
			w.press("n")
			w.waitShown(5*time.Second, "val_loss by step")

			// A resize draws the view anew for the size: the help line on
			// the last row.
			w.resize(30, 90)
			w.waitFor(5*time.Second, "the view laid out in 30 rows", func(s string) bool {
				lines := strings.Split(s, "\n")
				return len(lines) == 30 && strings.Contains(lines[29], "q quit") && strings.Contains(s, "val_loss by step")
			})

			appendRun(t, dir, "demo-run-4")
			w.waitShown(10*time.Second, "4 demo-run-4")

			w.press(quit.key)
			w.exit()
		})
	}
}

// TestWatchTUITooSmall: a terminal too small says so instead of drawing;
// a run started later under the folder watched appears.
func TestWatchTUITooSmall(t *testing.T) {
	dir := t.TempDir()
	demoShapedLog(t, dir)
	w := startPTYWatch(t, 8, 30, []string{"NO_COLOR=1"}, dir)
	w.waitShown(10*time.Second, "terminal too small")
	w.resize(40, 120)
	w.waitShown(5*time.Second, "RUN", "train_loss by step")
	appendRun(t, dir, "demo-run-4")
	w.waitShown(10*time.Second, "4 demo-run-4")
	if strings.Contains(w.output(), "\x1b[38;5;") {
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
		key := tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		if k == " " {
			key = tea.KeyPressMsg{Code: tea.KeySpace, Text: k}
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
	frame := ui.View().Content
	ui.width = 120
	ui.Update(tickMsg(at))
	if ui.View().Content != frame {
		t.Errorf("a tick redrew the paused view")
	}
	press(" ")
	ui.Update(tickMsg(at))
	if ui.View().Content == frame || !strings.Contains(ui.View().Content, "q quit") {
		t.Errorf("a tick did not redraw the view: %q", ui.View().Content)
	}
	if _, cmd := ui.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}); cmd == nil || cmd() != tea.Quit() {
		t.Errorf("Ctrl-C does not quit")
	}
	ui.Update(tea.WindowSizeMsg{Width: 39, Height: 30})
	if !strings.HasPrefix(ui.View().Content, "terminal too small") {
		t.Errorf("39 columns: %q", ui.View().Content)
	}
}

// TestWatchTUIRunKeys checks choosing runs, sorting and the x axis on
// the view's state and frame, without a terminal.
func TestWatchTUIRunKeys(t *testing.T) {
	model := watch.New("ml", func(n string) string { return "ml_" + n }, nil)
	at := time.Unix(1764115800, 0)
	// Three runs by name; "gamma" has gone furthest and has the least loss.
	for i, run := range []string{"alpha", "beta", "gamma"} {
		for step := range 10 {
			model.Append(&store.Batch{Run: run, Time: float64(at.Unix() - 100 + int64(step)), Samples: []store.Sample{
				{Name: "ml_global_step", Value: float64((i + 1) * step)},
				{Name: "ml_records_total", Value: float64(step + 1)},
				{Name: "ml_epoch", Value: float64(step / 5)},
				{Name: "ml_train_loss", Value: 3 - float64(i)},
			}})
		}
	}
	ui := &tui{model: model, now: func() time.Time { return at }, width: 100, height: 40}
	press := func(keys ...string) {
		for _, k := range keys {
			var key tea.KeyPressMsg
			switch k {
			case "enter":
				key = tea.KeyPressMsg{Code: tea.KeyEnter}
			case "down":
				key = tea.KeyPressMsg{Code: tea.KeyDown}
			case "up":
				key = tea.KeyPressMsg{Code: tea.KeyUp}
			default:
				key = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
			}
			ui.Update(key)
		}
	}
	ui.Update(tickMsg(at))
	order := func() string { return strings.Join(ui.runs, " ") }
	hidden := func() string {
		var h []string
		for _, r := range []string{"alpha", "beta", "gamma"} {
			if ui.view.Hidden[r] {
				h = append(h, r)
			}
		}
		return strings.Join(h, " ")
	}
	for _, c := range []struct {
		keys                  []string
		cursor, order, hidden string
		x                     watch.XKey
	}{
		{nil, "alpha", "alpha beta gamma", "", watch.XStep},
		{[]string{"down"}, "beta", "alpha beta gamma", "", watch.XStep},
		{[]string{"j", "j", "j"}, "gamma", "alpha beta gamma", "", watch.XStep}, // stops at the last
		{[]string{"enter"}, "gamma", "alpha beta gamma", "gamma", watch.XStep},
		{[]string{"k", "h"}, "beta", "alpha beta gamma", "beta gamma", watch.XStep},
		{[]string{"a"}, "beta", "alpha beta gamma", "", watch.XStep},
		{[]string{"o"}, "beta", "alpha beta gamma", "alpha gamma", watch.XStep},
		{[]string{"o"}, "beta", "alpha beta gamma", "", watch.XStep}, // again: all
		{[]string{"s"}, "beta", "alpha beta gamma", "", watch.XStep}, // status: all running, by name
		{[]string{"s"}, "beta", "gamma beta alpha", "", watch.XStep}, // step: furthest first
		{[]string{"S"}, "beta", "alpha beta gamma", "", watch.XStep},
		{[]string{"up"}, "alpha", "alpha beta gamma", "", watch.XStep},
		{[]string{"x"}, "alpha", "alpha beta gamma", "", watch.XTime},
		{[]string{"x"}, "alpha", "alpha beta gamma", "", watch.XEpoch},
		{[]string{"x"}, "alpha", "alpha beta gamma", "", watch.XStep},
	} {
		press(c.keys...)
		if ui.cursor != c.cursor || order() != c.order || hidden() != c.hidden || ui.view.X != c.x {
			t.Errorf("after %q: cursor %s, order %q, hidden %q, x %v; want %s, %q, %q, %v", c.keys,
				ui.cursor, order(), hidden(), ui.view.X, c.cursor, c.order, c.hidden, c.x)
		}
	}
	frame := ui.View().Content
	if n := len(strings.Split(frame, "\n")); n != 40 {
		t.Errorf("the frame is %d lines, want the terminal's 40:\n%s", n, frame)
	}
	if !strings.Contains(frame, "> 1 alpha") || !strings.Contains(frame, "  2 beta") {
		t.Errorf("the cursor is not drawn on alpha:\n%s", frame)
	}
	press("enter", "x")
	frame = ui.View().Content
	if !strings.Contains(frame, "> · alpha") || !strings.Contains(frame, "train_loss by time") {
		t.Errorf("alpha hidden, by time:\n%s", frame)
	}

	// "o" shows one run alone, also against runs found later; "a" ends it.
	press("a", "j", "o")
	model.Append(&store.Batch{Run: "delta", Time: float64(at.Unix() - 1), Samples: []store.Sample{
		{Name: "ml_global_step", Value: 1}, {Name: "ml_records_total", Value: 1}, {Name: "ml_train_loss", Value: 1}}})
	ui.Update(tickMsg(at))
	if hidden() != "alpha gamma" || !ui.view.Hidden["delta"] {
		t.Errorf("only beta: hidden %q, delta hidden %v", hidden(), ui.view.Hidden["delta"])
	}
	press("a")
	ui.Update(tickMsg(at))
	if len(ui.view.Hidden) != 0 {
		t.Errorf("a: still hidden %v", ui.view.Hidden)
	}
}

// TestWatchTUIFrameFits: whatever the size and the state (no run yet,
// every run hidden, more runs than rows), the frame fills the terminal
// exactly, the help line last, and no line is wider than it; a terminal
// too small says so within its width.
func TestWatchTUIFrameFits(t *testing.T) {
	at := time.Unix(1764115800, 0)
	empty := watch.New("ml", func(n string) string { return "ml_" + n }, nil)
	many := watch.New("ml", func(n string) string { return "ml_" + n }, nil)
	for i := range 40 {
		for step := range 5 {
			many.Append(&store.Batch{Run: fmt.Sprintf("run-%02d", i), Time: float64(at.Unix() - 100 + int64(step)), Samples: []store.Sample{
				{Name: "ml_global_step", Value: float64(step)},
				{Name: "ml_train_loss", Value: float64(i + step)},
			}})
		}
	}
	for _, c := range []struct {
		name          string
		model         *watch.Model
		keys          string
		width, height int
	}{
		{"no runs yet", empty, "", 80, 24},
		{"every run hidden", many, "o\r", 100, 40},
		{"40 runs", many, "", 120, 40},
		{"40 runs, least terminal", many, "", 40, 12},
		{"40 runs, wide and short", many, "", 200, 20}, // the legend gives way to the chart
	} {
		t.Run(c.name, func(t *testing.T) {
			ui := &tui{model: c.model, now: func() time.Time { return at }}
			ui.Update(tea.WindowSizeMsg{Width: c.width, Height: c.height})
			for _, k := range c.keys {
				if k == '\r' {
					ui.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
				} else {
					ui.Update(tea.KeyPressMsg{Code: k, Text: string(k)})
				}
			}
			frame := ui.View().Content
			lines := strings.Split(frame, "\n")
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > c.width {
					t.Errorf("a line of %d cells in %d:\n%s", w, c.width, l)
				}
			}
			if strings.HasPrefix(frame, "terminal too small") {
				if c.width > watchMinWidth {
					t.Errorf("%dx%d is said too small:\n%s", c.width, c.height, frame)
				} else if !strings.Contains(frame, "40 runs") {
					t.Errorf("the message does not count the runs:\n%s", frame)
				}
				return
			}
			if len(lines) != c.height || !strings.Contains(lines[len(lines)-1], "q quit") {
				t.Errorf("%d lines for %d rows, the last %q:\n%s", len(lines), c.height, lines[len(lines)-1], frame)
			}
		})
	}
}
