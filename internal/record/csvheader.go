// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import "bytes"

// headerKeys are the names one of which a CSV header must have to be
// recognised as one: the default step and epoch keys.
var headerKeys = append(DefaultOptions().StepKeys, DefaultOptions().EpochKeys...)

// LooksLikeCSVHeader reports whether line reads as the header of a CSV
// or TSV log: comma-, tab- or semicolon-separated names, none of them a number, one
// of them epoch, step or another default step key in any case. Keras'
// CSVLogger writes such a line at the top of training.log; a line of
// JSON or of Python logging does not read so.
func LooksLikeCSVHeader(line []byte) bool {
	line = bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
	line = bytes.TrimRight(line, " \t\r")
	if len(line) == 0 || line[0] == '{' || line[0] == '[' {
		return false
	}
	cells, err := splitCSV(line, sniffDelimiter(line))
	if err != nil || len(cells) < 2 {
		return false
	}
	keyed := false
	for _, cell := range cells {
		if len(cell) == 0 {
			continue // pandas writes its index column without a name
		}
		if _, kind := parseCSVValue(cell); kind != cellText {
			return false
		}
		for _, k := range headerKeys {
			keyed = keyed || bytes.EqualFold(cell, []byte(k))
		}
	}
	return keyed
}
