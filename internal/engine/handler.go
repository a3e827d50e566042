// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// Handler serves /metrics from the current engine's store, then what self
// gathers (the exporter's own metrics; nil for none).
func (s *Service) Handler(self prometheus.Gatherer, logger *slog.Logger) http.Handler {
	return store.Handler(func() *store.Store {
		if e := s.Engine(); e != nil {
			return e.store
		}
		return nil
	}, self, logger)
}
