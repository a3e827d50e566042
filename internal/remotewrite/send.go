// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	remote "github.com/prometheus/client_golang/exp/api/remote"
)

// Refusal sums the samples one receiver did not store for one reason.
type Refusal struct {
	Remote  string
	Reason  string // as the failed counter's reason label: the HTTP status, network, ...
	Samples int64
	Message string // the receiver's words (first line) the first time
}

// send delivers q.out and counts what the receiver stored. It returns an
// error only when ctx ended: what was not delivered is then counted as
// dropped.
//
// Only what the receiver says it wrote is sent: all of a request it took
// (2xx; a 2.0 receiver says how many), the written part of a request a
// 2.0 receiver refused in part, nothing of a request a 1.0 receiver
// refused. A batch is one request unless a series goes back in time in
// it (see cut). The state file moves past the batch when the receiver
// stored it or refused it for the samples themselves, never when it was
// not delivered.
func (q *queue) send(ctx context.Context) error {
	m := q.w.m
	stored, given := true, false // every request taken; one given up
	for rest := q.out; len(rest) > 0; {
		start := time.Now()
		c, stats, err := q.deliver(ctx, rest)
		m.duration.WithLabelValues(q.name).Observe(time.Since(start).Seconds())
		if err != nil && (ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			m.dropped.WithLabelValues(q.name, "shutdown").Add(float64(len(rest)))
			return err
		}
		rest = rest[c.n:]
		q.dropRepeated(c)
		n := c.sent()
		written := n
		if q.protocol == remote.WriteV2MessageType {
			written = min(stats.Samples, n)
		} else if err != nil {
			written = 0 // a 1.0 receiver that refuses a request stores none of it (Prometheus rolls it back)
		}
		// Samples left out for repeating the one before share its fate:
		// stored if the whole request was.
		if written == n {
			written += c.same
		}
		n += c.same
		m.sent.WithLabelValues(q.name).Add(float64(written))
		if err == nil {
			m.lastAck.WithLabelValues(q.name).SetToCurrentTime()
			if written < n {
				q.refuse(answer{reason: fmt.Sprintf("the receiver accepted the request but says it wrote %d of its %d samples", stats.Samples, c.sent())}, n-written)
			}
			continue
		}
		stored = false
		a := describe(err, q.pinned2())
		q.refuse(a, n-written)
		given = given || a.kind != refusedForGood
	}
	if stored {
		q.noteRecordTimes()
	}
	if given {
		q.w.hold(q)
	} else {
		q.w.acked(q, q.outMark)
	}
	return nil
}

// dropRepeated counts the samples left out of a request for repeating
// their series' time with another value, and logs them once a minute.
func (q *queue) dropRepeated(c cut) {
	if c.repeated == 0 {
		return
	}
	q.w.m.dropped.WithLabelValues(q.name, "repeated_time").Add(float64(c.repeated))
	if time.Since(q.repeatLogged) < time.Minute {
		return
	}
	q.repeatLogged = time.Now()
	q.w.log.Warn("remote write: samples repeat the time of an earlier sample of their series with another value (records sharing a timestamp); a receiver keeps one: not sent (logged once a minute)",
		"remote", q.name, "series", c.example, "samples", c.repeated)
}

// deliver sends the first samples of out, as many as one request takes,
// until the receiver takes them, refuses them for good, or the retries
// are over, and says how many they were. The client library retries 5xx,
// 429 and network errors itself (until MaxRetries); this loop retries
// what it does not: 408, and, while serving (MaxRetries 0), the set-up
// errors (401, 403, 404) until the configuration is fixed, by a reload
// or by the receiver. A set-up error ends a backfill's batch at once:
// nothing can fix it during the run.
func (q *queue) deliver(ctx context.Context, out []sample) (cut, remote.WriteResponseStats, error) {
	o := q.w.opts
	var delay time.Duration
	for tries := 0; ; tries++ {
		c, stats, err := q.write(ctx, out)
		if err != nil && q.fallback && takesOnly1(err) {
			q.w.log.Info("remote write: the receiver takes protocol 1.0 only; using it", "remote", q.name, "answer", describe(err, false).reason)
			q.protocol, q.fallback = remote.WriteV1MessageType, false
			c, stats, err = q.write(ctx, out)
		}
		if err == nil && q.fallback {
			q.w.log.Info("remote write: the receiver takes protocol 2.0; using it", "remote", q.name)
			q.fallback = false
		}
		if err == nil || ctx.Err() != nil {
			return c, stats, err
		}
		a := describe(err, q.pinned2())
		limit := o.MaxBackoff
		switch {
		case a.kind == setup && o.MaxRetries == 0:
			limit = o.SetupBackoff
		case a.kind == timeout && (o.MaxRetries == 0 || tries < o.MaxRetries):
		default:
			return c, stats, err
		}
		delay = min(max(2*delay, o.MinBackoff), limit)
		q.w.m.retried.WithLabelValues(q.name).Add(float64(c.sent()))
		q.logRetry(a)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return c, stats, ctx.Err()
		case <-q.retryNow:
			t.Stop()
			delay = 0
		case <-t.C:
		}
	}
}

