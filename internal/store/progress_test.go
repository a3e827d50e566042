// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"bufio"
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/hparams"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// t0 is the record time the tests start at; every time is driven by them.
const t0 = 1.7e9

// prec is a record as a profile's rules leave it: step, epoch, time and
// hints.
type prec struct {
	t, step, epoch   float64
	hasStep, hasEpoc bool
	kind             record.Kind
	hints            record.RunHints
	prefix           string
}

func step(t, s float64) prec { return prec{t: t, step: s, hasStep: true} }

func (p prec) with(h record.RunHints) prec { p.hints = h; return p }

func apply(r *RunState, recs ...prec) {
	for _, p := range recs {
		rec := record.Record{Kind: p.kind, Step: p.step, HasStep: p.hasStep, Epoch: p.epoch, HasEpoch: p.hasEpoc,
			Time: t0 + p.t, HasTime: true, Run: p.hints, Prefix: []byte(p.prefix),
			Metrics: []record.Metric{{Name: []byte("loss"), Value: 1}}}
		r.Apply(&rec, time.Unix(int64(t0+p.t), 0), nil)
	}
}

func setHparams(r *RunState, params ...hparams.Param) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.progress.setHparams(params)
}

func num(name string, v float64) hparams.Param {
	return hparams.Param{Name: name, Text: "", Value: v, Numeric: true}
}

type wantProgress struct {
	ratio, eta       float64
	hasRatio, hasETA bool
	finished         bool
}

func checkCompletion(t *testing.T, got Completion, w wantProgress) {
	t.Helper()
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if got.HasRatio != w.hasRatio || w.hasRatio && !near(got.Ratio, w.ratio) ||
		got.HasETA != w.hasETA || w.hasETA && !near(got.ETA, w.eta) || got.Finished != w.finished {
		t.Errorf("got ratio %g (%v), eta %g (%v), finished %v; want ratio %g (%v), eta %g (%v), finished %v",
			got.Ratio, got.HasRatio, got.ETA, got.HasETA, got.Finished, w.ratio, w.hasRatio, w.eta, w.hasETA, w.finished)
	}
}

