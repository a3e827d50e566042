// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"errors"
	"strings"

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

// probeSlack is what probes may read beyond the bytes the file itself
// was read for: a log that mixes records with and without a time reads a
// few lines ahead at each run without one, and a log that does so on
// every other line must not be read twice over and over.
const probeSlack = 1 << 20

// A lineProber probes the lines of one file ahead of the record being
// placed. The exporter and inspect probe alike, so that they give records
// the same times.
type lineProber struct {
	path     string
	maxLine  int
	stopping <-chan struct{} // the engine stops: a probe gives up
	read     int64           // bytes probes read, for their budget
}

// probe feeds pr the lines that end after byte from and no later than
// byte limit, and reports false when the budget refuses (the bytes the
// file was read for, consumed, and probeSlack). The first probe of a file
// always runs. A ".gz" is read from its start; a plain file from byte
// from, after the lines that give a reader its header (CSV).
func (lp *lineProber) probe(from, limit, consumed int64, pr *probe) bool {
	if lp.read > 0 && lp.read > consumed+probeSlack {
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stats := new(tailer.Stats)
	opts := tailer.Options{MaxLineSize: lp.maxLine, Stats: stats}
	h := &probeHandler{pr: pr, from: from, limit: limit, stop: cancel, stopping: lp.stopping}
	if strings.HasSuffix(lp.path, ".gz") || from == 0 {
		_, _ = tailer.ReadOnce(ctx, lp.path, opts, h)
	} else {
		if pr.prof.Format != "" {
			lp.prime(pr, opts)
		}
		h.offset = from
		opts.BufferSize = 16 << 10 // a few lines ahead, most often
		_, _ = tailer.ReadFrom(ctx, lp.path, from, opts, h)
	}
	lp.read += stats.BytesRead.Load()
	return true
}

// prime gives pr's reader the file's header: its lines up to the first
// that is a header or a record.
func (lp *lineProber) prime(pr *probe, opts tailer.Options) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, _ = tailer.ReadOnce(ctx, lp.path, opts, primer{pr, cancel})
}

type primer struct {
	pr   *probe
	stop func()
}

func (p primer) Line(line []byte) {
	if err := p.pr.parser.Parse(line, &p.pr.rec); err == nil || errors.Is(err, record.ErrHeader) {
		p.stop()
	}
}

func (primer) LineTooLong(int64)  {}
func (primer) Reset(tailer.Event) {}

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
