// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package plot

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/curves"
)

var update = flag.Bool("update", false, "rewrite testdata/*.svg from the renderer")

// legendBox is the legend's frame in an SVG: a rectangle stroked in
// light gray (over the same rectangle filled white).
var legendBox = regexp.MustCompile(`<path d="M[0-9.]+,[0-9.]+L[0-9.]+,[0-9.]+L[0-9.]+,[0-9.]+L[0-9.]+,[0-9.]+Z" style="fill:none;stroke:#CCCCCC;stroke-width:0.8"`)

// A golden figure per case of issue 27's "Plot quality", each drawn as
// an SVG in testdata (go test ./internal/plot -run TestGolden -update
// rewrites them; look at them before committing). Each also says what
// must be in it: tick labels, a legend box, markers.
func TestGolden(t *testing.T) {
	lrA := ramp(200, func(i int) float64 { return 3e-4 * (1 - float64(i)/250) })
	lrB := ramp(200, func(i int) float64 { return 1e-4 * (1 - float64(i)/250) })
	resumed := ramp(300, func(i int) float64 { return 3 - float64(i)/200 })
	resumed = append(resumed, ramp(300, func(i int) float64 { return 2.4 - float64(i)/400 })[200:]...)
	for _, tc := range []struct {
		name    string
		fig     func(t *testing.T) Figure
		labels  []string // tick labels, in order (x then y)
		markers int      // filled circle markers, with those in the legend
		legend  bool
	}{
		{
			name: "lr-linear-exponents",
			fig: func(t *testing.T) Figure {
				o := options(curves.Step)
				o.Format, o.Width, o.Height = "svg", 600, 360
				return Build(collect(t, "ml_train_lr", map[string][][2]float64{"a": lrA, "b": lrB}),
					[]curves.Selection{{Label: "train.lr", Series: "ml_train_lr"}}, o, func(string, ...any) {}).Figure
			},
			labels: []string{"0", "50", "100", "150", "200", "5e-5", "1e-4", "1.5e-4", "2e-4", "2.5e-4", "3e-4"},
			legend: true,
		},
		{
			name: "lr-decades-apart-log",
			fig: func(t *testing.T) Figure {
				o := options(curves.Step)
				o.Format, o.Width, o.Height = "svg", 600, 360
				lrC := ramp(200, func(i int) float64 { return 0.1 * (1 - float64(i)/250) })
				return Build(collect(t, "ml_train_lr", map[string][][2]float64{"a": lrA, "c": lrC}),
					[]curves.Selection{{Label: "train.lr", Series: "ml_train_lr"}}, o, func(string, ...any) {}).Figure
			},
			labels: []string{"0", "50", "100", "150", "200", "1e-4", "1e-3", "1e-2", "1e-1"},
			legend: true,
		},
		{
			name: "loss-logy-readable",
			fig: func(*testing.T) Figure {
				x, y := []float64{}, []float64{}
				for i := range 100 {
					x, y = append(x, float64(i)), append(y, 0.25+2.65*math.Exp(-float64(i)/15))
				}
				return Figure{Width: 600, Height: 360, Format: "svg", XLabel: "step", LogY: true, Panels: []Panel{{Title: "train.loss", Lines: []Line{{Label: "a", X: x, Raw: y}}}}}
			},
			labels: []string{"0", "20", "40", "60", "80", "100", "0.3", "0.5", "1", "2", "3"},
			legend: true,
		},
		{
			// detectron2's bbox/AP: a few points spread over the panel,
			// in every corner; the legend may not sit on one.
			name: "sparse-ap-legend",
			fig: func(*testing.T) Figure {
				return Figure{Width: 600, Height: 360, Format: "svg", XLabel: "iteration", Panels: []Panel{{Title: "bbox/AP", Lines: []Line{
					{Label: "retinanet", X: []float64{0, 5000, 10000, 15000, 20000}, Raw: []float64{38, 12, 25, 31, 38.5}, Markers: true},
					{Label: "faster-rcnn", Color: 1, X: []float64{0, 5000, 10000, 15000, 20000}, Raw: []float64{10, 20, 30, 35, 11}, Markers: true},
				}}}}
			},
			labels:  []string{"0", "5000", "10000", "15000", "20000", "10", "15", "20", "25", "30", "35"},
			markers: 5 + 1,
			legend:  true,
		},
		{
			name: "single-markers",
			fig: func(t *testing.T) Figure {
				o := options(curves.GlobalStep)
				o.Single, o.Format, o.Width, o.Height = true, "svg", 600, 360
				return Build(runs(t, curves.GlobalStep, 2), selection, o, func(string, ...any) {}).Figure
			},
			labels: []string{"0", "10", "20", "30", "40", "50", "60", "20", "40", "60", "80", "100"},
			legend: true,
		},
		{
			name: "resumed-run",
			fig: func(t *testing.T) Figure {
				o := options(curves.Step)
				o.Format, o.Width, o.Height = "svg", 600, 360
				return Build(collect(t, "ml_train_loss", map[string][][2]float64{"a": resumed}), selection[:1], o, func(string, ...any) {}).Figure
			},
			labels: []string{"0", "50", "100", "150", "200", "250", "300", "1.8", "2.0", "2.2", "2.4", "2.6", "2.8", "3.0"},
			legend: true,
		},
		{
			name: "validation-not-smoothed",
			fig: func(t *testing.T) Figure {
				o := options(curves.Step)
				o.Format, o.Width, o.Height = "svg", 600, 360
				o.Prepare.Smooth = 50
				val := ramp(20, func(i int) float64 { return 2.1 + 4*math.Exp(-float64(i)/3) })
				for i := range val {
					val[i][0] *= 100
				}
				return Build(collect(t, "ml_val_loss", map[string][][2]float64{"a": val}), selection[1:], o, func(string, ...any) {}).Figure
			},
			labels:  []string{"0", "250", "500", "750", "1000", "1250", "1500", "1750", "2", "3", "4", "5", "6"},
			markers: 20 + 1,
			legend:  true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, tc.fig(t)); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", tc.name+".svg")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./internal/plot -run TestGolden -update writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from what is drawn: look at it after go test ./internal/plot -run TestGolden -update", path)
			}
			texts, _, markers := parseSVG(got)
			var labels []string
			for _, s := range texts {
				if _, err := strconv.ParseFloat(s, 64); err == nil {
					labels = append(labels, s)
				}
			}
			if !slices.Equal(labels, tc.labels) {
				t.Errorf("tick labels %q, want %q", labels, tc.labels)
			}
			if tc.markers > 0 && len(markers) < tc.markers {
				t.Errorf("%d circle markers, want %d", len(markers), tc.markers)
			}
			if box := legendBox.FindSubmatch(got); tc.legend != (box != nil) {
				t.Errorf("legend box drawn: %v, want %v", box != nil, tc.legend)
			}
			if strings.Contains(string(got), "e+") || strings.Contains(string(got), ">0.0<") {
				t.Errorf("a label in gonum's or printf's exponent form, or a zero as 0.0: %v", labels)
			}
		})
	}
}
