// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import (
	"fmt"
	"strings"
	"time"
)

// Render is the runs table and the chart of v, as lines of text of at
// most v.Width characters, judged at now.
func (m *Model) Render(now time.Time, v View) string {
	lines := m.Table(now, v.Width, v.Paint)
	lines = append(lines, "")
	lines = append(lines, m.chart(v)...)
	return strings.Join(lines, "\n") + "\n"
}

// ChartLines is the chart of v alone, as lines of text: the
// interactive view lays it out under the table itself.
func (m *Model) ChartLines(v View) []string { return m.chart(v) }

// tableHeader names the columns of the runs table.
// LOSS and BEST are the training loss, its last and least values; AGO is
// the time since the run's newest record.
var tableHeader = []string{"RUN", "STATUS", "STEP", "STEP/S", "LOSS", "BEST", "VAL LOSS", "AGO"}

// Table is the runs table as lines: the header, then a run a line.
func (m *Model) Table(now time.Time, width int, paint func(int, string) string) []string {
	rows := m.Rows(now)
	if len(rows) == 0 {
		return []string{"no runs yet: waiting for records"}
	}
	cells := [][]string{tableHeader}
	for _, r := range rows {
		c := []string{string(r.Mark) + " " + r.Run, r.Status.String(), "-", "-", "-", "-", "-", "-"}
		if r.HasStep {
			c[2] = fmt.Sprintf("%.0f", r.Step)
		}
		if r.HasRate {
			c[3] = formatValue(r.StepsPerSec)
		}
		if r.HasTrain {
			c[4], c[5] = formatValue(r.TrainLoss), formatValue(r.BestTrainLoss)
		}
		if r.HasVal {
			c[6] = formatValue(r.ValLoss)
		}
		if r.HasAge {
			c[7] = Ago(r.Age)
		}
		cells = append(cells, c)
	}
	widths := make([]int, len(tableHeader))
	for _, c := range cells {
		for i, s := range c {
			widths[i] = max(widths[i], len([]rune(s)))
		}
	}
	// A long run name gives way first: the other columns are short.
	if total := sum(widths) + 2*(len(widths)-1); total > width {
		widths[0] = max(8, widths[0]-(total-width))
	}
	lines := make([]string, 0, len(cells))
	for k, c := range cells {
		var b strings.Builder
		for i, s := range c {
			if i > 0 {
				b.WriteString("  ")
			}
			s = clip(s, widths[i])
			pad := strings.Repeat(" ", widths[i]-len([]rune(s)))
			if i >= 2 { // numbers to the right
				b.WriteString(pad + s)
			} else {
				b.WriteString(s + pad)
			}
		}
		line := strings.TrimRight(b.String(), " ")
		if k > 0 && paint != nil {
			line = paint(k-1, line)
		}
		lines = append(lines, line)
	}
	return lines
}

func sum(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

// clip shortens s to n characters, ending it with … when cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Ago writes a duration as 42s, 3m05s, 2h10m or 3d04h; negative (a
// record from the future) as 0s.
func Ago(d time.Duration) string {
	s := int64(max(d, 0) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}
