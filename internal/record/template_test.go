// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"strconv"
	"strings"
	"testing"
)

// templateBase is the line the cases below take their template from.
const templateBase = `{"_type":"metric","time":1764115200.5,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`

// TestTemplate: lines read against a template taken from templateBase
// give what a fresh parser gives, whether they fit it or not.
func TestTemplate(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		fit  bool // the template must take it (else it must not)
	}{
		{"same line", templateBase, true},
		{"new numbers of other lengths", `{"_type":"metric","time":1764115260.25,"epoch":12,"step":100000,"train/loss":0.000123,"train/lr":3e-05,"note":"warm","ok":true}`, true},
		{"negative and exponent numbers", `{"_type":"metric","time":1.7641152E9,"epoch":-1,"step":-0.5,"train/loss":-2.5e+300,"train/lr":1e-400,"note":"warm","ok":true}`, true},
		{"long mantissa", `{"_type":"metric","time":1764115200.123456789012345678901,"epoch":0,"step":1,"train/loss":12345678901234567890123,"train/lr":0.1,"note":"warm","ok":true}`, true},
		{"step and epoch overflow to infinity", `{"_type":"metric","time":1764115200.5,"epoch":-1e999,"step":1e999,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`, true},
		{"implausible time becomes a metric", `{"_type":"metric","time":0.25,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`, true},
		{"time in milliseconds", `{"_type":"metric","time":1764115200500,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`, true},
		{"trailing spaces and CR", templateBase + " \t\r", true},
		{"leading BOM and space", "\xEF\xBB\xBF " + templateBase, true},
		{"NaN where a number was", `{"_type":"metric","time":1764115200.5,"epoch":0,"step":1,"train/loss":NaN,"train/lr":0.1,"note":"warm","ok":true}`, false},
		{"-Infinity where a number was", `{"_type":"metric","time":1764115200.5,"epoch":0,"step":1,"train/loss":-Infinity,"train/lr":0.1,"note":"warm","ok":true}`, false},
		{"string where a number was", `{"_type":"metric","time":"2025-11-26T00:00:00Z","epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`, false},
		{"null where a number was", `{"_type":"metric","time":1764115200.5,"epoch":null,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`, false},
		{"object where a number was", `{"_type":"metric","time":1764115200.5,"epoch":0,"step":{"a":1},"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`, false},
		{"other type", `{"_type":"epoch_end","time":1764115200.5,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`, false},
		{"other string value", `{"_type":"metric","time":1764115200.5,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"cool","ok":true}`, false},
		{"false for true", `{"_type":"metric","time":1764115200.5,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":false}`, false},
		{"a space after a colon", `{"_type":"metric","time": 1764115200.5,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`, false},
		{"one more member", `{"_type":"metric","time":1764115200.5,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true,"x":1}`, false},
		{"one member less", `{"_type":"metric","time":1764115200.5,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm"}`, false},
		{"leading zero", `{"_type":"metric","time":1764115200.5,"epoch":00,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`, false},
		{"number without digits after the point", `{"_type":"metric","time":1764115200.,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"warm","ok":true}`, false},
		{"garbage after the object", templateBase + `x`, false},
		{"a second object", templateBase + templateBase, false},
		{"cut before the end", templateBase[:len(templateBase)-1], false},
		{"cut in a number", templateBase[:strings.Index(templateBase, "2.5")+2], false},
		{"invalid UTF-8 in a string", `{"_type":"metric","time":1764115200.5,"epoch":0,"step":1,"train/loss":2.5,"train/lr":0.1,"note":"w\xffrm","ok":true}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParser(Options{})
			outcome(p, []byte(templateBase))
			outcome(p, []byte(templateBase))
			if !p.tmpl.ok {
				t.Fatal("no template after the same line twice")
			}
			line := tc.line
			if got, want := outcome(p, []byte(line)), outcome(NewParser(Options{}), []byte(line)); got != want {
				t.Fatalf("line %q:\ntemplated parser: %s\nfresh parser:     %s", line, got, want)
			}
			if fit := p.tmpl.ok && p.tmpl.misses == 0; fit != tc.fit {
				t.Errorf("line fit the template: %v, want %v", fit, tc.fit)
			}
		})
	}
}

// TestTemplateLifecycle: a template is taken only from a repeated shape,
// goes with the memo's keys, and is given up on a file whose lines keep
// missing it.
func TestTemplateLifecycle(t *testing.T) {
	a := `{"step":1,"loss":2}`
	b := `{"step":1,"acc":2}`
	p := NewParser(Options{})
	outcome(p, []byte(a))
	if p.tmpl.ok {
		t.Fatal("template after one line: a shape must repeat first")
	}
	outcome(p, []byte(a))
	if !p.tmpl.ok {
		t.Fatal("no template after the same keys twice")
	}
	outcome(p, []byte(b))
	if p.tmpl.ok {
		t.Fatal("template kept after the keys changed")
	}

	// The same keys with a string that changes on every line: the
	// template is dropped after maxTemplateMisses misses, then rests.
	p = NewParser(Options{})
	line := func(i int) []byte { return []byte(`{"step":1,"phase":"p` + strconv.Itoa(i) + `"}`) }
	n := 0
	for ; n < 2; n++ {
		outcome(p, line(n))
	}
	if !p.tmpl.ok {
		t.Fatal("no template after the same keys twice")
	}
	for ; n < 2+maxTemplateMisses; n++ {
		outcome(p, line(n))
	}
	if p.tmpl.ok || p.tmpl.cooldown != templateCooldown {
		t.Fatalf("after %d misses: template kept %v, cooldown %d, want dropped and %d", maxTemplateMisses, p.tmpl.ok, p.tmpl.cooldown, templateCooldown)
	}
	for range templateCooldown {
		outcome(p, line(n))
		n++
	}
	if !p.tmpl.ok {
		t.Fatal("no template again after the cooldown")
	}
}

// TestTemplateBounded: a long line, or one of very many members, leaves
// no template to hold on to.
func TestTemplateBounded(t *testing.T) {
	for _, line := range []string{
		`{"step":1,"note":"` + strings.Repeat("n", templateMaxText) + `"}`,
		manyKeys(templateMaxMembers + 1),
	} {
		p := NewParser(Options{})
		for range 3 {
			outcome(p, []byte(line))
		}
		if p.tmpl.ok || cap(p.tmpl.text) > 0 || cap(p.tmpl.members) > 0 {
			t.Errorf("template of a %d-byte line: ok %v, %d bytes and %d members kept", len(line), p.tmpl.ok, cap(p.tmpl.text), cap(p.tmpl.members))
		}
	}
	// Just within the bounds, a template is taken.
	p := NewParser(Options{})
	for range 2 {
		outcome(p, []byte(manyKeys(templateMaxMembers)))
	}
	if !p.tmpl.ok {
		t.Errorf("no template for %d members", templateMaxMembers)
	}
}

// TestTemplateDirect: only a template whose line resolved to its plain
// numbers as they are writes metrics itself; both kinds read the next
// line as a fresh parser does.
func TestTemplateDirect(t *testing.T) {
	for _, tc := range []struct {
		name       string
		base, next string
		direct     bool
	}{
		{"plain numbers", `{"step":1,"loss":2,"lr":3}`, `{"step":2,"loss":2.5,"lr":3e-4}`, true},
		{"epoch_end", `{"_type":"epoch_end","epoch":1,"val/acc":0.5}`, `{"_type":"epoch_end","epoch":2,"val/acc":0.75}`, true},
		{"a string field", `{"step":1,"phase":"warmup","loss":2}`, `{"step":2,"phase":"warmup","loss":1.5}`, true},
		{"no metrics", `{"step":1,"_type":"metric"}`, `{"step":2,"_type":"metric"}`, true},
		{"prefix", `{"prefix":"train","loss":2}`, `{"prefix":"train","loss":3}`, false},
		{"split from the type", `{"_type":"val","loss":2}`, `{"_type":"val","loss":3}`, false},
		{"long form", `{"step":1,"metric":"loss","value":2}`, `{"step":2,"metric":"loss","value":3}`, false},
		{"long form beside a number of its name", `{"metric":"a","value":1,"a":1}`, `{"metric":"a","value":2,"a":1}`, false},
		{"long form of true beside a number of its name", `{"metric":"a","value":true,"a":1}`, `{"metric":"a","value":true,"a":5}`, false},
		{"long form of NaN beside a number of its name", `{"metric":"a","value":NaN,"a":1}`, `{"metric":"a","value":NaN,"a":5}`, false},
		{"long form of a slashed name", `{"step":1,"metric":"a/b","value":1,"a.b":1}`, `{"step":2,"metric":"a/b","value":7,"a.b":1}`, false},
		{"run name", `{"run_name":"r","loss":2}`, `{"run_name":"r","loss":3}`, false},
		{"run_start", `{"_type":"run_start","host":"h","gpus":8}`, `{"_type":"run_start","host":"h","gpus":4}`, false},
		{"slash and dot spell one name", `{"a/b":1,"a.b":2}`, `{"a/b":3,"a.b":4}`, false},
		{"a time that is a metric", `{"time":0.25,"loss":2}`, `{"time":0.5,"loss":3}`, false},
		{"a time that stops being one", `{"time":1764115200,"loss":2}`, `{"time":0.5,"loss":3}`, false},
		{"a key twice, a number then true", `{"a":0,"a":true}`, `{"a":5,"a":true}`, false},
		{"true after its prefixed name", `{"prefix":"train","train.a":1,"a":true}`, `{"prefix":"train","train.a":5,"a":true}`, false},
		{"NaN after its prefixed name", `{"prefix":"train","train.a":1,"a":NaN}`, `{"prefix":"train","train.a":5,"a":NaN}`, false},
		{"false after its name split from the type", `{"_type":"train","train.a":1,"a":false}`, `{"_type":"train","train.a":5,"a":false}`, false},
		{"a string after its prefixed name", `{"prefix":"train","train.a":1,"a":"x"}`, `{"prefix":"train","train.a":5,"a":"x"}`, false},
		{"two step keys", `{"step":1,"iter":1,"loss":2}`, `{"step":2,"iter":5,"loss":3}`, false},
		{"a time key twice, first a metric", `{"time":0.5,"time":1764115200,"a":1}`, `{"time":0.25,"time":1764115201,"a":2}`, false},
		{"two time keys", `{"time":1764115200,"ts":1764115200,"loss":2}`, `{"time":1764115201,"ts":1764115300,"loss":3}`, false},
		{"an infinite step", `{"step":1,"epoch":2,"loss":2}`, `{"step":1e999,"epoch":-1e999,"loss":3}`, true},
		{"a time in milliseconds", `{"time":1764115200,"loss":2}`, `{"time":1764115200123,"loss":3}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParser(Options{})
			outcome(p, []byte(tc.base))
			outcome(p, []byte(tc.base))
			if !p.tmpl.ok {
				t.Fatal("no template after the same line twice")
			}
			if got, want := outcome(p, []byte(tc.next)), outcome(NewParser(Options{}), []byte(tc.next)); got != want {
				t.Fatalf("line %q:\ntemplated parser: %s\nfresh parser:     %s", tc.next, got, want)
			}
			if p.tmpl.direct != tc.direct {
				t.Errorf("direct template: %v, want %v", p.tmpl.direct, tc.direct)
			}
		})
	}
}

