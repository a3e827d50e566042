// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package plot

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/curves"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// runs collects, through a real collector, n runs of a loss logged at
// steps 0..29 of two epochs (global steps 0..59) every 1000 s, and a
// validation loss at each epoch's end.
func runs(t *testing.T, x curves.XKey, n int) []*curves.Run {
	t.Helper()
	c := curves.NewCollector(x, "ml", store.FixedSeries(), func(string) bool { return true })
	for r := range n {
		name := fmt.Sprintf("run-%02d", r)
		for g := range 60 {
			b := &store.Batch{Run: name, Time: 1e9 + 1000*float64(g), Source: store.Source{Path: name}}
			b.Samples = []store.Sample{{Name: "ml_epoch", Value: float64(g / 30)}, {Name: "ml_global_step", Value: float64(g)},
				{Name: "ml_records_total", Value: float64(g + 1)}, {Name: "ml_step", Value: float64(g % 30)}, {Name: "ml_train_loss", Value: 100 - float64(g)}}
			if g%30 == 29 {
				b.Samples = append(b.Samples, store.Sample{Name: "ml_val_loss", Value: 5})
			}
			c.Append(b)
		}
	}
	return c.Runs()
}

var selection = []curves.Selection{{Label: "train.loss", Series: "ml_train_loss"}, {Label: "val.loss", Series: "ml_val_loss"}}

func options(x curves.XKey) Options {
	return Options{X: x, Width: 1000, Format: "png", IsValidation: func(s string) bool { return strings.HasPrefix(s, "ml_val_") }}
}

func TestBuild(t *testing.T) {
	var notes []string
	note := func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }
	res := Build(runs(t, curves.Step, 2), selection, options(curves.Step), note)
	if res.XLabel != "global_step" || !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "run-00 (1), run-01 (1)") }) {
		t.Errorf("steps that reset: x %q, notes %q", res.XLabel, notes)
	}
	if len(res.Panels) != 2 || res.Runs != 2 || res.Points != 2*60+2*2 || len(res.Curves) != 4 {
		t.Fatalf("%d panels, %d runs, %d points, %d curves", len(res.Panels), res.Runs, res.Points, len(res.Curves))
	}
	train, val := res.Panels[0], res.Panels[1]
	if train.Title != "train.loss" || train.Lines[0].Markers || !val.Lines[0].Markers {
		t.Errorf("training drawn as a line, validation as markers: %+v %+v", train.Lines[0], val.Lines[0])
	}
	if got := train.Lines[1].X; len(got) != 60 || got[30] != 30 || got[59] != 59 {
		t.Errorf("by global step: %v", got)
	}
	if train.Lines[0].Color != 0 || train.Lines[1].Color != 1 || val.Lines[1].Color != 1 {
		t.Error("a run has one color in every panel")
	}
	if res.Height != 360+60 {
		t.Errorf("height %d for one row of panels", res.Height)
	}
}

func TestBuildByTime(t *testing.T) {
	res := Build(runs(t, curves.Time, 1), selection[:1], options(curves.Time), func(string, ...any) {})
	// 59,000 s: hours.
	if x := res.Panels[0].Lines[0].X; res.XLabel != "time since start (h)" || x[59] != 59000.0/3600 {
		t.Errorf("x %q, last point at %v", res.XLabel, x[59])
	}
}

func TestBuildSingleAndManyRuns(t *testing.T) {
	o := options(curves.GlobalStep)
	o.Single = true
	res := Build(runs(t, curves.GlobalStep, 1), selection, o, func(string, ...any) {})
	if len(res.Panels) != 1 || res.Panels[0].Title != "train.loss, val.loss" {
		t.Fatalf("--single: %d panels, %q", len(res.Panels), res.Panels[0].Title)
	}
	var labels []string
	for _, l := range res.Panels[0].Lines {
		labels = append(labels, fmt.Sprintf("%s/%d", l.Label, l.Style))
	}
	if !slices.Equal(labels, []string{"run-00 train.loss/0", "run-00 val.loss/1"}) {
		t.Errorf("lines %q: a style per metric", labels)
	}
	// Past the palette, runs come again in dashes.
	res = Build(runs(t, curves.GlobalStep, 12), selection[:1], options(curves.GlobalStep), func(string, ...any) {})
	lines := res.Panels[0].Lines
	if len(lines) != 12 || lines[1].Style != 0 || lines[11].Style != 1 || lines[11].Color != 11 {
		t.Errorf("12 runs: %d lines, styles %d %d", len(lines), lines[1].Style, lines[11].Style)
	}
}

// collect makes runs of one metric from (run, step, value) records.
func collect(t *testing.T, series string, recs map[string][][2]float64) []*curves.Run {
	t.Helper()
	c := curves.NewCollector(curves.Step, "ml", store.FixedSeries(), func(string) bool { return true })
	for _, name := range slices.Sorted(maps.Keys(recs)) {
		for i, r := range recs[name] {
			b := &store.Batch{Run: name, Time: 1e9 + float64(i), Source: store.Source{Path: name}}
			b.Samples = []store.Sample{{Name: "ml_step", Value: r[0]}, {Name: "ml_global_step", Value: r[0]},
				{Name: "ml_records_total", Value: float64(i + 1)}, {Name: series, Value: r[1]}}
			c.Append(b)
		}
	}
	return c.Runs()
}

