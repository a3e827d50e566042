// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"regexp"
)

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

// nameRules is what the best and watch rules say of one metric name.
type nameRules struct {
	bestDir int
	watched bool
}

// maxRuleCache bounds the names whose rules are remembered.
const maxRuleCache = 4096

// rulesOf returns the rules for a metric name, matched once per name: a
// thousand runs logging the same keys would match the same patterns a
// thousand times (2 µs a series).
func (s *Store) rulesOf(name []byte) nameRules {
	s.ruleMu.Lock()
	r, ok := s.ruleCache[string(name)]
	s.ruleMu.Unlock()
	if ok {
		return r
	}
	r = nameRules{bestDir: s.best.direction(name), watched: s.watch.Metrics != nil && s.watch.Metrics.Match(name)}
	s.ruleMu.Lock()
	if len(s.ruleCache) < maxRuleCache {
		s.ruleCache[string(name)] = r
	}
	s.ruleMu.Unlock()
	return r
}
