// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package watch

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// seriesOf names a metric as the store does, for the tests' names.
func seriesOf(n string) string {
	return "ml_" + strings.NewReplacer(".", "_", "/", "_").Replace(n)
}

// rec is one record as the store hands it over.
type rec struct {
	run      string
	t        float64
	step     float64
	finished bool
	epoch    float64 // with hasEpoch: the record carries an epoch
	hasEpoch bool
	restarts float64 // the store's count of the run's restarts
	metrics  map[string]float64
}

func (r rec) batch(records float64) *store.Batch {
	b := &store.Batch{Run: r.run, Time: r.t}
	add := func(n string, v float64) { b.Samples = append(b.Samples, store.Sample{Name: n, Value: v}) }
	add("ml_global_step", r.step)
	add("ml_last_record_timestamp_seconds", r.t)
	add("ml_records_total", records)
	fin := 0.0
	if r.finished {
		fin = 1
	}
	add("ml_run_finished", fin)
	add("ml_step", r.step)
	add("ml_run_info", 1)
	if r.hasEpoch {
		add("ml_epoch", r.epoch)
	}
	add("ml_run_restarts_total", r.restarts)
	for n, v := range r.metrics {
		add(seriesOf(n), v)
		add(seriesOf(n)+"_best", v)
	}
	return b
}

func feed(m *Model, recs ...rec) {
	count := map[string]float64{}
	for _, r := range recs {
		count[r.run]++
		m.Append(r.batch(count[r.run]))
	}
}

const t0 = 1764115200.0

// trainRun is a run of n records, one a second, 10 steps apart.
func trainRun(run string, n int, loss func(i int) float64) []rec {
	var out []rec
	for i := range n {
		r := rec{run: run, t: t0 + float64(i), step: float64(10 * (i + 1)), metrics: map[string]float64{"train.loss": loss(i), "train.lr": 1e-4}}
		out = append(out, r)
		if (i+1)%25 == 0 {
			out = append(out, rec{run: run, t: t0 + float64(i) + 0.5, step: float64(10 * (i + 1)), metrics: map[string]float64{"val.loss": loss(i) + 0.1}})
		}
	}
	return out
}

func TestRows(t *testing.T) {
	m := New("ml", seriesOf, nil)
	feed(m, trainRun("alpha", 100, func(i int) float64 { return 3 - float64(i)/50 })...)
	feed(m, trainRun("beta", 40, func(i int) float64 { return 2 + math.Sin(float64(i)) })...)
	feed(m, rec{run: "beta", t: t0 + 40, step: 400, finished: true})
	feed(m, rec{run: "gamma", t: t0 + 5, step: 0, metrics: map[string]float64{"loss": math.NaN()}})

	now := time.Unix(int64(t0)+100, 0)
	rows := m.Rows(now)
	if len(rows) != 3 {
		t.Fatalf("rows %d", len(rows))
	}
	for _, tc := range []struct {
		run        string
		status     store.Status
		step, rate float64
		train      float64
		best       float64
		val        float64
		hasVal     bool
		age        time.Duration
	}{
		{"alpha", store.StatusRunning, 1000, 10, 3 - 99.0/50, 3 - 99.0/50, 3 - 99.0/50 + 0.1, true, 500 * time.Millisecond},
		{"beta", store.StatusFinished, 400, 10, 2 + math.Sin(39), 2 + math.Sin(11), 2 + math.Sin(24) + 0.1, true, 60 * time.Second},
		{"gamma", store.StatusRunning, 0, 0, 0, 0, 0, false, 95 * time.Second},
	} {
		t.Run(tc.run, func(t *testing.T) {
			var r Row
			for _, r = range rows {
				if r.Run == tc.run {
					break
				}
			}
			if r.Status != tc.status || r.Step != tc.step || r.Age != tc.age {
				t.Errorf("status %v step %g age %v, want %v %g %v", r.Status, r.Step, r.Age, tc.status, tc.step, tc.age)
			}
			if math.Abs(r.StepsPerSec-tc.rate) > 1e-9 {
				t.Errorf("steps/s %g, want %g", r.StepsPerSec, tc.rate)
			}
			if math.Abs(r.TrainLoss-tc.train) > 1e-9 || math.Abs(r.BestTrainLoss-tc.best) > 1e-9 {
				t.Errorf("train loss %g best %g, want %g %g", r.TrainLoss, r.BestTrainLoss, tc.train, tc.best)
			}
			if r.HasVal != tc.hasVal || math.Abs(r.ValLoss-tc.val) > 1e-9 {
				t.Errorf("val loss %g (%v), want %g", r.ValLoss, r.HasVal, tc.val)
			}
		})
	}
	// The store's rule: a run silent for more than 10 minutes is stalled.
	if got := m.Rows(now.Add(20 * time.Minute))[0].Status; got != store.StatusStalled {
		t.Errorf("alpha 20 minutes on: %v, want stalled", got)
	}
}

