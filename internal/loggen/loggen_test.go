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
