// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/jsonl-exporter/jsonl-exporter/internal/curves"
)

// braille draws on the terminal's finest cells: each holds 2×4 dots.
type braille struct {
	cols, rows int
	bits       []uint8
	owner      []int // the run that drew a cell last, -1 for none
}

func newBraille(cols, rows int) *braille {
	b := &braille{cols: cols, rows: rows, bits: make([]uint8, cols*rows), owner: make([]int, cols*rows)}
	for i := range b.owner {
		b.owner[i] = -1
	}
	return b
}

// dotBits are the bits of the dots of a braille cell by row and column
// (Unicode's numbering: 1-2-3-7 down the left, 4-5-6-8 down the right).
var dotBits = [4][2]uint8{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

func (b *braille) set(x, y, who int) {
	if x < 0 || y < 0 || x >= 2*b.cols || y >= 4*b.rows {
		return
	}
	i := (y/4)*b.cols + x/2
	b.bits[i] |= dotBits[y%4][x%2]
	b.owner[i] = who
}

// line sets the dots from (x0, y0) to (x1, y1) (Bresenham).
func (b *braille) line(x0, y0, x1, y1, who int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	err := dx + dy
	for {
		b.set(x0, y0, who)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * err; e2 >= dy {
			err += dy
			x0 += sx
		} else {
			err += dx
			y0 += sy
		}
	}
}

func abs(v int) int { return max(v, -v) }
func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// A View is how the chart is asked for.
type View struct {
	Metric    string // series; "" for the first of Metrics()
	Smooth    int    // window in points, as plot's --smooth (0: off)
	Mode      curves.Mode
	LogY      bool
	X         XKey
	Width     int // columns of the whole text
	ChartRows int // rows of the chart's plot area
	// Paint colours text drawn for the run of index (the table's order);
	// nil draws plain text, with each curve ending in its run's mark.
	Paint func(run int, s string) string
	// The table's order: by column, the column's natural way unless
	// Reverse.
	Sort    Column
	Reverse bool
	Hidden  map[string]bool // runs left off the chart
	// LegendLines bounds the legend's lines, the last saying how many
	// runs were left out of it (0: every run).
	LegendLines int
}

// chart renders the chart of v.Metric to lines of text.
func (m *Model) chart(v View) []string {
	series := v.Metric
	if series == "" {
		if all := m.Metrics(); len(all) > 0 {
			series = all[0]
		}
	}
	if series == "" {
		return []string{"no metric records yet"}
	}
	short := m.names.Short(series)
	cs, missing := m.curves(series, v.X, v.Hidden)
	title := short + " by " + v.X.String()
	if v.X == XTime {
		title += " since each run's first record"
	}
	smooth := v.Smooth > 1 && !curves.IsValidation(short)
	if smooth {
		title += ", smoothed (" + v.Mode.String() + " of " + itoa(v.Smooth) + ")"
	}
	if v.LogY {
		title += ", log y"
	}
	// A name longer than the line is cut, not wrapped: the view counts
	// the lines it lays out.
	lines := []string{clip(title, v.Width)}
	// The values drawn: smoothed over the window's share of kept points,
	// on log10 for a log axis (values <= 0 are not drawn).
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range cs {
		c := &cs[i]
		if smooth {
			if w := (v.Smooth + c.width - 1) / c.width; w > 1 {
				c.ys = curves.Smooth(c.ys, w, v.Mode)
			}
		}
		for j, y := range c.ys {
			if v.LogY {
				if y <= 0 {
					c.ys[j] = math.NaN()
					continue
				}
				c.ys[j] = math.Log10(y)
			}
			xmin, xmax = min(xmin, c.xs[j]), max(xmax, c.xs[j])
			ymin, ymax = min(ymin, c.ys[j]), max(ymax, c.ys[j])
		}
	}
	if math.IsInf(ymin, 0) {
		msg := "no values of " + short + " to draw yet"
		if missing > 0 {
			msg = "no record of " + short + " carries an epoch"
		} else if len(cs) == 0 && len(v.Hidden) > 0 {
			msg = "every run of " + short + " is hidden"
		}
		return append(lines, clip(msg, v.Width))
	}
	if ymax == ymin {
		pad := math.Abs(ymin) * 0.1
		if pad == 0 {
			pad = 1
		}
		if v.LogY {
			pad = 0.5
		}
		ymin, ymax = ymin-pad, ymax+pad
	}
	if xmax == xmin {
		xmin, xmax = xmin-1, xmax+1
	}

	// Tick labels of y decide the width left for the plot.
	var yv []float64
	var yl []string
	if v.LogY {
		yv = logTicks(math.Pow(10, ymin), math.Pow(10, ymax), max(2, v.ChartRows/3))
		yl = formatTicksLog(yv, false, true)
	} else {
		yv = linearTicks(ymin, ymax, max(2, v.ChartRows/3))
		yl = formatTicks(yv, false)
	}
	lw := 0
	for _, l := range yl {
		lw = max(lw, len(l))
	}
	cols, rows := v.Width-lw-2, v.ChartRows
	canvas := newBraille(cols, rows)
	dotW, dotH := float64(2*cols-1), float64(4*rows-1)
	px := func(x float64) int { return int(math.Round((x - xmin) / (xmax - xmin) * dotW)) }
	py := func(y float64) int { return int(math.Round((ymax - y) / (ymax - ymin) * dotH)) }
	ends := make([]int, len(cs)) // cell of each curve's last point
	for i, c := range cs {
		ends[i] = -1
		lx, ly, have := 0, 0, false
		for j, y := range c.ys {
			if math.IsNaN(y) {
				have = false
				continue
			}
			x, yy := px(c.xs[j]), py(y)
			if have {
				canvas.line(lx, ly, x, yy, c.index)
			} else {
				canvas.set(x, yy, c.index)
			}
			lx, ly, have = x, yy, true
			ends[i] = (yy/4)*cols + x/2
		}
	}
	cells := make([]string, cols*rows)
	for i, bits := range canvas.bits {
		cells[i] = " "
		if bits != 0 {
			cells[i] = string(rune(0x2800 + int(bits)))
		}
	}
	for i, c := range cs {
		if v.Paint == nil && ends[i] >= 0 {
			cells[ends[i]] = string(c.mark)
		}
	}
	// A row's text: cells drawn by one run in a row are painted at once,
	// a style's escape codes a stretch rather than a cell.
	rowText := func(r int) string {
		row := cells[r*cols : (r+1)*cols]
		if v.Paint == nil {
			return strings.Join(row, "")
		}
		owner := canvas.owner[r*cols : (r+1)*cols]
		var b strings.Builder
		for i := 0; i < cols; {
			j := i + 1
			for j < cols && owner[j] == owner[i] {
				j++
			}
			if owner[i] >= 0 {
				b.WriteString(v.Paint(owner[i], strings.Join(row[i:j], "")))
			} else {
				b.WriteString(strings.Join(row[i:j], ""))
			}
			i = j
		}
		return b.String()
	}
	label := make([]string, rows)
	for i, t := range yv {
		tv := t
		if v.LogY {
			tv = math.Log10(t)
		}
		r := py(tv) / 4
		if r >= 0 && r < rows && label[r] == "" {
			label[r] = yl[i]
		}
	}
	for r := range rows {
		axis := "│"
		if label[r] != "" {
			axis = "┤"
		}
		lines = append(lines, strings.TrimRight(strings.Repeat(" ", lw-len(label[r]))+label[r]+" "+axis+rowText(r), " "))
	}

	// The x axis: ticks, then their labels where they do not collide.
	var xv []float64
	var xl []string
	if v.X == XTime {
		xv = durationTicks(xmin, xmax, max(2, cols/12))
		xl = formatDurations(xv)
	} else {
		xv = linearTicks(xmin, xmax, max(2, cols/12))
		xl = formatTicks(xv, true)
	}
	axis := []rune(strings.Repeat("─", cols))
	under := []rune(strings.Repeat(" ", cols+lw+2))
	next := 0
	for i, t := range xv {
		c := px(t) / 2
		if c < 0 || c >= cols {
			continue
		}
		axis[c] = '┬'
		start := min(lw+2+c-len(xl[i])/2, len(under)-len(xl[i]))
		if start < next {
			continue
		}
		copy(under[start:], []rune(xl[i]))
		next = start + len(xl[i]) + 1
	}
	lines = append(lines, strings.Repeat(" ", lw+1)+"└"+string(axis))
	lines = append(lines, strings.TrimRight(string(under), " "))
	var legend []string
	if missing > 0 {
		runs := "runs"
		if missing == 1 {
			runs = "run"
		}
		legend = append(legend, fmt.Sprintf("(%d %s without an epoch left out)", missing, runs))
	}
	for _, c := range cs {
		s := string(c.mark) + " " + c.run
		if v.Paint != nil {
			s = v.Paint(c.index, "━━") + " " + s
		}
		legend = append(legend, clip(s, v.Width))
	}
	// Each entry is measured once: with a hundred runs, measuring lines
	// again as they grow, for each count of entries tried, was most of a
	// redraw's cost.
	widths := make([]int, len(legend), len(legend)+1)
	for i, s := range legend {
		widths[i] = visibleLen(s)
	}
	const sep = "  "
	sepWidth := visibleLen(sep)
	if v.LegendLines > 0 && len(wrapStarts(widths, sepWidth, v.Width)) > v.LegendLines {
		for k := len(legend) - 1; k >= 0; k-- {
			more := fmt.Sprintf("+%d more", len(legend)-k)
			if k == 0 || len(wrapStarts(append(widths[:k], len(more)), sepWidth, v.Width)) <= v.LegendLines {
				legend, widths = append(legend[:k:k], more), append(widths[:k], len(more))
				break
			}
		}
	}
	return append(lines, joinAt(legend, widths, sep, v.Width)...)
}

// WrapJoin joins items with sep into lines of at most width cells
// (escape sequences take none).
func WrapJoin(items []string, sep string, width int) []string {
	widths := make([]int, len(items))
	for i, it := range items {
		widths[i] = visibleLen(it)
	}
	return joinAt(items, widths, sep, width)
}

// joinAt is WrapJoin of items whose widths are known.
func joinAt(items []string, widths []int, sep string, width int) []string {
	starts := wrapStarts(widths, visibleLen(sep), width)
	lines := make([]string, len(starts))
	for i, from := range starts {
		to := len(items)
		if i+1 < len(starts) {
			to = starts[i+1]
		}
		lines[i] = strings.Join(items[from:to], sep)
	}
	return lines
}

// wrapStarts returns the index of the item that starts each line when
// items of these widths are joined by a separator of sepWidth into lines
// of at most width cells; an item wider than a line has one of its own.
func wrapStarts(widths []int, sepWidth, width int) []int {
	var starts []int
	line := 0
	for i, w := range widths {
		if i == 0 || line+sepWidth+w > width {
			starts = append(starts, i)
			line = w
			continue
		}
		line += sepWidth + w
	}
	return starts
}

// visibleLen is the terminal cells s takes, outside ANSI escape
// sequences: a CJK character or an emoji takes two.
func visibleLen(s string) int { return ansi.StringWidth(s) }

func itoa(n int) string { return formatValue(float64(n)) }
