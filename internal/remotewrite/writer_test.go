// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

var runA = []store.Label{{Name: "run", Value: "a"}}

// record is the batch of one record: loss and step at time t (seconds).
func record(t float64, loss float64, src store.Source) *store.Batch {
	return &store.Batch{Run: "a", Time: t, Source: src, Samples: []store.Sample{
		{Name: "ml_train_loss", Labels: runA, Value: loss},
		{Name: "ml_step", Labels: runA, Value: t},
	}}
}

// newTestWriter starts a writer that speaks protocol 1.0 to urls, named
// r0, r1, ...
func newTestWriter(t *testing.T, opts Options, urls ...string) (*Writer, *prometheus.Registry) {
	t.Helper()
	return newTestWriterProtocol(t, opts, Protocol1, urls...)
}

func newTestWriterProtocol(t *testing.T, opts Options, protocol string, urls ...string) (*Writer, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	for _, u := range urls {
		opts.Endpoints = append(opts.Endpoints, Endpoint{URL: u, Name: "r" + string(rune('0'+len(opts.Endpoints))), Protocol: protocol})
	}
	opts.Registerer = reg
	if opts.MinBackoff == 0 {
		opts.MinBackoff, opts.MaxBackoff = time.Millisecond, 5*time.Millisecond
	}
	if opts.SetupBackoff == 0 {
		opts.SetupBackoff = 5 * time.Millisecond
	}
	if opts.FlushInterval == 0 {
		opts.FlushInterval = 10 * time.Millisecond
	}
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	return w, reg
}

func closeWriter(t *testing.T, w *Writer, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// Every sample arrives at its record's time, in order, with __name__,
// the series' labels and the external labels that do not clash.
func TestDeliversEverySampleInOrder(t *testing.T) {
	r := newReceiver(t)
	w, reg := newTestWriter(t, Options{BatchSize: 7, ExternalLabels: map[string]string{"node": "n1", "run": "ignored"}}, r.url())
	const n = 100
	for i := range n {
		w.Append(record(1000+float64(i)*0.5, float64(n-i), store.Source{Path: "/runs/a.jsonl", Input: "/runs/*.jsonl", Offset: int64(20 * (i + 1))}))
	}
	closeWriter(t, w, 5*time.Second)
	loss := r.samples(`ml_train_loss{node="n1",run="a"}`)
	if len(loss) != n {
		t.Fatalf("got %d loss samples, want %d; series: %v", len(loss), n, r.got)
	}
	for i, s := range loss {
		if want := int64(1000000 + i*500); s.Timestamp != want || s.Value != float64(n-i) {
			t.Fatalf("sample %d = %v@%d, want %v@%d", i, s.Value, s.Timestamp, float64(n-i), want)
		}
	}
	if got := len(r.samples(`ml_step{node="n1",run="a"}`)); got != n {
		t.Errorf("got %d step samples, want %d", got, n)
	}
	if got := testutil.ToFloat64(w.m.sent.WithLabelValues("r0")); got != 2*n {
		t.Errorf("samples_sent_total = %v, want %d", got, 2*n)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP jsonl_exporter_remote_write_last_acked_record_timestamp_seconds Record time of the newest record the receiver acknowledged, by input (glob).
# TYPE jsonl_exporter_remote_write_last_acked_record_timestamp_seconds gauge
jsonl_exporter_remote_write_last_acked_record_timestamp_seconds{input="/runs/*.jsonl",remote="r0"} 1049.5
`), "jsonl_exporter_remote_write_last_acked_record_timestamp_seconds"); err != nil {
		t.Error(err)
	}
}

// A receiver that does not answer fills the queue; then Wait holds the
// reader until the receiver takes samples again, and nothing is lost.
func TestFullQueueMakesReadersWait(t *testing.T) {
	r := newReceiver(t)
	r.block = make(chan struct{})
	w, _ := newTestWriter(t, Options{BatchSize: 10, QueueCapacity: 20}, r.url())
	done := make(chan struct{})
	appended := make(chan int, 1000)
	go func() {
		defer close(done)
		for i := range 100 {
			w.Wait(nil)
			w.Append(record(float64(i+1), 1, store.Source{}))
			appended <- i
		}
	}()
	// One batch is in flight, the queue holds at most its capacity (plus
	// the record that filled it): the reader must stop well before 100.
	time.Sleep(300 * time.Millisecond)
	if n := len(appended); n > 20 {
		t.Fatalf("%d records appended while the receiver did not answer; the queue holds 20 samples", n)
	}
	if q := w.queues[0].length.Load(); q > 22 {
		t.Errorf("queue holds %d samples, capacity 20", q)
	}
	close(r.block)
	r.mu.Lock()
	r.block = nil
	r.mu.Unlock()
	<-done
	closeWriter(t, w, 5*time.Second)
	if got := r.total(); got != 200 {
		t.Errorf("delivered %d samples, want 200", got)
	}
}

// Close sends what is queued; what it cannot send in time is counted as
// dropped, and a reader waiting for room is let go.
func TestCloseFlushesOrCountsDropped(t *testing.T) {
	t.Run("flushes", func(t *testing.T) {
		r := newReceiver(t)
		w, _ := newTestWriter(t, Options{FlushInterval: time.Hour, BatchSize: 1000}, r.url())
		for i := range 10 {
			w.Append(record(float64(i+1), 1, store.Source{}))
		}
		closeWriter(t, w, 5*time.Second)
		if got := r.total(); got != 20 {
			t.Errorf("delivered %d samples at close, want 20", got)
		}
	})
	t.Run("receiver down", func(t *testing.T) {
		r := newReceiver(t)
		r.block = make(chan struct{})
		defer close(r.block)
		w, _ := newTestWriter(t, Options{BatchSize: 2, QueueCapacity: 4}, r.url())
		for i := range 3 {
			w.Append(record(float64(i+1), 1, store.Source{}))
		}
		released := make(chan struct{})
		go func() {
			w.Wait(nil) // the queue is full
			close(released)
		}()
		start := time.Now()
		closeWriter(t, w, 200*time.Millisecond)
		<-released
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Close took %s with a 200ms deadline", d)
		}
		dropped := testutil.ToFloat64(w.m.dropped.WithLabelValues("r0", "shutdown"))
		if dropped != 6 {
			t.Errorf("dropped %v samples, want 6", dropped)
		}
	})
}

// The state file keeps how far each file was acknowledged by every
// receiver; a new writer resumes there only if the file is the same.
func TestStateFile(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "metrics.jsonl")
	other := filepath.Join(dir, "other.jsonl")
	for _, p := range []string{log, other} {
		if err := os.WriteFile(p, []byte(strings.Repeat(`{"step":1,"loss":1}`+"\n", 3)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := filepath.Join(dir, "state.json")
	up, down := newReceiver(t), newReceiver(t, 400)
	w, _ := newTestWriter(t, Options{StateFile: state}, up.url(), down.url())
	w.Append(record(1, 1, store.Source{Path: log, Offset: 20}))
	w.Append(record(2, 1, store.Source{Path: log, Offset: 40}))
	w.Append(record(3, 1, store.Source{Path: other, Offset: 20}))
	closeWriter(t, w, 5*time.Second)

	w2, _ := newTestWriter(t, Options{StateFile: state}, up.url())
	// The time of the record at the offset comes back with it: the
	// records after it are placed after it (package timeline).
	if off, ms := w2.DeliveredTo(log); off != 40 || ms != 2000 {
		t.Errorf("DeliveredTo(log) = %d, %d; want 40, 2000", off, ms)
	}
	if off, ms := w2.DeliveredTo(filepath.Join(dir, "never.jsonl")); off != 0 || ms != 0 {
		t.Errorf("DeliveredTo(unknown) = %d, %d; want 0, 0", off, ms)
	}
	// Rewritten while the exporter was down: sent again from the start.
	if err := os.WriteFile(other, []byte(`{"step":9,"loss":9}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if off, _ := w2.DeliveredTo(other); off != 0 {
		t.Errorf("DeliveredTo(rewritten) = %d, want 0", off)
	}
	closeWriter(t, w2, time.Second)
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Endpoints: []Endpoint{{URL: "localhost:9090"}}}, "remote-write.url"},
		{Options{Endpoints: []Endpoint{{URL: "http://a/x"}, {URL: "http://a/x"}}}, "two endpoints"},
		{Options{Endpoints: []Endpoint{{URL: "http://a/x"}}, BatchSize: 10, QueueCapacity: 5}, "batch-size"},
		{Options{Endpoints: []Endpoint{{URL: "http://a/x"}}, ExternalLabels: map[string]string{"a-b": "x"}}, "external-label"},
	} {
		err := tc.opts.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error naming %q", tc.opts, err, tc.want)
		}
	}
}

