// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/jsonl-exporter/jsonl-exporter/internal/watch"
)

// watchTick is how often the view redraws to show what the engine read,
// and watchRead how often the engine reads the logs for it.
const (
	watchTick = time.Second
	watchRead = watchTick / 2
)

// The least terminal the view draws in: a chart needs a few rows and the
// table's columns.
const (
	watchMinWidth  = 40
	watchMinHeight = 12
)

// smoothSteps are the windows the +/- keys move through.
var smoothSteps = []int{0, 2, 5, 10, 20, 50, 100, 200, 500, 1000}

// runColours are 256-colour indexes of the runs, in table order; a run
// past the end takes the colours again.
var runColours = []int{39, 208, 76, 170, 220, 45, 203, 141, 118, 214, 33, 199}

type tickMsg time.Time

// tui is the interactive view: the model's table and chart in a
// terminal, redrawn on a tick, a resize and a key.
type tui struct {
	model         *watch.Model
	view          watch.View
	now           func() time.Time
	width, height int
	paused        bool
	cursor        string   // the run the table's cursor is on
	only          string   // the run shown alone (o), hiding runs found later too
	runs          []string // the runs in the table's order, at the last redraw
	chartExtra    int      // the chart's lines besides its plot rows, last drawn
	frame         string   // what is shown; kept as is while paused
}

func (t *tui) Init() tea.Cmd { return tick() }

func tick() tea.Cmd {
	return tea.Tick(watchTick, func(at time.Time) tea.Msg { return tickMsg(at) })
}

func (t *tui) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		t.width, t.height = msg.Width, msg.Height
	case tickMsg:
		if t.paused {
			return t, tick()
		}
		t.redraw()
		return t, tick()
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q", "ctrl+c", "esc":
			return t, tea.Quit
		case "n", "right":
			t.nextMetric(1)
		case "p", "left":
			t.nextMetric(-1)
		case "down", "j":
			t.moveCursor(1)
		case "up", "k":
			t.moveCursor(-1)
		case "enter", "h":
			t.toggleRun()
		case "o":
			t.onlyRun()
		case "a":
			t.view.Hidden, t.only = nil, ""
		case "s":
			t.view.Sort, t.view.Reverse = (t.view.Sort+1)%watch.NumColumns, false
		case "S":
			t.view.Reverse = !t.view.Reverse
		case "x":
			t.view.X = (t.view.X + 1) % watch.NumXKeys
		case "+", "=":
			t.smooth(1)
		case "-", "_":
			t.smooth(-1)
		case "l":
			t.view.LogY = !t.view.LogY
		case "space", " ":
			t.paused = !t.paused
		default:
			return t, nil
		}
	default:
		return t, nil
	}
	t.redraw()
	return t, nil
}

func (t *tui) View() tea.View {
	v := tea.NewView(t.frame)
	v.AltScreen = true
	return v
}

// nextMetric moves the chart by d metrics, in the order of Metrics.
func (t *tui) nextMetric(d int) {
	all := t.model.Metrics()
	if len(all) == 0 {
		return
	}
	i := slices.Index(all, t.view.Metric)
	if i < 0 {
		i = 0 // the chart showed the first metric
		if t.view.Metric != "" {
			d = 0
		}
	}
	t.view.Metric = all[((i+d)%len(all)+len(all))%len(all)]
}

// moveCursor moves the table's cursor d runs down (up when d < 0), in
// the order last drawn.
func (t *tui) moveCursor(d int) {
	if len(t.runs) == 0 {
		return
	}
	i := max(slices.Index(t.runs, t.cursor), 0)
	if t.cursor != "" && slices.Contains(t.runs, t.cursor) {
		i += d
	}
	t.cursor = t.runs[max(0, min(i, len(t.runs)-1))]
}

// toggleRun shows or hides the run under the cursor on the chart.
func (t *tui) toggleRun() {
	if t.cursor == "" {
		return
	}
	t.only = "" // the runs are chosen one by one from here
	if t.view.Hidden[t.cursor] {
		delete(t.view.Hidden, t.cursor)
		return
	}
	if t.view.Hidden == nil {
		t.view.Hidden = map[string]bool{}
	}
	t.view.Hidden[t.cursor] = true
}

// onlyRun shows the run under the cursor alone; again, every run.
func (t *tui) onlyRun() {
	if t.cursor == "" {
		return
	}
	others := 0
	for _, r := range t.runs {
		if r != t.cursor && t.view.Hidden[r] {
			others++
		}
	}
	if others == len(t.runs)-1 && !t.view.Hidden[t.cursor] {
		t.view.Hidden, t.only = nil, ""
		return
	}
	t.only = t.cursor // runs found later stay hidden too
	t.view.Hidden = map[string]bool{}
	for _, r := range t.runs {
		if r != t.cursor {
			t.view.Hidden[r] = true
		}
	}
}

// smooth moves the smoothing window one step up (d > 0) or down.
func (t *tui) smooth(d int) {
	i, _ := slices.BinarySearch(smoothSteps, t.view.Smooth)
	if d > 0 && i < len(smoothSteps) && smoothSteps[i] == t.view.Smooth {
		i++
	}
	if d < 0 {
		i--
	}
	t.view.Smooth = smoothSteps[max(0, min(i, len(smoothSteps)-1))]
}

// helpKeys are the keys of the help line, wrapped to the terminal.
var helpKeys = []string{"↑↓ run", "enter show/hide", "o only", "a all", "s/S sort", "n/p metric",
	"x step/time/epoch", "+/- smooth", "l log y", "space pause", "q quit"}

