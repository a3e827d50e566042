// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package plot lays the curves of runs out as a figure (Build: the x
// axis, smoothing through package curves, panels, colors by run) and draws
// it as an image (Render: PNG, SVG or PDF with gonum.org/v1/plot).
package plot

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // png
	_ "gonum.org/v1/plot/vg/vgpdf" // pdf
	_ "gonum.org/v1/plot/vg/vgsvg" // svg
)

// Formats are the image formats Render writes, by file extension.
var Formats = []string{"png", "svg", "pdf"}

// DPI relates pixels to the points gonum measures in (vgimg's default).
const DPI = 96

// A Figure is the whole image.
type Figure struct {
	Title         string
	Width, Height int    // pixels
	Format        string // one of Formats
	XLabel        string
	LogY          bool
	Panels        []Panel
}

// A Panel is one metric (or all of them with --single).
type Panel struct {
	Title, YLabel string
	Lines         []Line
}

// A Line is one curve of a panel.
type Line struct {
	Label    string // in the legend
	Color    int    // index into the palette: the same run has the same color in every panel
	Style    int    // 0: solid lines, round markers; n > 0: the n-th dash pattern and marker shape
	X, Raw   []float64
	Smoothed []float64 // nil: none; else drawn bold over a faint raw line
	Markers  bool      // draw the raw points as markers (validation)
	Joined   bool      // with markers, join them too (--force-line)
}

// palette is matplotlib's tab10, which users of the Python script know.
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

// Colors is the size of the palette: lines past it repeat its colors.
var Colors = len(palette)

// Styles tell apart lines of one color: dash patterns and marker shapes.
var (
	dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)},
		{vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}, {vg.Points(12), vg.Points(4)},
		{vg.Points(4), vg.Points(2), vg.Points(1), vg.Points(2), vg.Points(1), vg.Points(2)}}
	glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.RingGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}
)

// px is a length of n pixels.
func px(n float64) vg.Length { return vg.Length(n) * vg.Inch / DPI }

// Rows is how many rows of panels a figure has.
func Rows(panels int) int { return max(1, (panels+Columns(panels)-1)/Columns(panels)) }

// TitleHeight is the room a figure's title takes, in pixels.
func TitleHeight(title string) int {
	if title == "" {
		return 0
	}
	return 40
}

// Columns is how many panels a row holds.
func Columns(panels int) int {
	if panels <= 1 {
		return 1
	}
	return 2
}

// Render draws f to w.
func Render(w io.Writer, f Figure) error {
	if len(f.Panels) == 0 {
		return fmt.Errorf("nothing to draw")
	}
	c, err := draw.NewFormattedCanvas(px(float64(f.Width)), px(float64(f.Height)), f.Format)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	if f.Title != "" {
		style := draw.TextStyle{Color: color.Black, Font: font.From(gplot.DefaultFont, vg.Points(14)), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: gplot.DefaultTextHandler}
		dc.FillText(style, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - px(8)}, f.Title)
		dc.Max.Y -= style.Height(f.Title) + px(16)
	}
	cols := Columns(len(f.Panels))
	rows := (len(f.Panels) + cols - 1) / cols
	grid := make([][]*gplot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*gplot.Plot, cols)
	}
	for i, p := range f.Panels {
		pl, err := panel(f, p)
		if err != nil {
			return fmt.Errorf("%s: %v", p.Title, err)
		}
		grid[i/cols][i%cols] = pl
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: px(24), PadY: px(24), PadTop: px(8), PadBottom: px(8), PadLeft: px(8), PadRight: px(16)}
	canvases := gplot.Align(grid, tiles, dc)
	for i := range grid {
		for j, pl := range grid[i] {
			if pl != nil {
				pl.Draw(canvases[i][j])
			}
		}
	}
	_, err = c.WriteTo(w)
	return err
}

