// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

// runSelector picks the run of the Training run dashboard: a run name is
// unique per exporter, not across the nodes of a fleet.
const runSelector = `job=~"$job", instance=~"$instance", run="$run"`

// TrainingRun is the "Training run" dashboard: everything about one run.
func TrainingRun() Dashboard {
	d := newDashboard("jsonl-exporter-training-run", "Training run",
		"One training run as its JSON Lines log reports it: loss, validation, optimiser, progress and health.",
		"training")
	jobVar := queryVariable("job", "Job", "Prometheus job that scrapes the exporters.", "label_values(ml_records_total, job)")
	jobVar.Current = Current{Selected: true, Text: "jsonl-exporter", Value: "jsonl-exporter"}
	instVar := queryVariable("instance", "Instance",
		"Exporter instances: pick one when runs of the same name come from several nodes.",
		`label_values(ml_records_total{job=~"$job"}, instance)`)
	instVar.Multi, instVar.IncludeAll = true, true
	instVar.Current = Current{Selected: true, Text: []string{"All"}, Value: []string{"$__all"}}
	d.Templating.List = []Variable{
		datasourceVariable(),
		jobVar,
		instVar,
		queryVariable("run", "Run", "Run label of the training run.", `label_values(ml_records_total{job=~"$job", instance=~"$instance"}, run)`),
		intervalVariable("window", "Smoothing window",
			"Time window of the smoothed loss (mean of the finite values in the window).",
			"1m", "10s", "30s", "1m", "2m", "5m", "15m", "1h"),
	}
	for _, p := range picks {
		d.Templating.List = append(d.Templating.List, p.variable())
	}
	run := func(name string) string { return name + `{` + runSelector + `}` }
	d.Annotations.List = append(d.Annotations.List,
		promAnnotation("Epoch boundaries", run("ml_epoch")+` > `+run("ml_epoch")+` offset $__interval`,
			"New epoch", "run {{run}}", "rgba(150, 150, 150, 0.6)"),
		promAnnotation("Non-finite values", appeared(run("ml_nonfinite_values_total")),
			"Non-finite value", "{{metric}} in run {{run}}", "red"),
	)

	var l layout
	l.row("Progress")
	l.add(4, 4, stat("Epoch", "Epoch of the newest record (ml_epoch).", "none",
		lastValue(run("ml_epoch"), "epoch")))
	l.add(4, 4, stat("Global step", "Step counted across per-epoch step resets (ml_global_step).", "none",
		lastValue(run("ml_global_step"), "global step")))
	l.add(4, 4, stat("Steps per second", "Slope of ml_global_step (deriv: the global step is a gauge that goes back on a restart).", "short",
		lastValue(stepsPerSecond(run("ml_global_step")), "steps/s")))
	l.add(4, 4, stat("Time since last record",
		"Now minus the time of the run's newest record; grows while the trainer writes nothing (stalled, crashed or finished).", "s",
		lastValue("time() - "+run("ml_last_record_timestamp_seconds"), "since last record")).
		withThresholds([]string{"green", "orange", "red"}, 120, 600))
	l.add(4, 4, stat("Non-finite values", "NaN or infinite values read in the run, all series (ml_nonfinite_values_total).", "none",
		lastValue(`sum(`+run("ml_nonfinite_values_total")+`) or on() vector(0)`, "non-finite")).
		withThresholds([]string{"green", "red"}, 1))
	l.add(4, 4, stat("Restarts", "Times the step went back without a new epoch: resumed from a checkpoint or restarted (ml_run_restarts_total).", "none",
		lastValue(run("ml_run_restarts_total"), "restarts")).
		withThresholds([]string{"green", "orange"}, 1))

	l.row("Loss")
	loss := pickLoss.of("")
	l.add(12, 9, timeseries("Training loss: ${loss}",
		"The run's training loss (variable Loss picks which series: each trainer names it its own way), the exporter's TensorBoard-style EMA over every record (<series>_ema), its mean over the smoothing window (NaN and Inf left out) and the trainer's own running mean if it logs train.avg_loss. Firing alerts of the run are marked on this panel.", "short",
		series(loss, "loss"),
		series(pickLoss.of("_ema"), "EMA (TensorBoard smoothing)"),
		series(meanOver(loss), "mean over $window"),
		series(run("ml_train_avg_loss"), "trainer running mean")))
	l.add(12, 9, timeseries("Validation: ${val}",
		"The run's validation loss at each evaluation, or its validation score when it logs no validation loss (variable Validation), with the smoothed training loss for comparison (a widening gap means overfitting).", "short",
		series(pickVal.of(""), "${val}"),
		series(meanOver(loss), "training loss (mean over $window)")))

	l.row("Validation and optimiser")
	l.add(8, 8, timeseries("Accuracy: ${acc}", "Validation accuracy or score as logged (variable Accuracy): val.accuracy, eval_accuracy, accuracy/top1, coco/bbox_mAP, bbox/AP, ...", "short",
		series(pickAcc.of(""), "${acc}")))
	l.add(8, 8, timeseries("Learning rate: ${lr}", "Learning rate as logged (variable Learning rate: train.lr, lr, learning_rate, ...).", "sci",
		series(pickLR.of(""), "lr")))
	l.add(8, 8, timeseries("Gradient norm: ${grad}", "Gradient norm before clipping as logged (variable Gradient norm: train.grad_norm, grad_norm, gnorm, ...); spikes often come before a loss spike.", "short",
		series(pickGrad.of(""), "grad norm")))
	l.add(12, 8, timeseries("Throughput: ${throughput}", "Training throughput as logged (variable Throughput: samples, tokens or words per second).", "short",
		series(pickThroughput.of(""), "throughput")))
	l.add(12, 8, timeseries("Steps per second",
		"deriv of ml_global_step over $__rate_interval. Negative for a moment after a restart from a checkpoint.", "short",
		series(stepsPerSecond(run("ml_global_step")), "steps/s")))

	l.row("Best so far and problems")
	l.add(6, 6, stat("Best loss", "Lowest value so far of the picked training loss and validation series; the exporter sees every record, so this is exact even between scrapes.", "short",
		lastValue(pickLoss.of("_best"), "training"),
		lastValue(pickVal.of("_best"), "validation")))
	l.add(6, 6, stat("Best accuracy", "Highest value so far of the picked accuracy series.", "short",
		lastValue(pickAcc.of("_best"), "${acc}")))
	l.add(6, 6, stat("Step of best", "Global step at which each best value was reached.", "none",
		lastValue(pickLoss.of("_best_step"), "training loss"),
		lastValue(pickVal.of("_best_step"), "validation"),
		lastValue(pickAcc.of("_best_step"), "accuracy")))
	l.add(6, 6, timeseries("Non-finite values by series", "Count of NaN or infinite values read, by series (label metric).", "none",
		series(run("ml_nonfinite_values_total"), "{{metric}}")))
	l.add(24, 5, table("Run info", "String fields of the run's meta and run_start records (ml_run_info).", "none",
		instant(run("ml_run_info"))).
		withTransformations(Transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]any{"Time": true, "Value": true, "__name__": true},
		}}))
	l.row("Alerts")
	l.add(24, 6, timeseries("Spikes and non-finite values",
		"Loss spikes found by the exporter on every record (ml_spikes_total, see docs/alerts.md) and NaN/Inf values, per series: each step up is one event, even between scrapes.", "none",
		series(run("ml_spikes_total"), "spikes {{metric}}"),
		series(run("ml_nonfinite_values_total"), "non-finite {{metric}}")))
	d.Panels = l.panels
	// Firing alerts of this run, drawn on its loss panel only.
	alerts := promAnnotation("Firing alerts", `ALERTS{alertstate="firing", `+runSelector+`}`,
		"{{alertname}}", "{{alertname}} ({{severity}}) {{metric}}", "orange")
	alerts.Filter = &AnnotationFilter{IDs: []int{panelID(d.Panels, "Training loss: ${loss}")}}
	d.Annotations.List = append(d.Annotations.List, alerts)
	return d
}

// panelID finds a panel by title, also inside rows.
func panelID(panels []Panel, title string) int {
	if id := findPanel(panels, title); id != 0 {
		return id
	}
	panic("no panel " + title)
}

func findPanel(panels []Panel, title string) int {
	for _, p := range panels {
		if p.Title == title {
			return p.ID
		}
		if id := findPanel(p.Panels, title); id != 0 {
			return id
		}
	}
	return 0
}
