// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package profile

import "github.com/jsonl-exporter/jsonl-exporter/internal/record"

// ProgressKeys say where a producer's records tell how far the run has
// to go (record.RunHints). The metrics named stay metrics as well.
type ProgressKeys struct {
	TotalSteps string // metric holding the run's total steps (LLaMA-Factory's total_steps)
	Percent    string // metric holding the share done in percent (percentage)
	ETA        string // metric holding the producer's seconds to finish (remaining_time, eta_seconds)
	Done       string // metric that is 1 on the run's last record (Ray Tune's done)
	// StepFromZero: the step counts from 0 (detectron2's iteration 89999
	// of MAX_ITER 90000 is the last).
	StepFromZero bool
	Epochs       EpochCount
	// Document reads the totals a document file states once for all its
	// records (trainer_state.json's max_steps beside log_history).
	Document func(doc []byte) record.RunHints
}

// EpochCount says what a record's epoch tells of the epochs done.
type EpochCount uint8

// How producers count epochs.
const (
	EpochsUnknown    EpochCount = iota // nothing: the epoch may be the one under way
	EpochsFractional                   // every record's epoch is the epochs done, fractional (Hugging Face)
	EpochsAtEpochEnd                   // an epoch_end record's epoch is the epochs done (the seed trainer)
	EpochsRowEnds                      // a record closes the epoch it numbers, from 0 or 1 (Keras, Ultralytics, DETR)
)

func (k *ProgressKeys) any() bool {
	return k.TotalSteps != "" || k.Percent != "" || k.ETA != "" || k.Done != "" || k.StepFromZero || k.Epochs != EpochsUnknown || k.Document != nil
}

// SetDocument reads the totals of the document whose records are applied
// next; they go to each of its records. A nil *Rules does nothing.
func (r *Rules) SetDocument(doc []byte) {
	if r == nil || r.p.Progress.Document == nil {
		return
	}
	r.doc = r.p.Progress.Document(doc)
}

// hintProgress sets rec.Run from the profile's progress keys.
func (r *Rules) hintProgress(rec *record.Record) {
	k, h := &r.p.Progress, &rec.Run
	if k.TotalSteps != "" || k.Percent != "" || k.ETA != "" || k.Done != "" {
		for _, m := range rec.Metrics {
			if !isFinite(m.Value) {
				continue
			}
			switch string(m.Name) {
			case "":
			case k.TotalSteps:
				if m.Value > 0 {
					h.TotalSteps, h.HasTotalSteps = m.Value, true
				}
			case k.Percent:
				h.Percent, h.HasPercent = m.Value, true
			case k.ETA:
				if m.Value >= 0 {
					h.ETA, h.HasETA = m.Value, true
				}
			case k.Done:
				h.Final = h.Final || m.Value == 1
			}
		}
	}
	h.StepFromZero = k.StepFromZero
	switch {
	case !rec.HasEpoch || !isFinite(rec.Epoch):
	case k.Epochs == EpochsFractional, k.Epochs == EpochsAtEpochEnd && rec.Kind == record.KindEpochEnd:
		h.EpochsDone, h.HasEpochsDone = rec.Epoch, true
	case k.Epochs == EpochsRowEnds:
		h.EpochEnds = true
	}
	h.Fill(r.doc)
}

// hfTotals reads trainer_state.json's max_steps and num_train_epochs,
// stated once beside log_history. Both are the Trainer's own totals
// (max_steps computed from the epochs when not set).
func hfTotals(doc []byte) record.RunHints {
	var h record.RunHints
	if v, ok := record.DocumentNumber(doc, "max_steps"); ok && v > 0 {
		h.TotalSteps, h.HasTotalSteps = v, true
	}
	if v, ok := record.DocumentNumber(doc, "num_train_epochs"); ok && v > 0 {
		h.TotalEpochs, h.HasTotalEpochs = v, true
	}
	return h
}

func isFinite(f float64) bool { return f-f == 0 }
