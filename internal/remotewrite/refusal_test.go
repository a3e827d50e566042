// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/config"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// logBuffer keeps what a logger wrote.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLog() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, nil)), b
}

// logFiles writes files named in dir, long enough to be fingerprinted,
// and returns their paths.
func logFiles(t *testing.T, names ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for _, name := range names {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Repeat(`{"step":1,"loss":1}`+"\n", 4)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// readState returns the offsets of a state file (none when there is no file).
func readState(t *testing.T, path string) map[string]int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]int64{}
	}
	if err != nil {
		t.Fatal(err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for p, f := range st.Files {
		out[p] = f.Offset
	}
	return out
}

// TestRefusals: for each kind of answer, what is counted as sent, failed
// (by reason) and retried, how far the state file goes, and what is
// logged: the receiver's reason without its trailing newline.
func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name       string
		protocol   string
		maxRetries int
		script     []reply
		sent       float64
		failed     float64 // under reason
		reason     string
		reqs       int
		retried    bool
		state      int64 // offset saved for the file; 0: none
		log        string
	}{
		{name: "accepted", protocol: Protocol1, sent: 6, reqs: 1, state: 60},
		{name: "accepted, 2.0", protocol: Protocol2, sent: 6, reqs: 1, state: 60},
		{name: "400 refused for good, 1.0", protocol: Protocol1, script: []reply{{400, "out of bounds", 0}},
			failed: 6, reason: "400", reqs: 1, state: 60, log: `status=400 reason="out of bounds" samples=6`},
		{name: "400 written in part, 2.0", protocol: Protocol2, script: []reply{{400, "out of bounds for series {a}\nout of bounds for series {b}", 4}},
			sent: 4, failed: 2, reason: "400", reqs: 1, state: 60, log: `status=400 reason="out of bounds for series {a}" more_lines=1 samples=2`},
		{name: "accepted but not all written, 2.0", protocol: Protocol2, script: []reply{{200, "", 5}},
			sent: 5, failed: 1, reason: "not_written", reqs: 1, state: 60, log: `reason="the receiver accepted the request but says it wrote 5 of its 6 samples"`},
		{name: "401 retried until accepted", protocol: Protocol1, script: []reply{{401, "no org id", 0}, {401, "no org id", 0}},
			sent: 6, reqs: 3, retried: true, state: 60, log: `status=401 reason="no org id"`},
		{name: "403 retried until accepted, 2.0", protocol: Protocol2, script: []reply{{403, "forbidden", 0}},
			sent: 6, reqs: 2, retried: true, state: 60, log: `retrying until the configuration is fixed`},
		{name: "404 retried until accepted", protocol: Protocol1, script: []reply{{404, "404 page not found", 0}},
			sent: 6, reqs: 2, retried: true, state: 60, log: `status=404 reason="404 page not found"`},
		{name: "408 retried", protocol: Protocol1, script: []reply{{408, "timeout", 0}},
			sent: 6, reqs: 2, retried: true, state: 60},
		{name: "5xx and 429 retried", protocol: Protocol1, script: []reply{{500, "boom", 0}, {503, "busy", 0}, {429, "slow down", 0}},
			sent: 6, reqs: 4, retried: true, state: 60, log: `status=500 reason=boom`},
		{name: "401 ends a backfill's batch at once", protocol: Protocol1, maxRetries: 3, script: []reply{{401, "no org id", 0}, {401, "no org id", 0}},
			failed: 6, reason: "401", reqs: 1, log: `(authentication, authorization or URL); the state file keeps their records for the next run" remote=r0 status=401 reason="no org id" samples=6`},
		{name: "503 out of retries", protocol: Protocol1, maxRetries: 2, script: []reply{{503, "busy", 0}, {503, "busy", 0}, {503, "busy", 0}},
			failed: 6, reason: "503", reqs: 3, retried: true},
		{name: "408 out of retries", protocol: Protocol2, maxRetries: 1, script: []reply{{408, "timeout", 0}, {408, "timeout", 0}},
			failed: 6, reason: "408", reqs: 2, retried: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := logFiles(t, "metrics.jsonl")[0]
			state := filepath.Join(t.TempDir(), "state.json")
			r := newReceiverReplies(t, tc.script...)
			r.kind = takesBoth
			logger, logs := newLog()
			w, _ := newTestWriterProtocol(t, Options{BatchSize: 6, FlushInterval: time.Hour, MaxRetries: tc.maxRetries,
				StateFile: state, Logger: logger}, tc.protocol, r.url())
			for i := range 3 {
				w.Append(record(float64(i+1), 1, store.Source{Path: log, Offset: int64(20 * (i + 1))}))
			}
			closeWriter(t, w, 5*time.Second)
			if got := testutil.ToFloat64(w.m.sent.WithLabelValues("r0")); got != tc.sent {
				t.Errorf("sent %v, want %v", got, tc.sent)
			}
			if got := float64(r.total()); got != tc.sent {
				t.Errorf("the receiver kept %v samples; %v were counted as sent", got, tc.sent)
			}
			if got := testutil.CollectAndCount(w.m.failed); (got > 0) != (tc.failed > 0) {
				t.Errorf("%d failed series, want failed = %v", got, tc.failed)
			}
			if tc.failed > 0 {
				if got := testutil.ToFloat64(w.m.failed.WithLabelValues("r0", tc.reason)); got != tc.failed {
					t.Errorf("failed{reason=%q} = %v, want %v", tc.reason, got, tc.failed)
				}
			}
			if r.reqs != tc.reqs {
				t.Errorf("%d requests, want %d", r.reqs, tc.reqs)
			}
			if got := testutil.ToFloat64(w.m.retried.WithLabelValues("r0")) > 0; got != tc.retried {
				t.Errorf("retried = %v, want %v", got, tc.retried)
			}
			if got := readState(t, state)[log]; got != tc.state {
				t.Errorf("state file: %s at %d, want %d", log, got, tc.state)
			}
			out := logs.String()
			if c := strings.Count(out, tc.log); tc.log != "" && c != 1 {
				t.Errorf("the log says %q %d times, want once:\n%s", tc.log, c, out)
			}
			if strings.Contains(out, `\n"`) {
				t.Errorf("a logged reason keeps the receiver's newline:\n%s", out)
			}
		})
	}
}

