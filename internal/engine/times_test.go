// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// batchTimes follows dir with an engine and collects the time of every
// record's batch, by run, as subscribers (remote write) get them.
type batchTimes struct {
	mu        sync.Mutex
	times     map[string][]float64
	estimated map[string]int
}

func followTimes(t *testing.T, cfg Config) (*Engine, *batchTimes) {
	t.Helper()
	e, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	bt := &batchTimes{times: map[string][]float64{}, estimated: map[string]int{}}
	e.Store().Subscribe(func(b *store.Batch) {
		bt.mu.Lock()
		defer bt.mu.Unlock()
		bt.times[b.Run] = append(bt.times[b.Run], b.Time)
		if b.TimeEstimated {
			bt.estimated[b.Run]++
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Follow(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return e, bt
}

func (bt *batchTimes) of(run string) ([]float64, int) {
	bt.mu.Lock()
	defer bt.mu.Unlock()
	return append([]float64(nil), bt.times[run]...), bt.estimated[run]
}

// waitRecords polls, within a bound, until run has n records.
func (bt *batchTimes) waitRecords(t *testing.T, run string, n int) []float64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		times, _ := bt.of(run)
		if len(times) >= n || time.Now().After(deadline) {
			if len(times) != n {
				t.Fatalf("run %s: %d records, want %d", run, len(times), n)
			}
			return times
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func increasing(t *testing.T, what string, times []float64) {
	t.Helper()
	for i := 1; i < len(times); i++ {
		if times[i] <= times[i-1] {
			t.Fatalf("%s: record %d at %.3f, not after record %d at %.3f", what, i, times[i], i-1, times[i-1])
		}
	}
}

// TestTimesOfRecordsWithoutOne: records without a time of their own, read
// at catch-up and then as they are appended, each get their own time,
// increasing in file order: the catch-up ends at the file's modification
// time, spaced back by detectron2's seconds per iteration; records
// appended in one write are read together and still 1 ms apart.
func TestTimesOfRecordsWithoutOne(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "d2", "metrics.json")
		var b strings.Builder
		for it := 19; it < 2000; it += 20 {
			fmt.Fprintf(&b, `{"iteration": %d, "total_loss": %g, "time": 0.5, "data_time": 0.01}`+"\n", it, 2-float64(it)/2000)
		}
		appendTo(t, path, b.String())
		mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		cfg := testConfig(dir, poll)
		cfg.Inputs = []InputConfig{{Path: filepath.Join(dir, "*", "metrics.json")}}
		e, bt := followTimes(t, cfg)
		if err := e.WaitReady(context.Background()); err != nil {
			t.Fatal(err)
		}
		caught := bt.waitRecords(t, "d2", 100)
		increasing(t, "catch-up", caught)
		if last := caught[99]; last != float64(mtime.Unix()) {
			t.Errorf("last record at %.3f, want the modification time %d", last, mtime.Unix())
		}
		if gap := caught[1] - caught[0]; gap < 10.0009 || gap > 10.0011 {
			t.Errorf("records 20 iterations of 0.5 s apart are %.4f s apart, want 10.001", gap)
		}

		start := float64(time.Now().UnixMilli()) / 1000
		b.Reset()
		for it := 2019; it < 2119; it += 20 {
			fmt.Fprintf(&b, `{"iteration": %d, "total_loss": 1, "time": 0.5}`+"\n", it)
		}
		appendTo(t, path, b.String()) // one write: read together
		all := bt.waitRecords(t, "d2", 105)
		increasing(t, "live", all)
		if live := all[100]; live < start {
			t.Errorf("a live record at %.3f, before it was written (%.3f)", live, start)
		}
		if _, n := bt.of("d2"); n != 105 {
			t.Errorf("%d records marked estimated, want all 105", n)
		}
	})
}

// TestTimesAroundOwnTimes: a record without a time between records with
// one is placed between them by the clock (here a second against the next
// record's 1 ms: just before it); records before the first own time are
// placed back from it; tied own times are put 1 ms apart.
func TestTimesAroundOwnTimes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "seed", "logs", "metrics.jsonl")
	appendTo(t, path, `{"_type":"meta","host":"gpu-7"}
{"_type":"run_start","run_name":"seed","time":1764115200.0}
{"_type":"meta","host":"gpu-7","world_size":8}
{"_type":"metric","time":1764115201.5,"epoch":0,"step":10,"train.loss":2.3}
{"_type":"metric","time":1764115300.0,"epoch":1,"step":10,"val.loss":2.0}
{"_type":"epoch_end","time":1764115300.0,"epoch":1,"step":10}
`)
	cfg := testConfig(dir, true)
	cfg.Inputs = []InputConfig{{Path: filepath.Join(dir, "*", "logs", "metrics.jsonl")}}
	e, bt := followTimes(t, cfg)
	if err := e.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := bt.waitRecords(t, "seed", 6)
	want := []float64{1764115199.999, 1764115200, 1764115201.499, 1764115201.5, 1764115300, 1764115300.001}
	for i := range want {
		if d := got[i] - want[i]; d < -1e-4 || d > 1e-4 {
			t.Errorf("times %v\nwant  %v", got, want)
			break
		}
	}
	if _, n := bt.of("seed"); n != 2 {
		t.Errorf("%d records marked estimated, want the 2 meta records", n)
	}
}

