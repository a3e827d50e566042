// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	remote "github.com/prometheus/client_golang/exp/api/remote"
	"github.com/prometheus/common/config"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// Writer delivers samples to every configured receiver. It is the
// engine's Delivery.
type Writer struct {
	opts   Options
	ext    []label
	m      *metrics
	log    *slog.Logger
	queues []*queue

	scratch sync.Pool // []sample for Append

	handedMu sync.Mutex
	handed   map[string]position // path -> its newest record queued

	stateMu sync.Mutex
	saved   map[string]fileState // as loaded, checked on first use
	dirty   bool
	prints  map[string]fileState // by saveState only: heads hashed before

	cancel context.CancelFunc // the senders' requests, at the end of Close
	wg     sync.WaitGroup
	stop   chan struct{}
}

// New builds a writer for validated options and loads the state file.
func New(opts Options) (*Writer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	w := &Writer{
		opts:   opts,
		ext:    externalLabels(opts.ExternalLabels),
		m:      newMetrics(opts.Registerer),
		log:    opts.Logger,
		handed: map[string]position{},
		prints: map[string]fileState{},
		stop:   make(chan struct{}),
	}
	for _, ep := range opts.Endpoints {
		api, err := newAPI(ep, opts)
		if err != nil {
			return nil, err
		}
		w.queues = append(w.queues, newQueue(w, ep.name(), protocolOf(ep), api))
	}
	if opts.StateFile != "" {
		saved, err := loadState(opts.StateFile)
		if err != nil {
			return nil, err
		}
		w.saved = saved
		for _, q := range w.queues {
			for path, st := range saved {
				q.acked[path] = position{st.Offset, st.TimeMs}
			}
		}
	}
	return w, nil
}

// newAPI makes the client of one receiver.
func newAPI(ep Endpoint, opts Options) (*remote.API, error) {
	client, err := config.NewClientFromConfig(ep.HTTP, "remote_write")
	if err != nil {
		return nil, fmt.Errorf("remote-write %s: %v", ep.name(), err)
	}
	api, err := remote.NewAPI(ep.URL,
		remote.WithAPIHTTPClient(client),
		remote.WithAPIPath(""), // the URL is the whole address, as in Prometheus' remote_write
		// The library logs every retry as an error; send logs them
		// once a minute instead.
		remote.WithAPILogger(slog.New(slog.DiscardHandler)),
		// By default retry until delivered: a receiver that is down
		// slows reading down (the queue fills), it does not lose records.
		remote.WithAPIBackoff(remote.BackoffConfig{Min: opts.MinBackoff, Max: opts.MaxBackoff, MaxRetries: opts.MaxRetries}))
	if err != nil {
		return nil, fmt.Errorf("remote-write %s: %v", ep.name(), err)
	}
	return api, nil
}

// Reconfigure applies new client settings (authentication, TLS, headers,
// proxy) to the same receivers, as a reload does: the batch waiting for a
// receiver that refused it for its authentication is sent again at once
// with them. Anything else that differs (the receivers, their order, URL,
// name or protocol, batch and queue sizes, external labels, the state
// file) needs a restart: the error names it and nothing changes.
func (w *Writer) Reconfigure(next Options) error {
	if err := next.Validate(); err != nil {
		return err
	}
	next = next.withDefaults()
	if key := w.opts.restartKey(next); key != "" {
		return fmt.Errorf("%s: changes only on restart", key)
	}
	apis := make([]*remote.API, len(next.Endpoints))
	for i, ep := range next.Endpoints {
		api, err := newAPI(ep, w.opts)
		if err != nil {
			return err
		}
		apis[i] = api
	}
	for i, q := range w.queues {
		q.api.Store(apis[i])
		select {
		case q.retryNow <- struct{}{}:
		default:
		}
	}
	return nil
}

// Refusals lists, by receiver and reason, the samples not stored, most
// first.
func (w *Writer) Refusals() []Refusal {
	var out []Refusal
	for _, q := range w.queues {
		q.refusalsMu.Lock()
		for _, r := range q.refusals {
			out = append(out, *r)
		}
		q.refusalsMu.Unlock()
	}
	slices.SortFunc(out, func(a, b Refusal) int {
		if a.Samples != b.Samples {
			return cmp.Compare(b.Samples, a.Samples)
		}
		return cmp.Or(strings.Compare(a.Remote, b.Remote), strings.Compare(a.Reason, b.Reason))
	})
	return out
}

