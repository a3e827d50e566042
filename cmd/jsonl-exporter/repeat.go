// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// repeatFilter is a slog.Handler that passes a record on only if the same
// message with the same attributes was not passed within the last period.
type repeatFilter struct {
	next   slog.Handler
	period time.Duration
	now    func() time.Time

	mu   *sync.Mutex
	last map[string]time.Time
}

func newRepeatFilter(next slog.Handler, period time.Duration) *repeatFilter {
	return &repeatFilter{next: next, period: period, now: time.Now, mu: new(sync.Mutex), last: map[string]time.Time{}}
}

func (h *repeatFilter) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *repeatFilter) Handle(ctx context.Context, r slog.Record) error {
	var key strings.Builder
	key.WriteString(r.Level.String() + "\x00" + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		key.WriteString("\x00" + a.String())
		return true
	})
	now := h.now()
	h.mu.Lock()
	seen, ok := h.last[key.String()]
	if !ok || now.Sub(seen) >= h.period {
		h.last[key.String()] = now
		if len(h.last) > 1000 { // a bound, not a cache: forget all
			clear(h.last)
			h.last[key.String()] = now
		}
		ok = false
	}
	h.mu.Unlock()
	if ok {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *repeatFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	return &c
}

func (h *repeatFilter) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	return &c
}
