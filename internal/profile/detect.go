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

// HeadSize is how many of a file's first bytes ForHead looks at.
const HeadSize = 512

// NeedsHead reports whether the profile of the file at path depends on
// its first bytes, not only on its name: two producers write files of
// that name (metrics.json: Sacred's document or detectron2's JSON Lines;
// log: Chainer's document or any other log).
func NeedsHead(path string) bool {
	base := filepath.Base(path)
	for _, p := range profiles {
		if p.headName == base {
			return true
		}
	}
	return false
}

// ForHead is ForPath for a file whose first bytes are head: up to
// HeadSize of them, and more says that the file holds more. A head rule
// of the file's name decides first. ok is false while the file is too
// short to tell (an empty metrics.json, as detectron2 creates it): the
// profile must be known before a document is read, so such a file waits.
func ForHead(path string, head []byte, more bool) (p *Profile, ok bool) {
	base := filepath.Base(path)
	body := bytes.TrimPrefix(head, utf8BOM)
	if len(head) < len(utf8BOM) && bytes.HasPrefix(utf8BOM, head) {
		body = nil // the start of a BOM: nothing yet
	}
	for _, p := range profiles {
		if p.headName != base {
			continue
		}
		match, decided := p.headRule(body)
		if match {
			return p, true
		}
		if !decided && !more {
			return nil, false
		}
	}
	return ForPath(path), true
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// startsArray reports whether head starts a JSON array: Chainer's log.
func startsArray(head []byte) (match, decided bool) {
	i := skipSpace(head, 0)
	if i == len(head) {
		return false, false
	}
	return head[i] == '[', true
}

// startsSacredMetrics reports whether head starts Sacred's metrics.json
// rather than a line of JSON Lines (detectron2's): an object written over
// several lines, or whose first member is an object of steps,
// timestamps or values. An empty object on one line alone tells nothing:
// Sacred writes {} at its first heartbeat, before any metric is logged.
func startsSacredMetrics(head []byte) (match, decided bool) {
	i := skipSpace(head, 0)
	switch {
	case i == len(head):
		return false, false
	case head[i] != '{':
		return false, true
	}
	j := skipSpace(head, i+1)
	switch {
	case bytes.IndexByte(head[i:j], '\n') >= 0:
		return true, true // one record per line has no line break inside
	case j == len(head):
		return false, false
	case head[j] == '}':
		return false, skipSpace(head, j+1) < len(head) // {} then a line: JSON Lines
	}
	_, j, ok := quoted(head, j)
	if !ok {
		return false, j < len(head) // no name there, or head ends within it
	}
	if j = skipSpace(head, j); j == len(head) {
		return false, false
	}
	if head[j] != ':' {
		return false, true
	}
	if j = skipSpace(head, j+1); j == len(head) {
		return false, false
	}
	if head[j] != '{' {
		return false, true
	}
	key, end, ok := quoted(head, skipSpace(head, j+1))
	if !ok {
		return false, end < len(head)
	}
	switch string(key) {
	case "steps", "timestamps", "values":
		return true, true
	}
	return false, true
}

// quoted reads the JSON string at head[i:] and returns its body and the
// position after it; ok is false when there is none (end < len(head)) or
// head ends within it.
func quoted(head []byte, i int) (body []byte, end int, ok bool) {
	if i >= len(head) || head[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(head); j++ {
		switch head[j] {
		case '\\':
			j++
		case '"':
			return head[i+1 : j], j + 1, true
		}
	}
	return nil, len(head), false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
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
// trainer_state.json, training_statistics.json, Chainer's log, .csv and
// .tsv), or DETR's log.txt.
func IsLogName(base string) bool {
	for _, suffix := range []string{".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"} {
		if strings.HasSuffix(base, suffix) {
			return true
		}
	}
	return base == "log.txt" || base == "train.log" || ForPath(base) != nil || NeedsHead(base)
}
