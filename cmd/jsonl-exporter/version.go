// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"runtime/debug"

	"github.com/prometheus/common/version"
)

// releaseVersion is the version of an unreleased build; release builds set
// version.Version with -ldflags.
const releaseVersion = "0.1.0-dev"

func init() {
	if version.Version != "" {
		return
	}
	version.Version = releaseVersion
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			version.Revision = s.Value
		case "vcs.time":
			version.BuildDate = s.Value
		}
	}
}
