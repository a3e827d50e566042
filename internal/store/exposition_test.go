// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import "testing"

func TestEscapingAndLabelOrder(t *testing.T) {
	l := newRunLabels([]string{"run"}, []string{"a\"b\\c\nd"})
	if want := `run="a\"b\\c\nd"`; l.text != want {
		t.Errorf("label text %s, want %s", l.text, want)
	}
	l = newRunLabels([]string{"run", "cluster", "zone"}, []string{"r", "c", "z"})
	if l.text != `cluster="c",run="r",zone="z"` || l.beforeMetric != `cluster="c"` || l.afterMetric != `run="r",zone="z"` {
		t.Errorf("sorted labels %q, split %q | %q", l.text, l.beforeMetric, l.afterMetric)
	}
	if got := escapeHelp("a\\b\nc"); got != `a\\b\nc` {
		t.Errorf("help %s", got)
	}
	for v, want := range map[float64]string{1.5: "1.5", 1e21: "1e+21", 0: "0"} {
		if got := string(appendValue(nil, v)); got != want {
			t.Errorf("appendValue(%v) = %s, want %s", v, got, want)
		}
	}
}
