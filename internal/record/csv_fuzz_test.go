// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// fuzzHeader is the header FuzzCSV reads its rows under.
const fuzzHeader = "epoch,a,b/c,time"

// FuzzCSV reads one row under a fixed header. A row never panics or
// fails with anything but an *Error; a reader that read other rows gives
// the same record; the bytes after the row in its buffer change nothing;
// and a row that encoding/csv reads into four cells gives each cell's
// number as strconv.ParseFloat reads it (with Python's tokens).
func FuzzCSV(f *testing.F) {
	for _, seed := range []string{
		"1,2.5,3,1764115200.25", "1,,,", " 1 , 2 ,\"3\",x", `1,"a,b","c""d",`, "1,nan,-Infinity,True",
		"1,2,3", "1,2,3,4,5", `1,"2`, "epoch,a,b/c,time", "1,3.8172967433929443,0.0003000000142492354,4838.595703125",
		"-1,-0.5,+.5,5.", "1,1e400,-1e-400,0x10", "1,\t2\t,3,4", "\xEF\xBB\xBF1,2,3,4", "1,2,3,4\r",
	} {
		f.Add([]byte(seed))
	}
	reused := NewCSV(Options{Explain: true})
	var r Record
	_ = reused.Parse([]byte(fuzzHeader), &r)
	f.Fuzz(func(t *testing.T, line []byte) {
		input := bytes.Clone(line)
		fresh := NewCSV(Options{Explain: true})
		_ = fresh.Parse([]byte(fuzzHeader), &r)
		var got Record
		err := fresh.Parse(line, &got)
		if !bytes.Equal(line, input) {
			t.Fatal("Parse modified its input")
		}
		var e *Error
		if err != nil && !NoRecord(err) && !errors.As(err, &e) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		// A row leaves the header as it was; a header names what it reads.
		if h := fresh.Header(); err != ErrHeader && h != (CSVHeader{Read: true, Step: true, Time: true}) || err == ErrHeader && !h.Read {
			t.Fatalf("after %v: header %+v", err, h)
		}
		want := csvOutcome(NewCSVWithHeader(t, fuzzHeader), string(line))
		if g := csvOutcome(reused, string(line)); g != want {
			t.Fatalf("reused reader: %s\nfresh reader: %s", g, want)
		} else if g == "header" {
			_ = reused.Parse([]byte(fuzzHeader), &r) // a row that was a header: back to the fuzz header
		}
		// The same row in a buffer that goes on with digits.
		long := append(bytes.Clone(line), "9999999999999999999999999999999999"...)
		if g := csvOutcomeOf(NewCSVWithHeader(t, fuzzHeader), long[:len(line)]); g != want {
			t.Fatalf("with digits after the row: %s\nalone: %s", g, want)
		}
		if err != nil {
			return
		}
		for _, m := range got.Metrics {
			if bytes.IndexByte(m.Name, '/') >= 0 {
				t.Fatalf("bad metric name %q", m.Name)
			}
		}
		checkCSVAgainstStdlib(t, line, &got)
	})
}

// NewCSVWithHeader returns a CSV reader that read header.
func NewCSVWithHeader(t *testing.T, header string) *CSV {
	c := NewCSV(Options{Explain: true})
	var r Record
	if err := c.Parse([]byte(header), &r); err != ErrHeader {
		t.Fatalf("header %q: %v", header, err)
	}
	return c
}

// checkCSVAgainstStdlib compares the values of a row with what
// encoding/csv and strconv make of it, when they read it as four cells
// of plain ASCII.
func checkCSVAgainstStdlib(t *testing.T, line []byte, got *Record) {
	for _, ch := range line {
		if ch < ' ' && ch != '\t' || ch >= 0x7F {
			return
		}
	}
	cr := csv.NewReader(bytes.NewReader(line))
	cr.FieldsPerRecord = 4
	cells, err := cr.Read()
	if err != nil {
		return
	}
	names := []string{"epoch", "a", "b.c", "time"}
	values := map[string]float64{}
	for _, m := range got.Metrics {
		values[string(m.Name)] = m.Value
	}
	for k, cell := range cells {
		want, ok := stdlibCell(strings.Trim(cell, " \t"))
		var have float64
		var has bool
		switch names[k] {
		case "epoch":
			have, has = got.Epoch, got.HasEpoch
			ok = ok && !math.IsNaN(want) && !math.IsInf(want, 0) && !isBool(cell)
		case "time":
			if got.HasTime {
				continue // a wall-clock time: not a metric
			}
			have, has = values["time"]
			if _, isTime := parseRFC3339([]byte(strings.Trim(cell, " \t"))); isTime {
				ok = false
			}
		default:
			have, has = values[names[k]]
		}
		if has != ok || ok && math.Float64bits(have) != math.Float64bits(want) && !(math.IsNaN(have) && math.IsNaN(want)) {
			t.Fatalf("cell %d %q: got %v (%v), strconv gives %v (%v)", k, cell, have, has, want, ok)
		}
	}
}

func isBool(cell string) bool {
	c := strings.ToLower(strings.Trim(cell, " \t"))
	return c == "true" || c == "false"
}

// stdlibCell reads a cell as strconv does, with True and False, but no
// hexadecimal, underscores or "+nan".
func stdlibCell(s string) (float64, bool) {
	switch strings.ToLower(s) {
	case "true":
		return 1, true
	case "false":
		return 0, true
	case "", "+nan", "-nan":
		return 0, false
	}
	if strings.ContainsAny(s, "xX_pP") || strings.HasPrefix(s, "+-") || strings.HasPrefix(s, "++") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}
