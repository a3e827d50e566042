// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package plot

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jsonl-exporter/jsonl-exporter/internal/curves"
)

// Result is a figure with what went into it.
type Result struct {
	Figure
	Curves                 []curves.Plotted // every point drawn, for --csv
	Runs, Points, Unplaced int              // Unplaced: records with no place on the x axis
}

func countFunc(v []float64, f func(float64) bool) (n int) {
	for _, x := range v {
		if f(x) {
			n++
		}
	}
	return n
}

// Options are what the plot command asks of a figure.
type Options struct {
	X              curves.XKey
	Prepare        curves.Options
	Single, Joined bool // all metrics on one axis; markers joined (--force-line)
	LogY           bool // every panel on a log scale (--logy)
	LinearY        bool // no panel on a log scale, not even by itself (--logy=false)
	Title, Format  string
	Width, Height  int // pixels; Height 0: by the panels
	IsValidation   func(series string) bool
}

// SmoothFraction: a smoothing window is at most this fraction of a
// curve's points (1/2): a window over more is a mean of nearly all.
const SmoothFraction = 2

// pointsAfter is how many points n become when downsampled by d.
func pointsAfter(n, d int) int {
	if d > 1 {
		return (n + d - 1) / d
	}
	return n
}

// SparsePoints: curves of fewer points are drawn as markers, as
// validation metrics are.
const SparsePoints = 50

// Build prepares every curve of the selected metrics of runs (in the
// order given, which gives their colors) and lays them out as panels.
// note hears what a user should know: the axis chosen, values not drawn.
func Build(runs []*curves.Run, sel []curves.Selection, o Options, note func(string, ...any)) Result {
	fig := Figure{Title: o.Title, Width: o.Width, Height: o.Height, Format: o.Format, LogY: o.LogY, XLabel: o.X.String()}
	byAlt := false
	if o.X == curves.Step {
		var reset []string
		for _, r := range runs {
			if n := r.Resets - r.Restarts; n > 0 {
				reset = append(reset, fmt.Sprintf("%s (%d)", r.Name, n))
			}
		}
		if len(reset) > 0 {
			byAlt = true
			fig.XLabel = "global_step"
			note("steps start again at epochs in %s, so the curves are drawn by global_step (set --x-key to choose)", strings.Join(reset, ", "))
		}
	}
	for _, r := range runs {
		if r.Restarts > 0 && o.X != curves.Time && o.X != curves.Epoch {
			times := "once"
			if r.Restarts > 1 {
				times = strconv.Itoa(r.Restarts) + " times"
			}
			note("%s was restarted %s (its step went back within an epoch): the steps run again replace those logged before, as TensorBoard shows them", r.Name, times)
		}
	}
	var res Result
	drawn := map[string]bool{}
	var prepared [][]curves.Plotted // by selection
	var xMax float64
	prep := o.Prepare
	// A step that goes back is a restart (epoch resets are drawn by
	// global step): the resumed part replaces what it repeats.
	prep.Replace = o.X == curves.Step || o.X == curves.GlobalStep
	for _, s := range sel {
		var row []curves.Plotted
		var narrowed []string
		unsmoothed := false
		for _, r := range runs {
			c := r.Curves[s.Series]
			if c == nil {
				continue
			}
			if c.NonFinite > 0 {
				note("%s %s: %d non-finite values (NaN, Inf) not drawn", r.Name, s.Label, c.NonFinite)
			}
			if c.Len() == 0 {
				continue
			}
			cp := prep
			n := pointsAfter(c.Len(), cp.Downsample)
			switch {
			case cp.Smooth <= 1:
			case !o.Joined && (o.IsValidation(s.Series) || n < SparsePoints):
				// Drawn as markers: the points are the values; a line
				// smoothed over a window sized for training steps sat
				// well off a few validation points.
				cp.Smooth = 0
				unsmoothed = true
			case cp.Smooth > max(n/SmoothFraction, 1):
				// A window of 50 over 20 validation points draws a mean
				// of them all, well off the points.
				cp.Smooth = n / SmoothFraction
				narrowed = append(narrowed, fmt.Sprintf("%s %d of %d points", r.Name, max(cp.Smooth, 1), n))
			}
			p := curves.Plotted{Run: r.Name, Metric: s.Label, Prepared: curves.Prepare(c, byAlt, cp)}
			c.Release() // drawn from p from now on
			for _, x := range p.X {
				xMax = max(xMax, math.Abs(x))
			}
			if o.LogY {
				if n := countFunc(p.Raw, func(v float64) bool { return v <= 0 }); n > 0 {
					note("%s %s: %d values <= 0 not drawn on the log scale", r.Name, s.Label, n)
				}
			}
			row = append(row, p)
			drawn[r.Name] = true
			res.Points += len(p.X)
		}
		if unsmoothed {
			note("%s: drawn as points, not smoothed (--force-line joins and smooths them)", s.Label)
		}
		if len(narrowed) > 0 {
			note("%s: smoothed over at most half a curve's points (a window of 1: not smoothed): %s", s.Label, strings.Join(narrowed, ", "))
		}
		if len(row) == 0 && !slices.ContainsFunc(runs, func(r *curves.Run) bool { return r.Unplaced > 0 }) {
			note("%s: no values to draw", s.Label) // else the runs' notes say why
		}
		prepared = append(prepared, row)
	}
	res.Runs = len(drawn)
	for _, r := range runs {
		if drawn[r.Name] && r.ByRecord > 0 {
			note("%s: %d records without a step drawn at their record number", r.Name, r.ByRecord)
		}
		if res.Unplaced += r.Unplaced; r.Unplaced > 0 {
			note("%s: %d records without an epoch left out (--x-key %s)", r.Name, r.Unplaced, o.X)
		}
		if drawn[r.Name] && r.Estimated > 0 {
			note("%s: %d records without a time of their own drawn at an estimated time (docs/remote-write.md)", r.Name, r.Estimated)
		}
	}
	if o.X == curves.Time {
		unit, div := "s", 1.0
		switch {
		case xMax >= 7200:
			unit, div = "h", 3600
		case xMax >= 120:
			unit, div = "min", 60
		}
		fig.XLabel = "time since start (" + unit + ")"
		for _, row := range prepared {
			for _, p := range row {
				for i := range p.X {
					p.X[i] /= div
				}
			}
		}
	}

	color := map[string]int{}
	for _, r := range runs {
		color[r.Name] = len(color)
	}
	line := func(p curves.Plotted, s curves.Selection, label string, style int) Line {
		l := Line{Label: label, Color: color[p.Run], Style: style, X: p.X, Raw: p.Raw, Smoothed: p.Smoothed, Joined: o.Joined}
		l.Markers = o.IsValidation(s.Series) || len(p.X) < SparsePoints
		return l
	}
	if o.Single {
		panel := Panel{Title: strings.Join(labels(sel), ", ")}
		for i, row := range prepared {
			for _, p := range row {
				label := p.Run
				if len(sel) > 1 {
					label = p.Run + " " + sel[i].Label
				}
				// A style per metric, and past the palette per run too.
				panel.Lines = append(panel.Lines, line(p, sel[i], label, i+len(sel)*(color[p.Run]/Colors)))
			}
		}
		fig.Panels = append(fig.Panels, panel)
	} else {
		for i, row := range prepared {
			panel := Panel{Title: sel[i].Label, YLabel: sel[i].Label}
			for _, p := range row {
				// Past the palette's ten colors, runs differ by dashes.
				panel.Lines = append(panel.Lines, line(p, sel[i], p.Run, color[p.Run]/Colors))
			}
			if !o.LogY && !o.LinearY {
				if decades, ok := spread(panel.Lines); ok {
					panel.LogY = true
					panel.Title += " (log scale)"
					note("%s: the curves differ by %.1f decades, so the panel has a log scale (--logy=false for a linear one)", sel[i].Label, decades)
					if n := countLines(panel.Lines, func(v float64) bool { return v <= 0 }); n > 0 {
						note("%s: %d values <= 0 not drawn on the log scale", sel[i].Label, n)
					}
				}
			}
			panel.LogY = panel.LogY || o.LogY
			if o.LogY && !slices.ContainsFunc(panel.Lines, positive) {
				note("%s: no value above 0 to draw on a log scale", sel[i].Label)
				continue
			}
			if len(panel.Lines) > 0 {
				fig.Panels = append(fig.Panels, panel)
			}
		}
	}
	for _, row := range prepared {
		res.Curves = append(res.Curves, row...)
	}
	if fig.Height == 0 {
		fig.Height = 360*Rows(len(fig.Panels)) + 60 + TitleHeight(fig.Title)
	}
	res.Figure = fig
	return res
}

