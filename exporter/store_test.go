package exporter

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestReserveSeriesNeverPassesCap: runs reserving series concurrently at the
// cap never make the count (read by the jsonl_exporter_series gauge) pass it,
// not even for an instant, and a pair is reserved all or none.
func TestReserveSeriesNeverPassesCap(t *testing.T) {
	const maxSeries = 50
	s := NewStore("ml", nil, maxSeries, nil)
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
			highest = max(highest, s.series.Load())
		}
	}()
	wg.Wait()
	stop.Store(true)
	<-sampler
	if highest > maxSeries {
		t.Errorf("series count reached %d, past the cap of %d", highest, maxSeries)
	}
	if got := s.series.Load(); got != granted.Load() || got > maxSeries {
		t.Errorf("series count %d, granted %d, cap %d", got, granted.Load(), maxSeries)
	}
	if got := s.series.Load(); got != maxSeries-1 && got != maxSeries {
		t.Errorf("series count %d: the cap was not filled", got)
	}
}
