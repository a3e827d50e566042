// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"os"
	"testing"
	"time"
)

// TestMain reads times in UTC: fairseq's logging writes local time, and
// the golden files must not depend on the machine's time zone.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}
