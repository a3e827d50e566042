// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package plot

import (
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A legend is a panel's list of runs on a white box with a frame, put
// where it covers no data: the first free place of matplotlib's
// loc="best" order, else above the data (the y axis is raised to make
// room), else, when it is too tall for that, right of the panel.
// gonum's legend has no background and is drawn wherever it is told,
// over the data if need be.
type legend struct {
	gplot.Legend
	data []drawnData

	// Where it goes, set by place: the box's corner in the data area, or
	// outside to the right of the panel.
	top, left, center, middle, outside bool
}

// drawnData are points of a panel as drawn: joined by a line, or markers
// of a radius.
type drawnData struct {
	xys    plotter.XYs
	joined bool
	radius vg.Length
}

// legendText is the size of the legend's text: that of the tick labels
// (gonum's default), no smaller.
var legendText = vg.Points(10)

func newLegend() *legend {
	l := &legend{Legend: gplot.NewLegend()}
	l.TextStyle.Font = font.From(gplot.DefaultFont, legendText)
	l.Top, l.Left = true, true // within the box: from its top, markers first
	l.ThumbnailWidth = vg.Points(18)
	l.Padding = px(2)
	return l
}

const (
	legendPad    = 4 // pixels between the box and its entries
	legendMargin = 6 // pixels between the box and the frame of the panel
)

// size is the box's size.
func (l *legend) size(c draw.Canvas) (w, h vg.Length) {
	s := l.Rectangle(c).Size()
	return s.X + 2*px(legendPad), s.Y + 2*px(legendPad)
}

// box is where the legend's box goes in the data area dc.
func (l *legend) box(dc draw.Canvas) vg.Rectangle {
	w, h := l.size(dc)
	m := px(legendMargin)
	var r vg.Rectangle
	switch {
	case l.center:
		r.Min.X = (dc.Min.X + dc.Max.X - w) / 2
	case l.left:
		r.Min.X = dc.Min.X + m
	default:
		r.Min.X = dc.Max.X - m - w
	}
	switch {
	case l.middle:
		r.Min.Y = (dc.Min.Y + dc.Max.Y - h) / 2
	case l.top:
		r.Min.Y = dc.Max.Y - m - h
	default:
		r.Min.Y = dc.Min.Y + m
	}
	r.Max = vg.Point{X: r.Min.X + w, Y: r.Min.Y + h}
	return r
}

// places are matplotlib's loc="best" candidates, in its order:
// upper right, upper left, lower left, lower right, right, left, lower
// center, upper center.
var places = []struct{ top, left, center, middle bool }{
	{top: true}, {top: true, left: true}, {left: true}, {},
	{middle: true}, {middle: true, left: true}, {center: true}, {top: true, center: true},
}

// place chooses where the legend goes in panel pl drawn on c, raising
// the top of the y axis when no place is free.
func (l *legend) place(pl *gplot.Plot, c draw.Canvas, logY bool) {
	if len(l.data) == 0 {
		return
	}
	dc := pl.DataCanvas(c)
	if free := l.firstFree(pl, dc); free >= 0 {
		l.setPlace(free)
		return
	}
	_, h := l.size(dc)
	height := dc.Max.Y - dc.Min.Y
	// The band the box takes at the top, with the markers' reach.
	band := (h + 2*px(legendMargin) + l.reach()) / height
	if band > 0.45 { // the data would keep too little room
		l.outside = true
		return
	}
	lo, hi := pl.Y.Min, l.highest(pl)
	if logY {
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	top := lo + (hi-lo)/(1-float64(band))
	if logY {
		top = math.Pow(10, top)
	}
	pl.Y.Max = max(pl.Y.Max, top)
	dc = pl.DataCanvas(c)
	if free := l.firstFree(pl, dc); free >= 0 {
		l.setPlace(free)
		return
	}
	l.setPlace(0)
}

func (l *legend) setPlace(i int) {
	p := places[i]
	l.top, l.left, l.center, l.middle = p.top, p.left, p.center, p.middle
}

// reach is the largest marker radius.
func (l *legend) reach() vg.Length {
	var r vg.Length
	for _, d := range l.data {
		r = max(r, d.radius)
	}
	return r
}

// highest is the highest value drawn.
func (l *legend) highest(pl *gplot.Plot) float64 {
	hi := math.Inf(-1)
	for _, d := range l.data {
		for _, p := range d.xys {
			hi = max(hi, p.Y)
		}
	}
	return min(hi, pl.Y.Max)
}

// firstFree is the first place where the box covers no point and no
// line, or -1.
func (l *legend) firstFree(pl *gplot.Plot, dc draw.Canvas) int {
	trX, trY := pl.Transforms(&dc)
	pts := make([][]vg.Point, len(l.data))
	for i, d := range l.data {
		pts[i] = make([]vg.Point, len(d.xys))
		for j, p := range d.xys {
			pts[i][j] = vg.Point{X: trX(p.X), Y: trY(p.Y)}
		}
	}
	for i := range places {
		l.setPlace(i)
		r := l.box(dc)
		covers := false
		for k, d := range l.data {
			grown := vg.Rectangle{Min: vg.Point{X: r.Min.X - d.radius, Y: r.Min.Y - d.radius}, Max: vg.Point{X: r.Max.X + d.radius, Y: r.Max.Y + d.radius}}
			if covered(grown, pts[k], d.joined) {
				covers = true
				break
			}
		}
		if !covers {
			return i
		}
	}
	return -1
}

// covered reports whether a point of pts, or with joined a segment
// between two, lies in r.
func covered(r vg.Rectangle, pts []vg.Point, joined bool) bool {
	for i, p := range pts {
		if inside(r, p) {
			return true
		}
		if joined && i > 0 && crosses(r, pts[i-1], p) {
			return true
		}
	}
	return false
}

func inside(r vg.Rectangle, p vg.Point) bool {
	return p.X >= r.Min.X && p.X <= r.Max.X && p.Y >= r.Min.Y && p.Y <= r.Max.Y
}

// crosses reports whether the segment a-b passes through r (Liang and
// Barsky's clipping: the part of the segment within each of r's slabs).
func crosses(r vg.Rectangle, a, b vg.Point) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	for _, e := range [4][2]float64{
		{-dx, float64(a.X - r.Min.X)}, {dx, float64(r.Max.X - a.X)},
		{-dy, float64(a.Y - r.Min.Y)}, {dy, float64(r.Max.Y - a.Y)},
	} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = max(t0, t)
		} else {
			t1 = min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// outsideWidth is the room the legend takes right of its panel.
func (l *legend) outsideWidth(c draw.Canvas) vg.Length {
	w, _ := l.size(c)
	return w + px(legendMargin)
}

// draw draws the box and its entries: in the data area of pl on c, or
// right of it.
func (l *legend) draw(pl *gplot.Plot, c draw.Canvas) {
	if len(l.data) == 0 {
		return
	}
	dc := pl.DataCanvas(c)
	r := l.box(dc)
	if l.outside {
		w, h := l.size(dc)
		r.Min = vg.Point{X: c.Max.X + px(legendMargin), Y: dc.Max.Y - h}
		r.Max = vg.Point{X: r.Min.X + w, Y: dc.Max.Y}
	}
	c.SetColor(color.White)
	c.Fill(r.Path())
	c.SetLineStyle(draw.LineStyle{Color: color.Gray{Y: 0xcc}, Width: vg.Points(0.8)})
	c.Stroke(r.Path())
	inner := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: r.Min.X + px(legendPad), Y: r.Min.Y + px(legendPad)},
		Max: vg.Point{X: r.Max.X - px(legendPad), Y: r.Max.Y - px(legendPad)},
	}}
	l.Draw(inner)
}
