// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import (
	"slices"
	"testing"
)

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lo, hi float64
		n      int
		log    bool
		short  bool
		want   []string
	}{
		{"loss", 1.83, 2.61, 5, false, false, []string{"2.0", "2.2", "2.4", "2.6"}},
		{"steps", 0, 98000, 6, false, true, []string{"0", "20k", "40k", "60k", "80k"}},
		{"small steps", 0, 190, 5, false, true, []string{"0", "50", "100", "150"}},
		{"lr", 0, 3e-4, 4, false, false, []string{"0", "1e-4", "2e-4", "3e-4"}},
		{"log decades", 0.002, 30, 5, true, false, []string{"0.01", "0.1", "1", "10"}},
		{"log within a decade", 2, 9, 4, true, false, []string{"2", "5"}},
		{"log loss", 0.42, 3.1, 5, true, false, []string{"0.5", "1", "2"}},
		{"lr decades", 1e-6, 1e-3, 5, true, false, []string{"1e-6", "1e-5", "1e-4", "1e-3"}},
		{"flat", 3, 3, 4, false, false, []string{"3"}},
		// Two ticks at most: none of 1, 2 or 5 gives two; one alone would
		// leave the axis without a scale, so three.
		{"few rows", 0.5, 3, 2, false, false, []string{"1", "2", "3"}},
		{"few rows around 0", -1, 1.9, 2, false, false, []string{"-1", "0", "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v []float64
			if tc.log {
				v = logTicks(tc.lo, tc.hi, tc.n)
			} else {
				v = linearTicks(tc.lo, tc.hi, tc.n)
			}
			if got := formatTicksLog(v, tc.short, tc.log); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
