// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package curves

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
)

// TestPandasSmoothing holds the options to what pandas and numpy compute
// for the same inputs (testdata/pandas.json, written by
// scripts/pandas-smoothing.py), the definitions users of the Python
// plotting script know.
func TestPandasSmoothing(t *testing.T) {
	raw, err := os.ReadFile("testdata/pandas.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Pandas string
		Inputs map[string][]float64
		Cases  []struct {
			Input string
			N     int
			P     float64
			Mode  string
			Want  []float64
		}
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) < 100 {
		t.Fatalf("%d cases: the file is cut short", len(golden.Cases))
	}
	for _, c := range golden.Cases {
		in := golden.Inputs[c.Input]
		t.Run(fmt.Sprintf("%s/%s/%d/%g", c.Input, c.Mode, c.N, c.P), func(t *testing.T) {
			var got []float64
			switch c.Mode {
			case "downsample":
				cv := &Curve{}
				for i, y := range in {
					cv.add(Point{X: float64(i), Y: y})
				}
				got = Prepare(cv, false, Options{Downsample: c.N}).Raw
			case "percentile":
				got = []float64{Percentile(slices.Sorted(slices.Values(in)), c.P)}
			default:
				mode, ok := ParseMode(c.Mode)
				if !ok {
					t.Fatalf("mode %q", c.Mode)
				}
				got = Smooth(in, c.N, mode)
			}
			if len(got) != len(c.Want) {
				t.Fatalf("%d values, pandas %s has %d", len(got), golden.Pandas, len(c.Want))
			}
			for i := range got {
				if math.Abs(got[i]-c.Want[i]) > 1e-9*max(1, math.Abs(c.Want[i])) {
					t.Errorf("value %d: %v, pandas %s: %v", i, got[i], golden.Pandas, c.Want[i])
				}
			}
		})
	}
}