func TestMetricsOrder(t *testing.T) {
	m := New("ml", seriesOf, nil)
	feed(m, rec{run: "a", t: t0, step: 1, metrics: map[string]float64{"train.lr": 1, "train.grad_norm": 2, "train.loss": 3, "val.loss": 4, "val.acc": 0.5}})
	want := "ml_train_loss ml_val_loss ml_val_acc ml_train_lr ml_train_grad_norm"
	if got := strings.Join(m.Metrics(), " "); got != want {
		t.Errorf("metrics %q, want %q", got, want)
	}
	asked := New("ml", seriesOf, []string{"val.acc", "ml_train_lr", "val/acc"})
	if got := strings.Join(asked.Metrics(), " "); got != "ml_val_acc ml_train_lr" {
		t.Errorf("asked metrics %q", got)
	}
}

// TestMemoryBounded: a long run keeps MaxBuckets points per metric.
func TestMemoryBounded(t *testing.T) {
	m := New("ml", seriesOf, nil)
	b := rec{run: "long", metrics: map[string]float64{"train.loss": 0}}.batch(0)
	for i := range 200_000 {
		for k := range b.Samples {
			switch b.Samples[k].Name {
			case "ml_global_step", "ml_step":
				b.Samples[k].Value = float64(i)
			case "ml_train_loss":
				b.Samples[k].Value = 1 / float64(i+1)
			}
		}
		m.Append(b)
	}
	s := m.runs["long"].series["ml_train_loss"]
	if s.Len() > MaxBuckets || s.Count() != 200_000 || s.Least() != 1/200_000.0 {
		t.Errorf("kept %d of %d, least %g", s.Len(), s.Count(), s.Least())
	}
}

