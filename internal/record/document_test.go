// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"strings"
	"testing"
)

// trainerState is trainer_state.json as Hugging Face's Trainer writes it
// (json.dumps with indent=2 and sort_keys=True), NaN included.
const trainerState = `{
  "best_metric": null,
  "epoch": 1.0,
  "global_step": 500,
  "log_history": [
    {
      "epoch": 0.02,
      "grad_norm": NaN,
      "learning_rate": 4.9e-05,
      "loss": 2.4213,
      "step": 10
    },
    {
      "epoch": 1.0,
      "eval_loss": 1.873,
      "eval_runtime": 12.41,
      "step": 500
    }
  ],
  "trial_params": {"a": [1, "]"]}
}
`

func TestDocumentArray(t *testing.T) {
	elems, err := DocumentArray([]byte(trainerState), "log_history")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	p := NewParser(Options{})
	for _, e := range elems {
		got = append(got, outcome(p, e))
	}
	want := []string{
		"kind=metric step=10 epoch=0.02\n  metric grad_norm=NaN\n  metric learning_rate=4.9e-05\n  metric loss=2.4213",
		"kind=metric step=500 epoch=1\n  metric eval_loss=1.873\n  metric eval_runtime=12.41",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for _, tc := range []struct{ name, doc string }{
		{"no such key", `{"a": []}`},
		{"cut short", trainerState[:len(trainerState)/2]},
		{"cut inside a string", `{"log_history": [{"a": "x`},
		{"not an object", `[1]`},
		{"empty", ``},
		{"key holds no array", `{"log_history": 3}`},
	} {
		if _, err := DocumentArray([]byte(tc.doc), "log_history"); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if elems, err := DocumentArray([]byte(`{"x": {"log_history": [1]}, "log_history": []}`), "log_history"); err != nil || len(elems) != 0 {
		t.Errorf("empty top-level array: %q, %v", elems, err)
	}
}

func FuzzDocumentArray(f *testing.F) {
	f.Add([]byte(trainerState))
	f.Add([]byte(`{"log_history":[{"a":1},2,"x",[3]]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		elems, err := DocumentArray(doc, "log_history")
		if err != nil {
			return
		}
		var r Record
		p := NewParser(Options{})
		for _, e := range elems {
			_ = p.Parse(e, &r)
		}
	})
}
