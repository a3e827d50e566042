// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// hparamStore is fullStore's 1,000 runs of 50 metrics with 50
// hyperparameters each (40 numbers, 10 texts): 90,000 series more.
func hparamStore(b *testing.B) *Store {
	s := fullStore(b, 1000, 50)
	var cfg strings.Builder
	cfg.WriteString(`{"_type":"config","config":{`)
	for i := range 50 {
		if i > 0 {
			cfg.WriteByte(',')
		}
		if i%5 == 4 {
			fmt.Fprintf(&cfg, `"opt.param_%02d":"value-%d"`, i, i)
		} else {
			fmt.Fprintf(&cfg, `"opt.param_%02d":%g`, i, 1e-4*float64(i+1))
		}
	}
	cfg.WriteString("}}")
	for _, name := range s.RunNames() {
		applyLineB(b, s.RunState(name, nil), cfg.String())
	}
	return s
}

func applyLineB(b *testing.B, run *RunState, line string) {
	var rec record.Record
	if err := record.NewParser(record.Options{}).Parse([]byte(line), &rec); err != nil {
		b.Fatal(err)
	}
	run.Apply(&rec, fixedMtime, nil)
}

// BenchmarkHparamsMemory reports the heap each run's 50 hyperparameters
// take: runs with the same config, a sweep whose runs differ in 5 of
// the 50 values, and runs whose 50 values are all their own.
func BenchmarkHparamsMemory(b *testing.B) {
	for _, bc := range []struct {
		name   string
		differ int // the first differ values are the run's own
	}{{"same", 0}, {"sweep", 5}, {"distinct", 50}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				runtime.GC()
				var before, after runtime.MemStats
				s := fullStore(b, 1000, 50)
				runtime.GC()
				runtime.ReadMemStats(&before)
				for r, name := range s.RunNames() {
					var cfg strings.Builder
					cfg.WriteString(`{"_type":"config","config":{`)
					for i := range 50 {
						if i > 0 {
							cfg.WriteByte(',')
						}
						v := 1e-4 * float64(i+1)
						if i < bc.differ {
							v *= float64(r + 1)
						}
						fmt.Fprintf(&cfg, `"opt.param_%02d":%g`, i, v)
					}
					cfg.WriteString("}}")
					applyLineB(b, s.RunState(name, nil), cfg.String())
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1000, "heap-bytes/run")
				runtime.KeepAlive(s)
			}
		})
	}
}

// BenchmarkScrapeHparams serves /metrics of 1,000 runs with 50 metrics
// and 50 hyperparameters each, gzip on.
func BenchmarkScrapeHparams(b *testing.B) {
	st := hparamStore(b)
	srv := httptest.NewServer(Handler(func() *Store { return st }, nil, nil))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	var size int64
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		size, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	b.ReportMetric(float64(size), "gzip-bytes")
}
