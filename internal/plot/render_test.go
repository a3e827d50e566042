// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package plot

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// noisy is a falling loss with noise, as a trainer logs it.
func noisy(n int, seed uint64) (x, y []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	x, y = make([]float64, n), make([]float64, n)
	for i := range x {
		x[i], y[i] = float64(i), 3-2*float64(i)/float64(n)+0.3*r.NormFloat64()
	}
	return x, y
}

func figure(format string, width, height int) Figure {
	x, y := noisy(5000, 1)
	x2, y2 := noisy(3000, 2)
	return Figure{
		Title: "two runs", Width: width, Height: height, Format: format, XLabel: "global_step",
		Panels: []Panel{
			{Title: "train.loss", YLabel: "train.loss", Lines: []Line{
				{Label: "bert-a", Color: 0, X: x, Raw: y, Smoothed: y},
				{Label: "bert-b", Color: 1, X: x2, Raw: y2},
			}},
			{Title: "val.loss", YLabel: "val.loss", Lines: []Line{
				{Label: "bert-a", Color: 0, X: []float64{1000, 2000, 3000}, Raw: []float64{2.5, 2.1, 1.9}, Markers: true},
			}},
			{Title: "train.lr", YLabel: "train.lr", Lines: []Line{
				{Label: "bert-a", Color: 0, X: []float64{0, 5000}, Raw: []float64{3e-4, 1e-5}},
			}},
		},
	}
}

func TestPNGSize(t *testing.T) {
	for _, size := range [][2]int{{1200, 800}, {640, 480}, {333, 1001}} {
		var buf bytes.Buffer
		if err := Render(&buf, figure("png", size[0], size[1])); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != size[0] || b.Dy() != size[1] {
			t.Errorf("asked %dx%d, got %dx%d", size[0], size[1], b.Dx(), b.Dy())
		}
	}
}

var (
	svgText   = regexp.MustCompile(`>([^<]*)</text>`)
	svgStroke = regexp.MustCompile(`stroke:(#[0-9A-F]{6})`)
	svgFill   = regexp.MustCompile(`<path d="[^"]*A[^"]*" style="fill:(#[0-9A-F]{6})`) // circles are arcs
)

// svg renders f and returns its texts, the colors of its strokes (with
// repeats) and the fill colors of its circle markers.
func svg(t *testing.T, f Figure) (texts, strokes, markers []string) {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, f); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.HasPrefix(out, "<?xml") || !strings.Contains(out, `<svg width="`) {
		t.Fatalf("not an SVG document: %.100s", out)
	}
	return parseSVG(buf.Bytes())
}

// parseSVG returns the texts of an SVG, the colors of its strokes (with
// repeats) and the fill colors of its circle markers.
func parseSVG(svg []byte) (texts, strokes, markers []string) {
	out := string(svg)
	for _, m := range svgText.FindAllStringSubmatch(out, -1) {
		texts = append(texts, m[1])
	}
	for _, m := range svgStroke.FindAllStringSubmatch(out, -1) {
		strokes = append(strokes, m[1])
	}
	for _, m := range svgFill.FindAllStringSubmatch(out, -1) {
		markers = append(markers, m[1])
	}
	return texts, strokes, markers
}

func TestSVGStructure(t *testing.T) {
	f := figure("svg", 900, 700)
	texts, strokes, markers := svg(t, f)
	for _, want := range []string{"two runs", "train.loss", "val.loss", "train.lr", "global_step", "bert-a", "bert-b"} {
		if !slices.Contains(texts, want) {
			t.Errorf("no text %q among %q", want, texts)
		}
	}
	// One legend entry per line of a panel: bert-a three times, bert-b once.
	count := func(list []string, s string) (n int) {
		for _, x := range list {
			if x == s {
				n++
			}
		}
		return n
	}
	if count(texts, "bert-a") != 3 || count(texts, "bert-b") != 1 {
		t.Errorf("legend entries: bert-a %d, bert-b %d; want 3 and 1", count(texts, "bert-a"), count(texts, "bert-b"))
	}
	// Each run has its color; the validation points are three markers (and one in the legend).
	blue, orange := "#1F77B4", "#FF7F0E"
	if !slices.Contains(strokes, blue) || !slices.Contains(strokes, orange) {
		t.Errorf("strokes lack a run's color: %v", slices.Compact(slices.Sorted(slices.Values(strokes))))
	}
	if got := count(markers, blue); got != 4 {
		t.Errorf("%d markers of bert-a, want 3 points and 1 in the legend", got)
	}
	// Markers only are not joined; --force-line joins them.
	f.Panels = f.Panels[1:2]
	_, strokes, _ = svg(t, f)
	joined := f
	joined.Panels = []Panel{{Title: "val.loss", Lines: []Line{f.Panels[0].Lines[0]}}}
	joined.Panels[0].Lines[0].Joined = true
	_, strokesJoined, _ := svg(t, joined)
	if count(strokes, blue) != 0 || count(strokesJoined, blue) == 0 {
		t.Errorf("blue strokes: %d with markers only, %d joined; want 0 and more", count(strokes, blue), count(strokesJoined, blue))
	}
}

