// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"errors"
	"strings"
	"testing"
)

func TestErrors(t *testing.T) {
	deep := func(n int) string { return `{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "}" }
	for _, tc := range []struct {
		name   string
		line   string
		reason string
		offset int // -1: not checked
		msg    string
	}{
		{"truncated", `{"step":1,"loss":`, ReasonInvalidJSON, 17, "unexpected end of line"},
		{"truncated in number", `{"step":1,"loss":2.`, ReasonInvalidJSON, 19, "unexpected end of line"},
		{"truncated in key", `{"step":1,"lo`, ReasonInvalidJSON, 13, "unterminated string"},
		{"truncated after key", `{"step"`, ReasonInvalidJSON, 7, "unexpected end of line"},
		{"truncated nested", `{"metrics":{"a":[1,{"b":2}`, ReasonInvalidJSON, 26, ""},
		{"truncated literal", `{"a":tru`, ReasonInvalidJSON, 8, ""},
		{"open brace only", `{`, ReasonInvalidJSON, 1, ""},
		{"extra closing brace", `{"a":1}}`, ReasonInvalidJSON, 7, "invalid character '}' after top-level object"},
		{"trailing garbage", `{"a":1} x`, ReasonInvalidJSON, 8, ""},
		{"two objects", `{"a":1}{"b":2}`, ReasonInvalidJSON, 7, ""},
		{"single quotes", `{'a':1}`, ReasonInvalidJSON, 1, ""},
		{"bare word value", `{"a":hello}`, ReasonInvalidJSON, 5, ""},
		{"bare word line", `hello`, ReasonInvalidJSON, 0, ""},
		{"bare key", `{a:1}`, ReasonInvalidJSON, 1, ""},
		{"number key", `{1:2}`, ReasonInvalidJSON, 1, ""},
		{"missing colon", `{"a" 1}`, ReasonInvalidJSON, 5, "invalid character '1' after object key, expected ':'"},
		{"missing comma", `{"a":1 "b":2}`, ReasonInvalidJSON, 7, ""},
		{"trailing comma", `{"a":1,}`, ReasonInvalidJSON, 7, ""},
		{"trailing comma in array", `{"a":[1,]}`, ReasonInvalidJSON, 8, ""},
		{"missing value", `{"a":}`, ReasonInvalidJSON, 5, ""},
		{"key without value", `{"a":1,"b"}`, ReasonInvalidJSON, 10, ""},
		{"leading comma", `{,"a":1}`, ReasonInvalidJSON, 1, ""},
		{"mismatched bracket", `{"a":[1}`, ReasonInvalidJSON, 7, ""},
		{"leading zero", `{"a":01}`, ReasonInvalidJSON, 6, ""},
		{"dot without fraction", `{"a":1.}`, ReasonInvalidJSON, 7, ""},
		{"fraction without integer", `{"a":.5}`, ReasonInvalidJSON, 5, ""},
		{"plus sign", `{"a":+1}`, ReasonInvalidJSON, 5, ""},
		{"bare minus", `{"a":-}`, ReasonInvalidJSON, 6, ""},
		{"empty exponent", `{"a":1e}`, ReasonInvalidJSON, 7, ""},
		{"exponent sign only", `{"a":1e+}`, ReasonInvalidJSON, 8, ""},
		{"hex number", `{"a":0x10}`, ReasonInvalidJSON, 6, ""},
		{"lowercase nan", `{"a":nan}`, ReasonInvalidJSON, 6, ""},
		{"negative NaN", `{"a":-NaN}`, ReasonInvalidJSON, 6, ""},
		{"plus Infinity", `{"a":+Infinity}`, ReasonInvalidJSON, 5, ""},
		{"inf", `{"a":inf}`, ReasonInvalidJSON, 5, ""},
		{"NaN glued", `{"a":NaNx}`, ReasonInvalidJSON, 8, ""},
		{"unterminated string", `{"a":"x}`, ReasonInvalidJSON, 8, "unterminated string"},
		{"bad escape", `{"a":"\x"}`, ReasonInvalidJSON, 6, `invalid escape 'x'`},
		{"bad unicode escape", `{"a":"\u12G4"}`, ReasonInvalidJSON, 10, ""},
		{"short unicode escape", `{"a":"\u12"}`, ReasonInvalidJSON, 10, ""},
		{"escape at end", `{"a":"\`, ReasonInvalidJSON, 7, ""},
		{"raw tab in string", "{\"a\":\"x\ty\"}", ReasonInvalidJSON, 7, `control character '\t' in string`},
		{"raw newline in key", "{\"a\nb\":1}", ReasonInvalidJSON, 3, ""},
		{"NUL outside string", "{\"a\":1\x00}", ReasonInvalidJSON, 6, ""},
		{"invalid UTF-8 in value", "{\"a\":\"\xff\"}", ReasonInvalidUTF8, 6, ""},
		{"invalid UTF-8 in key", "{\"\xc3\x28\":1}", ReasonInvalidUTF8, 2, ""},
		{"truncated multibyte", "{\"a\":1} \xe2\x82", ReasonInvalidUTF8, 8, ""},
		{"UTF-8 beats syntax", "{\"a\":\xff", ReasonInvalidUTF8, 5, ""},
		{"array", `[1]`, ReasonNotObject, 0, ""},
		{"number", `3`, ReasonNotObject, 0, ""},
		{"string", ` "x"`, ReasonNotObject, 1, ""},
		{"null", `null`, ReasonNotObject, 0, ""},
		{"NaN top", `NaN`, ReasonNotObject, 0, ""},
		{"66 levels", deep(65), ReasonTooDeep, 5 + 63, ""},
		{"10000 levels", deep(10000), ReasonTooDeep, 5 + 63, "nesting deeper than the limit of 64"},
		{"10000 objects", strings.Repeat(`{"a":`, 10000), ReasonTooDeep, 5 * 64, ""},
		{"100000 keys", manyKeys(100000), ReasonTooManyKeys, -1, "more keys than the limit of 10000"},
		{"10001 nested keys", `{"x":[` + strings.Repeat(`{"k":1},`, 10000) + `{}]}`, ReasonTooManyKeys, 6 + 8*9999 + 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Record
			err := NewParser(Options{}).Parse([]byte(tc.line), &r)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%.60q) = %v, want *Error", tc.line, err)
			}
			if e.Reason != tc.reason || Reason(err) != tc.reason {
				t.Errorf("reason = %q, want %q (%v)", e.Reason, tc.reason, err)
			}
			if tc.offset >= 0 && e.Offset != tc.offset {
				t.Errorf("offset = %d, want %d (%v)", e.Offset, tc.offset, err)
			}
			if tc.msg != "" && e.Msg != tc.msg {
				t.Errorf("msg = %q, want %q", e.Msg, tc.msg)
			}
		})
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k`)
		b.WriteString(itoaTest(i))
		b.WriteString(`":1`)
	}
	b.WriteByte('}')
	return b.String()
}

func itoaTest(i int) string { return fmtFloat(float64(i)) }

func TestErrorString(t *testing.T) {
	var r Record
	err := NewParser(Options{}).Parse([]byte(`{"a" 1}`), &r)
	if got, want := err.Error(), `invalid_json at byte 5: invalid character '1' after object key, expected ':'`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := Reason(errors.New("other")); got != ReasonInvalidJSON {
		t.Errorf("Reason(other) = %q", got)
	}
	if got := Reason(nil); got != ReasonInvalidJSON {
		t.Errorf("Reason(nil) = %q", got)
	}
}

func TestLimits(t *testing.T) {
	nest := func(n int) string { return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1) }
	t.Run("64 levels accepted", func(t *testing.T) {
		parseSummary(t, Options{}, nest(64))
	})
	t.Run("65 levels refused", func(t *testing.T) {
		var r Record
		if err := NewParser(Options{}).Parse([]byte(nest(65)), &r); Reason(err) != ReasonTooDeep {
			t.Fatalf("err = %v, want too_deep", err)
		}
	})
	t.Run("10000 keys accepted", func(t *testing.T) {
		s := parseSummary(t, Options{}, manyKeys(10000))
		if len(s.Metrics) != 10000 || s.Metrics[9999] != "k9999=1" {
			t.Fatalf("got %d metrics, last %q", len(s.Metrics), s.Metrics[len(s.Metrics)-1])
		}
	})
	t.Run("custom limits", func(t *testing.T) {
		var r Record
		p := NewParser(Options{MaxKeys: 2, MaxDepth: 2})
		if err := p.Parse([]byte(`{"a":1,"b":2,"c":3}`), &r); Reason(err) != ReasonTooManyKeys {
			t.Errorf("3 keys: err = %v", err)
		}
		if err := p.Parse([]byte(`{"a":[[]]}`), &r); Reason(err) != ReasonTooDeep {
			t.Errorf("depth 3: err = %v", err)
		}
		if err := p.Parse([]byte(`{"a":[1],"b":{}}`), &r); err != nil {
			t.Errorf("depth 2: err = %v", err)
		}
	})
	t.Run("a million levels without recursion", func(t *testing.T) {
		// With the limits lifted the explicit stack must cope.
		const n = 1_000_000
		line := `{"metrics":` + strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n+1)
		var r Record
		if err := NewParser(Options{MaxDepth: n + 2, MaxKeys: n + 1}).Parse([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Metrics) != 0 { // the path passes MaxNameLen long before the leaf
			t.Errorf("metrics = %d, want 0", len(r.Metrics))
		}
	})
	t.Run("big line then small line", func(t *testing.T) {
		p := NewParser(Options{})
		var r Record
		big := `{"_type":"meta","note":"` + strings.Repeat("x", 4<<20) + `","n":1}`
		if err := p.Parse([]byte(big), &r); err != nil || len(r.Info) != 1 || len(r.Info[0].Value) != 4<<20 {
			t.Fatalf("big: err = %v, info = %d", err, len(r.Info))
		}
		if got := parseWith(t, p, `{"loss":1}`); got.Metrics[0] != "loss=1" {
			t.Fatalf("small after big: %v", got)
		}
		if cap(p.arena) > retainArena {
			t.Errorf("arena keeps %d bytes after a small line", cap(p.arena))
		}
	})
}

func parseWith(t *testing.T, p *Parser, line string) summary {
	t.Helper()
	var r Record
	if err := p.Parse([]byte(line), &r); err != nil {
		t.Fatalf("Parse(%q): %v", line, err)
	}
	return summarize(&r)
}
