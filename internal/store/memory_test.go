// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"runtime"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// TestMemoryDoesNotGrowWithRecords: once a run's series exist, more
// records (here 10x more, over many epochs) cost no memory.
func TestMemoryDoesNotGrowWithRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100,000 records")
	}
	lines := generatedLines(t, 100000)
	s := newTestStore(1 << 20)
	r := s.RunState("r", nil)
	p := record.NewParser(record.Options{})
	var rec record.Record
	var cache ShapeCache
	now := time.Now()
	feed := func(lines [][]byte) {
		for _, l := range lines {
			if err := p.Parse(l, &rec); err != nil {
				t.Fatal(err)
			}
			r.Apply(&rec, now, &cache)
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	feed(lines[:10000])
	before := heap()
	feed(lines[10000:])
	after := heap()
	runtime.KeepAlive(lines)
	if after > before+64<<10 {
		t.Errorf("heap grew by %d bytes over 90,000 records of the same series", after-before)
	}
	if series := s.SeriesCount(); series > 20 {
		t.Errorf("%d series, want the same few all along", series)
	}
}
