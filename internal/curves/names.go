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
	}
	return want
}

// Resolve chooses the series of each metric among those read. notes say
// what was chosen other than asked; an unknown name is an error that
// lists the names there are.
func (n Names) Resolve(metrics []string, preferAvg bool, read []string) (sel []Selection, notes []string, err error) {
	has := func(s string) bool { _, ok := slices.BinarySearch(read, s); return ok }
	for _, m := range metrics {
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
		if !slices.Contains(sel, s) {
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
	accLike  = regexp.MustCompile(`(^|_)(acc|accuracy|top1|mlm_acc)($|_)|_acc$|accuracy`)
	lrLike   = regexp.MustCompile(`(^|_)(lr|learning_rate)$`)
)

// AutoCandidate reports whether Pick may choose a series (without
// namespace): loss, accuracy and learning-rate names.
func AutoCandidate(short string) bool {
	return lossLike.MatchString(short) || accLike.MatchString(short) || lrLike.MatchString(short)
}

// Pick chooses common metrics among those read, for a plot without
// --metrics: the training loss, the validation loss, an accuracy (a
// validation one first) and the learning rate, whichever exist.
func (n Names) Pick(read []string) ([]Selection, error) {
	short := make([]string, len(read))
	for i, s := range read {
		short[i] = n.Short(s)
	}
	var sel []Selection
	pick := func(match func(string) bool, prefer ...string) {
		for _, p := range prefer {
			if i := slices.Index(short, p); i >= 0 {
				sel = append(sel, Selection{Label: p, Series: read[i]})
				return
			}
		}
		for i, s := range short {
			if match(s) {
				sel = append(sel, Selection{Label: s, Series: read[i]})
				return
			}
		}
	}
	pick(func(s string) bool { return lossLike.MatchString(s) && !IsValidation(s) }, "train_loss", "loss", "total_loss", "train_total_loss")
	pick(func(s string) bool { return lossLike.MatchString(s) && IsValidation(s) }, "val_loss", "valid_loss", "validation_loss", "eval_loss", "test_loss")
	before := len(sel)
	pick(func(s string) bool { return accLike.MatchString(s) && IsValidation(s) })
	if len(sel) == before {
		pick(func(s string) bool { return accLike.MatchString(s) && !IsValidation(s) })
	}
	pick(func(s string) bool { return lrLike.MatchString(s) }, "train_lr", "lr", "learning_rate", "train_learning_rate")
	if len(sel) == 0 {
		return nil, fmt.Errorf("no loss, accuracy or learning-rate metric to pick; name some with --metrics: the logs have: %s", n.list(read))
	}
	return sel, nil
}
