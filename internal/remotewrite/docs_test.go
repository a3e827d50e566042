// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetricsDocListsEverySeries: every self-metric of the writer is in
// docs/metrics.md with its HELP text.
func TestMetricsDocListsEverySeries(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	// Vectors appear once they have a child.
	m.sent.WithLabelValues("r")
	m.retried.WithLabelValues("r")
	m.failed.WithLabelValues("r", "400")
	m.dropped.WithLabelValues("r", "shutdown")
	m.queued.WithLabelValues("r")
	m.capacity.WithLabelValues("r")
	m.lastAckRecord.WithLabelValues("r", "/runs/*.jsonl")
	m.lastAck.WithLabelValues("r")
	m.duration.WithLabelValues("r").Observe(1)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) != 11 {
		t.Fatalf("%d families gathered, want 11", len(mfs))
	}
	for _, mf := range mfs {
		if !strings.Contains(string(doc), "`"+mf.GetName()) {
			t.Errorf("docs/metrics.md does not list %s", mf.GetName())
		}
		if !strings.Contains(string(doc), mf.GetHelp()) {
			t.Errorf("docs/metrics.md does not give the HELP of %s: %q", mf.GetName(), mf.GetHelp())
		}
	}
}
