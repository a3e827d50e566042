// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package curves

// Points returns a curve's points in one slice, for tests to look at.
func (c *Curve) Points() []Point {
	var out []Point
	for _, ch := range c.chunks {
		out = append(out, ch...)
	}
	return out
}