// TestTemplateDirectKeepsNoStaleSlots: a direct template reads its step,
// epoch and time slots without clearing the others first, so a line that
// leaves other state behind (through the full path, with the same keys)
// must not show in the next direct line.
func TestTemplateDirectKeepsNoStaleSlots(t *testing.T) {
	base := `{"time":1764115200,"step":1,"epoch":0,"a":1}`
	lines := []string{
		base, base,
		`{"time":true,"step":"x","epoch":null,"a":1}`,
		`{"time":1764115201,"step":2,"epoch":0,"a":2}`,
		`{"time":"2026-12-01T06:00:00Z","step":3,"epoch":1,"a":3}`,
		`{"time":1764115203,"step":4,"epoch":1,"a":4}`,
	}
	p := NewParser(Options{})
	for i, line := range lines {
		if got, want := outcome(p, []byte(line)), outcome(NewParser(Options{}), []byte(line)); got != want {
			t.Fatalf("line %d %q:\ntemplated parser: %s\nfresh parser:     %s", i, line, got, want)
		}
	}
	if !p.tmpl.ok || !p.tmpl.direct {
		t.Fatalf("template ok %v, direct %v: the last line did not test a direct template", p.tmpl.ok, p.tmpl.direct)
	}
}

// shapeOf parses line and returns its Shape and its metric names.
func shapeOf(p *Parser, line string) (uint64, string) {
	var r Record
	if err := p.Parse([]byte(line), &r); err != nil {
		return 0, ""
	}
	var names []string
	for _, m := range r.Metrics {
		names = append(names, string(m.Name))
	}
	return r.Shape, strings.Join(names, ",")
}

