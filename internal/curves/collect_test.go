// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package curves

import (
	"math"
	"reflect"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// batch is what the store hands over for one record: the run's own
// series first, then the metrics the record set.
func batch(run, path string, t float64, step, global, epoch, records float64, metrics ...store.Sample) *store.Batch {
	b := &store.Batch{Run: run, Time: t, Source: store.Source{Path: path}}
	if step >= 0 {
		b.Samples = append(b.Samples, store.Sample{Name: "ml_epoch", Value: epoch}, store.Sample{Name: "ml_global_step", Value: global})
	}
	b.Samples = append(b.Samples, store.Sample{Name: "ml_records_total", Value: records}, store.Sample{Name: "ml_last_record_timestamp_seconds", Value: t})
	if step >= 0 {
		b.Samples = append(b.Samples, store.Sample{Name: "ml_step", Value: step})
	}
	b.Samples = append(b.Samples, store.Sample{Name: "ml_run_info", Value: 1})
	return appendSamples(b, metrics...)
}

func appendSamples(b *store.Batch, s ...store.Sample) *store.Batch {
	b.Samples = append(b.Samples, s...)
	return b
}

func loss(v float64) store.Sample { return store.Sample{Name: "ml_train_loss", Value: v} }

// seedRun is two epochs of three steps whose step resets, as the seed
// trainer logs them: the validation record carries the next epoch.
func seedRun(c *Collector) {
	c.Append(batch("a", "a.jsonl", 100, 0, 0, 0, 1, loss(3)))
	c.Append(batch("a", "a.jsonl", 101, 1, 1, 0, 2, loss(2.5), store.Sample{Name: "ml_train_lr", Value: 0.1}))
	c.Append(batch("a", "a.jsonl", 102, 2, 2, 0, 3, loss(math.NaN())))
	c.Append(batch("a", "a.jsonl", 103, 2, 2, 1, 4, store.Sample{Name: "ml_val_loss", Value: 2.2}))
	c.Append(batch("a", "a.jsonl", 104, 0, 3, 1, 5, loss(2)))
	c.Append(batch("a", "a.jsonl", 106, 1, 4, 1, 6, loss(math.Inf(1))))
	c.Append(batch("a", "a.jsonl", 107, 2, 5, 1, 7, loss(1.5)))
}

func TestCollectorX(t *testing.T) {
	for _, tc := range []struct {
		x         XKey
		wantX     []float64
		wantAlt   []float64
		wantValue []float64
	}{
		{Step, []float64{0, 1, 0, 2}, []float64{0, 1, 3, 5}, []float64{3, 2.5, 2, 1.5}},
		{GlobalStep, []float64{0, 1, 3, 5}, []float64{0, 1, 3, 5}, []float64{3, 2.5, 2, 1.5}},
		{Epoch, []float64{0, 0, 1, 1}, []float64{0, 1, 3, 5}, []float64{3, 2.5, 2, 1.5}},
		{Time, []float64{0, 1, 4, 7}, []float64{0, 1, 3, 5}, []float64{3, 2.5, 2, 1.5}},
	} {
		t.Run(tc.x.String(), func(t *testing.T) {
			c := NewCollector(tc.x, "ml", store.FixedSeries(), func(s string) bool { return s == "ml_train_loss" || s == "ml_val_loss" })
			seedRun(c)
			runs := c.Runs()
			if len(runs) != 1 {
				t.Fatalf("runs %v", runs)
			}
			r := runs[0]
			if r.Records != 7 || r.Resets != 1 || r.ByRecord != 0 {
				t.Errorf("records %d resets %d by record %d, want 7, 1, 0", r.Records, r.Resets, r.ByRecord)
			}
			cv := r.Curves["ml_train_loss"]
			var x, alt, y []float64
			for _, p := range cv.Points() {
				x, alt, y = append(x, p.X), append(alt, p.Alt), append(y, p.Y)
			}
			if !reflect.DeepEqual(x, tc.wantX) || !reflect.DeepEqual(alt, tc.wantAlt) || !reflect.DeepEqual(y, tc.wantValue) {
				t.Errorf("x %v alt %v y %v, want %v %v %v", x, alt, y, tc.wantX, tc.wantAlt, tc.wantValue)
			}
			if cv.NonFinite != 2 {
				t.Errorf("non-finite %d, want 2", cv.NonFinite)
			}
			if v := r.Curves["ml_val_loss"]; v == nil || v.Len() != 1 || v.Points()[0].Y != 2.2 {
				t.Errorf("validation curve %+v", v)
			}
			if r.Curves["ml_train_lr"] != nil {
				t.Error("kept a metric keep refused")
			}
		})
	}
}

func TestCollectorBookkeeping(t *testing.T) {
	c := NewCollector(Step, "ml", store.FixedSeries(), func(s string) bool { return s == "ml_train_loss" })
	seedRun(c)
	// A run without steps is drawn by record number; a file whose
	// records carry no metric is told apart.
	c.Append(batch("b", "b.jsonl", 200, -1, 0, 0, 1, loss(4)))
	c.Append(batch("b", "b.jsonl", 201, -1, 0, 0, 2, loss(3)))
	c.Append(batch("c", "c.jsonl", 300, -1, 0, 0, 1))
	// The store counts a step going back within an epoch as a restart.
	restarts := func(n float64) store.Sample { return store.Sample{Name: "ml_run_restarts_total", Value: n} }
	c.Append(appendSamples(batch("c", "c.jsonl", 301, 5, 5, 0, 2), restarts(0)))
	c.Append(appendSamples(batch("c", "c.jsonl", 302, 3, 3, 0, 3), restarts(1)))
	c.Append(appendSamples(batch("c", "c.jsonl", 303, 4, 4, 0, 4), restarts(1)))
	if got := c.Metrics(); !reflect.DeepEqual(got, []string{"ml_train_loss", "ml_train_lr", "ml_val_loss"}) {
		t.Errorf("metrics %v", got)
	}
	runs := c.Runs()
	if len(runs) != 3 || runs[0].Name != "a" || runs[1].Name != "b" || runs[2].Name != "c" || runs[1].Path != "b.jsonl" {
		t.Fatalf("runs not in the order they came: %v", runs)
	}
	if c := runs[2]; c.Resets != 1 || c.Restarts != 1 {
		t.Errorf("run c: resets %d restarts %d, want 1 and 1", c.Resets, c.Restarts)
	}
	b := runs[1]
	if b.ByRecord != 2 || b.Resets != 0 {
		t.Errorf("run b: by record %d resets %d, want 2 and 0", b.ByRecord, b.Resets)
	}
	if p := b.Curves["ml_train_loss"].Points(); len(p) != 2 || p[0].X != 1 || p[1].X != 2 {
		t.Errorf("run b drawn at %v, want record numbers 1 and 2", p)
	}
	for path, want := range map[string]int64{"a.jsonl": 7, "b.jsonl": 2, "c.jsonl": 0, "d.jsonl": 0} {
		if got := c.RecordsWithMetrics(path); got != want {
			t.Errorf("RecordsWithMetrics(%s) = %d, want %d", path, got, want)
		}
	}
}

func TestIsValidation(t *testing.T) {
	for s, want := range map[string]bool{"val_loss": true, "valid_loss": true, "eval_accuracy": true, "test_acc": true, "validation_loss": true, "train_loss": false, "loss": false, "interval_s": false} {
		if IsValidation(s) != want {
			t.Errorf("IsValidation(%s) = %v", s, !want)
		}
	}
}

// Records with nowhere to go on the axis are counted, not drawn; records
// with an estimated time are drawn by time, and counted.
func TestCollectorUnplaced(t *testing.T) {
	for _, tc := range []struct {
		x                   XKey
		unplaced, estimated int
	}{{Step, 0, 0}, {Epoch, 1, 0}, {Time, 0, 2}} {
		c := NewCollector(tc.x, "ml", store.FixedSeries(), func(s string) bool { return s == "ml_train_loss" })
		c.Append(batch("a", "a.jsonl", 100, 1, 1, 0, 1, loss(3)))
		estimated := batch("a", "a.jsonl", 200, 2, 2, 0, 2, loss(2))
		estimated.TimeEstimated = true
		c.Append(estimated)
		noEpoch := batch("a", "a.jsonl", 300, -1, 0, 0, 3, loss(1))
		noEpoch.TimeEstimated = true
		c.Append(noEpoch)
		r := c.Runs()[0]
		if r.Unplaced != tc.unplaced || r.Estimated != tc.estimated || r.Curves["ml_train_loss"].Len() != 3-tc.unplaced {
			t.Errorf("by %s: %d unplaced, %d estimated, %d points; want %d, %d and %d", tc.x, r.Unplaced, r.Estimated, r.Curves["ml_train_loss"].Len(), tc.unplaced, tc.estimated, 3-tc.unplaced)
		}
		if tc.x == Time {
			if p := r.Curves["ml_train_loss"].Points(); p[2].X != 200 {
				t.Errorf("by time: the last record at %v, want 200 s after the first", p[2].X)
			}
		}
	}
}
