// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package openmetrics

import (
	"bytes"
	"math"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

func TestWriterText(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf)
	labels := []store.Label{{Name: "note", Value: "a \"quoted\"\\path\nline"}, {Name: "run", Value: "r1"}}
	w.Append(&store.Batch{Time: 1700000000.1234, Samples: []store.Sample{
		{Name: "ml_train_loss", Labels: labels, Value: 0.5},
		{Name: "ml_train_loss", Labels: labels, Value: math.NaN()},
		{Name: "ml_up", Value: math.Inf(1)},
	}})
	w.Append(&store.Batch{Time: 1700000001, Samples: []store.Sample{{Name: "ml_down", Value: math.Inf(-1)}}})
	n, err := w.Close()
	if err != nil || n != 4 {
		t.Fatalf("Close = %d, %v; want 4 samples", n, err)
	}
	want := `ml_train_loss{note="a \"quoted\"\\path\nline",run="r1"} 0.5 1700000000.123
ml_train_loss{note="a \"quoted\"\\path\nline",run="r1"} NaN 1700000000.123
ml_up +Inf 1700000000.123
ml_down -Inf 1700000001
# EOF
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
