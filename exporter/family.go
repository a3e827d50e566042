package exporter

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// family is every series of one name, across runs: the unit of the
// exposition format, which wants the samples of a name together.
type family struct {
	name string
	help string
	typ  prometheus.ValueType
	desc *prometheus.Desc // for the Collector

	// Guarded by Store.famMu.
	members []member
	dead    int // members of removed runs, dropped at the next scrape
}

// memberKind says which value of a gauge a family shows.
type memberKind uint8

const (
	memberValue memberKind = iota
	memberBest
	memberBestStep
	memberEMA
)

type member struct {
	g    *gauge
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

// family returns the family of a series name, creating it. The first HELP
// text given for a name is kept, so that one name never has two.
func (s *Store) family(name, help string, typ prometheus.ValueType) *family {
	s.famMu.RLock()
	f := s.fams[name]
	s.famMu.RUnlock()
	if f != nil {
		return f
	}
	s.famMu.Lock()
	defer s.famMu.Unlock()
	if f = s.fams[name]; f == nil {
		f = &family{name: name, help: help, typ: typ, desc: prometheus.NewDesc(name, help, s.constLabelNames(), nil)}
		s.fams[name] = f
		s.famOrder = append(s.famOrder, f)
		s.famSorted = false
	}
	return f
}

func (s *Store) addMember(f *family, g *gauge, kind memberKind) {
	s.famMu.Lock()
	f.members = append(f.members, member{g, kind})
	s.famMu.Unlock()
}

// intern returns one shared copy of a name used as a map key by many runs.
func (s *Store) intern(b []byte) string {
	s.famMu.RLock()
	name, ok := s.names[string(b)]
	s.famMu.RUnlock()
	if ok {
		return name
	}
	s.famMu.Lock()
	defer s.famMu.Unlock()
	if name, ok = s.names[string(b)]; !ok {
		name = string(b)
		s.names[name] = name
	}
	return name
}

// dropMembers marks the gauges of a removed run; compact drops them.
func (s *Store) dropMembers(gauges []*gauge) {
	s.famMu.Lock()
	defer s.famMu.Unlock()
	for _, g := range gauges {
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

// families returns the families in name order, without the members of
// removed runs.
func (s *Store) families() []*family {
	s.famMu.Lock()
	defer s.famMu.Unlock()
	for _, f := range s.famOrder {
		if f.dead > 0 {
			f.members = slices.DeleteFunc(f.members, func(m member) bool { return m.g.dead })
			f.dead = 0
		}
	}
	if !s.famSorted {
		slices.SortFunc(s.famOrder, func(a, b *family) int { return strings.Compare(a.name, b.name) })
		s.famSorted = true
	}
	return slices.Clone(s.famOrder)
}
