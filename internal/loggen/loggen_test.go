// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package loggen

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestWriteRealisticRecords(t *testing.T) {
	var buf bytes.Buffer
	opts := Defaults()
	opts.Records = 3000
	n, err := Write(&buf, opts)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("Write: %d, %v (buffer %d)", n, err, buf.Len())
	}
	sc := bufio.NewScanner(&buf)
	lines, val, resets := 0, 0, 0
	prevStep := -1.0
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v", lines+1, err)
		}
		lines++
		if _, ok := rec["val/loss"]; ok {
			val++
		}
		step := rec["step"].(float64)
		if step < prevStep {
			resets++
		}
		prevStep = step
	}
	if lines != 3000 || val != 5 || resets != 2 {
		t.Errorf("lines %d, validation records %d, epoch resets %d; want 3000, 5, 2", lines, val, resets)
	}
	if avg := n / 3000; avg < 150 || avg > 250 {
		t.Errorf("average record %d bytes, want 150 to 250", avg)
	}
	var again bytes.Buffer
	if _, err := Write(&again, opts); err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	_, _ = Write(&first, opts)
	if !bytes.Equal(first.Bytes(), again.Bytes()) {
		t.Error("same options must give the same log")
	}
}

// TestPythonFloat32 compares with what Python 3 prints for
// json.dumps(float(numpy.float32(v))).
func TestPythonFloat32(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0.1, "0.10000000149011612"},
		{3e-4, "0.0003000000142492354"},
		{1e-5, "9.999999747378752e-06"},
		{1e-4, "9.999999747378752e-05"},
		{5000, "5000.0"},
		{0, "0.0"},
		{-0.5, "-0.5"},
		{2.0405521, "2.0405521392822266"},
		{123456789, "123456792.0"},
		{9.99e15, "9990000514957312.0"},
		{1e16, "1.0000000272564224e+16"},
		{3.4e38, "3.3999999521443642e+38"},
	} {
		if got := pythonFloat32(tc.v); got != tc.want {
			t.Errorf("pythonFloat32(%g) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestPythonFloatsOption(t *testing.T) {
	opts := Defaults()
	opts.Records, opts.PythonFloats = 100, true
	var buf bytes.Buffer
	if _, err := Write(&buf, opts); err != nil {
		t.Fatal(err)
	}
	long := 0
	for line := range bytes.Lines(buf.Bytes()) {
		var rec map[string]any
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&rec); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if s, ok := rec["train/loss"].(json.Number); ok && len(s) >= 17 {
			long++
		}
	}
	if long < 50 {
		t.Errorf("%d of 100 losses have 16 or more digits; Python prints most float32 values so", long)
	}
}

// TestWriteCSV: the CSV log holds the JSON log's records, one row each,
// the header first.
func TestWriteCSV(t *testing.T) {
	opts := Defaults()
	opts.Records = 1200
	var js, cs bytes.Buffer
	if _, err := Write(&js, opts); err != nil {
		t.Fatal(err)
	}
	opts.CSV = true
	n, err := Write(&cs, opts)
	if err != nil || n != int64(cs.Len()) {
		t.Fatalf("Write: %d, %v (buffer %d)", n, err, cs.Len())
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1201 || strings.Join(rows[0], ",") != "time,epoch,step,train/loss,train/lr,train/grad_norm,train/throughput,train/avg_loss,train/tokens_per_sec,val/loss,val/accuracy" {
		t.Fatalf("%d rows, header %q", len(rows), rows[0])
	}
	sc := bufio.NewScanner(&js)
	for i := 1; sc.Scan(); i++ {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		for k, name := range rows[0] {
			want := ""
			if v, ok := rec[name]; ok {
				want = strconv.FormatFloat(v.(float64), 'g', -1, 64)
			}
			got := rows[i][k]
			if got != "" {
				f, _ := strconv.ParseFloat(got, 64)
				got = strconv.FormatFloat(f, 'g', -1, 64)
			}
			if got != want {
				t.Fatalf("row %d, %s: %q, the JSON record has %q", i, name, got, want)
			}
		}
	}
}
