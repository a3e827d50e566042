// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// The encoding/json baseline of scripts/compare.sh: what a few lines of
// "decode every line into a map" cost on the file BenchmarkCatchUp reads.

// stdlibSink keeps the sums alive so the decoding is not optimised away.
var stdlibSink float64

// sumJSONLines decodes each line of r into a map[string]any and sums its
// top-level numbers, as a naive exporter would before mapping them.
func sumJSONLines(r io.Reader) (records int, sum float64, err error) {
	sc := bufio.NewScanner(r)
	// Large buffer: a record is not split however long it is.
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return records, sum, fmt.Errorf("line %d: %w", records+1, err)
		}
		for _, v := range m {
			if f, ok := v.(float64); ok {
				sum += f
			}
		}
		records++
	}
	return records, sum, sc.Err()
}

func TestSumJSONLines(t *testing.T) {
	long := `{"step":1,"note":"` + strings.Repeat("x", 200<<10) + `","train/loss":2}` + "\n"
	tests := []struct {
		name    string
		in      string
		records int
		sum     float64
		wantErr bool
	}{
		{name: "numbers summed, others skipped", in: `{"step":3,"train/loss":1.5,"_type":"metric","ok":true,"m":{"a":9}}` + "\n", records: 1, sum: 4.5},
		{name: "last line without newline", in: "{\"step\":1}\n{\"step\":2}", records: 2, sum: 3},
		{name: "line longer than the default scanner limit", in: long, records: 1, sum: 3},
		{name: "invalid JSON is an error", in: "{\"step\":1}\n{\"step\":\n", records: 1, sum: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			records, sum, err := sumJSONLines(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if records != tt.records || sum != tt.sum {
				t.Errorf("got %d records sum %g, want %d records sum %g", records, sum, tt.records, tt.sum)
			}
		})
	}
}

// BenchmarkStdlibJSONMap reads the same file as BenchmarkCatchUp
// (JSONL_EXPORTER_BENCH_FILE or a generated one) with encoding/json into a
// map per line: the baseline the issue compares the exporter with.
func BenchmarkStdlibJSONMap(b *testing.B) {
	path, size, records := benchFile(b)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		n, sum, err := sumJSONLines(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if n != records {
			b.Fatalf("decoded %d records, the file has %d", n, records)
		}
		stdlibSink += sum
	}
	b.ReportMetric(float64(b.N*records)/b.Elapsed().Seconds(), "records/s")
}
