// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"bufio"
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestWriteTextMatchesCollector: the /metrics fast path and the
// prometheus.Collector show the same families, samples and HELP texts,
// here over the golden corpus (every record shape).
func TestWriteTextMatchesCollector(t *testing.T) {
	dir := copyCorpus(t)
	cfg := DefaultConfig()
	// Static labels on both sides of "metric" test the label order.
	cfg.Inputs = []InputConfig{{Path: filepath.Join(dir, "**", "*.json*"), Labels: map[string]string{"cluster": "a", "zone": "z"}}}
	e, _ := startEngine(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := e.Store().WriteText(bufio.NewWriter(&text)); err != nil {
		t.Fatal(err)
	}
	// Families without samples (e.g. no epoch_end yet) are legal but say
	// nothing; CollectAndCompare compares what has samples.
	if err := testutil.CollectAndCompare(e.Collector(), strings.NewReader(text.String())); err != nil {
		t.Errorf("WriteText and Collect differ:\n%v", err)
	}
	if !strings.Contains(text.String(), `ml_train_loss{cluster="a",run="bert-base-lr3e-4",zone="z"} NaN`) ||
		!strings.Contains(text.String(), `ml_nonfinite_values_total{cluster="a",metric="ml_train_loss",run="bert-base-lr3e-4",zone="z"} 1`) {
		t.Errorf("unexpected text:\n%s", text.String())
	}
}
