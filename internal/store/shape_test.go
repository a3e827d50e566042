// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// TestShapeCache: a record whose Shape the cache knows skips the name
// comparisons, and every value still lands in its own series, also after
// shapes change and when a series was refused.
func TestShapeCache(t *testing.T) {
	s := New(Options{Namespace: "ml", MaxSeries: 4}) // room for 4 series of metrics
	r := s.RunState("r", nil)
	var cache ShapeCache
	for _, step := range []struct {
		name      string
		shape     uint64 // of the record
		names     string
		values    []float64
		want      map[string]float64
		wantShape uint64 // the cache vouches for afterwards
	}{
		{"first record of shape 7", 7, "a,b", []float64{1, 2}, map[string]float64{"ml_a": 1, "ml_b": 2}, 7},
		{"second record of shape 7", 7, "a,b", []float64{3, 4}, map[string]float64{"ml_a": 3, "ml_b": 4}, 7},
		{"shape 8, the same names the other way round", 8, "b,a", []float64{5, 6}, map[string]float64{"ml_a": 6, "ml_b": 5}, 8},
		{"second record of shape 8", 8, "b,a", []float64{7, 8}, map[string]float64{"ml_a": 8, "ml_b": 7}, 8},
		{"a record of no shape", 0, "a,b", []float64{9, 10}, map[string]float64{"ml_a": 9, "ml_b": 10}, 0},
		{"shape 8 after a record of no shape", 8, "b,a", []float64{11, 12}, map[string]float64{"ml_a": 12, "ml_b": 11}, 8},
		{"shape 6 fills the 4 series", 6, "a,b,c,d", []float64{13, 14, 15, 16}, map[string]float64{"ml_a": 13, "ml_b": 14, "ml_c": 15, "ml_d": 16}, 6},
		// e is refused: the cache, still holding d at e's position, must
		// not vouch for shape 9.
		{"shape 9 with a refused series", 9, "a,b,d,e", []float64{17, 18, 19, 20}, map[string]float64{"ml_a": 17, "ml_b": 18, "ml_c": 15, "ml_d": 19}, 0},
		{"shape 9 again", 9, "a,b,d,e", []float64{21, 22, 23, 24}, map[string]float64{"ml_a": 21, "ml_b": 22, "ml_c": 15, "ml_d": 23}, 0},
	} {
		rec := record.Record{Kind: record.KindMetric, Shape: step.shape}
		for i, name := range strings.Split(step.names, ",") {
			rec.Metrics = append(rec.Metrics, record.Metric{Name: []byte(name), Value: step.values[i]})
		}
		if !r.Apply(&rec, time.Now(), &cache) {
			t.Fatal("run gone")
		}
		got := gaugeValues(t, s)
		for name, v := range step.want {
			if got[name] != v {
				t.Errorf("%s: %s = %v, want %v (all: %v)", step.name, name, got[name], v, got)
			}
		}
		if cache.shape != step.wantShape {
			t.Errorf("%s: cache holds shape %d, want %d", step.name, cache.shape, step.wantShape)
		}
	}
}

// gaugeValues reads the store's exposition: series without labels other
// than run, by name.
func gaugeValues(t *testing.T, s *Store) map[string]float64 {
	t.Helper()
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := s.WriteText(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	values := map[string]float64{}
	for _, line := range strings.Split(b.String(), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		series, value, _ := strings.Cut(line, " ")
		name, _, _ := strings.Cut(series, "{")
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		values[name] = v
	}
	return values
}