func TestLogScale(t *testing.T) {
	f := Figure{Width: 600, Height: 400, Format: "svg", LogY: true, Panels: []Panel{
		{Title: "loss", Lines: []Line{{Label: "a", X: []float64{0, 1, 2, 3}, Raw: []float64{100, 10, 0, -1}}}},
		{Title: "flat", Lines: []Line{{Label: "a", X: []float64{0, 1}, Raw: []float64{2, 2}}}},
		{Title: "nothing positive", Lines: []Line{{Label: "a", X: []float64{0, 1}, Raw: []float64{0, -3}}}},
	}}
	texts, _, _ := svg(t, f)
	// Log ticks label powers of ten.
	if !slices.Contains(texts, "10") || !slices.Contains(texts, "100") {
		t.Errorf("no log ticks among %q", texts)
	}
	// Within one decade, 2 and 5 are labelled too; within less, the
	// ticks of a linear axis.
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{{1.5, 9, []string{"2", "5"}}, {1.1, 2.9, []string{"1.25", "2.00", "2.75"}}} {
		f.Panels = []Panel{{Title: "decade", Lines: []Line{{Label: "a", X: []float64{0, 1, 2}, Raw: []float64{tc.hi, (tc.lo + tc.hi) / 2, tc.lo}}}}}
		texts, _, _ = svg(t, f)
		for _, w := range tc.want {
			if !slices.Contains(texts, w) {
				t.Errorf("%v to %v: no tick label %s among %q", tc.lo, tc.hi, w, texts)
			}
		}
	}
}

func TestPointsPerColumn(t *testing.T) {
	x, y := noisy(100000, 3)
	y[50000] = 100 // a spike survives
	got := points(x, y, false, 500)
	if len(got) > 4*500+4 || len(got) < 500 {
		t.Errorf("%d points for 500 columns", len(got))
	}
	if got[0].X != 0 || got[len(got)-1].X != 99999 {
		t.Errorf("ends %v %v, want the first and last point", got[0], got[len(got)-1])
	}
	_, _, ymin, ymax := plotter.XYRange(got)
	if ymax != 100 || ymin != slices.Min(y) {
		t.Errorf("range %v..%v, want %v..100", ymin, ymax, slices.Min(y))
	}
	if !slices.IsSortedFunc(got, func(a, b plotter.XY) int { return int(math.Copysign(1, a.X-b.X)) }) {
		t.Error("points out of order")
	}
	few := points([]float64{0, 1, 2}, []float64{1, -1, 2}, true, 500)
	if len(few) != 2 {
		t.Errorf("log scale kept %v, want the two positive points", few)
	}
}

func TestTickLabels(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		log    bool
		want   []string
	}{
		{0, 20000, false, []string{"0", "5000", "10000", "15000", "20000"}},
		{2.78, 2.92, false, []string{"2.78", "2.80", "2.82", "2.84", "2.86", "2.88", "2.90", "2.92"}},
		{0.1, 3.2, false, []string{"0.5", "1.0", "1.5", "2.0", "2.5", "3.0"}},
		{-1, 1, false, []string{"-1.0", "-0.5", "0", "0.5", "1.0"}},
		// A learning rate: one format, zero as 0.
		{0, 3e-4, false, []string{"0", "5e-5", "1e-4", "1.5e-4", "2e-4", "2.5e-4", "3e-4"}},
		{1e-5, 2.9e-4, false, []string{"5e-5", "1e-4", "1.5e-4", "2e-4", "2.5e-4"}},
		{0, 4e7, false, []string{"0", "1e7", "2e7", "3e7", "4e7"}},
		{0, 2e6, false, []string{"0", "5e5", "1e6", "1.5e6", "2e6"}},
		// Log axes: 1, 2, 3 and 5 times powers of ten over a decade or two,
		// powers of ten over many, every other one over very many.
		{0.25, 2.9, true, []string{"0.3", "0.5", "1", "2"}},
		{0.05, 8, true, []string{"0.05", "0.1", "0.2", "0.5", "1", "2", "5"}},
		{1.5, 9, true, []string{"2", "3", "5"}},
		{1e-9, 1e-3, true, []string{"1e-9", "1e-8", "1e-7", "1e-6", "1e-5", "1e-4", "1e-3"}},
		{1e-7, 3e-4, true, []string{"1e-7", "1e-6", "1e-5", "1e-4"}},
		{1e-12, 1e3, true, []string{"1e-12", "1e-10", "1e-8", "1e-6", "1e-4", "1e-2", "1", "1e2"}},
		// Less than a factor of three: the ticks of a linear axis.
		{1.1, 2.9, true, []string{"1.25", "1.50", "1.75", "2.00", "2.25", "2.50", "2.75"}},
	} {
		var ticks []gplot.Tick
		if tc.log {
			ticks = logTicks{}.Ticks(tc.lo, tc.hi)
		} else {
			ticks = linearTicks{}.Ticks(tc.lo, tc.hi)
		}
		var got []string
		for _, tk := range ticks {
			if !tk.IsMinor() {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v..%v (log %v): labels %q, want %q", tc.lo, tc.hi, tc.log, got, tc.want)
		}
		if !tc.log && (len(got) < 5 || len(got) > 8) {
			t.Errorf("%v..%v: %d labels, want 5 to 8", tc.lo, tc.hi, len(got))
		}
	}
	var _ gplot.Ticker = linearTicks{}
	var _ gplot.Ticker = logTicks{}
}

