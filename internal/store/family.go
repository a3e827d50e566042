// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// family is every series of one name, across runs: the unit of the
// exposition format, which wants the samples of a name together.
type family struct {
	name string
	typ  prometheus.ValueType
	// meta is the HELP text and the Collector's Desc. Runs that log one
	// series under different keys ("train.loss", "train_loss") would
	// make the text depend on which file was read first: the smallest
	// text wins instead, so every start shows the same.
	meta atomic.Pointer[familyMeta]

	// Guarded by Store.famMu.
	members   []member
	canonical string // the metric name the family was made for, shared as a map key
	dead      int    // members of removed runs, dropped at the next scrape
}

type familyMeta struct {
	help string
	desc *prometheus.Desc
}

func newFamily(name, help string, typ prometheus.ValueType, labels []string) *family {
	f := &family{name: name, typ: typ}
	f.meta.Store(&familyMeta{help: help, desc: prometheus.NewDesc(name, help, labels, nil)})
	return f
}

func (f *family) help() string { return f.meta.Load().help }

func (f *family) desc() *prometheus.Desc { return f.meta.Load().desc }

// memberKind says which value of a series a family shows.
type memberKind uint8

const (
	memberValue memberKind = iota
	memberBest
	memberBestStep
	memberEMA
)

type member struct {
	g    *series
	kind memberKind
}

// value reads the member's current value under its run's lock; ok is
// false while it has none. (Plain fields under a lock the scrape takes
// briefly are cheaper for the record path than atomic stores.)
func (m member) value() (v float64, ok bool) {
	mu := &m.g.run.mu
	mu.Lock()
	defer mu.Unlock()
	switch m.kind {
	case memberBest:
		return m.g.best.value, m.g.best.has
	case memberBestStep:
		return m.g.best.step, m.g.best.has
	case memberEMA:
		return m.g.watch.ema.value, m.g.watch.emaSet
	}
	return m.g.value, true
}

// join adds a value of g to the family of a series name, creating the
// family, in one step so that a scrape's clean-up of empty families cannot
// lose it. A name has one HELP text: the smallest one given for it.
func (s *Store) join(name, help string, typ prometheus.ValueType, g *series, kind memberKind) *family {
	s.famMu.Lock()
	defer s.famMu.Unlock()
	f := s.fams[name]
	if f == nil {
		f = newFamily(name, help, typ, s.constLabelNames())
		s.fams[name] = f
		s.famOrder = append(s.famOrder, f)
		s.famSorted = false
	} else if help < f.help() {
		f.meta.Store(&familyMeta{help: help, desc: prometheus.NewDesc(name, help, s.constLabelNames(), nil)})
	}
	f.members = append(f.members, member{g, kind})
	return f
}

// canonicalKey returns the byName key of a metric name: the family's copy
// when it is the name the family was made for (a thousand runs logging
// "train.loss" share one string), else a new one.
func (s *Store) canonicalKey(f *family, key string, name []byte) string {
	s.famMu.Lock()
	defer s.famMu.Unlock()
	if f.canonical == "" {
		f.canonical = key + string(name)
	}
	if c := f.canonical; len(c) == len(key)+len(name) && c[:len(key)] == key && c[len(key):] == string(name) {
		return c
	}
	return key + string(name)
}

// dropMembers marks the series of a removed run; compact drops them.
func (s *Store) dropMembers(all []*series) {
	s.famMu.Lock()
	defer s.famMu.Unlock()
	for _, g := range all {
		g.dead = true
		g.fam.dead++
		if g.best != nil {
			g.best.fam.dead++
			g.best.stepFam.dead++
		}
		if g.watch != nil {
			g.watch.fam.dead++
		}
	}
}

// familySnapshot is a family's members at one moment, for a scrape to
// read without holding famMu: reading a value takes the run's lock, and the
// record path takes famMu under the run's lock.
type familySnapshot struct {
	f       *family
	members []member
}

// families returns the families in name order with their live members,
// dropping members of removed runs and families left empty.
func (s *Store) families() []familySnapshot {
	s.famMu.Lock()
	defer s.famMu.Unlock()
	live := s.famOrder[:0]
	for _, f := range s.famOrder {
		if f.dead > 0 {
			// Into a new array: a scrape may still read the old one.
			kept := make([]member, 0, max(len(f.members)-f.dead, 0))
			for _, m := range f.members {
				if !m.g.dead {
					kept = append(kept, m)
				}
			}
			f.members, f.dead = kept, 0
		}
		if len(f.members) == 0 {
			delete(s.fams, f.name)
			continue
		}
		live = append(live, f)
	}
	clear(s.famOrder[len(live):])
	s.famOrder = live
	if !s.famSorted {
		slices.SortFunc(s.famOrder, func(a, b *family) int { return strings.Compare(a.name, b.name) })
		s.famSorted = true
	}
	// Members are only ever appended to an array, never changed in it
	// (compaction makes a new one), so a snapshot shares it: later appends
	// land past the snapshot's length.
	out := make([]familySnapshot, len(s.famOrder))
	for i, f := range s.famOrder {
		out[i] = familySnapshot{f, f.members[:len(f.members):len(f.members)]}
	}
	return out
}