func labels(sel []curves.Selection) []string {
	out := make([]string, len(sel))
	for i, s := range sel {
		out[i] = s.Label
	}
	return out
}

// positive reports whether a line has a value a log scale can draw.
func positive(l Line) bool {
	return slices.ContainsFunc(l.Raw, func(v float64) bool { return v > 0 }) ||
		slices.ContainsFunc(l.Smoothed, func(v float64) bool { return v > 0 })
}

// LogDecades: a panel whose curves' peaks differ by this many decades or
// more (a factor of 100) draws the smaller flat at 0 on a linear axis.
const LogDecades = 2

// spread reports how many decades the peaks of a panel's curves span,
// and whether that calls for a log scale: at least LogDecades, and the
// values above 0 but for at most 1 % (a warm-up from 0), which a log
// scale leaves out.
func spread(lines []Line) (float64, bool) {
	if len(lines) < 2 {
		return 0, false
	}
	lo, hi := math.Inf(1), 0.0
	total := 0
	for _, l := range lines {
		peak := 0.0
		for _, v := range l.Raw {
			peak = max(peak, v)
		}
		if peak <= 0 {
			return 0, false
		}
		lo, hi = min(lo, peak), max(hi, peak)
		total += len(l.Raw)
	}
	nonPositive := countLines(lines, func(v float64) bool { return v <= 0 })
	decades := math.Log10(hi / lo)
	return decades, decades >= LogDecades && nonPositive*100 <= total
}

func countLines(lines []Line, f func(float64) bool) (n int) {
	for _, l := range lines {
		n += countFunc(l.Raw, f)
	}
	return n
}