// TestShape: records of one nonzero Shape name the same metrics in the
// same order, whichever parser read them, and repeated lines get one.
func TestShape(t *testing.T) {
	a := `{"step":1,"loss":2,"lr":3}`
	a2 := `{"step":2,"loss":2.5,"lr":0.001}`
	b := `{"step":1,"acc":2}`
	p, q := NewParser(Options{}), NewParser(Options{})
	names := map[uint64]string{}
	check := func(p *Parser, line string) uint64 {
		t.Helper()
		shape, got := shapeOf(p, line)
		if want, ok := names[shape]; shape != 0 && ok && got != want {
			t.Fatalf("shape %d: metrics %q, earlier %q", shape, got, want)
		}
		names[shape] = got
		return shape
	}
	for _, line := range []string{a, a, b, b, b} {
		check(p, line)
	}
	sa := []uint64{check(p, a), check(p, a), check(p, a), check(p, a2)}
	if sa[2] == 0 || sa[3] != sa[2] {
		t.Errorf("shapes of a, a, a, a2: %v, want the last two equal and not 0", sa)
	}
	for _, line := range []string{a, a} {
		check(q, line)
	}
	if sq := check(q, a); sq == 0 || sq == sa[3] {
		t.Errorf("another parser gave shape %d to a, want a new one (first parser: %d)", sq, sa[3])
	}
	// Every corpus line after every other one, each read twice.
	var lines []string
	for _, file := range corpusFiles(t) {
		for _, l := range corpusLines(t, file) {
			lines = append(lines, string(l))
		}
	}
	for _, prev := range lines {
		for _, line := range lines {
			check(p, prev)
			check(p, prev)
			check(p, line)
		}
	}
}

