// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package timeline

import (
	"math"
	"slices"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// rec builds a record: step (nil: none), own time in ms (0: none), and
// hints.
type rec struct {
	step        float64
	noStep      bool
	own         int64
	elapsed     float64
	stepSeconds float64
	runSeconds  float64
}

func (r rec) record() record.Record {
	out := record.Record{Step: r.step, HasStep: !r.noStep}
	if r.own != 0 {
		out.Time, out.HasTime = float64(r.own)/1000, true
	}
	if r.elapsed != 0 {
		out.Elapsed, out.HasElapsed = r.elapsed, true
	}
	if r.stepSeconds != 0 {
		out.StepSeconds, out.HasStepSeconds = r.stepSeconds, true
	}
	if r.runSeconds != 0 {
		out.RunSeconds, out.HasRunSeconds = r.runSeconds, true
	}
	return out
}

const mtime = 1_764_115_200_000 // ms: the file's modification time

const t0 = 1_700_000_000_000 // ms: a time records carry

// placeAll places recs read after the fact, as the engine does for the
// content a file had when found: ahead probes the records after i.
func placeAll(recs []rec, mode Mode, readMs []int64) ([]int64, []bool) {
	return placeWith(&Estimator{}, recs, mode, readMs)
}

func placeWith(e *Estimator, recs []rec, mode Mode, readMs []int64) ([]int64, []bool) {
	times := make([]int64, len(recs))
	estimated := make([]bool, len(recs))
	for i, r := range recs {
		rr := r.record()
		ahead := func(p *Probe) (int64, bool) {
			for _, next := range recs[i+1:] {
				nr := next.record()
				if !p.Observe(&nr) {
					break
				}
			}
			return mtime, true
		}
		read := int64(mtime)
		if readMs != nil {
			read = readMs[i]
		}
		e.Place(&rr, mode, read, ahead)
		times[i] = toMs(rr.Time)
		estimated[i] = rr.TimeEstimated
	}
	return times, estimated
}

func TestPlace(t *testing.T) {
	for _, tc := range []struct {
		name string
		recs []rec
		mode Mode
		read []int64
		want []int64 // ms relative to mtime for estimated records, absolute for own
	}{
		{
			name: "seconds per step back from the modification time (detectron2)",
			recs: []rec{{step: 19, stepSeconds: 0.5}, {step: 39, stepSeconds: 0.5}, {step: 59, stepSeconds: 0.25}},
			mode: CatchUp,
			// 20 steps at 0.25 s and 1 ms before the last; 20 at 0.5 s and 1 ms before that.
			want: []int64{mtime - 5001 - 10001, mtime - 5001, mtime},
		},
		{
			name: "a record at the same step adds 1 ms (detectron2's evaluation)",
			recs: []rec{{step: 19, stepSeconds: 0.5}, {step: 39, stepSeconds: 0.5}, {step: 39}},
			mode: CatchUp,
			want: []int64{mtime - 1 - 10001, mtime - 1, mtime},
		},
		{
			name: "nothing told: one second per record",
			recs: []rec{{noStep: true}, {noStep: true}, {noStep: true}},
			mode: CatchUp,
			want: []int64{mtime - 2002, mtime - 1001, mtime},
		},
		{
			name: "elapsed times (Chainer, LLaMA-Factory)",
			recs: []rec{{step: 10, elapsed: 63}, {step: 20, elapsed: 126}, {step: 30, elapsed: 190.5}},
			mode: CatchUp,
			want: []int64{mtime - 64501 - 63001, mtime - 64501, mtime},
		},
		{
			name: "an elapsed clock that starts again (a resumed run) adds its new value",
			recs: []rec{{step: 10, elapsed: 100}, {step: 5, elapsed: 30}},
			mode: CatchUp,
			want: []int64{mtime - 30001, mtime},
		},
		{
			name: "a summary's runtime over its steps (Hugging Face)",
			recs: []rec{{step: 500}, {step: 500}, {step: 1000}, {step: 1000, runSeconds: 1200}},
			mode: CatchUp,
			// 1.2 s per step: 500 steps are 600 s.
			want: []int64{mtime - 1 - 1 - 600001, mtime - 1 - 600001, mtime - 1, mtime},
		},
		{
			name: "steps that start again each epoch advance by the last increment",
			recs: []rec{{step: 50, stepSeconds: 1}, {step: 100, stepSeconds: 1}, {step: 50, stepSeconds: 1}},
			mode: CatchUp,
			want: []int64{mtime - 50001 - 50001, mtime - 50001, mtime},
		},
		{
			// The spacing belongs to the record that tells nothing: the
			// record with a time is 1 ms after the one before it.
			name: "records before the first own time are placed back from it",
			recs: []rec{{noStep: true}, {noStep: true}, {step: 1, own: t0 + 5_000_000}, {step: 2, own: t0 + 6_000_000}},
			mode: CatchUp,
			want: []int64{t0 + 5_000_000 - 1002, t0 + 5_000_000 - 1, t0 + 5_000_000, t0 + 6_000_000},
		},
		{
			// Between two own times the records are spread in the
			// clock's proportions: 1001, 1001 and 1 ms of 2003.
			name: "records without time between two own times are spread between them",
			recs: []rec{{step: 1, own: t0 + 5_000_000}, {step: 2}, {step: 3}, {step: 4, own: t0 + 5_002_003}},
			mode: CatchUp,
			want: []int64{t0 + 5_000_000, t0 + 5_001_001, t0 + 5_002_002, t0 + 5_002_003},
		},
		{
			// A run_start with a time, then records without: they reach
			// the modification time, not 1 ms after the start.
			name: "records without time after an own time are spread to the modification time",
			recs: []rec{{noStep: true, own: mtime - 4_000_000}, {step: 1}, {step: 2}, {step: 3}, {step: 4}},
			mode: CatchUp,
			want: []int64{mtime - 4_000_000, mtime - 3_000_000, mtime - 2_000_000, mtime - 1_000_000, mtime},
		},
		{
			// An estimate that overshoots does not move a later own time.
			name: "an own time after an estimate keeps its time",
			recs: []rec{{step: 1, elapsed: 1}, {step: 2, elapsed: 7201}, {step: 3, own: mtime - 7_300_000}, {step: 4, own: mtime - 7_200_000}},
			mode: CatchUp,
			want: []int64{mtime - 7_300_000 - 7_200_001 - 1, mtime - 7_300_000 - 1, mtime - 7_300_000, mtime - 7_200_000},
		},
		{
			// 1e300 seconds per step is no clock: a week at most.
			name: "a record tells a week at most",
			recs: []rec{{step: 1, stepSeconds: 1e300}, {step: 2, stepSeconds: 1e300}},
			mode: CatchUp,
			want: []int64{mtime - mostToldMs - 1, mtime},
		},
		{
			name: "own times that tie are put 1 ms apart; a clock that goes back keeps it",
			recs: []rec{{step: 1, own: t0 + 5_000_000}, {step: 2, own: t0 + 5_000_000}, {step: 3, own: t0 + 5_000_000}, {step: 4, own: t0 + 4_000_000}},
			mode: CatchUp,
			want: []int64{t0 + 5_000_000, t0 + 5_000_001, t0 + 5_000_002, t0 + 4_000_000},
		},
		{
			name: "live: the read time, never shared",
			recs: []rec{{step: 1}, {step: 2}, {step: 3}, {step: 4}},
			mode: Live,
			read: []int64{t0 + 7_000_000, t0 + 7_000_000, t0 + 7_000_000, t0 + 8_000_000},
			want: []int64{t0 + 7_000_000, t0 + 7_000_001, t0 + 7_000_002, t0 + 8_000_000},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, estimated := placeAll(tc.recs, tc.mode, tc.read)
			if !slices.Equal(got, tc.want) {
				t.Errorf("times %v\nwant  %v", got, tc.want)
			}
			for i, r := range tc.recs {
				if estimated[i] != (r.own == 0) {
					t.Errorf("record %d: estimated %v, own time %d", i, estimated[i], r.own)
				}
			}
		})
	}
}