func TestRenderGolden(t *testing.T) {
	m := New("ml", seriesOf, nil)
	lr3e4 := trainRun("bert-base-lr3e-4", 200, func(i int) float64 { return 0.5 + 2.5*math.Exp(-float64(i)/40) + 0.1*math.Sin(float64(i)) })
	for i := range lr3e4 {
		lr3e4[i].epoch, lr3e4[i].hasEpoch = math.Floor(lr3e4[i].step/500), true // 50 records an epoch
	}
	feed(m, lr3e4...)
	feed(m, trainRun("bert-base-lr1e-3", 120, func(i int) float64 { return 0.8 + 2*math.Exp(-float64(i)/25) })...)
	feed(m, rec{run: "bert-base-lr1e-3", t: t0 + 121, step: 1200, finished: true})
	now := time.Unix(int64(t0)+300, 0)
	for _, tc := range []struct {
		name string
		v    View
	}{
		{"default", View{Width: 80, ChartRows: 12}},
		{"smooth-ema-logy", View{Width: 80, ChartRows: 12, Smooth: 20, Mode: 2, LogY: true}},
		{"val-loss-narrow", View{Width: 50, ChartRows: 8, Metric: "ml_val_loss", Smooth: 20}},
		{"lr-flat", View{Width: 60, ChartRows: 6, Metric: "ml_train_lr"}},
		{"unknown-metric", View{Width: 60, ChartRows: 6, Metric: "ml_nothing"}},
		{"sorted-by-loss-one-hidden", View{Width: 80, ChartRows: 8, Sort: ColLoss, Hidden: map[string]bool{"bert-base-lr1e-3": true}}},
		{"sorted-by-step-reversed", View{Width: 80, ChartRows: 4, Sort: ColStep, Reverse: true}},
		{"all-hidden", View{Width: 80, ChartRows: 4, Hidden: map[string]bool{"bert-base-lr1e-3": true, "bert-base-lr3e-4": true}}},
		{"by-time", View{Width: 80, ChartRows: 8, X: XTime}},
		{"by-epoch-one-without", View{Width: 80, ChartRows: 8, X: XEpoch}},
		{"by-epoch-none", View{Width: 80, ChartRows: 8, X: XEpoch, Hidden: map[string]bool{"bert-base-lr3e-4": true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, filepath.Join("testdata", tc.name+".txt"), m.Render(now, tc.v))
		})
	}
	golden(t, filepath.Join("testdata", "empty.txt"), New("ml", seriesOf, nil).Render(now, View{Width: 60, ChartRows: 6}))
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs; got:\n%s", path, got)
	}
	for i, l := range strings.Split(strings.TrimRight(got, "\n"), "\n") {
		if n := visibleLen(l); n > 80 {
			t.Errorf("%s line %d is %d characters wide", path, i+1, n)
		}
	}
}

func TestSortRows(t *testing.T) {
	// Rows by name, as Rows gives them; "c" has no loss, no rate, no age.
	rows := []Row{
		{Run: "a", Status: store.StatusFinished, Step: 300, HasStep: true, StepsPerSec: 5, HasRate: true, TrainLoss: 0.9, BestTrainLoss: 0.5, HasTrain: true, Age: time.Hour, HasAge: true},
		{Run: "b", Status: store.StatusStalled, Step: 100, HasStep: true, StepsPerSec: 9, HasRate: true, TrainLoss: 0.4, BestTrainLoss: 0.4, HasTrain: true, ValLoss: 1, HasVal: true, Age: time.Minute, HasAge: true},
		{Run: "c", Status: store.StatusRunning, Step: 300, HasStep: true},
		{Run: "d", Status: store.StatusRunning, Step: 200, HasStep: true, StepsPerSec: 1, HasRate: true, TrainLoss: 0.6, BestTrainLoss: 0.3, HasTrain: true, ValLoss: 0.8, HasVal: true, Age: time.Second, HasAge: true},
	}
	for _, tc := range []struct {
		col     Column
		reverse bool
		want    string
	}{
		{ColRun, false, "abcd"},
		{ColRun, true, "dcba"},
		{ColStatus, false, "bcda"}, // stalled first, then running, then finished
		{ColStep, false, "acdb"},   // furthest first; ties by name
		{ColStep, true, "bdac"},
		{ColRate, false, "badc"}, // fastest first; no rate last
		{ColRate, true, "dabc"},  // no rate last either way
		{ColLoss, false, "bdac"},
		{ColBest, false, "dbac"},
		{ColValLoss, false, "dbac"},
		{ColAgo, false, "dbac"},
		{ColAgo, true, "abdc"},
	} {
		got := slices.Clone(rows)
		sortRows(got, tc.col, tc.reverse)
		var order string
		for _, r := range got {
			order += r.Run
		}
		if order != tc.want {
			t.Errorf("%v reverse %v: %s, want %s", tc.col, tc.reverse, order, tc.want)
		}
	}
}