// holeValues replace the numbers of a line in FuzzTemplate: numbers of
// other forms, values that are no numbers, and bytes that break the line.
var holeValues = []string{
	"0", "-1", "7", "0.5", "3.817297", "0.0002857143", "1764115200", "1764115200000", "1764115200.250",
	"946684800", "4102444800", "1e400", "-1e400", "1e-400", "1E5", "-0", "12345678901234567890123",
	"NaN", "Infinity", "-Infinity", "null", "true", `"x"`, `"2025-11-26T00:00:00Z"`, "{}", `{"a":1}`, "[]",
	"01", "1.", "-", "1e", "\xff", " 1", "1 ",
}

var holeOptions = []Options{
	{},
	modeOpts,
	{StepKeys: []string{"it", "step"}, TimeKeys: []string{"wall", "t/x"}, PrefixKeys: []string{"split"}, EpochKeys: []string{"ep"}},
	{MaxKeys: 3},
	{TimeKeys: []string{"a/b"}, StepKeys: []string{"a.b"}},
}

// withHoles returns line with its k-th number (outside strings) replaced
// by holeValues[pick[k]] where pick has a nonzero byte.
func withHoles(line, pick []byte) []byte {
	var out []byte
	k, inString := 0, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case inString:
			if c == '\\' && i+1 < len(line) {
				out = append(out, c)
				i++
				c = line[i]
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '-' || isDigit(c):
			j := i + 1
			for j < len(line) && (isDigit(line[j]) || strings.IndexByte(".eE+-", line[j]) >= 0) {
				j++
			}
			if k < len(pick) && pick[k] != 0 {
				out = append(out, holeValues[int(pick[k])%len(holeValues)]...)
			} else {
				out = append(out, line[i:j]...)
			}
			k++
			i = j - 1
			continue
		}
		out = append(out, c)
	}
	return out
}

