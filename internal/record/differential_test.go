// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// stdlibObject returns the top-level members of line as encoding/json sees
// them (numbers as json.Number), and whether it accepts line at all.
func stdlibObject(line []byte) (m map[string]any, valid bool) {
	if !json.Valid(line) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, true
	}
	m, _ = v.(map[string]any)
	return m, true
}

// outsideStdlib reports lines where encoding/json is not a reference:
// Python's tokens, a BOM, and invalid UTF-8 (which it replaces silently).
func outsideStdlib(line []byte) bool {
	return bytes.Contains(line, []byte("NaN")) || bytes.Contains(line, []byte("Infinity")) ||
		bytes.HasPrefix(line, []byte("\xEF\xBB\xBF")) || !utf8.Valid(line)
}

// structuralKeys are the default keys that change how a record is read.
var structuralKeys = func() map[string]bool {
	o := DefaultOptions()
	m := map[string]bool{runNameKey: true, longNameKey: true, longValueKey: true}
	for _, list := range [][]string{o.TypeKeys, o.TimeKeys, o.PrefixKeys, o.ContainerKeys, splitKeys} {
		for _, k := range list {
			m[k] = true
		}
	}
	return m
}()

// checkAgainstStdlib parses line with the default options and compares the
// verdict, and the metrics of plain numeric top-level keys, with what
// encoding/json and a map walk give.
func checkAgainstStdlib(t testing.TB, p *Parser, line []byte) {
	t.Helper()
	if outsideStdlib(line) {
		return
	}
	var r Record
	err := p.Parse(line, &r)
	m, valid := stdlibObject(line)
	reason := Reason(err)
	switch {
	case errors.Is(err, ErrEmpty):
		if valid {
			t.Fatalf("Parse(%q) = ErrEmpty, encoding/json accepts it", line)
		}
		return
	case !valid:
		if err == nil {
			t.Fatalf("Parse(%q) accepted a line encoding/json rejects", line)
		}
		return
	case m == nil:
		if reason != ReasonNotObject {
			t.Fatalf("Parse(%q) = %v, want not_object", line, err)
		}
		return
	case err != nil:
		if reason != ReasonTooDeep && reason != ReasonTooManyKeys {
			t.Fatalf("Parse(%q) = %v, encoding/json accepts it", line, err)
		}
		return
	}

	// Compare plain keys only: no structural key may be present, names
	// with '.' or '/' can merge with others, and overlong names are dropped.
	want := map[string]float64{}
	o := DefaultOptions()
	for k, v := range m {
		if structuralKeys[k] {
			return
		}
		if k == "" || len(k) > MaxNameLen || strings.ContainsAny(k, "./") || contains(o.StepKeys, k) || contains(o.EpochKeys, k) {
			continue
		}
		switch v := v.(type) {
		case json.Number:
			f, _ := strconv.ParseFloat(string(v), 64) // ErrRange gives ±Inf or 0, as Parse does
			want[k] = f
		case bool:
			want[k] = map[bool]float64{false: 0, true: 1}[v]
		}
	}
	got := map[string]float64{}
	for _, mt := range r.Metrics {
		if !bytes.ContainsRune(mt.Name, '.') {
			got[string(mt.Name)] = mt.Value
		}
	}
	if len(got) != len(want) {
		t.Fatalf("Parse(%q): metrics %v, encoding/json gives %v", line, got, want)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || math.Float64bits(g) != math.Float64bits(w) {
			t.Fatalf("Parse(%q): %s = %v, encoding/json gives %v", line, k, g, w)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDifferentialCorpus(t *testing.T) {
	p := NewParser(Options{})
	extra := []string{
		`{"a":1,"a":"x"}`, `{"a":{"b":1},"a":2}`, `{"a":-0,"b":0.1,"c":1e-7,"d":123456789.123456789}`,
		`{"k\u002e1":1,"\ud800":2,"\ud83d\ude00":3,"\u00e9":4}`, `{"":1}`, `{"a":[{"b":{}}],"c":true,"d":false,"e":null}`,
		`{"a":1e400,"b":-1e-400,"c":12345678901234567890123}`, " {\"a\" :\t1 }\r\n", `{"a":"\"\\\/\b\f\n\r\t"}`,
	}
	for _, file := range corpusFiles(t) {
		for _, line := range corpusLines(t, file) {
			checkAgainstStdlib(t, p, line)
		}
	}
	for _, line := range extra {
		checkAgainstStdlib(t, p, []byte(line))
	}
	for _, line := range []string{`{"a":1,}`, `{"a":01}`, `[1]`, `"x"`, `{"a":1}}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}"} {
		checkAgainstStdlib(t, p, []byte(line))
	}
}
