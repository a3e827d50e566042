// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package openmetrics writes every sample the store makes of a record,
// at the record's time, as OpenMetrics text: the input of
// `promtool tsdb create-blocks-from openmetrics`, for stores that take
// blocks rather than remote write.
package openmetrics

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// Writer is an engine Delivery that writes samples to w. Samples of one
// series come in the order of their run's records, as promtool needs.
type Writer struct {
	mu      sync.Mutex
	w       *bufio.Writer
	err     error
	samples int64
	series  map[seriesKey]string // the text before the value, per series
}

type seriesKey struct {
	name   string
	labels *store.Label
	n      int
}

// New writes to w; Close ends the text.
func New(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 1<<20), series: map[seriesKey]string{}}
}

// Append writes the samples of one record (a store.Subscriber).
func (o *Writer) Append(b *store.Batch) {
	ts := strconv.FormatFloat(math.Round(b.Time*1000)/1000, 'f', -1, 64)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return
	}
	for _, s := range b.Samples {
		key := seriesKey{s.Name, nil, len(s.Labels)}
		if len(s.Labels) > 0 {
			key.labels = &s.Labels[0]
		}
		prefix, ok := o.series[key]
		if !ok {
			prefix = seriesText(s)
			o.series[key] = prefix
		}
		o.w.WriteString(prefix)
		o.w.WriteString(formatValue(s.Value))
		o.w.WriteByte(' ')
		o.w.WriteString(ts)
		if _, err := o.w.WriteString("\n"); err != nil {
			o.err = err
			return
		}
		o.samples++
	}
}

// Samples is how many samples were written so far.
func (o *Writer) Samples() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.samples
}

// DeliveredTo is 0: a file of samples is written whole each time.
func (o *Writer) DeliveredTo(string) (offset, timeMs int64) { return 0, 0 }

// Wait never waits: writing a file keeps up with reading.
func (o *Writer) Wait(<-chan struct{}) {}

// Close ends the text with "# EOF" and flushes it. It returns the first
// write error, and how many samples were written.
func (o *Writer) Close() (int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err == nil {
		o.w.WriteString("# EOF\n")
		o.err = o.w.Flush()
	}
	return o.samples, o.err
}

// seriesText is `name{label="value",...} `.
func seriesText(s store.Sample) string {
	var b strings.Builder
	b.WriteString(s.Name)
	if len(s.Labels) > 0 {
		b.WriteByte('{')
		for i, l := range s.Labels {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(l.Name)
			b.WriteString(`="`)
			b.WriteString(escape(l.Value))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	return b.String()
}

var escaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escape(v string) string { return escaper.Replace(v) }

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
