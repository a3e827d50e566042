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
	LogY          bool // a log y axis (with Figure.LogY: every panel's)
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
	// Filled shapes, as matplotlib's markers: gonum's hollow triangle of
	// 0.5 pt strokes was hard to see.
	glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, diamondGlyph{}, invertedGlyph{}, crossGlyph{}}
)

// markerRadius is the size of markers: matplotlib's default marker is
// 6 points across.
var markerRadius = vg.Points(3.2)

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
	legends := make([][]*legend, rows)
	for i := range grid {
		grid[i] = make([]*gplot.Plot, cols)
		legends[i] = make([]*legend, cols)
	}
	for i, p := range f.Panels {
		pl, lg, err := panel(f, p)
		if err != nil {
			return fmt.Errorf("%s: %v", p.Title, err)
		}
		grid[i/cols][i%cols], legends[i/cols][i%cols] = pl, lg
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: px(24), PadY: px(24), PadTop: px(8), PadBottom: px(8), PadLeft: px(8), PadRight: px(16)}
	canvases := gplot.Align(grid, tiles, dc)
	for i := range grid {
		for j, pl := range grid[i] {
			if pl == nil {
				continue
			}
			c, lg := canvases[i][j], legends[i][j]
			lg.place(pl, c, f.LogY || f.Panels[i*cols+j].LogY)
			if lg.outside && lg.outsideWidth(c) > (c.Max.X-c.Min.X)/2 {
				// A panel too narrow for it beside: over the data, at
				// the top right, rather than no room for the data.
				lg.outside = false
				lg.setPlace(0)
			}
			if lg.outside {
				c = draw.Crop(c, 0, -lg.outsideWidth(c), 0, 0)
			}
			pl.Draw(c)
			lg.draw(pl, c)
		}
	}
	_, err = c.WriteTo(w)
	return err
}

func panel(f Figure, p Panel) (*gplot.Plot, *legend, error) {
	logY := f.LogY || p.LogY
	pl := gplot.New()
	pl.Title.Text = p.Title
	pl.X.Label.Text = f.XLabel
	pl.Y.Label.Text = p.YLabel
	pl.Add(plotter.NewGrid())
	pl.X.Tick.Marker = linearTicks{}
	pl.Y.Tick.Marker = linearTicks{}
	lg := newLegend()
	width := f.Width / Columns(len(f.Panels))
	for _, l := range p.Lines {
		col := palette[l.Color%len(palette)]
		raw := points(l.X, l.Raw, logY, width)
		var smooth plotter.XYs
		if l.Smoothed != nil {
			smooth = points(l.X, l.Smoothed, logY, width)
		}
		if len(raw) == 0 && len(smooth) == 0 {
			continue
		}
		var thumbs []gplot.Thumbnailer
		if l.Markers {
			s, err := plotter.NewScatter(raw)
			if err != nil {
				return nil, nil, err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: col, Radius: markerRadius, Shape: glyphs[l.Style%len(glyphs)]}
			pl.Add(s)
			thumbs = append(thumbs, s)
			lg.data = append(lg.data, drawnData{xys: raw, joined: l.Joined, radius: markerRadius})
		}
		if !l.Markers || l.Joined {
			line := &polyline{xys: raw, style: draw.LineStyle{Color: col, Width: vg.Points(1.2), Dashes: dashes[l.Style%len(dashes)]}}
			if smooth != nil { // the raw values stay as a faint trace
				line.style.Color = color.NRGBA{col.R, col.G, col.B, 0x40}
				line.style.Width = vg.Points(0.6)
			}
			pl.Add(line)
			if !l.Markers {
				thumbs = append(thumbs, line)
				lg.data = append(lg.data, drawnData{xys: raw, joined: true})
			}
		}
		if smooth != nil {
			line := &polyline{xys: smooth, style: draw.LineStyle{Color: col, Width: vg.Points(1.6), Dashes: dashes[l.Style%len(dashes)]}}
			pl.Add(line)
			if !l.Markers {
				thumbs = thumbs[:0] // the bold line, not the faint one
			}
			thumbs = append(thumbs, line)
			lg.data = append(lg.data, drawnData{xys: smooth, joined: true})
		}
		lg.Add(l.Label, thumbs...)
	}
	if logY && len(lg.data) > 0 {
		pl.Y.Scale = gplot.LogScale{}
		pl.Y.Tick.Marker = logTicks{}
	}
	if len(lg.data) > 0 {
		pad(&pl.X, false)
		pad(&pl.Y, logY)
	}
	return pl, lg, nil
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

// diamondGlyph is a filled diamond.
type diamondGlyph struct{}

func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.2
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.Fill(p)
}

// invertedGlyph is a filled triangle standing on its tip.
type invertedGlyph struct{}

func (invertedGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.25
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r*0.866, Y: pt.Y + r/2})
	p.Line(vg.Point{X: pt.X + r*0.866, Y: pt.Y + r/2})
	p.Close()
	c.Fill(p)
}

// crossGlyph is an x of strokes thick enough to see.
type crossGlyph struct{}

func (crossGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.5)})
	r := sty.Radius
	var p vg.Path
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y + r})
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y - r})
	c.Stroke(p)
}
