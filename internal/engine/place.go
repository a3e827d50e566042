// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/tailer"
	"github.com/jsonl-exporter/jsonl-exporter/internal/timeline"
)

// A probe reads records ahead of the one being placed, with a parser
// and rules of its own (the file's hold the current record), to find
// where a run of records without a time ends (package timeline).
type probe struct {
	prof   *profile.Profile
	parser record.Reader
	rules  *profile.Rules
	rec    record.Record
	p      *timeline.Probe
}

func newProbe(prof *profile.Profile, parser record.Reader, p *timeline.Probe) *probe {
	return &probe{prof: prof, parser: parser, rules: profile.NewRules(prof), p: p}
}

// observe reads one line or document record; false once the probe is
// done.
func (pr *probe) observe(line []byte) bool {
	if pr.parser.Parse(line, &pr.rec) != nil {
		return true // skipped by the reader too
	}
	pr.rules.Apply(&pr.rec)
	pr.prof.Hint(&pr.rec)
	return pr.p.Observe(&pr.rec)
}

// probeLines feeds the probe the lines of path that end after byte from
// and no later than byte limit: the rest of what the file held when it
// was found. It reads from the start, so that a reader that needs the
// file's first lines (a header) has them; a probe starts at a file's
// first record, so little is read twice. It gives up when stopping is
// closed (the engine stops: a large log must not hold up a shutdown).
func probeLines(path string, from, limit int64, maxLine int, stopping <-chan struct{}, pr *probe) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := &probeHandler{pr: pr, from: from, limit: limit, stop: cancel, stopping: stopping}
	_, _ = tailer.ReadOnce(ctx, path, tailer.Options{MaxLineSize: maxLine}, h)
}

type probeHandler struct {
	pr          *probe
	offset      int64 // end of the last line, newline included
	from, limit int64
	stop        func()
	stopping    <-chan struct{}
	done        bool
}

func (h *probeHandler) Line(line []byte) {
	h.offset += int64(len(line)) + 1
	select {
	case <-h.stopping:
		h.done = true
	default:
	}
	switch {
	case h.done:
	case h.offset <= h.from:
		_ = h.pr.parser.Parse(line, &h.pr.rec) // a header the reader needs
	case h.offset > h.limit || !h.pr.observe(line):
		h.done = true
	}
	if h.done {
		h.stop()
	}
}

func (h *probeHandler) LineTooLong(size int64) { h.offset += size + 1 }

// StrippedCR counts the "\r" of a CRLF line, as the file does: offsets
// are the file's bytes.
func (h *probeHandler) StrippedCR() { h.offset++ }

func (h *probeHandler) Reset(tailer.Event) {}

// probeDocument feeds the probe the records of a document after the
// first n, reading it again.
func probeDocument(read record.DocumentReader, data []byte, n int, pr *probe) {
	seen, done := 0, false
	_ = read(data, func(text []byte) {
		if seen++; done || seen <= n {
			return
		}
		done = !pr.observe(text)
	})
}
