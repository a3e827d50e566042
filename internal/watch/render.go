// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// Render is the runs table and the chart of v, as lines of text of at
// most v.Width characters, judged at now.
func (m *Model) Render(now time.Time, v View) string {
	lines := m.Table(now, v).Lines
	lines = append(lines, "")
	lines = append(lines, m.chart(v)...)
	return strings.Join(lines, "\n") + "\n"
}

// ChartLines is the chart of v alone, as lines of text: the
// interactive view lays it out under the table itself.
func (m *Model) ChartLines(v View) []string { return m.chart(v) }

// A Column of the runs table, in the table's order.
type Column uint8

const (
	ColRun Column = iota
	ColStatus
	ColStep
	ColRate
	ColLoss
	ColBest
	ColValLoss
	ColAgo
	NumColumns
)

// tableHeader names the columns of the runs table.
// LOSS and BEST are the training loss, its last and least values; AGO is
// the time since the run's newest record.
var tableHeader = [NumColumns]string{"RUN", "STATUS", "STEP", "STEP/S", "LOSS", "BEST", "VAL LOSS", "AGO"}

// columnNames are the names --sort takes.
var columnNames = [NumColumns]string{"run", "status", "step", "rate", "loss", "best", "val_loss", "ago"}

func (c Column) String() string { return columnNames[c] }

// ParseColumn reads --sort: a column's name (steps/s is rate).
func ParseColumn(s string) (Column, bool) {
	for i, n := range columnNames {
		if s == n {
			return Column(i), true
		}
	}
	return ColRun, false
}

// descending says which columns sort largest first: the furthest and
// fastest runs lead; for losses and ages the least leads.
func (c Column) descending() bool { return c == ColStep || c == ColRate }

// A Table is the runs table as lines, the header first; Runs names the
// run of each line after the header.
type Table struct {
	Lines []string
	Runs  []string
}

// Table is the runs table, sorted as v says: a run's mark and colour
// stay its own whatever the order.
func (m *Model) Table(now time.Time, v View) Table {
	rows := m.Rows(now)
	if len(rows) == 0 {
		return Table{Lines: []string{"no runs yet: waiting for records"}}
	}
	sortRows(rows, v.Sort, v.Reverse)
	header := tableHeader
	arrow := "▲"
	if v.Sort.descending() != v.Reverse {
		arrow = "▼"
	}
	header[v.Sort] += arrow
	cells := [][]string{header[:]}
	runs := make([]string, len(rows))
	for k, r := range rows {
		runs[k] = r.Run
		mark := string(r.Mark)
		if v.Hidden[r.Run] {
			mark = "·"
		}
		c := []string{mark + " " + r.Run, r.Status.String(), "-", "-", "-", "-", "-", "-"}
		if r.HasStep {
			c[ColStep] = fmt.Sprintf("%.0f", r.Step)
		}
		if r.HasRate {
			c[ColRate] = formatValue(r.StepsPerSec)
		}
		if r.HasTrain {
			c[ColLoss], c[ColBest] = formatValue(r.TrainLoss), formatValue(r.BestTrainLoss)
		}
		if r.HasVal {
			c[ColValLoss] = formatValue(r.ValLoss)
		}
		if r.HasAge {
			c[ColAgo] = Ago(r.Age)
		}
		cells = append(cells, c)
	}
	// Widths in terminal cells: a CJK character or an emoji takes two.
	widths := make([]int, NumColumns)
	for _, c := range cells {
		for i, s := range c {
			widths[i] = max(widths[i], ansi.StringWidth(s))
		}
	}
	// A long run name gives way first: the other columns are short. If
	// the line is still too long (a narrow terminal, huge steps), the
	// columns from the right are left out whole, but the sorted one: a
	// terminal would cut the line in the middle of a value.
	shown := make([]bool, NumColumns)
	for i := range shown {
		shown[i] = true
	}
	total := func() int {
		n := -2
		for i, w := range widths {
			if shown[i] {
				n += w + 2
			}
		}
		return n
	}
	name := widths[0]
	if t := total(); t > v.Width {
		widths[0] = max(8, widths[0]-(t-v.Width))
	}
	for i := NumColumns - 1; i > ColStatus && total() > v.Width; i-- {
		if i != v.Sort {
			shown[i] = false
		}
	}
	widths[0] = max(widths[0], min(name, widths[0]+v.Width-total())) // room left by them
	lines := make([]string, 0, len(cells))
	for k, c := range cells {
		var b strings.Builder
		for i, s := range c {
			if !shown[i] {
				continue
			}
			if i > 0 {
				b.WriteString("  ")
			}
			s = clip(s, widths[i])
			pad := strings.Repeat(" ", widths[i]-ansi.StringWidth(s))
			if i >= int(ColStep) { // numbers to the right
				b.WriteString(pad + s)
			} else {
				b.WriteString(s + pad)
			}
		}
		line := strings.TrimRight(b.String(), " ")
		if k > 0 && v.Paint != nil && !v.Hidden[rows[k-1].Run] {
			line = v.Paint(rows[k-1].Index, line)
		}
		lines = append(lines, line)
	}
	return Table{Lines: lines, Runs: runs}
}

// sortRows orders rows by column c, the column's natural way (reverse:
// the other way); a run without a value comes last either way, and ties
// keep the order by name.
func sortRows(rows []Row, c Column, reverse bool) {
	if c == ColRun {
		if reverse {
			slices.Reverse(rows)
		}
		return
	}
	key := func(r Row) (float64, bool) {
		switch c {
		case ColStatus:
			return float64(statusOrder(r.Status)), true
		case ColStep:
			return r.Step, r.HasStep
		case ColRate:
			return r.StepsPerSec, r.HasRate
		case ColLoss:
			return r.TrainLoss, r.HasTrain
		case ColBest:
			return r.BestTrainLoss, r.HasTrain
		case ColValLoss:
			return r.ValLoss, r.HasVal
		case ColAgo:
			return r.Age.Seconds(), r.HasAge
		}
		return 0, false
	}
	desc := c.descending() != reverse
	slices.SortStableFunc(rows, func(a, b Row) int {
		x, okA := key(a)
		y, okB := key(b)
		switch {
		case !okA || !okB:
			return boolOrder(okB) - boolOrder(okA)
		case desc:
			return cmp.Compare(y, x)
		}
		return cmp.Compare(x, y)
	})
}

// statusOrder puts the runs that need a look first: stalled, running,
// finished.
func statusOrder(s store.Status) int {
	switch s {
	case store.StatusStalled:
		return 0
	case store.StatusRunning:
		return 1
	}
	return 2
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// clip shortens s to n terminal cells, ending it with … when cut.
func clip(s string, n int) string {
	return ansi.Truncate(s, n, "…")
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
