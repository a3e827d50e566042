// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	remote "github.com/prometheus/client_golang/exp/api/remote"
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"github.com/prometheus/prometheus/prompb"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// sample is one queued value. labels is shared with the store, read only.
type sample struct {
	name   string
	labels []store.Label
	t      int64 // Unix milliseconds
	v      float64
}

// mark says that a record of input, at time t, read from path up to
// offset (0: not known), is delivered once the queue has taken end
// samples in all; its samples are those after start.
type mark struct {
	start, end uint64
	path       string
	offset     int64
	input      string
	t          int64
}

// queue holds the samples for one receiver, and its sender sends them in
// the order they came: samples of one series stay in order.
type queue struct {
	w    *Writer
	name string
	api  atomic.Pointer[remote.API] // swapped by Reconfigure

	mu       sync.Mutex
	room     chan struct{} // closed (and made again) when samples leave the queue
	buf      []sample
	head     int // buf[head:] waits
	marks    []mark
	enq      uint64 // samples ever queued
	closing  bool
	length   atomic.Int64
	kick     chan struct{} // a full batch waits
	done     chan struct{} // closed by Close: send what is left, then stop
	finished chan struct{} // closed when run returned
	retryNow chan struct{} // Reconfigure: try the waiting batch again at once

	// Read by the state file under w.stateMu: how far each file was
	// acknowledged by this receiver, and the files whose records this
	// receiver did not store (a batch out of retries): their offset no
	// longer moves, so that the next run sends them again.
	acked map[string]position
	held  map[string]bool

	refusalsMu sync.Mutex
	refusals   map[string]*Refusal // by reason label

	// The sender's own.
	out          []sample
	outMark      []mark
	straddle     string                  // path of a record whose samples go on after out
	protocol     remote.WriteMessageType // 2.0 until the receiver shows it takes 1.0 only, unless configured
	fallback     bool                    // protocol may still fall back to 1.0
	req          prompb.WriteRequest
	req2         writev2.Request
	symbols      writev2.SymbolsTable
	ts2          []*writev2.TimeSeries
	samples2     []*writev2.Sample
	index        map[seriesKey]int
	series       map[seriesKey][]prompb.Label
	logged       map[string]time.Time // by reason label: when a refusal was last logged
	newest       map[string]int64     // by input: time of the newest record acknowledged
	retryLogged  time.Time
	repeatLogged time.Time
}

// seriesKey names a series by its name and the identity of its label
// slice: the store shares one slice among all samples of a label set.
type seriesKey struct {
	name   string
	labels *store.Label
	n      int
}

func newQueue(w *Writer, name, protocol string, api *remote.API) *queue {
	q := &queue{
		w: w, name: name,
		protocol: remote.WriteV2MessageType,
		fallback: protocol == ProtocolAuto,
		symbols:  writev2.NewSymbolTable(),
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		finished: make(chan struct{}),
		retryNow: make(chan struct{}, 1),
		acked:    map[string]position{},
		held:     map[string]bool{},
		refusals: map[string]*Refusal{},
		index:    map[seriesKey]int{},
		series:   map[seriesKey][]prompb.Label{},
		logged:   map[string]time.Time{},
		newest:   map[string]int64{},
	}
	q.api.Store(api)
	if protocol == Protocol1 {
		q.protocol = remote.WriteV1MessageType
	}
	q.room = make(chan struct{})
	// The series of a receiver exist from the start, at 0.
	m := w.m
	m.sent.WithLabelValues(name)
	m.retried.WithLabelValues(name)
	m.dropped.WithLabelValues(name, "shutdown")
	m.queued.WithLabelValues(name)
	m.capacity.WithLabelValues(name).Set(float64(w.opts.QueueCapacity))
	return q
}

// append queues the samples of one record, read from src.
func (q *queue) append(samples []sample, src store.Source) {
	q.mu.Lock()
	q.buf = append(q.buf, samples...)
	start := q.enq
	q.enq += uint64(len(samples))
	if src.Path != "" {
		q.marks = append(q.marks, mark{start, q.enq, src.Path, src.Offset, src.Input, samples[0].t})
	}
	n := len(q.buf) - q.head
	q.mu.Unlock()
	q.length.Store(int64(n))
	if n >= q.w.opts.BatchSize {
		select {
		case q.kick <- struct{}{}:
		default:
		}
	}
}

