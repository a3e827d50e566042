// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock ticks 500ms per call, so record times are deterministic and
// strictly increasing from one simulator step to the next.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(start time.Time) *fakeClock { return &fakeClock{t: start} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(500 * time.Millisecond)
	return c.t
}

// record is one decoded log line, with metrics under canonical dotted names.
type record struct {
	raw     string
	fields  map[string]any
	typ     string
	epoch   int
	step    int
	time    float64
	metrics map[string]float64
}

func (r record) isTrain() bool { _, ok := r.metrics["train.loss"]; return ok }
func (r record) isVal() bool   { _, ok := r.metrics["val.loss"]; return ok }

// runLogs returns the run folder names under dir and their metrics.jsonl paths.
func runLogs(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	logs := map[string]string{}
	for _, e := range entries {
		logs[e.Name()] = filepath.Join(dir, e.Name(), "logs", "metrics.jsonl")
	}
	return logs
}

// readRecords decodes every line of a run log; the Python NaN token becomes NaN.
func readRecords(t *testing.T, path string) []record {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("%s: does not end with a newline", path)
	}
	var recs []record
	for i, raw := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		recs = append(recs, parseRecord(t, path, i+1, raw))
	}
	return recs
}

func parseRecord(t *testing.T, path string, lineNo int, raw string) record {
	t.Helper()
	var fields map[string]any
	// Our logs never hold "NaN" inside a string, so the token always follows a colon.
	if err := json.Unmarshal([]byte(strings.ReplaceAll(raw, ":NaN", ":null")), &fields); err != nil {
		t.Fatalf("%s:%d: not a JSON object: %v\n%s", path, lineNo, err, raw)
	}
	r := record{raw: raw, fields: fields, typ: "metric", metrics: map[string]float64{}}
	if typ, ok := fields["_type"].(string); ok {
		r.typ = typ
	}
	r.epoch = intField(fields, "epoch")
	r.step = intField(fields, "step")
	if ts, ok := fields["time"].(float64); ok {
		r.time = ts
	}
	if r.typ != "metric" && r.typ != "epoch_end" {
		return r
	}
	add := func(name string, v any) {
		value := math.NaN() // the replaced NaN token
		switch v := v.(type) {
		case float64:
			value = v
		case nil:
		default:
			return
		}
		if old, seen := r.metrics[name]; seen && !(old == value || math.IsNaN(old) && math.IsNaN(value)) {
			t.Errorf("%s:%d: aliases of %s disagree: %g and %g", path, lineNo, name, old, value)
		}
		r.metrics[name] = value
	}
	for k, v := range fields {
		switch k {
		case "_type", "time", "epoch", "step", "prefix":
		case "metrics":
			if prefix, ok := fields["prefix"].(string); ok {
				for name, mv := range v.(map[string]any) {
					add(prefix+"."+name, mv)
				}
				continue
			}
			for split, sv := range v.(map[string]any) {
				for name, mv := range sv.(map[string]any) {
					add(split+"."+name, mv)
				}
			}
		default:
			add(strings.ReplaceAll(k, "/", "."), v)
		}
	}
	return r
}

func intField(fields map[string]any, key string) int {
	v, ok := fields[key].(float64)
	if !ok {
		return -1
	}
	return int(v)
}

func filter(recs []record, keep func(record) bool) []record {
	var out []record
	for _, r := range recs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func metricValues(recs []record, name string) []float64 {
	var out []float64
	for _, r := range recs {
		if v, ok := r.metrics[name]; ok {
			out = append(out, v)
		}
	}
	return out
}

func finiteMean(vs []float64) float64 {
	sum, n := 0.0, 0
	for _, v := range vs {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	return sum / float64(n)
}

// countSpikes counts finite losses above 3x the previous finite loss.
func countSpikes(losses []float64) int {
	spikes, prev := 0, math.NaN()
	for _, v := range losses {
		if math.IsNaN(v) {
			continue
		}
		if !math.IsNaN(prev) && v > 3*prev {
			spikes++
		}
		prev = v
	}
	return spikes
}

// readAll returns the content of every run log under dir, by run name.
func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, path := range runLogs(t, dir) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(data)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