// TestTimesOfADocumentRead again: a trainer_state.json rewritten with more
// records: the new ones are placed back from the new modification time,
// after the records of the first read.
func TestTimesOfADocumentReadAgain(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hf", "trainer_state.json")
	doc := func(steps int) string {
		var entries []string
		for s := 10; s <= steps; s += 10 {
			entries = append(entries, fmt.Sprintf(`{"epoch": %g, "learning_rate": 1e-05, "loss": %g, "step": %d}`, float64(s)/100, 3-float64(s)/100, s))
		}
		return `{"global_step": ` + fmt.Sprint(steps) + `, "log_history": [` + strings.Join(entries, ",\n") + "]}\n"
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(doc(50)), 0o644); err != nil {
		t.Fatal(err)
	}
	first := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, first, first); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(dir, true)
	cfg.Inputs = []InputConfig{{Path: filepath.Join(dir, "*", "trainer_state.json")}}
	e, bt := followTimes(t, cfg)
	if err := e.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	times := bt.waitRecords(t, "hf", 5)
	if times[4] != float64(first.Unix()) {
		t.Errorf("the first read's last record at %.3f, want %d", times[4], first.Unix())
	}
	// A rewrite whose modification time is only a second later: the even
	// spacing of its new records would reach before the first read's.
	if err := os.WriteFile(path, []byte(doc(100)), 0o644); err != nil {
		t.Fatal(err)
	}
	second := first.Add(time.Second)
	if err := os.Chtimes(path, second, second); err != nil {
		t.Fatal(err)
	}
	times = bt.waitRecords(t, "hf", 10)
	increasing(t, "two reads", times)
	if times[9] != float64(second.Unix()) {
		t.Errorf("the second read's last record at %.3f, want %d", times[9], second.Unix())
	}
}

// fakeDelivery says a file was delivered up to an offset, at a time, and
// keeps the time of every record handed to it.
type fakeDelivery struct {
	path       string
	offset, ms int64
	mu         sync.Mutex
	times      []float64
}

func (d *fakeDelivery) Append(b *store.Batch) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.times = append(d.times, b.Time)
}

func (d *fakeDelivery) DeliveredTo(path string) (int64, int64) {
	if path == d.path {
		return d.offset, d.ms
	}
	return 0, 0
}

func (d *fakeDelivery) Wait(<-chan struct{}) {}

// TestTimesAfterWhatWasDelivered: a restart that resumes delivery (a
// state file) places the records not delivered yet after the last one
// delivered, even though the records before it are estimated at other
// times now: the log grew, and its modification time moved.
func TestTimesAfterWhatWasDelivered(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run", "metrics.jsonl")
	var b strings.Builder
	for s := 1; s <= 20; s++ {
		fmt.Fprintf(&b, `{"step":%d,"loss":%d}`+"\n", s, 100-s)
	}
	appendTo(t, path, b.String())
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	// The first ten were sent before, the last of them at mtime - 3 s:
	// the even spacing would put the eleventh at mtime - 9 s, before it.
	first10 := int64(len(b.String()) / 2)
	lastSent := mtime.Add(-3 * time.Second).UnixMilli()
	d := &fakeDelivery{path: path, offset: first10, ms: lastSent}
	cfg := testConfig(dir, true)
	cfg.Inputs = []InputConfig{{Path: filepath.Join(dir, "*", "metrics.jsonl")}}
	e, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.delivery = d // as Service.Deliver sets it
	e.store.Subscribe(d.Append)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Follow(ctx) }()
	defer func() { cancel(); <-done }()
	if err := e.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.times) != 10 {
		t.Fatalf("%d records handed over, want the 10 not delivered", len(d.times))
	}
	prev := float64(lastSent) / 1000
	for i, tm := range d.times {
		if tm <= prev {
			t.Fatalf("record %d at %.3f, not after %.3f (times %v)", 11+i, tm, prev, d.times)
		}
		prev = tm
	}
	if last := d.times[9]; last != float64(mtime.Unix()) {
		t.Errorf("the last record at %.3f, want the modification time %d", last, mtime.Unix())
	}
}

// TestTimesOfCheckpointCopies: the copies of trainer_state.json in a
// run's checkpoints, all modified at one instant (a copy, a download),
// give the run's records times that never repeat nor go back: each copy
// is placed back from its modification time, and a later copy's new
// records come after the records an earlier copy gave.
func TestTimesOfCheckpointCopies(t *testing.T) {
	src := copyTestdata(t, "testdata/profiles/hf")
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Input = []string{filepath.Join(dir, "**", "trainer_state.json")}
	cfg.Discovery.Interval = 50 * time.Millisecond
	cfg.Tail.PollInterval = 50 * time.Millisecond
	_, bt := followTimes(t, cfg)
	records := 0
	for _, copy := range []string{"checkpoint-500/trainer_state.json", "checkpoint-1000/trainer_state.json", "trainer_state.json"} {
		from := filepath.Join(src, "output", "bert-finetune", copy)
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(dir, "output", "bert-finetune", copy)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(to, fixedMtime, fixedMtime); err != nil {
			t.Fatal(err)
		}
		records += map[string]int{"checkpoint-500/trainer_state.json": 4, "checkpoint-1000/trainer_state.json": 3, "trainer_state.json": 1}[copy]
		bt.waitRecords(t, "bert-finetune", records)
	}
	times, _ := bt.of("bert-finetune")
	increasing(t, "checkpoint copies", times)
}