// wait returns once the queue is below its capacity, closing, or done
// is closed.
func (q *queue) wait(done <-chan struct{}) {
	for q.length.Load() >= int64(q.w.opts.QueueCapacity) {
		q.mu.Lock()
		if len(q.buf)-q.head < q.w.opts.QueueCapacity || q.closing {
			q.mu.Unlock()
			return
		}
		room := q.room
		q.mu.Unlock()
		select {
		case <-room:
		case <-done:
			return
		}
	}
}

// wake lets the readers waiting for room look again.
func (q *queue) wake() {
	close(q.room)
	q.room = make(chan struct{})
}

// take moves up to a batch of samples, and the marks they complete, to
// the sender's buffers.
func (q *queue) take() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.buf)-q.head, q.w.opts.BatchSize)
	q.out = append(q.out[:0], q.buf[q.head:q.head+n]...)
	clear(q.buf[q.head : q.head+n]) // let go of the label slices
	q.head += n
	if q.head == len(q.buf) {
		q.buf, q.head = q.buf[:0], 0
	} else if q.head > len(q.buf)/2 {
		left := copy(q.buf, q.buf[q.head:])
		q.buf, q.head = q.buf[:left], 0
	}
	taken := q.enq - uint64(len(q.buf)-q.head)
	i := 0
	for i < len(q.marks) && q.marks[i].end <= taken {
		i++
	}
	q.outMark = append(q.outMark[:0], q.marks[:i]...)
	q.marks = slices.Delete(q.marks, 0, i)
	q.straddle = ""
	if len(q.marks) > 0 && q.marks[0].start < taken {
		q.straddle = q.marks[0].path
	}
	q.length.Store(int64(len(q.buf) - q.head))
	q.wake()
	return n
}

// run sends batches until Close; ctx bounds the requests of the flush.
// Full batches go at once, the rest at each tick of FlushInterval.
func (q *queue) run(ctx context.Context) {
	defer close(q.finished)
	m := q.w.m
	m.capacity.WithLabelValues(q.name).Set(float64(q.w.opts.QueueCapacity))
	ticker := time.NewTicker(q.w.opts.FlushInterval)
	defer ticker.Stop()
	batch := int64(q.w.opts.BatchSize)
	for {
		flush, closing := false, false
		select {
		case <-q.kick:
		case <-ticker.C:
			flush = true
		case <-q.done:
			closing = true
		}
		for n := q.length.Load(); n >= batch || (flush || closing) && n > 0; n = q.length.Load() {
			q.take()
			if err := q.send(ctx); err != nil {
				q.dropRest()
				return
			}
		}
		m.queued.WithLabelValues(q.name).Set(float64(q.length.Load()))
		if closing {
			return
		}
	}
}

// noteRecordTimes sets, per input, the time of the newest record just
// acknowledged.
func (q *queue) noteRecordTimes() {
	newest := map[string]int64{}
	for _, mk := range q.outMark {
		if t, ok := newest[mk.input]; !ok || mk.t > t {
			newest[mk.input] = mk.t
		}
	}
	for input, t := range newest {
		if t > q.newest[input] {
			q.newest[input] = t
			q.w.m.lastAckRecord.WithLabelValues(q.name, input).Set(float64(t) / 1000)
		}
	}
}

// dropRest counts what is left when the flush ran out of time.
func (q *queue) dropRest() {
	q.mu.Lock()
	n := len(q.buf) - q.head
	q.buf, q.head, q.marks = nil, 0, nil
	q.length.Store(0)
	q.mu.Unlock()
	q.w.m.dropped.WithLabelValues(q.name, "shutdown").Add(float64(n))
	q.w.m.queued.WithLabelValues(q.name).Set(0)
	if n > 0 {
		q.w.log.Warn("remote write: samples still queued at shutdown were not sent", "remote", q.name, "samples", n)
	}
}

// cut is how much of a batch one request takes: n samples, of which
// same repeat their series' time and value and repeated its time with
// another value; those are left out of the request. Prometheus keeps one
// sample per series and time and, within one request, counts the others
// as written and drops them. A sample whose time goes back ends the
// request, so that the receiver judges it against what it stored.
type cut struct {
	n, same, repeated int
	example           string // a series with a repeated time
}

// sent is how many samples the request itself holds.
func (c cut) sent() int { return c.n - c.same - c.repeated }

