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

// watchTick is how often the view redraws to show what the engine read.
const watchTick = time.Second

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
	frame         string // what is shown; kept as is while paused
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

// redraw renders the frame for the terminal's size.
func (t *tui) redraw() {
	if t.width == 0 {
		return // the size comes first
	}
	help := "n/p metric  +/- smoothing  l log y  space " + map[bool]string{false: "pause", true: "resume"}[t.paused] + "  q quit"
	if t.paused {
		help = "PAUSED  " + help
	}
	if t.width < watchMinWidth || t.height < watchMinHeight {
		t.frame = fmt.Sprintf("terminal too small: %dx%d, watch needs %dx%d", t.width, t.height, watchMinWidth, watchMinHeight)
		return
	}
	now := t.now()
	table := t.model.Table(now, t.width, t.view.Paint)
	// The table gives way to the chart when there are many runs.
	if most := t.height / 2; len(table) > most {
		more := len(table) - most + 1
		table = append(table[:most-1:most-1], fmt.Sprintf("… %d more runs", more))
	}
	v := t.view
	v.Width = t.width
	// The chart's lines beyond its plot rows (title, axis, ticks, legend)
	// are measured by drawing once.
	avail := t.height - len(table) - 2 // blank line, help line
	v.ChartRows = 4
	extra := len(t.model.ChartLines(v)) - v.ChartRows
	v.ChartRows = avail - extra
	if v.ChartRows < 4 {
		t.frame = fmt.Sprintf("terminal too small: %dx%d for %d runs and a chart", t.width, t.height, len(table)-1)
		return
	}
	lines := append(table, "")
	lines = append(lines, t.model.ChartLines(v)...)
	lines = append(lines, help)
	t.frame = strings.Join(lines, "\n")
}

// paintRuns colours a run's text with its colour.
func paintRuns(run int, s string) string {
	c := lipgloss.Color(strconv.Itoa(runColours[run%len(runColours)]))
	return lipgloss.NewStyle().Foreground(c).Render(s)
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
	p := tea.NewProgram(t, tea.WithInput(in), tea.WithOutput(out),
		tea.WithContext(ctx), tea.WithoutSignalHandler())
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // SIGTERM: the terminal is restored all the same
	}
	return err
}
