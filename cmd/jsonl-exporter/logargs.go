// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/jsonl-exporter/jsonl-exporter/internal/engine"
)

// inputsAndMetrics reads the logs (--input and the arguments) and the
// metrics (--metrics, repeated or comma-separated) of plot and watch.
func inputsAndMetrics(fs *pflag.FlagSet) (inputs, metrics []string) {
	inputs, _ = fs.GetStringArray("input")
	inputs = append(inputs, fs.Args()...)
	given, _ := fs.GetStringArray("metrics")
	for _, m := range given {
		for _, part := range strings.Split(m, ",") {
			if part = strings.TrimSpace(part); part != "" {
				metrics = append(metrics, part)
			}
		}
	}
	return inputs, metrics
}

// logsUnder lists the log files under dir, leaving out datasets and
// predictions written beside them unless nothing else is there, and how
// many files it found in all.
func logsUnder(dir string) (logs []string, found int, err error) {
	all, err := engine.LogFilesUnder(dir)
	if err != nil {
		return nil, 0, usagef("input: %v", err)
	}
	// A dataset or predictions written after the log are no log.
	logs = slices.DeleteFunc(slices.Clone(all), engine.LooksLikeData)
	if len(logs) == 0 {
		logs = all
	}
	return logs, len(all), nil
}
