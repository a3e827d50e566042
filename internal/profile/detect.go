// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package profile

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
)

// ForPath returns the profile a file's name implies, or nil: a document
// file must be known as one before it is read.
func ForPath(path string) *Profile {
	base := filepath.Base(path)
	for _, p := range profiles {
		if p.pathRule != nil && p.pathRule(base) {
			return p
		}
	}
	return nil
}

// Detect returns the profile of a file from its path and its first
// non-blank line: the profile its name implies, else the first whose
// content rule the line meets, else Generic.
func Detect(path string, first []byte) *Profile {
	if p := ForPath(path); p != nil {
		return p
	}
	for _, p := range profiles {
		if p.contentRule != nil && p.contentRule(first) {
			return p
		}
	}
	return Generic
}

// hasKey reports whether line holds "key" followed by a colon: a cheap
// look for a key, good enough to tell producers apart.
func hasKey(line []byte, key string) bool {
	quoted := make([]byte, 0, len(key)+2)
	quoted = append(append(append(quoted, '"'), key...), '"')
	for rest := line; ; {
		i := bytes.Index(rest, quoted)
		if i < 0 {
			return false
		}
		rest = rest[i+len(quoted):]
		if t := bytes.TrimLeft(rest, " \t"); len(t) > 0 && t[0] == ':' {
			return true
		}
	}
}

// pythonLogging matches the start of a line of Python's logging as
// fairseq formats it: "2021-08-13 14:59:32 | INFO | train_inner | ".
var pythonLogging = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| [A-Z]+ \| [\w.]+ \| `)

func isPythonLoggingLine(line []byte) bool { return pythonLogging.Match(line) }

// isCSVName reports whether a file's base name is that of a CSV or TSV
// file, also gzipped.
func isCSVName(base string) bool {
	base = strings.ToLower(strings.TrimSuffix(base, ".gz"))
	return strings.HasSuffix(base, ".csv") || strings.HasSuffix(base, ".tsv")
}

// IsLogName reports whether a file's base name is one a training log
// goes by: JSON Lines (.jsonl, .ndjson, also gzipped) or a name a
// profile recognises (metrics.json, scalars.json, *.log.json,
// trainer_state.json, .csv and .tsv), or DETR's log.txt.
func IsLogName(base string) bool {
	for _, suffix := range []string{".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"} {
		if strings.HasSuffix(base, suffix) {
			return true
		}
	}
	return base == "log.txt" || base == "train.log" || ForPath(base) != nil
}