// Every record read at once gets its own time, increasing in file order,
// whatever the records tell: the property the issue asks of remote write.
func TestPlaceDistinctIncreasing(t *testing.T) {
	recs := make([]rec, 0, 3000)
	for i := range 3000 {
		r := rec{step: float64(i % 700)} // epochs of 700 steps
		switch i % 5 {
		case 0:
			r.stepSeconds = 0.3
		case 1:
			r.noStep = true
		case 2:
			r.elapsed = float64(i) / 7
		}
		recs = append(recs, r)
	}
	got, _ := placeAll(recs, CatchUp, nil)
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("record %d at %d, not after record %d at %d", i, got[i], i-1, got[i-1])
		}
	}
	if got[len(got)-1] != mtime {
		t.Errorf("last record at %d, want the modification time %d", got[len(got)-1], mtime)
	}
}

// BenchmarkPlaceOwnTime is the cost per record of a log whose records
// carry their time, the common case: what placing adds to catching up.
func BenchmarkPlaceOwnTime(b *testing.B) {
	recs := make([]record.Record, 1000)
	for i := range recs {
		recs[i] = record.Record{Step: float64(i % 700), HasStep: true, Time: 1764115200 + float64(i)/4, HasTime: true}
	}
	var e Estimator
	r := recs[0]
	b.ResetTimer()
	for i := range b.N {
		src := &recs[i%len(recs)]
		r.Step, r.Time = src.Step, src.Time
		e.Place(&r, CatchUp, mtime, nil)
	}
}

