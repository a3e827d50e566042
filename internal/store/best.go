// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import "regexp"

// Default patterns of metrics whose best value so far is tracked, matched
// against the metric name as logged (e.g. "val.mlm_acc").
const (
	DefaultBestMinimize = `(?i)(loss|error|perplexity|ppl|wer|cer)`
	DefaultBestMaximize = `(?i)(acc|f1|auc|map|bleu|rouge|precision|recall|iou|dice)`
)

// BestRules say which metrics get best-so-far series, in which direction,
// by their names as logged; nil matches nothing.
type BestRules struct {
	Minimize, Maximize *regexp.Regexp
}

// direction is -1 when lower is better, +1 when higher is better, 0 when
// the metric is not tracked. Loss-like names win over accuracy-like ones.
func (b BestRules) direction(name []byte) int {
	switch {
	case b.Minimize != nil && b.Minimize.Match(name):
		return -1
	case b.Maximize != nil && b.Maximize.Match(name):
		return 1
	}
	return 0
}
