// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"bufio"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// textContentType is the Prometheus text format 0.0.4, which every
// scraper accepts whatever it asks for first.
const textContentType = "text/plain; version=0.0.4; charset=utf-8"

var (
	gzipPool   = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}
	bufferPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}
)

// Handler serves /metrics: the store current returns (nil: none) written
// straight as text, then what self gathers (the exporter's own metrics;
// nil for none). It is several times cheaper than promhttp over the
// Collector for tens of thousands of series.
func Handler(current func() *Store, self prometheus.Gatherer, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", textContentType)
		var out io.Writer = w
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Add("Vary", "Accept-Encoding")
			zw := gzipPool.Get().(*gzip.Writer)
			zw.Reset(w)
			defer func() { _ = zw.Close(); gzipPool.Put(zw) }()
			out = zw
		}
		bw := bufferPool.Get().(*bufio.Writer)
		bw.Reset(out)
		defer bufferPool.Put(bw)
		if st := current(); st != nil {
			if err := st.WriteText(bw); err != nil {
				logger.Debug("writing metrics", "err", err)
				return
			}
		}
		if self == nil {
			return
		}
		mfs, err := self.Gather()
		if err != nil {
			logger.Error("gathering the exporter's own metrics", "err", err)
		}
		enc := expfmt.NewEncoder(bw, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				logger.Debug("writing metrics", "err", err)
				return
			}
		}
		_ = bw.Flush()
	})
}

func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