// Start starts the senders, and the state file's writer.
func (w *Writer) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	for _, q := range w.queues {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			q.run(ctx)
		}()
	}
	if w.opts.StateFile != "" {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.saveEvery(time.Second)
		}()
	}
}

// Close sends what is queued until ctx is done, drops (and counts) the
// rest, and writes the state file. Records must no longer be appended.
func (w *Writer) Close(ctx context.Context) error {
	w.Release()
	for _, q := range w.queues {
		close(q.done)
	}
	finished := make(chan struct{})
	go func() {
		// The senders return when their queue is empty; the state writer
		// when stop closes, after them.
		for _, q := range w.queues {
			<-q.stopped()
		}
		close(finished)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		w.cancel() // the requests under way end; the senders count the rest
		<-finished
	}
	close(w.stop)
	w.wg.Wait()
	w.cancel()
	return w.saveState()
}

// Release stops making readers wait for room, so that the engine can
// stop before Close (records appended meanwhile are still sent).
func (w *Writer) Release() {
	for _, q := range w.queues {
		q.mu.Lock()
		if !q.closing {
			q.closing = true
			q.wake()
		}
		q.mu.Unlock()
	}
}

// Append queues the samples of one record for every receiver. It is a
// store.Subscriber: it copies what it keeps.
func (w *Writer) Append(b *store.Batch) {
	if len(b.Samples) == 0 {
		return
	}
	t := int64(math.Round(b.Time * 1000))
	p, _ := w.scratch.Get().(*[]sample)
	if p == nil {
		p = new([]sample)
	}
	buf := (*p)[:0]
	for _, s := range b.Samples {
		buf = append(buf, sample{s.Name, s.Labels, t, s.Value})
	}
	for _, q := range w.queues {
		q.append(buf, b.Source)
	}
	clear(buf)
	*p = buf
	w.scratch.Put(p)
	if b.Source.Path != "" && b.Source.Offset > 0 {
		w.handedMu.Lock()
		w.handed[b.Source.Path] = position{b.Source.Offset, t}
		w.handedMu.Unlock()
	}
}

// Wait returns when every queue has room, or done is closed.
func (w *Writer) Wait(done <-chan struct{}) {
	for _, q := range w.queues {
		q.wait(done)
	}
}

// position is how far a file was delivered: the end of a record's line,
// and that record's time (ms).
type position struct{ Offset, TimeMs int64 }

// DeliveredTo returns how far path was queued by this process (an engine
// reloaded) or acknowledged before a restart, if the file is still the
// one the state file saw, and the time of the record there (0: not known).
func (w *Writer) DeliveredTo(path string) (offset, timeMs int64) {
	w.handedMu.Lock()
	defer w.handedMu.Unlock()
	if pos, ok := w.handed[path]; ok {
		return pos.Offset, pos.TimeMs
	}
	w.stateMu.Lock()
	st, ok := w.saved[path]
	delete(w.saved, path) // asked once: what follows comes through handed
	w.stateMu.Unlock()
	if !ok || !st.matches(path) {
		return 0, 0
	}
	w.handed[path] = position{st.Offset, st.TimeMs}
	return st.Offset, st.TimeMs
}

// acked notes marks acknowledged (or refused for good) by q's receiver.
func (w *Writer) acked(q *queue, marks []mark) {
	if len(marks) == 0 || w.opts.StateFile == "" {
		return
	}
	w.stateMu.Lock()
	for _, mk := range marks {
		// Documents have no offset: sent again whole. A held file keeps
		// the offset before the batch its receiver did not store.
		if mk.offset > 0 && !q.held[mk.path] {
			q.acked[mk.path] = position{mk.offset, mk.t}
		}
	}
	w.dirty = true
	w.stateMu.Unlock()
}

// hold stops the offsets of the files of q's current batch (and of the
// record whose samples go on after it) from moving: the receiver did not
// store the batch, so the next run must send it again. An offset only
// grows, so nothing acknowledged later may move it past the batch either.
func (w *Writer) hold(q *queue) {
	w.stateMu.Lock()
	for _, mk := range q.outMark {
		q.held[mk.path] = true
	}
	if q.straddle != "" {
		q.held[q.straddle] = true
	}
	w.stateMu.Unlock()
}