// write sends one request of the first samples of out in the queue's
// protocol, and says which; the client library retries 5xx, 429 and
// network errors as configured.
func (q *queue) write(ctx context.Context, out []sample) (cut, remote.WriteResponseStats, error) {
	var msg any = &q.req
	var c cut
	if q.protocol == remote.WriteV2MessageType {
		c = q.build2(out)
		msg = &q.req2
	} else {
		c = q.build(out)
	}
	stats, err := q.api.Load().Write(ctx, q.protocol, msg,
		remote.WithWriteRetryCallback(func(err error) {
			q.w.m.retried.WithLabelValues(q.name).Add(float64(c.sent()))
			q.logRetry(describe(err, false))
		}))
	return c, stats, err
}

// logRetry logs a retried batch, once a minute.
func (q *queue) logRetry(a answer) {
	if time.Since(q.retryLogged) < time.Minute {
		return
	}
	q.retryLogged = time.Now()
	msg := "remote write: cannot deliver; retrying (logged once a minute)"
	if a.kind == setup {
		msg = "remote write: the receiver refuses the requests (authentication, authorization or URL); retrying until the configuration is fixed, by a reload or a restart (logged once a minute)"
	}
	q.w.log.Warn(msg, q.answerAttrs(a)...)
}

// refuse counts samples the receiver did not store, by reason, and logs
// the first of each reason and then at most one a minute.
func (q *queue) refuse(a answer, samples int) {
	if samples <= 0 {
		return
	}
	label := a.label()
	q.w.m.failed.WithLabelValues(q.name, label).Add(float64(samples))
	q.refusalsMu.Lock()
	r := q.refusals[label]
	if r == nil {
		r = &Refusal{Remote: q.name, Reason: label, Message: a.reason}
		q.refusals[label] = r
	}
	r.Samples += int64(samples)
	q.refusalsMu.Unlock()
	if last, ok := q.logged[label]; ok && time.Since(last) < time.Minute {
		return
	}
	q.logged[label] = time.Now()
	msg := "remote write: the receiver refused samples; they are not sent again (logged once a minute per reason)"
	switch a.kind {
	case setup:
		msg = "remote write: samples not delivered: the receiver refuses the requests (authentication, authorization or URL)"
	case timeout, transient:
		msg = "remote write: samples not delivered, out of retries"
	}
	if a.kind != refusedForGood && q.w.opts.StateFile != "" {
		msg += "; the state file keeps their records for the next run"
	}
	q.w.log.Warn(msg, append(q.answerAttrs(a), "samples", samples)...)
}

func (q *queue) answerAttrs(a answer) []any {
	attrs := []any{"remote", q.name}
	if a.status != 0 {
		attrs = append(attrs, "status", a.status)
	}
	attrs = append(attrs, "reason", a.reason)
	if a.more > 0 {
		attrs = append(attrs, "more_lines", a.more)
	}
	return attrs
}

// pinned2 reports whether the queue speaks 2.0 for good.
func (q *queue) pinned2() bool { return q.protocol == remote.WriteV2MessageType && !q.fallback }

// takesOnly1 reports whether a 2.0 request's answer says the receiver
// takes 1.0 only: 415 Unsupported Media Type, or a success that does not
// say how many samples were written (a 1.0 receiver that read nothing).
func takesOnly1(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "HTTP status 415") || strings.Contains(msg, unconfirmed)
}