// TestNetworkErrorOutOfRetries: no receiver at all, in a backfill: the
// samples are failed{network} and the state file does not move.
func TestNetworkErrorOutOfRetries(t *testing.T) {
	log := logFiles(t, "metrics.jsonl")[0]
	state := filepath.Join(t.TempDir(), "state.json")
	r := newReceiver(t)
	r.srv.Close()
	w, _ := newTestWriter(t, Options{MaxRetries: 2, StateFile: state}, r.url())
	w.Append(record(1, 1, store.Source{Path: log, Offset: 20}))
	closeWriter(t, w, 5*time.Second)
	if got := testutil.ToFloat64(w.m.failed.WithLabelValues("r0", "network")); got != 2 {
		t.Errorf("failed{reason=network} = %v, want 2", got)
	}
	if got := readState(t, state); len(got) != 0 {
		t.Errorf("state file %v, want nothing delivered", got)
	}
}

// TestRefusalLoggedOncePerReason: many refused batches log one line per
// reason (the first receiver's words), and Refusals sums them.
func TestRefusalLoggedOncePerReason(t *testing.T) {
	r := newReceiverReplies(t,
		reply{400, "out of bounds 1", 0}, reply{400, "out of bounds 2", 0}, reply{400, "out of bounds 3", 0},
		reply{422, "unprocessable 1", 0}, reply{422, "unprocessable 2", 0})
	logger, logs := newLog()
	w, _ := newTestWriter(t, Options{BatchSize: 2, FlushInterval: time.Hour, Logger: logger}, r.url())
	for i := range 6 {
		w.Append(record(float64(i+1), 1, store.Source{}))
	}
	closeWriter(t, w, 5*time.Second)
	out := logs.String()
	if n := strings.Count(out, "refused samples"); n != 2 {
		t.Errorf("%d refusals logged, want 2 (one per reason):\n%s", n, out)
	}
	for _, want := range []string{`status=400 reason="out of bounds 1"`, `status=422 reason="unprocessable 1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log does not say %q:\n%s", want, out)
		}
	}
	got := w.Refusals()
	want := []Refusal{{"r0", "400", 6, "out of bounds 1"}, {"r0", "422", 4, "unprocessable 1"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Refusals() = %+v, want %+v", got, want)
	}
	if sent := testutil.ToFloat64(w.m.sent.WithLabelValues("r0")); sent != 2 {
		t.Errorf("sent %v, want 2", sent)
	}
}

// TestStateHeldPerFile: a batch out of retries holds the offsets of its
// files, and of the file whose record goes on in the next batch, for the
// rest of the run; files whose records were all delivered move on.
func TestStateHeldPerFile(t *testing.T) {
	paths := logFiles(t, "a.jsonl", "b.jsonl", "c.jsonl")
	a, b, c := paths[0], paths[1], paths[2]
	state := filepath.Join(t.TempDir(), "state.json")
	// Batches of 3 samples, records of 2: the first batch holds a's record
	// and the first sample of b's.
	r := newReceiverReplies(t, reply{503, "busy", 0}, reply{503, "busy", 0})
	w, _ := newTestWriter(t, Options{BatchSize: 3, QueueCapacity: 100, FlushInterval: time.Hour, MaxRetries: 1, StateFile: state}, r.url())
	w.Append(record(1, 1, store.Source{Path: a, Offset: 20}))
	w.Append(record(2, 1, store.Source{Path: b, Offset: 20}))
	w.Append(record(3, 1, store.Source{Path: c, Offset: 20}))
	w.Append(record(4, 1, store.Source{Path: a, Offset: 40}))
	w.Append(record(5, 1, store.Source{Path: c, Offset: 40}))
	closeWriter(t, w, 5*time.Second)
	if got := testutil.ToFloat64(w.m.failed.WithLabelValues("r0", "503")); got != 3 {
		t.Errorf("failed{503} = %v, want 3", got)
	}
	got := readState(t, state)
	if _, ok := got[a]; ok {
		t.Errorf("a's first record was not delivered, yet the state file has a at %d", got[a])
	}
	if _, ok := got[b]; ok {
		t.Errorf("b's record was not delivered whole, yet the state file has b at %d", got[b])
	}
	if got[c] != 40 {
		t.Errorf("state file: c at %d, want 40 (all its records delivered)", got[c])
	}
}

// TestStateIsTheLeastOfTheReceivers: a file stays where the receiver that
// did not store it left it, whatever the others took.
func TestStateIsTheLeastOfTheReceivers(t *testing.T) {
	log := logFiles(t, "metrics.jsonl")[0]
	state := filepath.Join(t.TempDir(), "state.json")
	up, refusing := newReceiver(t), newReceiver(t, 401, 401, 401)
	w, _ := newTestWriter(t, Options{MaxRetries: 2, StateFile: state}, up.url(), refusing.url())
	w.Append(record(1, 1, store.Source{Path: log, Offset: 20}))
	w.Append(record(2, 1, store.Source{Path: log, Offset: 40}))
	closeWriter(t, w, 5*time.Second)
	if up.total() != 4 {
		t.Errorf("the receiver that takes samples got %d, want 4", up.total())
	}
	if got := readState(t, state); len(got) != 0 {
		t.Errorf("state file %v: a receiver stored none of the records", got)
	}
}

// TestSetupErrorWaitsForTheFix: while serving, a receiver that refuses
// every request for its authentication holds the records: nothing is
// counted as failed, the readers wait when the queue is full, the reason
// is logged once a minute, and a Reconfigure with the missing header
// sends them all at once, the waiting batch first.
func TestSetupErrorWaitsForTheFix(t *testing.T) {
	log := logFiles(t, "metrics.jsonl")[0]
	state := filepath.Join(t.TempDir(), "state.json")
	r := newReceiver(t)
	r.header = "X-Scope-OrgID"
	logger, logs := newLog()
	// After the first refusal the sender would wait an hour: only
	// Reconfigure makes it try again.
	opts := Options{BatchSize: 4, QueueCapacity: 8, FlushInterval: 10 * time.Millisecond, StateFile: state, Logger: logger,
		MinBackoff: time.Hour, MaxBackoff: time.Hour, SetupBackoff: time.Hour}
	w, _ := newTestWriter(t, opts, r.url())
	const n = 20
	appended := make(chan int, n)
	go func() {
		for i := range n {
			w.Wait(nil)
			w.Append(record(float64(i+1), 1, store.Source{Path: log, Offset: int64(20 * (i + 1))}))
			appended <- i
		}
		close(appended)
	}()
	if err := eventually(10*time.Second, func() bool { return testutil.ToFloat64(w.m.retried.WithLabelValues("r0")) > 0 }); err != nil {
		t.Fatal("the refused batch was not retried")
	}
	// The queue (8 samples) and the batch in flight (4) hold 6 records at
	// most, and the reader waits.
	if err := eventually(10*time.Second, func() bool { return w.queues[0].length.Load() >= 8 }); err != nil {
		t.Fatal("the queue did not fill")
	}
	if k := len(appended); k > 7 {
		t.Errorf("%d records appended while the receiver refused everything; the queue holds 4", k)
	}
	if r.total() != 0 || testutil.CollectAndCount(w.m.failed) != 0 {
		t.Errorf("delivered %d, failed series %d: want none while the configuration is wrong", r.total(), testutil.CollectAndCount(w.m.failed))
	}

	// A new URL needs a restart; a header does not.
	moved := opts
	moved.Endpoints = []Endpoint{{URL: r.url() + "/other", Name: "r0", Protocol: Protocol1}}
	if err := w.Reconfigure(moved); err == nil || !strings.Contains(err.Error(), "remote-write.url: changes only on restart") {
		t.Errorf("Reconfigure with another URL: %v", err)
	}
	fixed := opts
	fixed.Endpoints = []Endpoint{{URL: r.url(), Name: "r0", Protocol: Protocol1, HTTP: config.HTTPClientConfig{
		HTTPHeaders: &config.Headers{Headers: map[string]config.Header{"X-Scope-OrgID": {Values: []string{"ml"}}}}}}}
	if err := w.Reconfigure(fixed); err != nil {
		t.Fatal(err)
	}
	for range appended {
	}
	closeWriter(t, w, 10*time.Second)
	if got := r.total(); got != 2*n {
		t.Errorf("delivered %d samples after the fix, want %d", got, 2*n)
	}
	if got := readState(t, state)[log]; got != 20*n {
		t.Errorf("state file: %d, want %d", got, 20*n)
	}
	if c := strings.Count(logs.String(), "retrying until the configuration is fixed"); c != 1 {
		t.Errorf("the refusal was logged %d times, want once:\n%s", c, logs.String())
	}
	if !strings.Contains(logs.String(), `status=401 reason="no org id"`) {
		t.Errorf("the log does not give the receiver's reason:\n%s", logs.String())
	}
}

// eventually polls cond every 5 ms until it holds or d passed.
func eventually(d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// TestRepeatedTimes: within one request Prometheus counts a sample that
// repeats its series' time as written, and keeps one. A repeat with
// another value is therefore not sent but counted as dropped
// (repeated_time) and logged; a repeat with the same value is left out
// and shares the fate of its request; a sample whose time goes back
// starts another request, for the receiver to judge.
func TestRepeatedTimes(t *testing.T) {
	for _, protocol := range []string{Protocol1, Protocol2} {
		t.Run(protocol, func(t *testing.T) {
			// The first request (r1, r3; r2 left out) is refused in part.
			r := newReceiverReplies(t, reply{400, "out of bounds", 2})
			r.kind = takesBoth
			logger, logs := newLog()
			w, _ := newTestWriterProtocol(t, Options{BatchSize: 100, FlushInterval: time.Hour, Logger: logger}, protocol, r.url())
			w.Append(record(1, 1, store.Source{}))
			w.Append(record(1, 2, store.Source{})) // the same time: the loss repeats with another value, the step with the same
			w.Append(record(2, 3, store.Source{}))
			w.Append(record(1.5, 4, store.Source{})) // back in time: a second request
			closeWriter(t, w, 5*time.Second)
			if r.reqs != 2 {
				t.Errorf("%d requests, want 2", r.reqs)
			}
			sent, failed := 4.0, 3.0 // 2.0: 2 of the first request's 4 written; its left-out step fails with it
			if protocol == Protocol1 {
				sent, failed = 2, 5
			}
			if got := testutil.ToFloat64(w.m.sent.WithLabelValues("r0")); got != sent || float64(r.total()) != sent {
				t.Errorf("sent %v, the receiver kept %d; want %v", got, r.total(), sent)
			}
			if got := testutil.ToFloat64(w.m.failed.WithLabelValues("r0", "400")); got != failed {
				t.Errorf("failed{400} = %v, want %v", got, failed)
			}
			if got := testutil.ToFloat64(w.m.dropped.WithLabelValues("r0", "repeated_time")); got != 1 {
				t.Errorf("dropped{repeated_time} = %v, want 1", got)
			}
			if !strings.Contains(logs.String(), `series=ml_train_loss samples=1`) {
				t.Errorf("the repeated time is not logged:\n%s", logs.String())
			}
		})
	}
	// Accepted, the left-out repeat of the same value counts as sent.
	r := newReceiver(t)
	w, _ := newTestWriter(t, Options{BatchSize: 100, FlushInterval: time.Hour}, r.url())
	w.Append(record(1, 1, store.Source{}))
	w.Append(record(1, 1, store.Source{}))
	closeWriter(t, w, 5*time.Second)
	if got := testutil.ToFloat64(w.m.sent.WithLabelValues("r0")); got != 4 || r.total() != 2 || r.reqs != 1 {
		t.Errorf("sent %v in %d requests, the receiver kept %d; want 4 sent, 2 kept, 1 request", got, r.reqs, r.total())
	}
}
