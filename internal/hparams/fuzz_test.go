// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package hparams

import (
	"slices"
	"testing"
	"unicode/utf8"
)

// checkSet states what every reader promises of its set, whatever the
// input: bounded, sorted, unique names, valid UTF-8.
func checkSet(t *testing.T, s Set) {
	t.Helper()
	if len(s.Params) > MaxParams || len(s.LeftOut) > maxLeftOut+1 {
		t.Fatalf("%d params, %d left out", len(s.Params), len(s.LeftOut))
	}
	for i, p := range s.Params {
		if len(p.Name) > MaxNameBytes || len(p.Text) > MaxValueBytes || !utf8.ValidString(p.Name) || !utf8.ValidString(p.Text) {
			t.Fatalf("param %q = %q out of bounds", p.Name, p.Text)
		}
		if i > 0 && s.Params[i-1].Name >= p.Name {
			t.Fatalf("names not sorted and unique: %q, %q", s.Params[i-1].Name, p.Name)
		}
	}
	if !slices.IsSortedFunc(s.LeftOut[:min(len(s.LeftOut), maxLeftOut)], func(a, b LeftOut) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	}) {
		t.Fatal("left-out keys not sorted")
	}
}

func FuzzFromJSON(f *testing.F) {
	for _, s := range []string{`{"lr":3e-4,"model":"bert","opt":{"betas":[0.9,0.999]}}`, `{"a":{"value":1,"desc":null}}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if s, err := FromJSON(data); err == nil {
			checkSet(t, s)
		}
	})
}

func FuzzFromYAML(f *testing.F) {
	for _, s := range []string{"lr: 0.1\nopt:\n  betas: [0.9, 0.999]\n", "wandb_version: 1\nlr:\n  desc: null\n  value: 1\n", "a: &x {b: 1}\nc: *x\n", "- 1\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if s, err := FromYAML(data); err == nil {
			checkSet(t, s)
		}
	})
}

func FuzzFromPythonConfig(f *testing.F) {
	f.Add([]byte(mmengineConfig))
	for _, s := range []string{"a = dict(b=(1, ), c='x')\n", "a = {'k': [1, 2]}\n", "a = '''x\n", "a = dict(\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if s, err := FromPythonConfig(data); err == nil {
			checkSet(t, s)
		}
	})
}
