// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package plot

import (
	"fmt"
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