// redraw renders the frame for the terminal's size.
func (t *tui) redraw() {
	if t.width == 0 {
		return // the size comes first
	}
	if t.width < watchMinWidth || t.height < watchMinHeight {
		t.tooSmall(fmt.Sprintf("terminal too small: %dx%d, watch needs %dx%d", t.width, t.height, watchMinWidth, watchMinHeight))
		return
	}
	keys := slices.Clone(helpKeys)
	if t.paused {
		keys = append([]string{"PAUSED"}, keys...)
		keys[len(keys)-2] = "space resume"
	}
	help := watch.WrapJoin(keys, "  ", t.width)
	now := t.now()
	v := t.view
	v.Width = t.width - 2 // the cursor's column
	if t.only != "" {
		for _, r := range t.model.RunNames() {
			if r != t.only && !t.view.Hidden[r] {
				t.view.Hidden[r] = true
			}
		}
		v.Hidden = t.view.Hidden
	}
	table := t.model.Table(now, v)
	t.runs = table.Runs
	if len(t.runs) > 0 && !slices.Contains(t.runs, t.cursor) {
		t.cursor = t.runs[0]
	}
	lines := t.tableLines(table, max(2, t.height/2))
	v.Width = t.width
	// The chart's lines beyond its plot rows (title, axis, ticks, legend)
	// are those of the last frame; drawn again only when they changed (a
	// legend wrapped anew), since drawing is most of a redraw's cost.
	avail := t.height - len(lines) - 1 - len(help) // blank line, help
	// The table already shows each run's mark and colour: with many runs
	// the legend takes at most half the rows left besides the title, the
	// axis and the least plot.
	v.LegendLines = max(1, (avail-3-4)/2)
	var chart []string
	for try := 0; try < 2; try++ {
		v.ChartRows = avail - t.chartExtra
		if v.ChartRows < 4 {
			v.ChartRows = 4
		}
		chart = t.model.ChartLines(v)
		extra := max(len(chart)-v.ChartRows, 0) // a message has no plot rows
		if extra == t.chartExtra {
			break
		}
		t.chartExtra = extra
	}
	if avail-t.chartExtra < 4 || len(chart) > avail {
		t.tooSmall(fmt.Sprintf("terminal too small: %dx%d for %d runs and a chart", t.width, t.height, len(t.runs)))
		return
	}
	lines = append(lines, "")
	lines = append(lines, chart...)
	// A message instead of a chart is shorter: the help line stays at
	// the bottom.
	for len(lines) < t.height-len(help) {
		lines = append(lines, "")
	}
	lines = append(lines, help...)
	t.frame = strings.Join(lines, "\n")
}

// tooSmall shows msg, wrapped to the terminal that is too small for the
// view: a line longer than it would be cut.
func (t *tui) tooSmall(msg string) {
	lines := watch.WrapJoin(strings.Fields(msg), " ", max(t.width, 1))
	t.frame = strings.Join(lines[:min(len(lines), max(t.height, 1))], "\n")
}

// tableLines are the table's header and at most most-1 of its runs,
// scrolled to show the cursor's, each behind the cursor's column.
func (t *tui) tableLines(table watch.Table, most int) []string {
	rows := table.Lines[1:]
	first, n := 0, len(rows)
	if n > most-1 {
		n = most - 2 // a line says which runs are shown
		at := max(slices.Index(table.Runs, t.cursor), 0)
		first = max(0, min(at-n/2, len(rows)-n))
	}
	lines := []string{"  " + table.Lines[0]}
	for i := first; i < first+n; i++ {
		mark := "  "
		if table.Runs[i] == t.cursor {
			mark = "> "
		}
		lines = append(lines, mark+rows[i])
	}
	if n < len(rows) {
		lines = append(lines, fmt.Sprintf("  runs %d-%d of %d (↑↓ to scroll)", first+1, first+n, len(rows)))
	}
	return lines
}

// runStyles are the runs' styles, made once: a redraw paints hundreds
// of stretches.
var runStyles = func() []lipgloss.Style {
	styles := make([]lipgloss.Style, len(runColours))
	for i, c := range runColours {
		styles[i] = lipgloss.NewStyle().Foreground(lipgloss.Color(strconv.Itoa(c)))
	}
	return styles
}()

// paintRuns colours a run's text with its colour.
func paintRuns(run int, s string) string {
	return runStyles[run%len(runStyles)].Render(s)
}

// heldLogLimit bounds the log lines held while the view is shown.
const heldLogLimit = 64 << 10

// heldLog keeps the first log lines written while the view is shown.
type heldLog struct {
	mu      sync.Mutex
	b       []byte
	dropped bool
}

func (h *heldLog) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.b)+len(p) > heldLogLimit {
		h.dropped = true
	} else {
		h.b = append(h.b, p...)
	}
	return len(p), nil
}

func (h *heldLog) bytes() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dropped {
		return append(slices.Clone(h.b), "watch: more log lines were left out\n"...)
	}
	return slices.Clone(h.b)
}

// runWatchTUI shows the view until q, Ctrl-C or ctx ends.
func runWatchTUI(ctx context.Context, model *watch.Model, view watch.View, in *os.File, out io.Writer) error {
	if os.Getenv("NO_COLOR") == "" {
		view.Paint = paintRuns
	}
	t := &tui{model: model, view: view, now: watchNow}
	// 20 frames a second at most: a key shows within 50 ms, and the
	// renderer wakes a third as often as at its default 60.
	p := tea.NewProgram(t, tea.WithInput(in), tea.WithOutput(out),
		tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithFPS(20))
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // SIGTERM: the terminal is restored all the same
	}
	return err
}
