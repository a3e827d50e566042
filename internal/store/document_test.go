// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// TestApplyDocumentRecord: records of successive reads of a document
// (and of its checkpoint copies) are applied once by their step and
// place; the last one applied may come again with more metrics at its
// end, and then only those are applied.
func TestApplyDocumentRecord(t *testing.T) {
	s := newTestStore(100)
	var got []string // what subscribers were handed, sample by sample
	s.Subscribe(func(b *Batch) {
		for _, smp := range b.Samples {
			if smp.Name == "ml_loss" || smp.Name == "ml_acc" {
				got = append(got, fmt.Sprintf("%s=%g", strings.TrimPrefix(smp.Name, "ml_"), smp.Value))
			}
		}
	})
	run := s.RunState("r", nil)
	p := record.NewParser(record.Options{})
	var cache ShapeCache
	// Each read: the records of the document, with their step and place.
	reads := [][]string{
		{`{"step":1,"loss":1}`, `{"step":2,"loss":2}`},
		{`{"step":1,"loss":1}`, `{"step":2,"loss":2,"acc":20}`, `{"step":2,"loss":2.5}`, `{"step":3,"loss":3,"acc":30}`},
		{`{"step":1,"loss":1}`, `{"step":2,"loss":2,"acc":20}`}, // an older copy
		{`{"step":1,"loss":1}`, `{"step":2,"loss":2,"acc":20}`, `{"step":2,"loss":2.5}`, `{"step":3,"loss":3,"acc":30}`, `{"step":4,"loss":4}`},
	}
	for _, read := range reads {
		step, nth := 0.0, 0
		for _, line := range read {
			var rec record.Record
			if err := p.Parse([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Step != step {
				step, nth = rec.Step, 0
			}
			nth++
			if !run.ApplyDocumentRecord(&rec, step, nth, fixedMtime, &cache, Source{}) {
				t.Fatal("run gone")
			}
		}
	}
	want := []string{"loss=1", "loss=2", "acc=20", "loss=2.5", "loss=3", "acc=30", "loss=4"}
	if !slices.Equal(got, want) {
		t.Errorf("applied %v, want %v", got, want)
	}
	if p := run.Progress(); p.Step != 4 {
		t.Errorf("step %v, want 4", p.Step)
	}
}
