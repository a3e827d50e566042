// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"strings"
	"testing"
)

// checkSequence parses lines in order with one parser, which remembers the
// previous line's keys, and wants for each line what a fresh parser gives.
// A second pass reads every line twice, so that the next one is read
// against a template taken from it.
func checkSequence(t *testing.T, opts Options, lines []string) {
	t.Helper()
	for _, repeat := range []int{1, 2} {
		p := NewParser(opts)
		for i, line := range lines {
			want := outcome(NewParser(opts), []byte(line))
			for range repeat {
				if got := outcome(p, []byte(line)); got != want {
					t.Fatalf("line %d %q after %q (each line read %d times):\nreused parser: %s\nfresh parser:  %s",
						i, line, lines[max(i-1, 0)], repeat, got, want)
				}
			}
		}
	}
}

// TestKeyMemo: lines whose keys equal, extend, shorten or differ from the
// previous line's keys parse as they do on their own.
func TestKeyMemo(t *testing.T) {
	huge := `{"step":1,"` + strings.Repeat("k", 1<<21) + `":1}`
	for _, tc := range []struct {
		name  string
		opts  Options
		lines []string
	}{
		{"same keys, new values", Options{}, []string{
			`{"_type":"metric","time":1764115200.5,"step":1,"train/loss":2.5,"train/lr":0.1}`,
			`{"_type":"metric","time":1764115200.75,"step":2,"train/loss":2.25,"train/lr":0.09}`,
			`{"_type":"metric","time":1764115200.75,"step":2,"train/loss":NaN,"train/lr":null}`,
		}},
		{"type value changes under the same keys", Options{}, []string{
			`{"_type":"metric","loss":1}`, `{"_type":"epoch_end","loss":2}`, `{"_type":"val","loss":3}`,
			`{"_type":"run_start","loss":"x"}`, `{"_type":"config","loss":4}`, `{"_type":1,"loss":5}`,
		}},
		{"time plausible, then a metric", Options{}, []string{
			`{"time":1764115200,"a":1}`, `{"time":0.25,"a":1}`, `{"time":"2025-11-26T00:00:00Z","a":1}`, `{"time":0.5,"a":2}`,
		}},
		{"prefix makes names collide", Options{}, []string{
			`{"prefix":"","loss":1,"train/loss":2}`, `{"prefix":"train","loss":1,"train/loss":2}`,
			`{"prefix":"val","loss":1,"train/loss":2}`, `{"prefix":"train","loss":3,"train/loss":4}`,
		}},
		{"split by type makes names collide", modeOpts, []string{
			`{"mode":"metric","loss":1,"train.loss":2}`, `{"mode":"train","loss":1,"train.loss":2}`,
		}},
		{"slash and dot spell one name", Options{}, []string{
			`{"a/b":1,"a.b":2}`, `{"a/b":1,"a.b":2}`, `{"a.b":3,"a/b":4}`, `{"a.b":3,"a/b":4}`, `{"a/b":5,"c":6}`,
		}},
		{"repeated key", Options{}, []string{`{"a":1,"a":2,"b":3}`, `{"a":1,"a":2,"b":3}`, `{"a":4,"b":5}`}},
		{"keys that extend or cut a remembered key", Options{}, []string{
			`{"loss":1,"lr":2}`, `{"loss2":1,"lr":2}`, `{"los":1,"lr":2}`, `{"loss":1,"lr":2}`, `{"loss":1,"lr":2,"x":3}`, `{"loss":1}`, `{}`, `{"loss":1,"lr":2}`,
		}},
		{"escaped keys", Options{}, []string{
			`{"a":1,"b\u0022c":2,"d":3}`, `{"a":1,"b\u0022c":2,"d":3}`, `{"a":1,"b\"c":2,"d":3}`, `{"a":1,"b":2,"d":3}`,
		}},
		{"nested and flat", Options{}, []string{
			`{"step":1,"metrics":{"loss":1}}`, `{"step":2,"metrics":{"loss":2}}`, `{"step":3,"metrics":5}`,
			`{"step":4,"train":{"loss":1},"loss":3}`, `{"step":5,"train":3,"loss":3}`,
		}},
		{"structural keys by position", Options{}, []string{
			`{"step":1,"epoch":2,"metric":"a/b","value":3,"run_name":"r"}`,
			`{"step":"x","epoch":null,"metric":"a/c","value":"4","run_name":""}`,
			`{"step":1,"epoch":2,"metric":5,"value":3,"run_name":7}`,
		}},
		{"invalid lines in between", Options{}, []string{
			`{"a":1,"b":2}`, `{"a":1,"b":`, `{"a":1,"b":2}`, `{"a":1,"b":2}}`, `{"a":1,"b":2}`, `[1]`, `{"a":1,"b":2}`, ``, `{"a":3,"b":4}`,
		}},
		{"a huge line drops the buffers", Options{}, []string{`{"step":1,"a":1}`, huge, `{"step":1,"a":1}`, `{"step":2,"a":2}`}},
		{"a key longer than the memo holds", Options{}, []string{longKeyLine, longKeyLine, `{"a":1,"b":2}`, longKeyLine}},
		{"more keys than are remembered", Options{}, []string{manyKeys(memoMaxKeys + 10), manyKeys(memoMaxKeys + 10), manyKeys(memoMaxKeys - 1), manyKeys(memoMaxKeys + 10)}},
		{"strings after numbers that change length", Options{}, []string{
			`{"step":1,"run_name":"r1","prefix":"train","loss":1,"_type":"metric"}`,
			`{"step":100,"run_name":"r1","prefix":"train","loss":1.25,"_type":"metric"}`,
			`{"step":7,"_type":"run_start","loss":2,"host":"h"}`,
			`{"step":70000,"_type":"run_start","loss":2.5,"host":"h"}`,
		}},
		{"configured keys", Options{StepKeys: []string{"it", "step"}, TimeKeys: []string{"wall"}, PrefixKeys: []string{"split"}}, []string{
			`{"it":1,"step":5,"wall":1764115200,"split":"val","loss":1}`, `{"it":2,"step":6,"wall":3,"split":"","loss":1}`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkSequence(t, tc.opts, tc.lines) })
	}
}

