// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package curves

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
)

// A Plotted curve is a prepared curve with its run and metric.
type Plotted struct {
	Run, Metric string
	Prepared
}

// WriteCSV writes the plotted points as a tidy table: run, metric, x,
// raw, smoothed (empty when smoothing is off), one row per point.
func WriteCSV(w io.Writer, curves []Plotted) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"run", "metric", "x", "raw", "smoothed"}); err != nil {
		return err
	}
	row := make([]string, 5)
	for _, c := range curves {
		row[0], row[1] = c.Run, c.Metric
		for i := range c.X {
			row[2] = strconv.FormatFloat(c.X[i], 'g', -1, 64)
			row[3] = strconv.FormatFloat(c.Raw[i], 'g', -1, 64)
			row[4] = ""
			if c.Smoothed != nil {
				row[4] = strconv.FormatFloat(c.Smoothed[i], 'g', -1, 64)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