func panel(f Figure, p Panel) (*gplot.Plot, error) {
	pl := gplot.New()
	pl.Title.Text = p.Title
	pl.X.Label.Text = f.XLabel
	pl.Y.Label.Text = p.YLabel
	pl.Legend.TextStyle.Font.Size = vg.Points(9)
	pl.Add(plotter.NewGrid())
	pl.X.Tick.Marker = readableTicks{}
	pl.Y.Tick.Marker = readableTicks{}
	width := f.Width / Columns(len(f.Panels))
	var drawn []plotter.XYs
	for _, l := range p.Lines {
		col := palette[l.Color%len(palette)]
		raw := points(l.X, l.Raw, f.LogY, width)
		var smooth plotter.XYs
		if l.Smoothed != nil {
			smooth = points(l.X, l.Smoothed, f.LogY, width)
		}
		if len(raw) == 0 && len(smooth) == 0 {
			continue
		}
		drawn = append(drawn, raw, smooth)
		var thumb gplot.Thumbnailer
		if l.Markers {
			s, err := plotter.NewScatter(raw)
			if err != nil {
				return nil, err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.5), Shape: glyphs[l.Style%len(glyphs)]}
			pl.Add(s)
			thumb = s
		}
		if !l.Markers || l.Joined {
			line := &polyline{xys: raw, style: draw.LineStyle{Color: col, Width: vg.Points(1.2), Dashes: dashes[l.Style%len(dashes)]}}
			if smooth != nil { // the raw values stay as a faint trace
				line.style.Color = color.NRGBA{col.R, col.G, col.B, 0x40}
				line.style.Width = vg.Points(0.6)
			}
			pl.Add(line)
			if thumb == nil {
				thumb = line
			}
		}
		if smooth != nil {
			line := &polyline{xys: smooth, style: draw.LineStyle{Color: col, Width: vg.Points(1.6), Dashes: dashes[l.Style%len(dashes)]}}
			pl.Add(line)
			thumb = line
		}
		pl.Legend.Add(l.Label, thumb)
	}
	if len(p.Lines) > 8 {
		pl.Legend.TextStyle.Font.Size = vg.Points(7)
	}
	if f.LogY && len(drawn) > 0 {
		pl.Y.Scale = gplot.LogScale{}
		pl.Y.Tick.Marker = logTicks{}
	}
	if len(drawn) > 0 {
		pad(&pl.X, false)
		pad(&pl.Y, f.LogY && len(drawn) > 0)
	}
	placeLegend(pl, drawn, len(p.Lines), f.LogY)
	return pl, nil
}

// pad widens an axis by 3 % of its span on each side, so that points at
// the extremes are not cut by the frame, and gives a flat curve a range
// of its own (gonum would draw 0.0003 on an axis from -1 to 1).
func pad(a *gplot.Axis, log bool) {
	lo, hi := a.Min, a.Max
	if log {
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	span := hi - lo
	if span <= 1e-9*max(math.Abs(lo), math.Abs(hi)) { // flat, or nearly
		mid := (lo + hi) / 2
		span = math.Abs(mid) * 0.1
		if log || mid == 0 {
			span = 1
		}
		lo, hi = mid-span/2, mid+span/2
	}
	lo, hi = lo-0.03*span, hi+0.03*span
	if log {
		lo, hi = math.Pow(10, lo), math.Pow(10, hi)
	}
	a.Min, a.Max = lo, hi
}

// placeLegend puts the legend in the corner where the fewest points are,
// as matplotlib's loc="best" does.
func placeLegend(pl *gplot.Plot, drawn []plotter.XYs, entries int, logY bool) {
	xmin, xmax, ymin, ymax := pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max
	scale := func(y float64) float64 { return y }
	if logY {
		scale = math.Log10
		ymin, ymax = scale(ymin), scale(ymax)
	}
	if xmax <= xmin || ymax <= ymin {
		pl.Legend.Top = true
		return
	}
	// The legend covers about 30 % of the width and 6 % of the height per entry.
	w, h := 0.3, min(0.06*float64(entries)+0.04, 0.9)
	best, bestCount := 0, -1
	for corner := range 4 {
		top, left := corner < 2, corner%2 == 1
		count := 0
		for _, xys := range drawn {
			for _, p := range xys {
				u := (p.X - xmin) / (xmax - xmin)
				v := (scale(p.Y) - ymin) / (ymax - ymin)
				if (left && u <= w || !left && u >= 1-w) && (top && v >= 1-h || !top && v <= h) {
					count++
				}
			}
		}
		if bestCount < 0 || count < bestCount {
			best, bestCount = corner, count
		}
	}
	pl.Legend.Top, pl.Legend.Left = best < 2, best%2 == 1
}

// readableTicks are gonum's default ticks labelled with as many decimals
// as tell them apart, no more (2500, not 2500.00; 2.85 and 2.9, not 2.9
// twice), in exponent form for very small or large values.
type readableTicks struct{}

func (readableTicks) Ticks(min, max float64) []gplot.Tick {
	return relabel(gplot.DefaultTicks{}.Ticks(min, max))
}

// logTicks are gonum's powers of ten, and where fewer than two of them
// fall in the range (a loss from 2 to 9), labels at 1, 2 and 5 times them.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []gplot.Tick {
	ticks := gplot.LogTicks{Prec: -1}.Ticks(min, max)
	labelled := 0
	for _, t := range ticks {
		if !t.IsMinor() && t.Value >= min && t.Value <= max {
			labelled++
		}
	}
	if labelled >= 2 {
		return relabel(ticks)
	}
	var values []float64
	for i, t := range ticks {
		mantissa := t.Value / math.Pow10(int(math.Floor(math.Log10(t.Value)+1e-9)))
		if m := math.Round(mantissa); math.Abs(mantissa-m) < 1e-6 && (m == 1 || m == 2 || m == 5) {
			values = append(values, t.Value)
			ticks[i].Label = "?"
		}
	}
	inRange := 0
	for _, v := range values {
		if v >= min && v <= max {
			inRange++
		}
	}
	if inRange < 2 { // less than a factor of 2.5: linear ticks say more
		return readableTicks{}.Ticks(min, max)
	}
	return relabel(ticks)
}