func TestParseColumnAndXKey(t *testing.T) {
	for i := range NumColumns {
		if c, ok := ParseColumn(i.String()); !ok || c != i {
			t.Errorf("%v does not read back", i)
		}
	}
	if _, ok := ParseColumn("LOSS"); ok {
		t.Error("column names are lower case")
	}
	for s, want := range map[string]XKey{"step": XStep, "global_step": XStep, "time": XTime, "epoch": XEpoch} {
		if k, ok := ParseXKey(s); !ok || k != want {
			t.Errorf("%s: %v %v", s, k, ok)
		}
	}
	if _, ok := ParseXKey("wall"); ok {
		t.Error("wall is no x key")
	}
}

// TestRestartReplaces: a run resumed from an earlier checkpoint trains
// steps again; they replace those logged before, so the curve does not
// go back, BEST is of the steps kept, and the rate starts anew.
func TestRestartReplaces(t *testing.T) {
	m := New("ml", seriesOf, nil)
	var recs []rec
	for i := range 100 { // steps 10..1000, the loss least (0.1) at step 900
		loss := 2 - float64(i)/100
		if i == 89 {
			loss = 0.1
		}
		recs = append(recs, rec{run: "r", t: t0 + float64(i), step: float64(10 * (i + 1)), metrics: map[string]float64{"train.loss": loss}})
	}
	// Resumed from the checkpoint of step 500, slower.
	for i := range 20 {
		recs = append(recs, rec{run: "r", t: t0 + 200 + 2*float64(i), step: float64(500 + 10*i), restarts: 1, metrics: map[string]float64{"train.loss": 1.5}})
	}
	feed(m, recs...)
	xs, _ := m.runs["r"].series["ml_train_loss"].Points(XStep)
	for i := 1; i < len(xs); i++ {
		if xs[i] <= xs[i-1] {
			t.Fatalf("the curve goes back at %d: %v", i, xs[max(0, i-3):i+1])
		}
	}
	if last := xs[len(xs)-1]; last != 690 {
		t.Errorf("last step %g, want 690", last)
	}
	row := m.Rows(time.Unix(int64(t0)+240, 0))[0]
	if row.BestTrainLoss != 1.5 || row.TrainLoss != 1.5 {
		t.Errorf("best %g last %g, want 1.5 and 1.5: the least before step 500 was 2-48/100 = 1.52, and 0.1 was at step 900", row.BestTrainLoss, row.TrainLoss)
	}
	if !row.HasRate || math.Abs(row.StepsPerSec-5) > 1e-9 {
		t.Errorf("steps per second %g (%v), want 5: the resumed run's own", row.StepsPerSec, row.HasRate)
	}
}

// TestRateOfReadsTogether: a log without times read every half second
// gives its records read times a millisecond apart. Steps per second is
// still the trainer's, not the pace of one read's records.
func TestRateOfReadsTogether(t *testing.T) {
	for _, tc := range []struct {
		name     string
		perRead  int     // records a read finds
		every    float64 // seconds between reads
		wantRate float64
	}{
		{"10 a second, read every second", 10, 1, 10},
		{"50 a read, every half second", 50, 0.5, 100},
		{"one every 3 s, read every half second", 1, 3, 1.0 / 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New("ml", seriesOf, nil)
			var recs []rec
			step := 0.0
			for read := range 120 {
				at := t0 + float64(read)*tc.every
				for i := range tc.perRead {
					step++
					recs = append(recs, rec{run: "r", t: at + float64(i)/1000, step: step, metrics: map[string]float64{"train.loss": 1}})
				}
			}
			feed(m, recs...)
			row := m.Rows(time.Unix(int64(t0), 0))[0]
			if !row.HasRate || math.Abs(row.StepsPerSec-tc.wantRate)/tc.wantRate > 0.1 {
				t.Errorf("steps per second %g (%v), want %g within 10%%", row.StepsPerSec, row.HasRate, tc.wantRate)
			}
		})
	}
}