// FuzzTemplate reads a line twice, so a template is taken from it, then
// the line with some of its numbers replaced: every result must be a fresh
// parser's, and one Shape must always name the same metrics.
func FuzzTemplate(f *testing.F) {
	f.Add([]byte(templateBase), []byte{1, 2, 0, 3}, byte(0), byte(0))
	f.Add([]byte(`{"metric":"a","value":1,"a":1}`), []byte{0, 4}, byte(0), byte(1))
	f.Add([]byte(`{"it":1,"step":5,"wall":1764115200,"split":"val","loss":1,"t/x":3,"t.x":4}`), []byte{0, 5, 0, 7}, byte(2), byte(2))
	f.Add([]byte(`{"mode":"train","loss":1,"train.loss":2}`), []byte{3, 4}, byte(1), byte(0))
	f.Add([]byte("\xEF\xBB\xBF {\"a\" : 1 , \"b\":\"\\u00e9\", \"c\":2 }\r"), []byte{3, 4}, byte(0), byte(3))
	// A literal that, once the prefix joins the names, is the value of a
	// number's name (found in review).
	f.Add([]byte(`{"prefix":"train","train.a":1,"a":true}`), []byte{1, 0}, byte(0), byte(0))
	f.Add([]byte(`{"_type":"train","train.a":1,"a":NaN,"b":null}`), []byte{1, 0}, byte(0), byte(1))
	// A split prefix that renames none of the names: the record still
	// carries its prefix.
	f.Add([]byte(`{"_type":"validation","step":3,"val/loss":2.1,"eval.acc":0.5}`), []byte{1, 0}, byte(0), byte(0))
	f.Add([]byte(`{"loss":1,"global_step/max_steps":"10/438","step":"3/9","iter":2}`), []byte{0, 1}, byte(0), byte(2))
	f.Fuzz(func(t *testing.T, line, pick []byte, opt, order byte) {
		opts := holeOptions[int(opt)%len(holeOptions)]
		v := withHoles(line, pick)
		lines := [][]byte{line, line, v, v, line}
		switch order % 4 {
		case 1:
			lines = [][]byte{line, line, v, line, v}
		case 2:
			lines = [][]byte{line, v, v, v, line}
		case 3:
			lines = [][]byte{line, line, append(append([]byte("\xEF\xBB\xBF \t"), v...), " \r"...), v}
		}
		p := NewParser(opts)
		names := map[uint64]string{}
		for i, l := range lines {
			if got, want := outcome(p, l), outcome(NewParser(opts), l); got != want {
				t.Fatalf("line %d %q of %q:\ntemplated parser: %s\nfresh parser:     %s", i, l, lines, got, want)
			}
			shape, got := shapeOf(p, string(l)) // the same line once more, for its Shape
			if want, ok := names[shape]; shape != 0 && ok && got != want {
				t.Fatalf("shape %d: metrics %q, earlier %q", shape, got, want)
			}
			names[shape] = got
		}
	})
}