// BenchmarkPlaceEstimated: records without a time, placed from a probe
// that ran once (the records of a segment after its anchor is known).
func BenchmarkPlaceEstimated(b *testing.B) {
	recs := make([]record.Record, 1000)
	for i := range recs {
		recs[i] = record.Record{Step: float64(i), HasStep: true, StepSeconds: 0.3, HasStepSeconds: true}
	}
	for b.Loop() {
		var e Estimator
		for i := range recs {
			r := recs[i]
			e.Place(&r, CatchUp, mtime, func(p *Probe) (int64, bool) {
				for j := i + 1; j < len(recs); j++ {
					n := recs[j]
					p.Observe(&n)
				}
				return mtime, true
			})
		}
	}
}

// TestResume: after a restart that resumes delivery, the records not
// delivered yet are placed after the last one delivered, spread to the
// modification time, whatever the records delivered before got now.
func TestResume(t *testing.T) {
	delivered := []rec{{step: 1}, {step: 2}}
	fresh := []rec{{step: 3}, {step: 4}}
	var e Estimator
	placeWith(&e, delivered, CatchUp, nil)
	e.Resume(mtime - 3000)
	got, _ := placeWith(&e, fresh, CatchUp, nil)
	if want := []int64{mtime - 1500, mtime}; !slices.Equal(got, want) {
		t.Errorf("times %v, want %v", got, want)
	}
}

// TestAheadDeclines: a probe that would cost too much is declined, and
// the record is placed forward from the previous one.
func TestAheadDeclines(t *testing.T) {
	var e Estimator
	first := rec{step: 1, own: t0 + 5_000_000}.record()
	e.Place(&first, CatchUp, mtime, nil)
	r := rec{step: 2, stepSeconds: 0.5}.record()
	e.Place(&r, CatchUp, mtime, func(*Probe) (int64, bool) { return 0, false })
	if got := toMs(r.Time); got != t0+5_000_000+500+1 {
		t.Errorf("placed at %d, want 501 ms after the previous record", got)
	}
}

// FuzzPlace: whatever the records tell (huge, negative, NaN hints, steps
// going back, own times anywhere), records without a time of their own
// get times that increase in file order and never go before 2000.
func FuzzPlace(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, false)
	f.Add([]byte{0xff, 0, 0x80, 7, 3, 200, 1, 9, 9, 9}, true)
	f.Fuzz(func(t *testing.T, data []byte, live bool) {
		var recs []rec
		for i := 0; i+1 < len(data); i += 2 {
			kind, v := data[i], float64(data[i+1])
			r := rec{step: v}
			switch kind % 8 {
			case 0:
				r.own = mtime - int64(v)*1000
			case 1:
				r.elapsed = v * 1e298
			case 2:
				r.stepSeconds = -v
			case 3:
				r.stepSeconds = math.NaN()
			case 4:
				r.runSeconds = v * 1e300
			case 5:
				r.noStep = true
			case 6:
				r.step = -v * 1e300
			}
			recs = append(recs, r)
		}
		mode := CatchUp
		if live {
			mode = Live
		}
		got, estimated := placeAll(recs, mode, nil)
		prev := int64(math.MinInt64)
		for i, tm := range got {
			if estimated[i] && (tm <= prev || tm < floorMs) {
				t.Fatalf("record %d at %d after %d (records %+v, times %v)", i, tm, prev, recs, got)
			}
			prev = tm
		}
	})
}