// TestProgressSources: the share done and the time to finish from each
// way producers tell them.
func TestProgressSources(t *testing.T) {
	tests := []struct {
		name    string
		params  []hparams.Param
		records []prec
		want    wantProgress
	}{
		{
			name: "LLaMA-Factory: percentage and remaining_time win over steps",
			records: []prec{
				step(0, 10).with(record.RunHints{TotalSteps: 60, HasTotalSteps: true, Percent: 16.67, HasPercent: true, ETA: 160, HasETA: true}),
				step(31, 20).with(record.RunHints{TotalSteps: 60, HasTotalSteps: true, Percent: 33.33, HasPercent: true, ETA: 126, HasETA: true}),
			},
			want: wantProgress{ratio: 0.3333, hasRatio: true, eta: 126, hasETA: true},
		},
		{
			name: "a total in the records, the ETA from the step rate",
			records: []prec{
				step(0, 10).with(record.RunHints{TotalSteps: 100, HasTotalSteps: true}),
				step(10, 20).with(record.RunHints{TotalSteps: 100, HasTotalSteps: true}),
			},
			want: wantProgress{ratio: 0.2, hasRatio: true, eta: 80, hasETA: true},
		},
		{
			name:    "the seed trainer: total_steps in its config",
			params:  []hparams.Param{num("lr", 3e-4), num("total_steps", 100)},
			records: []prec{step(0, 10), step(10, 20), step(20, 30), step(30, 40)},
			want:    wantProgress{ratio: 0.4, hasRatio: true, eta: 60, hasETA: true},
		},
		{
			name:    "the seed trainer: epochs × steps_per_epoch",
			params:  []hparams.Param{num("epochs", 2), num("steps_per_epoch", 100)},
			records: []prec{step(0, 0), step(100, 50)},
			want:    wantProgress{ratio: 0.25, hasRatio: true, eta: 300, hasETA: true},
		},
		{
			name:   "the seed trainer: epoch_end carries the epochs done",
			params: []hparams.Param{num("epochs", 4)},
			records: []prec{
				{t: 0, epoch: 1, hasEpoc: true, kind: record.KindEpochEnd, hints: record.RunHints{EpochsDone: 1, HasEpochsDone: true}},
			},
			want: wantProgress{ratio: 0.25, hasRatio: true},
		},
		{
			name:    "the rate is over the last 10 minutes of record time",
			params:  []hparams.Param{num("max_steps", 1000)},
			records: []prec{step(0, 0), step(60, 100), step(3600, 200), step(3660, 300)},
			want:    wantProgress{ratio: 0.3, hasRatio: true, eta: 420, hasETA: true}, // 100 steps a minute, not 300 an hour
		},
		{
			name:    "Hugging Face: max_steps -1 is no total, the epochs are",
			params:  []hparams.Param{num("max_steps", -1), num("num_train_epochs", 3)},
			records: []prec{{t: 0, step: 50, hasStep: true, epoch: 1.5, hasEpoc: true, hints: record.RunHints{EpochsDone: 1.5, HasEpochsDone: true}}},
			want:    wantProgress{ratio: 0.5, hasRatio: true},
		},
		{
			name: "Hugging Face: max_steps of trainer_state.json, then train_runtime",
			records: []prec{
				step(0, 500).with(record.RunHints{TotalSteps: 1000, HasTotalSteps: true}),
				step(600, 990).with(record.RunHints{TotalSteps: 1000, HasTotalSteps: true}),
				step(601, 1000).with(record.RunHints{TotalSteps: 1000, HasTotalSteps: true, Final: true}),
			},
			want: wantProgress{ratio: 1, hasRatio: true, eta: 0, hasETA: true, finished: true},
		},
		{
			name:    "detectron2: iteration 89999 of MAX_ITER 90000 is done",
			params:  []hparams.Param{num("SOLVER.MAX_ITER", 90000)},
			records: []prec{step(0, 89979).with(record.RunHints{StepFromZero: true, ETA: 7, HasETA: true}), step(7, 89999).with(record.RunHints{StepFromZero: true, ETA: 0, HasETA: true})},
			want:    wantProgress{ratio: 1, hasRatio: true, eta: 0, hasETA: true, finished: true},
		},
		{
			name:    "detectron2 without its config: the producer's ETA, no share",
			records: []prec{step(0, 19).with(record.RunHints{StepFromZero: true, ETA: 6523.3, HasETA: true}), step(7, 59)},
			want:    wantProgress{eta: 6523.3, hasETA: true},
		},
		{
			name:   "Keras: rows close epochs counted from 0",
			params: []hparams.Param{num("epochs", 10)},
			records: []prec{
				{t: 0, epoch: 0, hasEpoc: true, hints: record.RunHints{EpochEnds: true}},
				{t: 60, epoch: 1, hasEpoc: true, hints: record.RunHints{EpochEnds: true}},
			},
			want: wantProgress{ratio: 0.2, hasRatio: true, eta: 480, hasETA: true},
		},
		{
			name:   "Ultralytics: rows close epochs counted from 1",
			params: []hparams.Param{num("epochs", 10)},
			records: []prec{
				{t: 0, epoch: 1, hasEpoc: true, hints: record.RunHints{EpochEnds: true}},
				{t: 60, epoch: 2, hasEpoc: true, hints: record.RunHints{EpochEnds: true}},
			},
			want: wantProgress{ratio: 0.2, hasRatio: true, eta: 480, hasETA: true},
		},
		{
			name:    "ms-swift: a summary finishes a run of unknown length",
			records: []prec{step(0, 1), {t: 10, hints: record.RunHints{Final: true}}},
			want:    wantProgress{eta: 0, hasETA: true, finished: true},
		},
		{
			name:    "a record of the split summary finishes the run ({\"_type\":\"summary\"})",
			params:  []hparams.Param{num("total_steps", 200)},
			records: []prec{step(0, 198), step(10, 199), {t: 11, prefix: "summary"}},
			want:    wantProgress{ratio: 0.995, hasRatio: true, eta: 0, hasETA: true, finished: true},
		},
		{
			name:   "steps counted from 0 and epochs: the last epoch_end says all is done",
			params: []hparams.Param{num("total_steps", 200), num("epochs", 2), num("steps_per_epoch", 100)},
			records: []prec{
				{t: 0, step: 99, hasStep: true, epoch: 1, hasEpoc: true, kind: record.KindEpochEnd, hints: record.RunHints{EpochsDone: 1, HasEpochsDone: true}},
				{t: 10, step: 199, hasStep: true, epoch: 1, hasEpoc: true},
			},
			want: wantProgress{ratio: 0.995, hasRatio: true, eta: 0.005 / (0.495 / 10), hasETA: true},
		},
		{
			name:   "…and with the last epoch_end, done",
			params: []hparams.Param{num("total_steps", 200), num("epochs", 2)},
			records: []prec{
				{t: 10, step: 199, hasStep: true, epoch: 1, hasEpoc: true},
				{t: 11, step: 199, hasStep: true, epoch: 2, hasEpoc: true, kind: record.KindEpochEnd, hints: record.RunHints{EpochsDone: 2, HasEpochsDone: true}},
			},
			want: wantProgress{ratio: 1, hasRatio: true, eta: 0, hasETA: true, finished: true},
		},
		{
			name:    "no total: no share, no estimate",
			params:  []hparams.Param{num("lr", 0.1), {Name: "max_steps", Text: "many"}},
			records: []prec{step(0, 10), step(10, 20), step(20, 30)},
			want:    wantProgress{},
		},
		{
			name:    "a record's total wins over the hyperparameters'",
			params:  []hparams.Param{num("max_steps", 1000)},
			records: []prec{step(0, 10).with(record.RunHints{TotalSteps: 100, HasTotalSteps: true})},
			want:    wantProgress{ratio: 0.1, hasRatio: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestStore(1000).RunState("r", nil)
			if tt.params != nil {
				setHparams(r, tt.params...)
			}
			apply(r, tt.records...)
			checkCompletion(t, r.Completion(), tt.want)
		})
	}
}

