// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"bufio"
	"bytes"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// sampleKey writes a sample's series as the text format does, with its
// own escaping, so that the store's rendering is checked, not reused.
func sampleKey(s Sample) string {
	var b strings.Builder
	b.WriteString(s.Name)
	b.WriteByte('{')
	for i, l := range s.Labels {
		if i > 0 {
			b.WriteByte(',')
			if s.Labels[i-1].Name >= l.Name {
				b.WriteString("UNSORTED")
			}
		}
		v := strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(l.Value)
		b.WriteString(l.Name + `="` + v + `"`)
	}
	b.WriteByte('}')
	return b.String()
}

// exposition returns the store's /metrics text as series -> value.
func exposition(t *testing.T, s *Store) map[string]float64 {
	t.Helper()
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := s.WriteText(w); err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(b.String(), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func sameValue(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// TestSubscribersSeeWhatMetricsShows: every sample handed to a subscriber
// is, by name, labels and value, a line /metrics shows right after the
// record, and every line /metrics shows of the runs came in some batch:
// one place names and labels series for scrapes and subscribers alike.
func TestSubscribersSeeWhatMetricsShows(t *testing.T) {
	s := New(Options{
		Namespace:  "ml",
		LabelNames: []string{"cluster", "zone"},
		MaxSeries:  100,
		Best:       BestRules{Minimize: regexp.MustCompile(DefaultBestMinimize), Maximize: regexp.MustCompile(DefaultBestMaximize)},
		Watch: WatchRules{
			Metrics:   regexp.MustCompile(DefaultWatchMetrics),
			EMAWeight: DefaultEMAWeight,
			Spike:     SpikeRules{Weight: DefaultSpikeWeight, Sigma: DefaultSpikeSigma, MinJump: DefaultSpikeMinJump, Warmup: 2},
		},
	})
	var batches []Batch
	s.Subscribe(func(b *Batch) {
		c := *b
		c.Samples = append([]Sample(nil), b.Samples...)
		batches = append(batches, c)
	})
	runs := map[string]*RunState{
		"a": s.RunState("a", []string{`quoted "c"`, "eu\nwest"}),
		"b": s.RunState("b", []string{"c2", "z"}),
	}
	lines := []struct{ run, line string }{
		{"a", `{"_type":"run_start","run_name":"a","model":"gpt-2","time":1764115200}`},
		{"a", `{"_type":"config","config":{"lr":3e-4,"model":"bert \"small\"\n","opt":{"betas":[0.9,0.999],"amp":true}},"time":1764115200}`},
		{"a", `{"_type":"train","step":0,"epoch":0,"loss":2.5,"acc":0.1,"lr":0.001,"time":1764115201}`},
		{"b", `{"_type":"train","step":0,"loss":3.0}`},
		{"a", `{"_type":"train","step":10,"epoch":0,"loss":2.25,"acc":0.2,"lr":0.001,"time":1764115202}`},
		{"a", `{"_type":"train","step":20,"epoch":0,"loss":NaN,"acc":0.15,"lr":0.001,"time":1764115203}`},
		{"a", `{"_type":"train","step":30,"epoch":0,"train-loss":40,"train_loss":41,"time":1764115204}`},
		{"a", `{"_type":"val","step":30,"epoch":0,"loss":2.0,"acc":0.3,"time":1764115205}`},
		{"a", `{"_type":"epoch_end","epoch":0,"loss":2.1,"time":1764115206}`},
		{"a", `{"_type":"train","step":0,"epoch":1,"loss":1.9,"acc":0.35,"time":1764115207}`},
		{"b", `{"_type":"meta","host":"gpu-1"}`},
		{"b", `{"_type":"train","step":5,"loss":2.0,"grad_norm":1e400}`},
	}
	p := record.NewParser(record.Options{})
	var cache ShapeCache
	for i, l := range lines {
		var rec record.Record
		if err := p.Parse([]byte(l.line), &rec); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		before := len(batches)
		if !runs[l.run].Apply(&rec, fixedMtime.Add(time.Duration(i)*time.Second), &cache) {
			t.Fatal("run gone")
		}
		if len(batches) != before+1 {
			t.Fatalf("line %d: %d batches, want 1", i, len(batches)-before)
		}
		b := batches[len(batches)-1]
		wantTime := rec.Time
		if !rec.HasTime {
			wantTime = float64(fixedMtime.Add(time.Duration(i) * time.Second).Unix())
		}
		if b.Run != l.run || b.Time != wantTime || b.TimeEstimated != !rec.HasTime {
			t.Errorf("line %d: batch of run %q at %v (read time %v), want %q at %v (%v)", i, b.Run, b.Time, b.TimeEstimated, l.run, wantTime, !rec.HasTime)
		}
		shown := exposition(t, s)
		seen := map[string]bool{}
		for _, smp := range b.Samples {
			k := sampleKey(smp)
			if seen[k] {
				t.Errorf("line %d: %s twice in one batch", i, k)
			}
			seen[k] = true
			if v, ok := shown[k]; !ok || !sameValue(v, smp.Value) {
				t.Errorf("line %d: sample %s %v; /metrics has %v (present: %v)", i, k, smp.Value, v, ok)
			}
		}
	}

	// Every series of /metrics came in a batch; a few named ones as well,
	// lest both sides lose them together.
	sent := map[string]bool{}
	for _, b := range batches {
		for _, smp := range b.Samples {
			sent[sampleKey(smp)] = true
		}
	}
	shown := exposition(t, s)
	for k := range shown {
		if !sent[k] {
			t.Errorf("/metrics shows %s, no batch had it", k)
		}
	}
	for _, k := range []string{
		`ml_train_loss_ema{cluster="quoted \"c\"",run="a",zone="eu\nwest"}`,
		`ml_train_loss_best_step{cluster="quoted \"c\"",run="a",zone="eu\nwest"}`,
		`ml_val_acc_best{cluster="quoted \"c\"",run="a",zone="eu\nwest"}`,
		`ml_nonfinite_values_total{cluster="quoted \"c\"",metric="ml_train_loss",run="a",zone="eu\nwest"}`,
		`ml_spikes_total{cluster="quoted \"c\"",metric="ml_train_loss",run="a",zone="eu\nwest"}`,
		`ml_epoch_end_loss{cluster="quoted \"c\"",run="a",zone="eu\nwest"}`,
		`ml_run_info{cluster="quoted \"c\"",model="gpt-2",run="a",zone="eu\nwest"}`,
		`ml_run_info{cluster="c2",host="gpu-1",run="b",zone="z"}`,
		`ml_global_step{cluster="c2",run="b",zone="z"}`,
		`ml_train_grad_norm{cluster="c2",run="b",zone="z"}`,
	} {
		if _, ok := shown[k]; !ok || !sent[k] {
			t.Errorf("%s: on /metrics %v, sent %v", k, ok, sent[k])
		}
	}

	// A renamed run's next batch carries its new label.
	if !s.Rename("b", "b2") {
		t.Fatal("rename refused")
	}
	var rec record.Record
	if err := p.Parse([]byte(`{"_type":"train","step":6,"loss":1.5}`), &rec); err != nil {
		t.Fatal(err)
	}
	runs["b"].Apply(&rec, fixedMtime, &cache)
	shown = exposition(t, s)
	for _, smp := range batches[len(batches)-1].Samples {
		if k := sampleKey(smp); !strings.Contains(k, `run="b2"`) || !sameValue(shown[k], smp.Value) {
			t.Errorf("after the rename: %s %v, /metrics %v", k, smp.Value, shown[k])
		}
	}
}

// TestEverySampleReachesSubscribers: /metrics keeps the newest value,
// a subscriber sees every value of every record, with its step.
func TestEverySampleReachesSubscribers(t *testing.T) {
	s := newTestStore(100)
	type point struct{ step, loss float64 }
	var got []point
	s.Subscribe(func(b *Batch) {
		var p point
		for _, smp := range b.Samples {
			switch smp.Name {
			case "ml_global_step":
				p.step = smp.Value
			case "ml_train_loss":
				p.loss = smp.Value
			}
		}
		got = append(got, p)
	})
	r := s.RunState("r", nil)
	for step := range 50 {
		rec := record.Record{Kind: record.KindMetric, Step: float64(step), HasStep: true, Shape: 1,
			Metrics: []record.Metric{{Name: []byte("train.loss"), Value: 1 / float64(step+1)}}}
		r.Apply(&rec, fixedMtime, nil)
	}
	if len(got) != 50 {
		t.Fatalf("%d batches, want 50", len(got))
	}
	for i, p := range got {
		if p.step != float64(i) || p.loss != 1/float64(i+1) {
			t.Fatalf("batch %d: step %v loss %v", i, p.step, p.loss)
		}
	}
}

// TestNoSubscriberKeepsNothing: without subscribers the record path
// gathers nothing for them.
func TestNoSubscriberKeepsNothing(t *testing.T) {
	s := newTestStore(100)
	r := s.RunState("r", nil)
	var cache ShapeCache
	for step := range 3 {
		rec := record.Record{Kind: record.KindMetric, Step: float64(step), HasStep: true, Shape: 1,
			Metrics: []record.Metric{{Name: []byte("train.loss"), Value: 1}}}
		r.Apply(&rec, fixedMtime, &cache)
	}
	if len(r.touched) != 0 || cap(r.batch.Samples) != 0 {
		t.Errorf("kept %d series, a batch of capacity %d", len(r.touched), cap(r.batch.Samples))
	}
}

// TestBatchMarksWrap: when the run's count of batches wraps, a series
// marked long ago is not taken for one already in the new batch.
func TestBatchMarksWrap(t *testing.T) {
	s := newTestStore(100)
	var names []string
	s.Subscribe(func(b *Batch) {
		names = names[:0]
		for _, smp := range b.Samples {
			names = append(names, smp.Name)
		}
	})
	r := s.RunState("r", nil)
	apply := func(metrics ...string) {
		rec := record.Record{Kind: record.KindMetric}
		for _, m := range metrics {
			rec.Metrics = append(rec.Metrics, record.Metric{Name: []byte(m), Value: 1})
		}
		r.Apply(&rec, fixedMtime, nil)
	}
	apply("a", "b")
	r.mu.Lock()
	r.stamp = math.MaxUint32 - 1
	r.mu.Unlock()
	apply("a") // the last count before the wrap
	apply("c") // the count wraps: c, never handed over, is not yet marked
	if !slices.Contains(names, "ml_c") {
		t.Errorf("series in the batch after the wrap: %v, want ml_c", names)
	}
	apply("a", "b", "a")
	got := slices.DeleteFunc(names, func(n string) bool { return n != "ml_a" && n != "ml_b" })
	if want := "ml_a ml_b"; strings.Join(got, " ") != want {
		t.Errorf("series in the last batch: %v, want %s", got, want)
	}
}