// Wherever the data are, the legend's box covers none of them: the
// sparse corners of detectron2's bbox/AP, a panel full of noise, many
// runs.
func TestLegendNeverCoversData(t *testing.T) {
	x, y := noisy(3000, 5)
	full := []Line{{Label: "a", X: x, Raw: y}}
	var many []Line
	for i := range 14 {
		many = append(many, Line{Label: fmt.Sprintf("run-%02d", i), Color: i, X: x, Raw: y})
	}
	corners := []Line{{Label: "retinanet", X: []float64{0, 5000, 10000, 15000, 20000}, Raw: []float64{38, 12, 25, 31, 38.5}, Markers: true},
		{Label: "faster-rcnn", Color: 1, X: []float64{0, 5000, 10000, 15000, 20000}, Raw: []float64{10, 20, 30, 35, 11}, Markers: true}}
	for name, lines := range map[string][]Line{"corners": corners, "noise": full, "many runs": many} {
		f := Figure{Width: 600, Height: 360, Format: "png", Panels: []Panel{{Lines: lines}}}
		pl, lg, err := panel(f, f.Panels[0])
		if err != nil {
			t.Fatal(err)
		}
		c := draw.New(vgimg.New(px(600), px(360)))
		lg.place(pl, c, false)
		if lg.outside {
			continue // right of the panel: on no data
		}
		dc := pl.DataCanvas(c)
		trX, trY := pl.Transforms(&dc)
		box := lg.box(dc)
		for _, d := range lg.data {
			pts := make([]vg.Point, len(d.xys))
			for i, p := range d.xys {
				pts[i] = vg.Point{X: trX(p.X), Y: trY(p.Y)}
			}
			if covered(box, pts, d.joined) {
				t.Errorf("%s: the legend at %v covers data", name, box)
			}
		}
		if name == "many runs" && !lg.outside {
			t.Errorf("14 runs: the legend is inside the panel")
		}
	}
	// A panel too narrow to hold the legend beside it still draws.
	narrow := Figure{Width: 220, Height: 300, Format: "png", Panels: []Panel{{Lines: many}}}
	if err := Render(io.Discard, narrow); err != nil {
		t.Error(err)
	}
}

func TestLegendAvoidsTheData(t *testing.T) {
	rising := Figure{Width: 600, Height: 400, Format: "png", Panels: []Panel{{Lines: []Line{{Label: "a", X: []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Raw: []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}}}}}
	pl, lg, err := panel(rising, rising.Panels[0])
	if err != nil {
		t.Fatal(err)
	}
	lg.place(pl, draw.New(vgimg.New(600, 400)), false)
	// The line crosses from bottom left to top right.
	if lg.top != lg.left || lg.center || lg.middle || lg.outside {
		t.Errorf("a rising line's legend at top=%v left=%v: over the data", lg.top, lg.left)
	}
	if err := Render(io.Discard, rising); err != nil {
		t.Fatal(err)
	}
}

// A flat curve gets an axis around its value, and points at the edges
// stay inside the frame.
func TestAxisRange(t *testing.T) {
	f := Figure{Width: 600, Height: 400, Format: "png"}
	for _, tc := range []struct {
		name string
		y    []float64
		logY bool
	}{{"flat", []float64{0.0003, 0.0003}, false}, {"flat on a log axis", []float64{0.0003, 0.0003}, true}, {"rising", []float64{1, 2}, false}} {
		pl, _, err := panel(Figure{Width: f.Width, Height: f.Height, Format: "png", LogY: tc.logY}, Panel{Lines: []Line{{Label: "a", X: []float64{0, 10}, Raw: tc.y}}})
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := slices.Min(tc.y), slices.Max(tc.y)
		if !(pl.Y.Min < lo && pl.Y.Max > hi && pl.X.Min < 0 && pl.X.Max > 10) {
			t.Errorf("%s: axes x %v..%v y %v..%v do not hold the points inside", tc.name, pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max)
		}
		if tc.name != "rising" && pl.Y.Max-pl.Y.Min > 0.001 {
			t.Errorf("%s: y axis %v..%v, far wider than the value 0.0003", tc.name, pl.Y.Min, pl.Y.Max)
		}
	}
}