// TestProgressHparamsLater: hyperparameters that come after the records
// (a file beside the log read later) give the share at once.
func TestProgressHparamsLater(t *testing.T) {
	r := newTestStore(1000).RunState("r", nil)
	apply(r, step(0, 10), step(10, 20))
	checkCompletion(t, r.Completion(), wantProgress{})
	setHparams(r, num("train_cfg.max_iters", 200))
	checkCompletion(t, r.Completion(), wantProgress{ratio: 0.1, hasRatio: true})
	setHparams(r) // the file lost its key
	apply(r, step(20, 30))
	checkCompletion(t, r.Completion(), wantProgress{ratio: 0.1, hasRatio: true}) // known once, kept until a restart
}

// TestProgressRestartAfterFinish: a run that finished and starts again is
// no longer finished; its share is its new attempt's.
func TestProgressRestartAfterFinish(t *testing.T) {
	r := newTestStore(1000).RunState("r", nil)
	setHparams(r, num("max_steps", 100))
	apply(r, step(0, 50), step(10, 100))
	checkCompletion(t, r.Completion(), wantProgress{ratio: 1, hasRatio: true, eta: 0, hasETA: true, finished: true})
	apply(r, step(100, 10))
	checkCompletion(t, r.Completion(), wantProgress{ratio: 0.1, hasRatio: true})
	apply(r, step(110, 20))
	checkCompletion(t, r.Completion(), wantProgress{ratio: 0.2, hasRatio: true, eta: 80, hasETA: true})

	// A summary finishes it; a restart undoes that too.
	apply(r, step(120, 30).with(record.RunHints{Final: true}), step(130, 5))
	if c := r.Completion(); c.Finished {
		t.Errorf("finished after a restart: %+v", c)
	}
}

// TestRecordInterval: the median of the last 16 positive gaps.
func TestRecordInterval(t *testing.T) {
	r := newTestStore(1000).RunState("r", nil)
	if _, ok := r.progressIntervalForTest(); ok {
		t.Error("an interval before any record")
	}
	apply(r, step(0, 1))
	if _, ok := r.progressIntervalForTest(); ok {
		t.Error("an interval after one record")
	}
	apply(r, step(0, 2)) // same time: no gap
	if _, ok := r.progressIntervalForTest(); ok {
		t.Error("an interval from a gap of 0")
	}
	apply(r, step(10, 3), step(15, 4), step(1000, 5)) // gaps 10, 5, 985
	if v, _ := r.progressIntervalForTest(); v != 10 {
		t.Errorf("interval %g, want 10", v)
	}
	for i := range 16 { // 16 gaps of 60 s push the others out
		apply(r, step(1000+60*float64(i+1), float64(6+i)))
	}
	if v, _ := r.progressIntervalForTest(); v != 60 {
		t.Errorf("interval %g, want 60", v)
	}
}