// TestProtocolNegotiation: by default a writer speaks 2.0 to a receiver
// that takes it, and falls back to 1.0, without losing a sample, when the
// receiver answers 415 or accepts a 2.0 request without saying it wrote
// anything (a 1.0 receiver that does not look at the content type).
func TestProtocolNegotiation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		accepts  receiverKind
		protocol string
		want     string // protocol the samples arrived in
	}{
		{"2.0 receiver", takesBoth, ProtocolAuto, Protocol2},
		{"1.0 receiver answering 415", takes1Strict, ProtocolAuto, Protocol1},
		{"1.0 receiver ignoring the content type", takes1Lax, ProtocolAuto, Protocol1},
		{"1.0 configured", takesBoth, Protocol1, Protocol1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver(t)
			r.kind = tc.accepts
			w, _ := newTestWriterProtocol(t, Options{BatchSize: 5, ExternalLabels: map[string]string{"node": "n1"}}, tc.protocol, r.url())
			for i := range 20 {
				w.Append(record(100+float64(i), float64(i), store.Source{}))
			}
			closeWriter(t, w, 5*time.Second)
			loss := r.samples(`ml_train_loss{node="n1",run="a"}`)
			if len(loss) != 20 {
				t.Fatalf("%d loss samples arrived, want 20: %v", len(loss), r.got)
			}
			for i, s := range loss {
				if s.Value != float64(i) || s.Timestamp != int64(100000+1000*i) {
					t.Fatalf("sample %d = %v@%d", i, s.Value, s.Timestamp)
				}
			}
			if got := r.protocols(); len(got) != 1 || !got[tc.want] {
				t.Errorf("samples arrived in %v, want only %s", got, tc.want)
			}
		})
	}
}
