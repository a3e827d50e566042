// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// BenchmarkWriterThroughput: records of 13 samples (as a train record with
// a watched loss makes) from 100 runs, through the queue, the request
// encoding and snappy to a local receiver that reads and acknowledges.
// The receiver runs in the same process: with -cpu 1 the whole cost is
// on one core.
func BenchmarkWriterThroughput(b *testing.B) {
	for _, protocol := range []string{Protocol1, Protocol2} {
		b.Run("protocol="+protocol, func(b *testing.B) { benchmarkWriter(b, protocol) })
	}
}

func benchmarkWriter(b *testing.B, protocol string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		// A 2.0 receiver says what it wrote; the count is not checked.
		w.Header().Set("X-Prometheus-Remote-Write-Samples-Written", "1")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	w, err := New(Options{Endpoints: []Endpoint{{URL: srv.URL, Protocol: protocol}}, FlushInterval: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	w.Start()
	const runs, perRecord = 100, 13
	batches := make([]*store.Batch, runs)
	for r := range batches {
		labels := []store.Label{{Name: "run", Value: fmt.Sprintf("run-%03d", r)}}
		bt := &store.Batch{Run: labels[0].Value}
		for i := range perRecord {
			bt.Samples = append(bt.Samples, store.Sample{Name: fmt.Sprintf("ml_series_%d", i), Labels: labels, Value: float64(i)})
		}
		batches[r] = bt
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		bt := batches[i%runs]
		bt.Time = 1.7e9 + float64(i)/1000
		w.Wait(nil)
		w.Append(bt)
	}
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*perRecord)/time.Since(start).Seconds(), "samples/s")
}
