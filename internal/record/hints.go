// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"strconv"
	"strings"
)

// RunHints is what a record tells of the run as a whole rather than of its
// step: how far the run has to go, and whether it ended. The parser leaves
// it empty; the profile's rules set it (package profile), from keys whose
// meaning only the producer knows (LLaMA-Factory's total_steps, detectron2's
// eta_seconds, Hugging Face's max_steps beside log_history).
type RunHints struct {
	TotalSteps, TotalEpochs       float64
	HasTotalSteps, HasTotalEpochs bool
	// Percent is the producer's own share done, 0 to 100.
	Percent    float64
	HasPercent bool
	// ETA is the producer's own estimate of the seconds to finish.
	ETA    float64
	HasETA bool
	// EpochsDone is how many epochs are complete as of this record, as
	// the producer counts them (Hugging Face's fractional epoch, the seed
	// trainer's epoch_end).
	EpochsDone    float64
	HasEpochsDone bool
	// EpochEnds: the record is written as its epoch ends, and its epoch
	// numbers that epoch from the log's first, 0 or 1 (Keras, timm and
	// Ultralytics CSV rows, DETR's log.txt).
	EpochEnds bool
	// StepFromZero: the step counts from 0, so step n means n+1 steps done
	// (detectron2's iteration).
	StepFromZero bool
	// Final: the record closes the run (a summary record, an end marker).
	Final bool
}

// Fill sets the totals of h that it lacks from o: the totals a document
// states once for all its records.
func (h *RunHints) Fill(o RunHints) {
	if !h.HasTotalSteps && o.HasTotalSteps {
		h.TotalSteps, h.HasTotalSteps = o.TotalSteps, true
	}
	if !h.HasTotalEpochs && o.HasTotalEpochs {
		h.TotalEpochs, h.HasTotalEpochs = o.TotalEpochs, true
	}
}

// DocumentNumber returns the number under key in the top-level object that
// doc holds (Hugging Face's "max_steps" in trainer_state.json), and whether
// there is one. A document of another shape has none.
func DocumentNumber(doc []byte, key string) (float64, bool) {
	w := newDocWalker(doc)
	if !w.expect('{') {
		return 0, false
	}
	for first := true; ; first = false {
		w.space()
		if w.peek() == '}' || !first && !w.expect(',') {
			return 0, false
		}
		w.space()
		k, esc, ok := w.str()
		if !ok || !w.expect(':') {
			return 0, false
		}
		w.space()
		start := w.i
		if !w.value() {
			return 0, false
		}
		if !esc && string(k) == key {
			f, err := strconv.ParseFloat(strings.TrimSpace(string(doc[start:w.i])), 64)
			return f, err == nil && isFinite(f)
		}
	}
}
