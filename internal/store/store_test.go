// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// TestReserveSeriesNeverPassesCap: runs reserving series concurrently at the
// cap never make the count (read by the jsonl_exporter_series gauge) pass it,
// not even for an instant, and a pair is reserved all or none.
func TestReserveSeriesNeverPassesCap(t *testing.T) {
	const maxSeries = 50
	s := New(Options{Namespace: "ml", MaxSeries: maxSeries})
	var granted atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := int64(1 + w%2)
			for i := 0; i < 20000; i++ {
				if s.reserveSeries(n) {
					granted.Add(n)
				}
			}
		}()
	}
	var highest int64
	sampler := make(chan struct{})
	go func() {
		defer close(sampler)
		for !stop.Load() {
			highest = max(highest, s.SeriesCount())
		}
	}()
	wg.Wait()
	stop.Store(true)
	<-sampler
	if highest > maxSeries {
		t.Errorf("series count reached %d, past the cap of %d", highest, maxSeries)
	}
	if got := s.SeriesCount(); got != granted.Load() || got > maxSeries {
		t.Errorf("series count %d, granted %d, cap %d", got, granted.Load(), maxSeries)
	}
	if got := s.SeriesCount(); got != maxSeries-1 && got != maxSeries {
		t.Errorf("series count %d: the cap was not filled", got)
	}
}

// TestScrapeWhileRunsComeAndGo: scrapes share the families' member arrays
// instead of copying them, so runs being created and removed meanwhile must
// never change what a scrape reads (the race detector checks), and no
// scrape shows a series twice.
func TestScrapeWhileRunsComeAndGo(t *testing.T) {
	const runs = 20
	s := New(Options{Namespace: "ml", MaxSeries: 1 << 30})
	rec := record.Record{Kind: record.KindMetric, Metrics: []record.Metric{
		{Name: []byte("train.loss"), Value: 1}, {Name: []byte("train.lr"), Value: 2},
	}}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			var cache ShapeCache
			s.RunState(fmt.Sprintf("run-%d", i%runs), nil).Apply(&rec, time.Now(), &cache)
			if i%3 == 0 {
				s.Remove(fmt.Sprintf("run-%d", (i+7)%runs), DropRunExpired)
			}
		}
	}()
	defer func() { stop.Store(true); wg.Wait() }()
	// Two scrapers: one compacts the families while the other reads.
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- scrapeRepeatedly(s, 200, runs) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func scrapeRepeatedly(s *Store, times, runs int) error {
	for range times {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		if err := s.WriteText(w); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, line := range strings.Split(b.String(), "\n") {
			if !strings.HasPrefix(line, "ml_train_") {
				continue
			}
			series, _, _ := strings.Cut(line, " ")
			if seen[series] {
				return fmt.Errorf("%s twice in one scrape:\n%s", series, b.String())
			}
			seen[series] = true
		}
		if len(seen) > 2*runs {
			return fmt.Errorf("%d series from %d runs of 2 metrics", len(seen), runs)
		}
	}
	return nil
}
