// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"path/filepath"
	"testing"
)

// TestSplitTypedRecords: records typed by their split keep the names
// that name a split already, read at catch-up and while followed.
func TestSplitTypedRecords(t *testing.T) {
	forBothModes(t, func(t *testing.T, poll bool) {
		dir := t.TempDir()
		log := filepath.Join(dir, "bert", "logs", "metrics.jsonl")
		appendTo(t, log, `{"_type":"train","step":10,"loss":2.5,"val/loss":9}`+"\n"+`{"_type":"validation","step":10,"val/loss":2.1}`+"\n")
		e, _ := startEngine(t, testConfig(dir, poll))
		eventually(t, e.Collector(), []string{`ml_train_loss{run="bert"} 2.5`, `ml_val_loss{run="bert"} 2.1`, `ml_step{run="bert"} 10`},
			"ml_validation_val_loss", "ml_train_val_loss")
		appendTo(t, log, `{"_type":"train","step":20,"loss":2.2}`+"\n"+`{"_type":"validation","step":20,"val/loss":1.9,"accuracy":0.61}`+"\n")
		eventually(t, e.Collector(), []string{`ml_train_loss{run="bert"} 2.2`, `ml_val_loss{run="bert"} 1.9`, `ml_validation_accuracy{run="bert"} 0.61`,
			`ml_step{run="bert"} 20`, `ml_val_loss_best{run="bert"} 1.9`}, "ml_validation_val_loss", "ml_train_val_loss")
	})
}
