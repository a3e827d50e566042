// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var updateWatch = flag.Bool("update-watch", false, "rewrite testdata/watch/*.txt")

// demoShapedLog writes runs as the demo writes them (the seed trainer's
// records: steps restart every epoch, validation and epoch_end carry the
// next epoch), with fixed times.
func demoShapedLog(t *testing.T, dir string) {
	t.Helper()
	for k, run := range []string{"demo-run-1", "demo-run-2", "demo-run-3"} {
		var b strings.Builder
		tm := 1764115200.0
		fmt.Fprintf(&b, `{"_type":"run_start","run_name":%q,"time":%g}`+"\n", run, tm)
		epochs := 3 + k
		for epoch := range epochs {
			for step := range 50 {
				g := float64(epoch*50 + step)
				tm += 0.5
				loss := 0.6 + 2.4*math.Exp(-g/(60+30*float64(k))) + 0.05*math.Sin(g)
				fmt.Fprintf(&b, `{"_type":"metric","time":%g,"epoch":%d,"step":%d,"train/loss":%.4f,"train/lr":%g}`+"\n", tm, epoch, step, loss, 3e-4*(1-g/300))
			}
			fmt.Fprintf(&b, `{"_type":"metric","time":%g,"epoch":%d,"step":49,"val/loss":%.4f,"val/acc":%.3f}`+"\n", tm+0.2, epoch+1, 0.8+1.5/float64(epoch+1), 0.5+0.1*float64(epoch))
			fmt.Fprintf(&b, `{"_type":"epoch_end","time":%g,"epoch":%d,"step":49}`+"\n", tm+0.3, epoch+1)
		}
		path := filepath.Join(dir, run, "logs", "metrics.jsonl")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// watchOnce runs watch --once at a fixed time and returns its output.
func watchOnce(t *testing.T, args ...string) string {
	t.Helper()
	watchNow = func() time.Time { return time.Unix(1764115800, 0) }
	t.Cleanup(func() { watchNow = time.Now })
	var out, errs bytes.Buffer
	if code := run(append([]string{"watch", "--once", "--width", "90", "--height", "10"}, args...), &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	return out.String()
}

func checkWatchGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "watch", name+".txt")
	if *updateWatch {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-watch)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
	if strings.Contains(got, "\x1b") {
		t.Errorf("%s: escape sequences in a plain snapshot", name)
	}
}

func TestWatchOnceDemo(t *testing.T) {
	dir := t.TempDir()
	demoShapedLog(t, dir)
	t.Setenv("NO_COLOR", "1")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"demo", []string{dir}},
		{"demo-glob-val-acc", []string{filepath.Join(dir, "*", "logs", "*.jsonl"), "--metrics", "val.acc"}},
		{"demo-smooth-logy", []string{"--smooth", "20", "--smooth-mode", "ema", "--logy", dir}},
		{"demo-by-epoch-sorted-by-loss", []string{"--x-key", "epoch", "--sort", "loss", dir}},
		{"demo-by-time-sorted-by-step-reversed", []string{"--x-key", "time", "--sort", "step", "--reverse", dir}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkWatchGolden(t, tc.name, strings.ReplaceAll(watchOnce(t, tc.args...), dir, "DIR"))
		})
	}
}

// TestWatchOnceProfiles: a snapshot of each producer's log, read by its
// profile as serve reads it.
func TestWatchOnceProfiles(t *testing.T) {
	root := filepath.Join("..", "..", "internal", "engine", "testdata", "profiles")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		in := filepath.Join(root, e.Name())
		switch e.Name() {
		case "keras":
			// CSVLogger's training.log is no log name a folder is searched
			// for: it is read when named.
			in = filepath.Join(in, "mnist_cnn", "training.log")
		case "hf":
			// The checkpoints' copies of trainer_state.json are the same
			// run read in any order: its steps per second would change.
			in = filepath.Join(in, "output", "bert-finetune", "trainer_state.json")
		}
		t.Run(e.Name(), func(t *testing.T) {
			checkWatchGolden(t, "profile-"+e.Name(), watchOnce(t, in))
		})
	}
}

func TestWatchUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watch"}, "watch: name at least one log file, folder or glob"},
		{[]string{"watch", "--smooth-mode", "wiggly", "x.jsonl"}, `smooth-mode: must be mean, centered, ema or median, got "wiggly"`},
		{[]string{"watch", "--width", "10", "x.jsonl"}, "width: must be 40 to 1000 columns, got 10"},
		{[]string{"watch", "--x-key", "wall", "x.jsonl"}, `x-key: must be step, time or epoch, got "wall"`},
		{[]string{"watch", "--sort", "LOSS", "x.jsonl"}, `sort: must be run, status, step, rate, loss, best, val_loss or ago, got "LOSS"`},
		{[]string{"watch", "/nonexistent/x.jsonl"}, "input: stat /nonexistent/x.jsonl: no such file or directory"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			var out, errs bytes.Buffer
			if code := run(tc.args, &out, &errs); code != exitUsage || !strings.Contains(errs.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs.String(), tc.want)
			}
		})
	}
}

// TestWatchOnceColumns: $COLUMNS, the terminal's width or a leftover of
// the environment, is brought into the range --width takes instead of
// failing a snapshot nobody gave a width to.
func TestWatchOnceColumns(t *testing.T) {
	dir := t.TempDir()
	demoShapedLog(t, dir)
	for _, c := range []struct {
		columns string
		width   int
	}{{"30", 40}, {"5000", 1000}, {"120", 120}, {"wide", 100}} {
		t.Run(c.columns, func(t *testing.T) {
			t.Setenv("COLUMNS", c.columns)
			var out, errs bytes.Buffer
			if code := run([]string{"watch", "--once", "--height", "4", dir}, &out, &errs); code != 0 {
				t.Fatalf("exit %d: %s", code, errs.String())
			}
			// The x axis spans the width.
			for _, l := range strings.Split(out.String(), "\n") {
				if strings.Contains(l, "└") && len([]rune(l)) != c.width {
					t.Errorf("the axis is %d columns, want %d:\n%s", len([]rune(l)), c.width, l)
				}
			}
		})
	}
}