// relabel writes the labels of labelled ticks with tickFormat (gonum's
// read 2500.00, or 9.999999999999999e-05 on a log axis).
func relabel(ticks []gplot.Tick) []gplot.Tick {
	var values []float64
	for _, t := range ticks {
		if !t.IsMinor() {
			values = append(values, t.Value)
		}
	}
	format := tickFormat(values)
	for i, t := range ticks {
		if !t.IsMinor() {
			ticks[i].Label = format(t.Value)
		}
	}
	return ticks
}

// tickFormat returns the shortest formatting that labels values apart.
func tickFormat(values []float64) func(float64) string {
	large, small := 0.0, math.Inf(1)
	for _, v := range values {
		large = max(large, math.Abs(v))
		if v != 0 {
			small = min(small, math.Abs(v))
		}
	}
	// Exponents for very large or small values, and for ticks over many
	// decades (a log axis from 1e-9 to 1e-3), not 0.000000001.
	if large >= 1e7 || (large > 0 && large < 1e-3) || small < large*1e-3 && small < 1e-3 {
		for digits := 1; digits < 16; digits++ {
			f := func(v float64) string { return strconv.FormatFloat(v, 'e', digits-1, 64) }
			if distinct(values, f) && exact(values, f) {
				return f
			}
		}
	}
	for decimals := 0; decimals < 16; decimals++ {
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', decimals, 64) }
		if distinct(values, f) && exact(values, f) {
			return f
		}
	}
	return func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
}

// distinct reports whether format labels the values all differently.
func distinct(values []float64, format func(float64) string) bool {
	seen := map[string]bool{}
	for _, v := range values {
		l := format(v)
		if seen[l] {
			return false
		}
		seen[l] = true
	}
	return true
}

// exact reports whether format's labels read back as the values, up to
// rounding noise of a millionth of their spacing.
func exact(values []float64, format func(float64) string) bool {
	for i, v := range values {
		tol := math.Abs(v) * 1e-12
		if i > 0 {
			tol = max(tol, math.Abs(v-values[i-1])*1e-6)
		}
		back, err := strconv.ParseFloat(format(v), 64)
		if err != nil || math.Abs(back-v) > tol {
			return false
		}
	}
	return true
}

// A polyline is plotter.Line drawn in short pieces: the rasterizer
// behind PNG output searches its cells linearly, so one stroke of a few
// thousand noisy points took seconds, and the same points in pieces of
// 64 take milliseconds.
type polyline struct {
	xys   plotter.XYs
	style draw.LineStyle
}

const piece = 64

func (l *polyline) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	pts := make([]vg.Point, len(l.xys))
	for i, xy := range l.xys {
		pts[i] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
	}
	for start := 0; start < len(pts)-1; start += piece {
		end := min(start+piece+1, len(pts)) // pieces share their ends
		c.StrokeLines(l.style, c.ClipLinesXY(pts[start:end])...)
	}
}

func (l *polyline) DataRange() (xmin, xmax, ymin, ymax float64) { return plotter.XYRange(l.xys) }

func (l *polyline) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

// points pairs x and y for drawing, without values a log scale cannot
// show, and at most about four points per pixel column: a million-point
// curve draws as fast as a thousand-point one and looks the same, since
// each column keeps its first, lowest, highest and last point.
func points(x, y []float64, logY bool, widthPx int) plotter.XYs {
	xys := make(plotter.XYs, 0, min(len(x), 4*widthPx+4))
	keep := func(i int) bool { return !logY || y[i] > 0 }
	if len(x) <= 4*widthPx || len(x) < 2 {
		for i := range x {
			if keep(i) {
				xys = append(xys, plotter.XY{X: x[i], Y: y[i]})
			}
		}
		return xys
	}
	lo, hi := x[0], x[0]
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	span := hi - lo
	if span == 0 {
		span = 1
	}
	column := func(v float64) int { return int(math.Floor((v - lo) / span * float64(widthPx))) }
	for start := 0; start < len(x); {
		col := column(x[start])
		end := start + 1
		for end < len(x) && column(x[end]) == col {
			end++
		}
		first, last, low, high := -1, -1, -1, -1
		for i := start; i < end; i++ {
			if !keep(i) {
				continue
			}
			if first < 0 {
				first = i
			}
			last = i
			if low < 0 || y[i] < y[low] {
				low = i
			}
			if high < 0 || y[i] > y[high] {
				high = i
			}
		}
		if first >= 0 {
			for _, i := range ordered(first, low, high, last) {
				xys = append(xys, plotter.XY{X: x[i], Y: y[i]})
			}
		}
		start = end
	}
	return xys
}

// ordered returns the distinct indexes in increasing order.
func ordered(idx ...int) []int {
	out := idx[:0]
	for _, i := range idx {
		dup := false
		for _, j := range out {
			dup = dup || i == j
		}
		if !dup {
			out = append(out, i)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