func ramp(n int, f func(i int) float64) (out [][2]float64) {
	for i := range n {
		out = append(out, [2]float64{float64(i), f(i)})
	}
	return out
}

// Learning rates two decades apart get a log axis by themselves, with a
// note; --logy=false, one run, or values at 0 keep it linear.
func TestBuildLogScaleByItself(t *testing.T) {
	sel := []curves.Selection{{Label: "train.lr", Series: "ml_train_lr"}}
	apart := map[string][][2]float64{
		"a": ramp(100, func(i int) float64 { return 3e-4 * (1 - float64(i)/200) }),
		"b": ramp(100, func(i int) float64 { return 0.1 * (1 - float64(i)/200) }),
	}
	for _, tc := range []struct {
		name    string
		recs    map[string][][2]float64
		linearY bool
		log     bool
		note    string
	}{
		{"two decades apart", apart, false, true, "train.lr: the curves differ by 2.5 decades, so the panel has a log scale (--logy=false for a linear one)"},
		{"--logy=false", apart, true, false, ""},
		{"one run", map[string][][2]float64{"a": apart["a"]}, false, false, ""},
		{"close", map[string][][2]float64{"a": apart["a"], "b": ramp(100, func(i int) float64 { return 1e-3 })}, false, false, ""},
		{"many zeros", map[string][][2]float64{"a": apart["a"], "b": ramp(100, func(i int) float64 { return 0.1 * float64(i%2) })}, false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var notes []string
			o := options(curves.Step)
			o.LinearY = tc.linearY
			res := Build(collect(t, "ml_train_lr", tc.recs), sel, o, func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) })
			p := res.Panels[0]
			if p.LogY != tc.log || strings.HasSuffix(p.Title, "(log scale)") != tc.log {
				t.Errorf("log %v, title %q; want log %v", p.LogY, p.Title, tc.log)
			}
			if tc.note != "" && !slices.Contains(notes, tc.note) {
				t.Errorf("notes %q lack %q", notes, tc.note)
			}
		})
	}
}

// A resumed run: the steps run again replace the first ones.
func TestBuildResumedRun(t *testing.T) {
	recs := ramp(300, func(i int) float64 { return 3 })
	recs = append(recs, ramp(300, func(i int) float64 { return 2 })[200:]...)
	c := curves.NewCollector(curves.Step, "ml", store.FixedSeries(), func(string) bool { return true })
	for i, r := range recs {
		b := &store.Batch{Run: "a", Time: 1e9 + float64(i), Source: store.Source{Path: "a"}}
		b.Samples = []store.Sample{{Name: "ml_step", Value: r[0]}, {Name: "ml_global_step", Value: r[0]},
			{Name: "ml_records_total", Value: float64(i + 1)}, {Name: "ml_train_loss", Value: r[1]}}
		if i == 300 {
			b.Samples = append(b.Samples, store.Sample{Name: "ml_run_restarts_total", Value: 1})
		}
		c.Append(b)
	}
	var notes []string
	res := Build(c.Runs(), selection[:1], options(curves.Step), func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) })
	l := res.Panels[0].Lines[0]
	if len(l.X) != 300 || !slices.IsSorted(l.X) || l.Raw[199] != 3 || l.Raw[200] != 2 || l.Raw[299] != 2 {
		t.Errorf("%d points, sorted %v, values at 199, 200, 299: %v %v %v", len(l.X), slices.IsSorted(l.X), l.Raw[199], l.Raw[200], l.Raw[299])
	}
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "replace those logged before") }) {
		t.Errorf("notes %q", notes)
	}
}

// Markers are not smoothed unless joined; a window is at most half a
// curve's points.
func TestBuildSmoothingBounds(t *testing.T) {
	sel := []curves.Selection{{Label: "val.loss", Series: "ml_val_loss"}}
	recs := map[string][][2]float64{"a": ramp(20, func(i int) float64 { return 6 - float64(i)/5 })}
	for _, tc := range []struct {
		joined bool
		window int // 0: not smoothed
		note   string
	}{
		{false, 0, "val.loss: drawn as points, not smoothed (--force-line joins and smooths them)"},
		{true, 10, "val.loss: smoothed over at most half a curve's points (a window of 1: not smoothed): a 10 of 20 points"},
	} {
		var notes []string
		o := options(curves.Step)
		o.Prepare.Smooth, o.Joined = 50, tc.joined
		res := Build(collect(t, "ml_val_loss", recs), sel, o, func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) })
		l := res.Panels[0].Lines[0]
		switch {
		case tc.window == 0 && l.Smoothed != nil:
			t.Errorf("joined %v: smoothed %v", tc.joined, l.Smoothed)
		case tc.window > 0 && (l.Smoothed == nil || l.Smoothed[19] != curves.Smooth(l.Raw, tc.window, curves.Mean)[19]):
			t.Errorf("joined %v: smoothed %v, want a window of %d", tc.joined, l.Smoothed, tc.window)
		}
		if !slices.Contains(notes, tc.note) {
			t.Errorf("notes %q lack %q", notes, tc.note)
		}
	}
}