// repeat says what to do with sample s of a series whose previous sample
// in the request is at time t with value v.
func (c *cut) repeat(s sample, t int64, v float64) (skip, stop bool) {
	switch {
	case s.t > t:
		return false, false
	case s.t < t:
		return false, true
	case math.Float64bits(s.v) == math.Float64bits(v):
		c.same++
	default:
		c.repeated++
		c.example = s.name
	}
	return true, false
}

// build2 makes the 2.0 request of the first samples of out: labels as
// references into one table of strings, one time series per series with
// its samples in order.
func (q *queue) build2(out []sample) cut {
	clear(q.index)
	q.symbols.Reset()
	c := cut{n: len(out)}
	series, used := 0, 0
	for k, s := range out {
		key := seriesKey{s.name, unsafe.SliceData(s.labels), len(s.labels)}
		i, ok := q.index[key]
		if ok {
			prev := q.ts2[i].Samples[len(q.ts2[i].Samples)-1]
			skip, stop := c.repeat(s, prev.Timestamp, prev.Value)
			if stop {
				c.n = k
				break
			}
			if skip {
				continue
			}
		} else {
			i = series
			series++
			q.index[key] = i
			if i == len(q.ts2) {
				q.ts2 = append(q.ts2, &writev2.TimeSeries{})
			}
			ts := q.ts2[i]
			ts.LabelsRefs, ts.Samples = ts.LabelsRefs[:0], ts.Samples[:0]
			for _, l := range q.labelsOf(key, s) {
				ts.LabelsRefs = append(ts.LabelsRefs, q.symbols.Symbolize(l.Name), q.symbols.Symbolize(l.Value))
			}
		}
		if used == len(q.samples2) {
			q.samples2 = append(q.samples2, &writev2.Sample{})
		}
		sp := q.samples2[used]
		used++
		sp.Value, sp.Timestamp = s.v, s.t
		q.ts2[i].Samples = append(q.ts2[i].Samples, sp)
	}
	q.req2.Symbols = q.symbols.Symbols()
	q.req2.Timeseries = q.ts2[:series]
	return c
}

// build makes the 1.0 request of the first samples of out, one time series
// per series with its samples in order, as build2 does.
func (q *queue) build(out []sample) cut {
	clear(q.index)
	ts := q.req.Timeseries[:0]
	c := cut{n: len(out)}
	for k, s := range out {
		key := seriesKey{s.name, unsafe.SliceData(s.labels), len(s.labels)}
		i, ok := q.index[key]
		if ok {
			prev := ts[i].Samples[len(ts[i].Samples)-1]
			skip, stop := c.repeat(s, prev.Timestamp, prev.Value)
			if stop {
				c.n = k
				break
			}
			if skip {
				continue
			}
		} else {
			i = len(ts)
			q.index[key] = i
			if i < cap(ts) {
				ts = ts[:i+1]
				ts[i].Samples = ts[i].Samples[:0]
			} else {
				ts = append(ts, prompb.TimeSeries{})
			}
			ts[i].Labels = q.labelsOf(key, s)
		}
		ts[i].Samples = append(ts[i].Samples, prompb.Sample{Value: s.v, Timestamp: s.t})
	}
	q.req.Timeseries = ts
	return c
}

// maxCachedSeries bounds the label sets kept between requests.
const maxCachedSeries = 1 << 18

// labelsOf returns the sorted labels of a series, __name__ and the
// external labels included.
func (q *queue) labelsOf(key seriesKey, s sample) []prompb.Label {
	if l, ok := q.series[key]; ok {
		return l
	}
	if len(q.series) >= maxCachedSeries {
		clear(q.series)
	}
	l := make([]prompb.Label, 0, len(s.labels)+len(q.w.ext)+1)
	l = append(l, prompb.Label{Name: "__name__", Value: s.name})
	for _, p := range s.labels {
		l = append(l, prompb.Label{Name: p.Name, Value: p.Value})
	}
	for _, e := range q.w.ext {
		if !slices.ContainsFunc(s.labels, func(p store.Label) bool { return p.Name == e.name }) {
			l = append(l, prompb.Label{Name: e.name, Value: e.value})
		}
	}
	slices.SortFunc(l, func(a, b prompb.Label) int { return strings.Compare(a.Name, b.Name) })
	q.series[key] = l
	return l
}

// stopped is closed once the sender returned.
func (q *queue) stopped() <-chan struct{} { return q.finished }
