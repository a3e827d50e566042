// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Command jsonl-exporter serves the metrics of ML training runs, read
// from JSON Lines logs, to Prometheus.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