func (r *RunState) progressIntervalForTest() (float64, bool) {
	c := r.Completion()
	return c.Interval, c.HasInterval
}

// TestStatus: the Go rule, with now driven by the test.
func TestStatus(t *testing.T) {
	at := func(secs float64) time.Time { return time.Unix(0, int64((t0+secs)*1e9)) }
	r := newTestStore(1000).RunState("r", nil)
	if got := r.Status(at(0)); got != StatusRunning {
		t.Errorf("a run without records: %v", got)
	}
	apply(r, step(0, 1), step(10, 2), step(20, 3)) // every 10 s: stalled after 10 minutes
	for _, c := range []struct {
		now  float64
		want Status
	}{{20, StatusRunning}, {20 + 600, StatusRunning}, {20 + 601, StatusStalled}, {20 + 3600, StatusStalled}} {
		if got := r.Status(at(c.now)); got != c.want {
			t.Errorf("fast run at +%gs: %v, want %v", c.now, got, c.want)
		}
	}
	// It resumes.
	apply(r, step(3600, 4))
	if got := r.Status(at(3601)); got != StatusRunning {
		t.Errorf("resumed: %v", got)
	}

	// One record every 5 minutes: stalled after 25.
	slow := newTestStore(1000).RunState("slow", nil)
	for i := range 6 {
		apply(slow, step(300*float64(i), float64(i)))
	}
	last := 300 * 5.0
	for _, c := range []struct {
		now  float64
		want Status
	}{{last + 12*60, StatusRunning}, {last + 25*60, StatusRunning}, {last + 26*60, StatusStalled}} {
		if got := slow.Status(at(c.now)); got != c.want {
			t.Errorf("slow run at +%gs: %v, want %v", c.now-last, got, c.want)
		}
	}

	// A finished run is never stalled.
	done := newTestStore(1000).RunState("done", nil)
	apply(done, step(0, 1), step(10, 2).with(record.RunHints{Final: true}))
	if got := done.Status(at(86400)); got != StatusFinished {
		t.Errorf("finished run a day later: %v", got)
	}
	if s := StatusStalled.String(); s != "stalled" {
		t.Errorf("String: %q", s)
	}
}

// TestProgressSeries: the ml_run_* series are on /metrics and in every
// batch where known, and absent where not.
func TestProgressSeries(t *testing.T) {
	s := newTestStore(1000)
	var last []string
	s.Subscribe(func(b *Batch) {
		last = last[:0]
		for _, x := range b.Samples {
			if strings.HasPrefix(x.Name, "ml_run_") && x.Name != "ml_run_info" && x.Name != "ml_run_restarts_total" {
				last = append(last, x.Name)
			}
		}
	})
	known := s.RunState("known", nil)
	setHparams(known, num("max_steps", 100))
	apply(known, step(0, 10), step(10, 20))
	if want := "ml_run_eta_seconds ml_run_finished ml_run_progress_ratio ml_run_record_interval_seconds"; strings.Join(last, " ") != want {
		t.Errorf("batch has %v, want %s", last, want)
	}
	unknown := s.RunState("unknown", nil)
	apply(unknown, step(0, 10))
	if want := "ml_run_finished"; strings.Join(last, " ") != want {
		t.Errorf("batch of a run of unknown length has %v, want %s", last, want)
	}

	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := s.WriteText(w); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, line := range []string{
		`ml_run_progress_ratio{run="known"} 0.2`,
		`ml_run_eta_seconds{run="known"} 80`,
		`ml_run_finished{run="known"} 0`,
		`ml_run_record_interval_seconds{run="known"} 10`,
		`ml_run_finished{run="unknown"} 0`,
		"# TYPE ml_run_progress_ratio gauge",
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("/metrics lacks %s", line)
		}
	}
	for _, absent := range []string{`ml_run_progress_ratio{run="unknown"}`, `ml_run_eta_seconds{run="unknown"}`, `ml_run_record_interval_seconds{run="unknown"}`} {
		if strings.Contains(text, absent) {
			t.Errorf("/metrics has %s", absent)
		}
	}
}
