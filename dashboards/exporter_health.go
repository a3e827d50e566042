// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

// ExporterHealth is the "jsonl-exporter health" dashboard: is the exporter
// reading, parsing and being scraped.
func ExporterHealth() Dashboard {
	d := newDashboard("jsonl-exporter-health", "jsonl-exporter health",
		"The exporter itself: files followed, lines and bytes read, parse errors, series, remote write, scrapes and configuration reloads.",
		"exporter")
	jobVar := queryVariable("job", "Job", "Prometheus job that scrapes the exporter.", "label_values(jsonl_exporter_build_info, job)")
	jobVar.Current = Current{Selected: true, Text: "jsonl-exporter", Value: "jsonl-exporter"}
	instVar := queryVariable("instance", "Instance", "Exporter instances.", `label_values(jsonl_exporter_build_info{job=~"$job"}, instance)`)
	instVar.Multi, instVar.IncludeAll = true, true
	instVar.Current = Current{Selected: true, Text: []string{"All"}, Value: []string{"$__all"}}
	d.Templating.List = []Variable{datasourceVariable(), jobVar, instVar}

	sel := func(name string) string { return name + `{job=~"$job", instance=~"$instance"}` }
	rate := func(name string) string { return "rate(" + sel(name) + "[$__rate_interval])" }
	increase := func(name string) string { return "increase(" + sel(name) + "[$__rate_interval])" }
	upDown := []any{map[string]any{"type": "value", "options": map[string]any{
		"0": map[string]any{"color": "red", "index": 1, "text": "down"},
		"1": map[string]any{"color": "green", "index": 0, "text": "up"},
	}}}
	okFailed := []any{map[string]any{"type": "value", "options": map[string]any{
		"0": map[string]any{"color": "red", "index": 1, "text": "failed"},
		"1": map[string]any{"color": "green", "index": 0, "text": "OK"},
	}}}

	var l layout
	l.row("Overview")
	up := stat("Up", "Whether Prometheus' last scrape of the exporter succeeded (up).", "none",
		lastValue(sel("up"), "{{instance}}")).withThresholds([]string{"red", "green"}, 1)
	up.FieldConfig.Defaults.Mappings = upDown
	l.add(4, 4, up)
	l.add(4, 4, stat("Files followed", "Files currently followed or read (jsonl_exporter_files_watched).", "none",
		lastValue("sum("+sel("jsonl_exporter_files_watched")+")", "files")))
	l.add(4, 4, stat("Runs", "Runs currently exported (jsonl_exporter_runs).", "none",
		lastValue("sum("+sel("jsonl_exporter_runs")+")", "runs")))
	l.add(4, 4, stat("Series", "Series created from metric keys, capped by --max-series (jsonl_exporter_series).", "none",
		lastValue("sum("+sel("jsonl_exporter_series")+")", "series")))
	reload := stat("Config reload", "Whether the last configuration load succeeded (jsonl_exporter_config_last_reload_successful).", "none",
		lastValue("min("+sel("jsonl_exporter_config_last_reload_successful")+")", "reload")).
		withThresholds([]string{"red", "green"}, 1)
	reload.FieldConfig.Defaults.Mappings = okFailed
	l.add(4, 4, reload)
	l.add(4, 4, stat("Parse errors", "Lines skipped as unusable over the time range, all reasons.", "none",
		lastValue("sum(increase("+sel("jsonl_exporter_parse_errors_total")+"[$__range]))", "errors")).
		withThresholds([]string{"green", "orange"}, 1))

	l.row("Reading")
	l.add(8, 8, timeseries("Lines read per second", "Lines read from all files, including lines that failed to parse.", "cps",
		series("sum by (instance) ("+rate("jsonl_exporter_lines_read_total")+")", "{{instance}}")))
	l.add(8, 8, timeseries("Bytes read per second", "Bytes read from all files (uncompressed).", "Bps",
		series("sum by (instance) ("+rate("jsonl_exporter_bytes_read_total")+")", "{{instance}}")))
	l.add(8, 8, timeseries("Parse errors by reason", "Lines skipped per second, by reason (invalid_json, line_too_long, ...).", "cps",
		series("sum by (reason) ("+rate("jsonl_exporter_parse_errors_total")+")", "{{reason}}")))
	l.add(8, 8, timeseries("Files followed", "Files currently followed or read, per instance.", "none",
		series(sel("jsonl_exporter_files_watched"), "{{instance}}")))
	l.add(8, 8, timeseries("File rotations and truncations",
		"Rename-and-create rotations and truncations (a run restarted in place, copytruncate) seen per interval.", "none",
		series("sum by (instance) ("+increase("jsonl_exporter_file_rotations_total")+")", "rotations {{instance}}"),
		series("sum by (instance) ("+increase("jsonl_exporter_file_truncations_total")+")", "truncations {{instance}}")))
	l.add(8, 8, timeseries("File errors by reason", "Files matching an input that could not be read, by reason, per interval.", "none",
		series("sum by (reason) ("+increase("jsonl_exporter_file_errors_total")+")", "{{reason}}")))

	l.row("Series and runs")
	l.add(8, 8, timeseries("Series", "Series created from metric keys (capped by --max-series), per instance.", "none",
		series(sel("jsonl_exporter_series"), "{{instance}}")))
	l.add(8, 8, timeseries("Series dropped by reason",
		"Series refused (max_series, reserved_name) or removed (run_expired, file_deleted) per interval.", "none",
		series("sum by (reason) ("+increase("jsonl_exporter_series_dropped_total")+")", "{{reason}}")))
	l.add(8, 8, timeseries("Runs", "Runs exported, and files whose run label was taken and made unique.", "none",
		series(sel("jsonl_exporter_runs"), "runs {{instance}}"),
		series("sum by (instance) ("+increase("jsonl_exporter_run_name_conflicts_total")+")", "name conflicts {{instance}}")))

	l.row("Remote write")
	l.add(8, 8, timeseries("Samples sent per second", "Samples each receiver acknowledged (docs/remote-write.md); empty when the exporter only serves /metrics.", "cps",
		series("sum by (instance, remote) ("+rate("jsonl_exporter_remote_write_samples_sent_total")+")", "{{remote}} {{instance}}")))
	l.add(8, 8, timeseries("Queue fill", "Samples waiting to be sent, as a share of the queue's capacity: at 100 % reading waits for the receiver.", "percentunit",
		series(sel("jsonl_exporter_remote_write_queue_samples")+" / "+sel("jsonl_exporter_remote_write_queue_capacity_samples"), "{{remote}} {{instance}}")))
	l.add(8, 8, timeseries("Retried, failed and dropped samples", "Samples sent again (5xx, 429, 408, network; 401, 403, 404 until the configuration is fixed), not stored (failed: refused for the samples, 400; anything a backfill gave up) or not sent at shutdown, per interval.", "none",
		series("sum by (remote) ("+increase("jsonl_exporter_remote_write_samples_retried_total")+")", "retried {{remote}}"),
		series("sum by (remote, reason) ("+increase("jsonl_exporter_remote_write_samples_failed_total")+")", "failed {{reason}} {{remote}}"),
		series("sum by (remote, reason) ("+increase("jsonl_exporter_remote_write_samples_dropped_total")+")", "dropped {{reason}} {{remote}}")))
	l.add(8, 8, timeseries("Request duration, 99th percentile", "Time to deliver one request, retries included.", "s",
		series("histogram_quantile(0.99, sum by (le, remote) ("+rate("jsonl_exporter_remote_write_request_duration_seconds_bucket")+"))", "{{remote}}")))
	l.add(8, 8, timeseries("Since the last acknowledgement", "Time since each receiver last acknowledged a request.", "s",
		series("time() - "+sel("jsonl_exporter_remote_write_last_success_timestamp_seconds"), "{{remote}} {{instance}}")))
	l.add(8, 8, timeseries("Newest record delivered", "Record time of the newest record each receiver acknowledged, by input: how far behind the logs storage is.", "dateTimeAsIso",
		series(sel("jsonl_exporter_remote_write_last_acked_record_timestamp_seconds")+" * 1000", "{{input}} to {{remote}} {{instance}}")))

	l.row("Scrapes and configuration")
	l.add(8, 8, timeseries("Scrape duration", "How long Prometheus took to scrape the exporter (scrape_duration_seconds).", "s",
		series(sel("scrape_duration_seconds"), "{{instance}}")))
	l.add(8, 8, timeseries("Up", "1 while Prometheus scrapes the exporter successfully.", "none",
		series(sel("up"), "{{instance}}")))
	l.add(8, 8, timeseries("Configuration reloads", "Configuration loads after start-up (SIGHUP) per interval, by outcome.", "none",
		series("sum by (outcome) ("+increase("jsonl_exporter_config_reloads_total")+")", "{{outcome}}")))
	l.add(8, 4, stat("Since last successful config load", "Time since the configuration was last loaded successfully.", "s",
		lastValue("time() - max("+sel("jsonl_exporter_config_last_reload_success_timestamp_seconds")+")", "since")))
	l.add(16, 4, table("Build", "Version and build of each exporter instance (jsonl_exporter_build_info).", "none",
		instant(sel("jsonl_exporter_build_info"))).
		withTransformations(Transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]any{"Time": true, "Value": true, "__name__": true},
		}}))
	d.Panels = l.panels
	return d
}
