// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import (
	"fmt"
	"strings"
)

// A pick is a variable that chooses, for the selected run, the series a
// panel shows. Trainers name the same thing differently (ml_train_loss
// from the seed trainer, ml_loss from Hugging Face and mmengine,
// ml_total_loss from detectron2; docs/formats.md), so the variable offers
// the series the run has, in order of preference: Grafana selects the
// first offer whenever the current value is not among them, so every run
// opens on its own names, and the user can pick another.
type pick struct {
	name, label, description string
	names                    []string // series in order of preference
	patterns                 []string // then any series matching these, in order
	exclude                  string   // and not these
}

// notPicked are never offered: derived series and the summaries of an
// epoch or a run, which are not the curve itself.
const notPicked = `.*_(ema|best|best_step)|ml_(epoch_end|summary)_.*`

// splits are the prefixes trainers give validation and test metrics.
const splits = `(val|valid|validation|eval|test)`

// validation names validation and test series, which training picks
// leave out.
const validation = `ml_` + splits + `_.*`

var (
	pickLoss = pick{"loss", "Loss", "Training loss series of the run, in order of preference.",
		[]string{"ml_train_loss", "ml_loss", "ml_total_loss", "ml_train_total_loss", "ml_main_loss", "ml_training_loss"},
		[]string{`ml_(train_)?.*loss`}, validation}
	pickVal = pick{"val", "Validation", "Validation series of the run: a validation loss, else a validation score.",
		[]string{"ml_val_loss", "ml_eval_loss", "ml_valid_loss", "ml_validation_loss", "ml_test_loss", "ml_validation_main_loss"},
		[]string{`ml_` + splits + `_.*loss`, `ml_` + splits + `_.*(acc|accuracy|top1|mAP|map|AP|f1|bleu|auc).*`,
			`ml_(bbox|segm|keypoints)_AP`, `ml_` + splits + `_.+`}, ""}
	pickAcc = pick{"acc", "Accuracy", "Validation accuracy or score series of the run, in order of preference.",
		[]string{"ml_val_accuracy", "ml_val_mlm_acc", "ml_eval_accuracy", "ml_val_accuracy_top1", "ml_valid_accuracy", "ml_test_acc1",
			"ml_val_coco_bbox_mAP", "ml_bbox_AP", "ml_test_coco_eval_bbox_0"},
		[]string{`ml_` + splits + `_.*(acc|accuracy|top1|mAP|map|AP|f1|bleu|auc).*`, `ml_(bbox|segm|keypoints)_AP`}, ""}
	pickLR = pick{"lr", "Learning rate", "Learning rate series of the run, in order of preference.",
		[]string{"ml_train_lr", "ml_lr", "ml_learning_rate", "ml_train_learning_rate"},
		[]string{`ml_.*(_lr|learning_rate)`}, validation}
	pickGrad = pick{"grad", "Gradient norm", "Gradient norm series of the run, in order of preference.",
		[]string{"ml_train_grad_norm", "ml_grad_norm", "ml_gnorm", "ml_train_gnorm"},
		[]string{`ml_.*(grad_norm|gnorm)`}, validation}
	pickThroughput = pick{"throughput", "Throughput", "Throughput series of the run (samples, tokens or words per second), in order of preference.",
		[]string{"ml_train_throughput", "ml_throughput", "ml_train_samples_per_second", "ml_samples_per_second", "ml_tokens_per_second", "ml_wps"},
		[]string{`ml_(train_)?.*(throughput|per_second|per_sec)`}, validation}
	picks = []pick{pickLoss, pickVal, pickAcc, pickLR, pickGrad, pickThroughput}
)

// query is the variable's query: every candidate the run has, ranked by
// the value sort orders them by; "or" keeps the first rank of a series
// that several candidates name.
func (p pick) query() string {
	var alts []string
	rank := 0
	alt := func(selector string) {
		rank++
		alts = append(alts, fmt.Sprintf(`label_join(group by (__name__) (%s), "series", "", "__name__") * %d`, selector, rank))
	}
	for _, n := range p.names {
		alt(n + `{` + runSelector + `}`)
	}
	excluded := notPicked
	if p.exclude != "" {
		excluded += "|" + p.exclude
	}
	for _, re := range p.patterns {
		alt(`{__name__=~"` + re + `", __name__!~"` + excluded + `", ` + runSelector + `}`)
	}
	return "query_result(sort(" + strings.Join(alts, " or ") + "))"
}

// variable is the Grafana variable of the pick.
func (p pick) variable() Variable {
	v := queryVariable(p.name, p.label, p.description, p.query())
	v.Regex = `/series="([^"]+)"/`
	v.Sort = 0 // the query's order is the preference
	return v
}

// of selects the picked series of the selected run, with a suffix such
// as "_best".
func (p pick) of(suffix string) string {
	return "${" + p.name + "}" + suffix + `{` + runSelector + `}`
}
