// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package curves

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// A Selection is a metric to plot: the name shown and the series drawn.
type Selection struct {
	Label  string // as the user wrote it, or the series without namespace
	Series string
}

// Names turns metric names as users write them (train.loss, train/loss,
// val.mlm_acc, loss) into series with the store's own rules.
type Names struct {
	Namespace string
	SeriesOf  func(name string) string // the store's SeriesOf for a metric record
}

// Short is a series without its namespace.
func (n Names) Short(series string) string {
	if n.Namespace == "" {
		return series
	}
	return strings.TrimPrefix(series, n.Namespace+"_")
}

// hasPrefix reports whether a name as written has a prefix (train.loss).
func hasPrefix(name string) bool { return strings.ContainsAny(name, "./") }

// avgOf is the averaged twin of a name as written: train.loss → train.avg_loss.
func avgOf(name string) string {
	i := strings.LastIndexAny(name, "./")
	return name[:i+1] + "avg_" + name[i+1:]
}

// Candidates lists the series that may be drawn for metrics: each name's
// series, for an unprefixed name the train metric of that name, and with
// preferAvg their averaged twins.
func (n Names) Candidates(metrics []string, preferAvg bool) map[string]bool {
	want := map[string]bool{}
	for _, m := range metrics {
		names := []string{m}
		if !hasPrefix(m) {
			names = append(names, "train."+m)
		}
		for _, name := range names {
			want[n.SeriesOf(name)] = true
			if preferAvg {
				want[n.SeriesOf(avgOf(name))] = true
			}
		}
		want[m] = true // a series as /metrics names it (ml_train_loss)
	}
	return want
}

// Resolve chooses the series of each metric among those read. notes say
// what was chosen other than asked; an unknown name is an error that
// lists the names there are.
func (n Names) Resolve(metrics []string, preferAvg bool, read []string) (sel []Selection, notes []string, err error) {
	has := func(s string) bool { _, ok := slices.BinarySearch(read, s); return ok }
	for _, m := range metrics {
		if !has(n.SeriesOf(m)) && has(m) && n.Namespace != "" && strings.HasPrefix(m, n.Namespace+"_") {
			// The series as /metrics names it.
			if s := (Selection{Label: m, Series: m}); !slices.ContainsFunc(sel, func(o Selection) bool { return o.Series == s.Series }) {
				sel = append(sel, s)
			}
			continue
		}
		name := m
		if s := n.SeriesOf(m); !has(s) && !hasPrefix(m) && has(n.SeriesOf("train."+m)) {
			name = "train." + m
			notes = append(notes, fmt.Sprintf("no metric %s; plotting %s", m, name))
		}
		if !has(n.SeriesOf(name)) {
			return nil, notes, fmt.Errorf("unknown metric %q; the logs have: %s", m, n.list(read))
		}
		if preferAvg && has(n.SeriesOf(avgOf(name))) {
			notes = append(notes, fmt.Sprintf("plotting %s for %s (--prefer-avg)", avgOf(name), m))
			name = avgOf(name)
		}
		s := Selection{Label: m, Series: n.SeriesOf(name)}
		if name != m {
			s.Label = name
		}
		// One curve per series, however often and however spelled.
		if !slices.ContainsFunc(sel, func(o Selection) bool { return o.Series == s.Series }) {
			sel = append(sel, s)
		}
	}
	return sel, notes, nil
}

func (n Names) list(series []string) string {
	if len(series) == 0 {
		return "no metrics at all"
	}
	short := make([]string, len(series))
	for i, s := range series {
		short[i] = n.Short(s)
	}
	return strings.Join(short, ", ")
}

// What Pick looks for, in order, on series without namespace.
var (
	lossLike = regexp.MustCompile(`(^|_)loss($|_)|_loss$|^loss`)
	// Accuracies and detection scores: acc, acc1, top1, accuracy, mAP, AP, AP50.
	accLike = regexp.MustCompile(`(^|_)((?i:acc\d*|accuracy|top\d)|mAP\d*|AP(\d+|s|m|l)?)($|_)|(?i:accuracy)`)
	overall = regexp.MustCompile(`(^|_)((?i:acc1?|accuracy|top1)|mAP|AP)$`)
	lrLike  = regexp.MustCompile(`(^|_)(lr|learning_rate)$`)
)

// AutoCandidate reports whether Pick may choose a series (without
// namespace): loss, accuracy and learning-rate names.
func AutoCandidate(short string) bool {
	return lossLike.MatchString(short) || accLike.MatchString(short) || lrLike.MatchString(short)
}

// Pick chooses common metrics among those read, for a plot without
// --metrics: the training loss, the validation loss, an accuracy (a
// validation one first) and the learning rate, whichever exist; with
// preferAvg, the averaged twin of each where there is one.
func (n Names) Pick(read []string, preferAvg bool) ([]Selection, error) {
	short := make([]string, len(read))
	for i, s := range read {
		short[i] = n.Short(s)
	}
	var sel []Selection
	pick := func(match func(string) bool, prefer ...string) bool {
		for _, p := range prefer {
			if i := slices.Index(short, p); i >= 0 {
				sel = append(sel, Selection{Label: p, Series: read[i]})
				return true
			}
		}
		for i, s := range short {
			if match(s) {
				sel = append(sel, Selection{Label: s, Series: read[i]})
				return true
			}
		}
		return false
	}
	pick(func(s string) bool { return lossLike.MatchString(s) && !IsValidation(s) }, "train_loss", "loss", "total_loss", "train_total_loss")
	pick(func(s string) bool { return lossLike.MatchString(s) && IsValidation(s) }, "val_loss", "valid_loss", "validation_loss", "eval_loss", "test_loss")
	// A validation accuracy before a training one; the overall score
	// (acc, acc1, mAP) before a partial one (mAP_50, AP of medium objects).
	for _, tier := range []func(string) bool{
		func(s string) bool { return accLike.MatchString(s) && IsValidation(s) && overall.MatchString(s) },
		func(s string) bool { return accLike.MatchString(s) && IsValidation(s) },
		func(s string) bool { return accLike.MatchString(s) && overall.MatchString(s) },
		accLike.MatchString,
	} {
		if pick(tier) {
			break
		}
	}
	pick(func(s string) bool { return lrLike.MatchString(s) }, "train_lr", "lr", "learning_rate", "train_learning_rate")
	if len(sel) == 0 {
		return nil, fmt.Errorf("no loss, accuracy or learning-rate metric to pick; name some with --metrics: the logs have: %s", n.list(read))
	}
	if preferAvg {
		for i, s := range sel {
			if avg := avgShort(s.Label); slices.Contains(short, avg) {
				sel[i] = Selection{Label: avg, Series: read[slices.Index(short, avg)]}
			}
		}
	}
	return sel, nil
}

// avgShort is the averaged twin of a series without namespace:
// train_loss → train_avg_loss, loss → avg_loss.
func avgShort(short string) string {
	for _, p := range []string{"train_", "val_", "valid_", "validation_", "eval_", "test_"} {
		if rest, ok := strings.CutPrefix(short, p); ok {
			return p + "avg_" + rest
		}
	}
	return "avg_" + short
}