var longKeyLine = `{"a":1,"` + strings.Repeat("k", memoMaxBytes) + `":2,"b":3}`

// TestKeyMemoBounded: a key of most of a megabyte is not kept between lines.
func TestKeyMemoBounded(t *testing.T) {
	p := NewParser(Options{})
	line := []byte(`{"a":1,"` + strings.Repeat("k", 900<<10) + `":2}`)
	for range 2 {
		outcome(p, line)
	}
	if len(p.memo.raw) > memoMaxBytes || len(p.memo.keys) != 1 {
		t.Errorf("memo holds %d keys in %d bytes, want 1 key within %d bytes", len(p.memo.keys), len(p.memo.raw), memoMaxBytes)
	}
}

// TestKeyMemoCorpus reads every corpus line after every other one.
func TestKeyMemoCorpus(t *testing.T) {
	var lines []string
	for _, file := range corpusFiles(t) {
		for _, l := range corpusLines(t, file) {
			lines = append(lines, string(l))
		}
	}
	for _, opts := range []Options{{}, modeOpts} {
		p := NewParser(opts)
		for _, prev := range lines {
			for _, line := range lines {
				outcome(p, []byte(prev))
				outcome(p, []byte(prev)) // a template from prev, if it has one
				if got, want := outcome(p, []byte(line)), outcome(NewParser(opts), []byte(line)); got != want {
					t.Fatalf("%q after %q:\nreused parser: %s\nfresh parser:  %s", line, prev, got, want)
				}
			}
		}
	}
}

// FuzzParseAfter parses a line after another one (read twice, to leave a
// template) and after itself with the same parser: neither the memo of
// keys nor the template may change a result.
func FuzzParseAfter(f *testing.F) {
	f.Add([]byte(`{"step":1,"a/b":2,"c":3}`), []byte(`{"step":2,"a/b":3,"c":"x"}`))
	f.Add([]byte(`{"prefix":"p","a":1,"p.a":2}`), []byte(`{"prefix":"","a":1,"p.a":2}`))
	f.Add([]byte(`{"_type":"meta","x":"y"}`), []byte(`{"_type":"metric","x":1}`))
	f.Fuzz(func(t *testing.T, prev, line []byte) {
		p := NewParser(Options{})
		want := outcome(NewParser(Options{}), line)
		outcome(p, prev)
		outcome(p, prev) // a template from prev, if it has one
		if got := outcome(p, line); got != want {
			t.Fatalf("after %q:\nreused parser: %s\nfresh parser:  %s", prev, got, want)
		}
		if got := outcome(p, line); got != want {
			t.Fatalf("after itself:\nreused parser: %s\nfresh parser:  %s", got, want)
		}
		// One Shape, the same metrics.
		s1, n1 := shapeOf(p, string(prev))
		s2, n2 := shapeOf(p, string(line))
		if s1 != 0 && s1 == s2 && n1 != n2 {
			t.Fatalf("shape %d for metrics %q and %q", s1, n1, n2)
		}
	})
}
