package exporter

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/exporter/record"
)

// TestShapeCache: a record whose Shape the cache knows skips the name
// comparisons, and every value still lands in its own series, also after
// shapes change and when a series was refused.
func TestShapeCache(t *testing.T) {
	s := NewStore("ml", nil, 4, nil) // room for 4 series of metrics
	r := s.run("r", nil)
	var cache shapeCache
	apply := func(shape uint64, names string, values ...float64) {
		t.Helper()
		rec := record.Record{Kind: record.KindMetric, Shape: shape}
		for i, name := range strings.Split(names, ",") {
			rec.Metrics = append(rec.Metrics, record.Metric{Name: []byte(name), Value: values[i]})
		}
		if !r.apply(&rec, time.Now(), &cache) {
			t.Fatal("run gone")
		}
	}
	want := func(step string, shape uint64, series map[string]float64) {
		t.Helper()
		got := gaugeValues(t, s)
		for name, v := range series {
			if got[name] != v {
				t.Errorf("%s: %s = %v, want %v (all: %v)", step, name, got[name], v, got)
			}
		}
		if cache.shape != shape {
			t.Errorf("%s: cache holds shape %d, want %d", step, cache.shape, shape)
		}
	}

	apply(7, "a,b", 1, 2)
	want("first record of shape 7", 7, map[string]float64{"ml_a": 1, "ml_b": 2})
	apply(7, "a,b", 3, 4)
	want("second record of shape 7", 7, map[string]float64{"ml_a": 3, "ml_b": 4})
	apply(8, "b,a", 5, 6)
	want("shape 8, the same names the other way round", 8, map[string]float64{"ml_a": 6, "ml_b": 5})
	apply(8, "b,a", 7, 8)
	want("second record of shape 8", 8, map[string]float64{"ml_a": 8, "ml_b": 7})
	apply(0, "a,b", 9, 10)
	want("a record of no shape", 0, map[string]float64{"ml_a": 9, "ml_b": 10})
	apply(8, "b,a", 11, 12)
	want("shape 8 after a record of no shape", 8, map[string]float64{"ml_a": 12, "ml_b": 11})
	apply(6, "a,b,c,d", 13, 14, 15, 16)
	want("shape 6 fills the 4 series", 6, map[string]float64{"ml_a": 13, "ml_b": 14, "ml_c": 15, "ml_d": 16})
	// e is refused: the cache, still holding d at e's position, must not
	// vouch for shape 9.
	apply(9, "a,b,d,e", 17, 18, 19, 20)
	want("shape 9 with a refused series", 0, map[string]float64{"ml_a": 17, "ml_b": 18, "ml_c": 15, "ml_d": 19})
	apply(9, "a,b,d,e", 21, 22, 23, 24)
	want("shape 9 again", 0, map[string]float64{"ml_a": 21, "ml_b": 22, "ml_c": 15, "ml_d": 23})
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
