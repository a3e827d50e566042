// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, file := range corpusFiles(f) {
		for _, line := range corpusLines(f, file) {
			f.Add(line)
		}
	}
	for _, seed := range []string{
		`{"mode":"train","epoch":1,"iter":50,"lr":0.02,"loss":1.2}`,
		`{"prefix":"train","metrics":{"a":{"b/c":[1,{"d":NaN}]},"train/x":-Infinity}}`,
		`{"_type":"meta","k\u00e9y":"v\ud800","n":true}`, `{"time":"2025-11-26T00:00:00.123456789+05:30"}`,
		`{"metric":"a/b","value":1e-7,"prefix":"p"}`, `{"a":[[[[[[]]]]]]}`, `{"h":[1,2,true,NaN],"m":{"g":[1,"x"]}}`,
		`x | t | {"a":"1.5","b":"nan"}`, `{"s":"1e400","step":"3"}`, `{"a":1}}`, `[1]`, "\xEF\xBB\xBF{}",
		`{"global_step/max_steps":"10/438","step":"7/9","elapsed_time":"1 day, 0:01:03","remaining_time":"20m 51s","percentage":"2.28%"}`,
		`{"_type":"validation","val/loss":2.1,"loss":1,"metrics":{"train":{"x":1}}}`, `{"mode":"val","iter":3,"val/bbox_mAP":0.3}`,
	} {
		f.Add([]byte(seed))
	}
	reused := NewParser(Options{})
	explaining := NewParser(Options{Explain: true})
	lenient := NewParser(Options{TextPrefix: true, NumericStrings: true, ProgressStrings: true, MaxArrayLen: 3, IgnoreKeys: []string{"a"},
		TagTypes: map[string]string{"t": "epoch_end", "v": "val"}})
	f.Fuzz(func(t *testing.T, line []byte) {
		input := bytes.Clone(line)
		var r Record
		err := NewParser(Options{}).Parse(line, &r)
		if !bytes.Equal(line, input) {
			t.Fatal("Parse modified its input")
		}
		var e *Error
		if err != nil && !errors.Is(err, ErrEmpty) && !errors.As(err, &e) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if err == nil {
			for _, m := range r.Metrics {
				if len(m.Name) == 0 || bytes.IndexByte(m.Name, '/') >= 0 {
					t.Fatalf("bad metric name %q", m.Name)
				}
			}
		}
		// A parser that has seen other lines must give the same answer.
		if got, want := outcome(reused, line), outcome(NewParser(Options{}), line); got != want {
			t.Fatalf("reused parser: %s\nfresh parser: %s", got, want)
		}
		checkAgainstStdlib(t, reused, line)
		// Explaining changes what a record tells, not what it is.
		if got, want := outcome(explaining, line), outcome(NewParser(Options{}), line); got != want {
			t.Fatalf("explaining parser: %s\nplain parser: %s", got, want)
		}
		var r3 Record
		err3 := lenient.Parse(line, &r3)
		if err3 == nil {
			for _, m := range r3.Metrics {
				if len(m.Name) == 0 || bytes.IndexByte(m.Name, '/') >= 0 {
					t.Fatalf("bad metric name %q with lenient options", m.Name)
				}
			}
		}
		if trimmed := bytes.TrimLeft(line, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' && (err3 == nil) != (err == nil) {
			t.Fatalf("validity of an object line depends on lenient options: %v vs %v", err, err3)
		}
		// mmdetection options exercise the type-as-split path.
		var r2 Record
		if err2 := NewParser(modeOpts).Parse(line, &r2); (err2 == nil) != (err == nil) {
			t.Fatalf("validity depends on options: %v vs %v", err, err2)
		}
	})
}
