// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/loggen"
)

// generatedCSV returns the header and 1000 rows of the log
// generatedLines gives, written as CSV (jsonl-loggen -csv). As the
// tailer hands lines over, each row is a slice of one buffer that goes
// on past it.
func generatedCSV(tb testing.TB, pythonFloats bool) (header []byte, rows [][]byte) {
	tb.Helper()
	opts := loggen.Defaults()
	opts.Records, opts.PythonFloats, opts.CSV = 1000, pythonFloats, true
	var buf bytes.Buffer
	if _, err := loggen.Write(&buf, opts); err != nil {
		tb.Fatal(err)
	}
	data := buf.Bytes()
	var lines [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		lines = append(lines, data[:i])
		data = data[i+1:]
	}
	return lines[0], lines[1:]
}

// BenchmarkParseCSV reads the rows of BenchmarkParseGenerated's records
// written as CSV; MB/s compares with it per byte.
func BenchmarkParseCSV(b *testing.B) { benchmarkParseCSV(b, false) }

// BenchmarkParseCSVPython: the same with Python's 17-digit floats.
func BenchmarkParseCSVPython(b *testing.B) { benchmarkParseCSV(b, true) }

func benchmarkParseCSV(b *testing.B, pythonFloats bool) {
	header, rows := generatedCSV(b, pythonFloats)
	size := 0
	for _, l := range rows {
		size += len(l) + 1
	}
	c := NewCSV(Options{})
	var r Record
	if err := c.Parse(header, &r); err != ErrHeader {
		b.Fatal(err)
	}
	for _, l := range rows { // the shapes, outside the measurement
		if err := c.Parse(l, &r); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range rows {
			if err := c.Parse(l, &r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(rows))/b.Elapsed().Seconds(), "records/s")
}

func TestCSVDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	header, rows := generatedCSV(t, true)
	for _, opts := range []Options{{}, {Explain: true}} {
		c := NewCSV(opts)
		var r Record
		lines := append([][]byte{header}, rows...)
		lines = append(lines, []byte(`   1764115200.5 ,  1,"2",nan,inf,-inf,True,+1.5,x,,`))
		for _, l := range lines {
			_ = c.Parse(l, &r)
		}
		allocs := testing.AllocsPerRun(20, func() {
			for _, l := range lines[1:] {
				if err := c.Parse(l, &r); err != nil {
					t.Fatal(err)
				}
			}
		})
		if allocs != 0 {
			t.Errorf("Explain %v: %v allocations per %d rows, want 0", opts.Explain, allocs, len(lines)-1)
		}
	}
}
