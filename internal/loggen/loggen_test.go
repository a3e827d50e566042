// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package loggen

import (
	"bufio"
	"bytes"
	"encoding/json"
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
