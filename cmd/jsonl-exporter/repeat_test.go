// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRepeatFilter(t *testing.T) {
	var out bytes.Buffer
	f := newRepeatFilter(slog.NewTextHandler(&out, nil), time.Minute)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.now = func() time.Time { return now }
	logger := slog.New(f)
	logger.Error("Unable to parse configuration", "err", "yaml: line 2")
	logger.Error("Unable to parse configuration", "err", "yaml: line 2") // repeated: dropped
	logger.Error("Unable to parse configuration", "err", "yaml: line 3") // another error
	now = now.Add(time.Minute)
	logger.Error("Unable to parse configuration", "err", "yaml: line 2") // a minute later
	if got := strings.Count(out.String(), "Unable to parse"); got != 3 {
		t.Errorf("%d lines, want 3:\n%s", got, out.String())
	}
}
