// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestPlotSplitTypedRecords: validation records typed "validation" whose
// keys name their split already are val.loss, which --metrics val.loss
// finds.
func TestPlotSplitTypedRecords(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "bert", "logs", "metrics.jsonl")
	writeFile(t, log, `{"_type":"train","step":10,"loss":2.5,"val/loss":9}`+"\n"+
		`{"_type":"validation","step":10,"val/loss":2.1}`+"\n"+
		`{"_type":"train","step":20,"loss":2.2}`+"\n"+
		`{"_type":"validation","step":20,"val/loss":1.9,"accuracy":0.61}`+"\n")
	table := filepath.Join(dir, "p.csv")
	_, stderr, code := runBinary(t, nil, "plot", "--input", log, "--metrics", "val.loss", "train.loss", "validation.accuracy", "--csv", table)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows := readCSV(t, table)
	if y := column(rows["val.loss bert"], 1); !slices.Equal(y, []string{"9", "2.1", "1.9"}) {
		t.Errorf("val.loss %v (rows %v)", y, rows)
	}
	if y := column(rows["train.loss bert"], 1); !slices.Equal(y, []string{"2.5", "2.2"}) {
		t.Errorf("train.loss %v", y)
	}
	if y := column(rows["validation.accuracy bert"], 1); !slices.Equal(y, []string{"0.61"}) {
		t.Errorf("validation.accuracy %v", y)
	}
}
