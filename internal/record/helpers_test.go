// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// summary is a comparable view of a parsed record.
type summary struct {
	Kind    Kind
	Step    string // "" when absent
	Epoch   string
	Time    string
	Run     string // "" when absent, quoted otherwise
	Tag     string // "" when absent, quoted otherwise
	Prefix  string // "" when absent, quoted otherwise
	Metrics []string
	Info    []string
	// LongArrays counts arrays left out for their length.
	LongArrays int
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func summarize(r *Record) summary {
	s := summary{Kind: r.Kind}
	if r.HasStep {
		s.Step = fmtFloat(r.Step)
	}
	if r.HasEpoch {
		s.Epoch = fmtFloat(r.Epoch)
	}
	if r.HasTime {
		s.Time = strconv.FormatFloat(r.Time, 'f', -1, 64)
	}
	if r.RunName != nil {
		s.Run = strconv.Quote(string(r.RunName))
	}
	if r.Tag != nil {
		s.Tag = strconv.Quote(string(r.Tag))
	}
	if r.Prefix != nil {
		s.Prefix = strconv.Quote(string(r.Prefix))
	}
	s.LongArrays = r.LongArrays
	for _, m := range r.Metrics {
		s.Metrics = append(s.Metrics, string(m.Name)+"="+fmtFloat(m.Value))
	}
	for _, f := range r.Info {
		s.Info = append(s.Info, string(f.Key)+"="+strconv.Quote(string(f.Value)))
	}
	return s
}

func (s summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind=%s", s.Kind)
	for _, kv := range [][2]string{{"step", s.Step}, {"epoch", s.Epoch}, {"time", s.Time}, {"run", s.Run}, {"tag", s.Tag}, {"prefix", s.Prefix}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
		}
	}
	if s.LongArrays > 0 {
		fmt.Fprintf(&b, " long_arrays=%d", s.LongArrays)
	}
	for _, m := range s.Metrics {
		fmt.Fprintf(&b, "\n  metric %s", m)
	}
	for _, f := range s.Info {
		fmt.Fprintf(&b, "\n  info %s", f)
	}
	return b.String()
}

// parseSummary parses line with a fresh parser.
func parseSummary(t testing.TB, opts Options, line string) summary {
	t.Helper()
	var r Record
	if err := NewParser(opts).Parse([]byte(line), &r); err != nil {
		t.Fatalf("Parse(%q): %v", line, err)
	}
	return summarize(&r)
}

// outcome is the summary of a parse, or its error reason.
func outcome(p *Parser, line []byte) string {
	var r Record
	err := p.Parse(line, &r)
	switch {
	case errors.Is(err, ErrEmpty):
		return "empty"
	case err != nil:
		return "error " + err.Error()
	}
	return summarize(&r).String()
}
