// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/loggen"
)

// Typical lines of 150-250 bytes, the shape the exporter reads most.
var benchLines = []struct{ name, line string }{
	{"flat", `{"_type":"metric","time":1764115201.5,"epoch":3,"step":12850,"train/loss":2.3154,"train/avg_loss":2.5012,"train/lr":0.00029871,"train/grad_norm":1.7342,"train/throughput":5120.5,"gpu/mem_gb":31.25}`},
	{"nested", `{"step":12850,"epoch":3,"prefix":"train","metrics":{"loss":2.2,"lr":0.0001,"throughput":5120.5,"grad_norm":1.7},"val":{"loss":2.4,"mlm_acc":0.41,"ppl":11.02}}`},
	{"detectron2", `{"data_time":0.0035,"eta_seconds":6523.3,"fast_rcnn/cls_accuracy":0.912,"iteration":19,"loss_box_reg":0.112,"loss_cls":0.451,"lr":0.000399,"time":0.356,"total_loss":1.378}`},
}

func BenchmarkParse(b *testing.B) {
	for _, bl := range benchLines {
		b.Run(bl.name, func(b *testing.B) {
			line := []byte(bl.line)
			p := NewParser(Options{})
			var r Record
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Parse(line, &r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	lines := []string{benchLines[0].line, benchLines[1].line, benchLines[2].line,
		`{"_type":"meta","run_name":"r","host":"gpu-node-7","user":"alice","world_size":8}`,
		`{"timestamp":"2025-11-26T00:00:00+02:00","step":3,"metric":"loss","value":1.1}`,
		`{"mode":"train","epoch":1,"iter":50,"lr":0.02,"loss":1.2,"x":NaN,"y":12345678901234567890123}`,
	}
	p := NewParser(Options{TypeKeys: []string{"_type", "mode"}})
	var r Record
	for _, line := range lines {
		t.Run(line[:20], func(t *testing.T) {
			b := []byte(line)
			allocs := testing.AllocsPerRun(100, func() {
				if err := p.Parse(b, &r); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("Parse allocates %v times per line, want 0", allocs)
			}
		})
	}
}

// generatedLines returns 1000 lines as jsonl-loggen writes them, without
// their "\n": the mix the exporter reads when it catches up on a log.
// pythonFloats gives values of up to 17 digits (jsonl-loggen -python-floats).
func generatedLines(tb testing.TB, pythonFloats bool) [][]byte {
	tb.Helper()
	opts := loggen.Defaults()
	opts.Records = 1000
	opts.PythonFloats = pythonFloats
	var buf bytes.Buffer
	if _, err := loggen.Write(&buf, opts); err != nil {
		tb.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
}

// BenchmarkParseGenerated parses 1000 generated lines per iteration;
// records/s counts lines.
func BenchmarkParseGenerated(b *testing.B) { benchmarkParseLines(b, generatedLines(b, false)) }

// BenchmarkParseGeneratedPython: the same lines with values as Python's
// json.dumps prints float32 losses turned into floats (2.0405521392822266).
func BenchmarkParseGeneratedPython(b *testing.B) { benchmarkParseLines(b, generatedLines(b, true)) }

func benchmarkParseLines(b *testing.B, lines [][]byte) {
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	p := NewParser(Options{})
	var r Record
	for _, l := range lines { // grow the buffers outside the measurement
		if err := p.Parse(l, &r); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			if err := p.Parse(l, &r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(lines))/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkStdlibValid calibrates the numbers above on a noisy machine:
// encoding/json only checking the syntax of the same lines.
func BenchmarkStdlibValid(b *testing.B) {
	for _, bl := range benchLines {
		b.Run(bl.name, func(b *testing.B) {
			line := []byte(bl.line)
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if !json.Valid(line) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
