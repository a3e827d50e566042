// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// oddRuns is a model of runs with wide characters in their names (CJK,
// an emoji), a name longer than any line, steps of 1e13, and a metric
// whose name is longer than a line.
func oddRuns() (*Model, string) {
	long := strings.Repeat("a_metric_with_a_long_name_", 6)
	m := New("ml", seriesOf, nil)
	var recs []rec
	for _, run := range []string{"训练运行-中文名字", "run-🚀-emoji", "plain", strings.Repeat("x", 90)} {
		for i := range 20 {
			recs = append(recs, rec{run: run, t: t0 + float64(i), step: float64(i) * 1e12,
				metrics: map[string]float64{"train.loss": 2 - float64(i)/20, long: float64(i)}})
		}
	}
	feed(m, recs...)
	return m, seriesOf(long)
}

// fits reports the lines wider than width terminal cells.
func fits(t *testing.T, width int, lines []string) {
	t.Helper()
	for _, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("width %d: a line of %d cells:\n%s", width, w, l)
		}
	}
}

// TestTableFitsWidth: the table's lines fit the width in terminal cells,
// columns that do not fit left out whole, and its columns line up
// whatever the run names.
func TestTableFitsWidth(t *testing.T) {
	m, _ := oddRuns()
	now := time.Unix(int64(t0)+30, 0)
	for _, width := range []int{40, 60, 100} {
		for _, sort := range []Column{ColRun, ColAgo} {
			table := m.Table(now, View{Width: width, Sort: sort}).Lines
			fits(t, width, table)
			if sort == ColAgo && !strings.Contains(table[0], "AGO") {
				t.Errorf("width %d: the sorted column was left out:\n%s", width, table[0])
			}
			// STATUS starts in the same cell on every line.
			at := -1
			for _, l := range table {
				i := strings.Index(l, "STATUS")
				if i < 0 {
					i = strings.Index(l, "running")
				}
				cell := ansi.StringWidth(l[:i])
				if at >= 0 && cell != at {
					t.Errorf("width %d: STATUS at cell %d, %d before:\n%s", width, cell, at, strings.Join(table, "\n"))
					break
				}
				at = cell
			}
		}
	}
}

// TestChartFitsWidth: the chart's title and legend fit the width in
// terminal cells, whatever the names.
func TestChartFitsWidth(t *testing.T) {
	m, long := oddRuns()
	for _, width := range []int{40, 60, 100} {
		for _, metric := range []string{"", long} {
			fits(t, width, m.ChartLines(View{Width: width, ChartRows: 8, Metric: metric}))
		}
	}
}

// TestLegendLines: a bounded legend ends by counting the runs it leaves
// out.
func TestLegendLines(t *testing.T) {
	m := New("ml", seriesOf, nil)
	for i := range 40 {
		feed(m, trainRun(fmt.Sprintf("run-%02d", i), 3, func(int) float64 { return float64(i) })...)
	}
	for _, most := range []int{0, 1, 2} {
		lines := m.ChartLines(View{Width: 80, ChartRows: 4, LegendLines: most})
		legend := lines[1+4+2:] // title, plot rows, axis and ticks
		shown := strings.Count(strings.Join(legend, " "), "run-")
		left := 0
		if last := legend[len(legend)-1]; strings.HasSuffix(last, " more") {
			left, _ = strconv.Atoi(last[strings.LastIndex(last, "+")+1 : len(last)-len(" more")])
		}
		if most > 0 && (len(legend) != most || shown+left != 40 || left == 0) {
			t.Errorf("at most %d lines: %d, %d runs shown and %d left out:\n%s", most, len(legend), shown, left, strings.Join(legend, "\n"))
		}
		if most == 0 && shown != 40 {
			t.Errorf("every run: %d shown:\n%s", shown, strings.Join(legend, "\n"))
		}
	}
}
