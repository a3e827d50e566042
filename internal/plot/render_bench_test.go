// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package plot

import (
	"io"
	"testing"
)

// BenchmarkRender draws four panels of three noisy 20,000-point runs to
// a PNG of 1200x780: the drawing part of a plot (ticks, legend
// placement, thinning, stroking), without reading.
func BenchmarkRender(b *testing.B) {
	var panels []Panel
	for p := range 4 {
		var lines []Line
		for r := range 3 {
			x, y := noisy(20000, uint64(10*p+r))
			lines = append(lines, Line{Label: "run", Color: r, X: x, Raw: y, Smoothed: y})
		}
		panels = append(panels, Panel{Title: "train.loss", Lines: lines})
	}
	f := Figure{Width: 1200, Height: 780, Format: "png", XLabel: "step", Panels: panels}
	for b.Loop() {
		if err := Render(io.Discard, f); err != nil {
			b.Fatal(err)
		}
	}
}
