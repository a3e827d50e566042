// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"errors"
	"strconv"
)

// ErrEmpty is returned for a blank or whitespace-only line. Callers skip
// such lines silently.
var ErrEmpty = errors.New("record: empty line")

// ErrText is returned, with Options.TextPrefix, for a line that holds no
// object: the plain text lines of a log that mixes text and records.
var ErrText = errors.New("record: text line without an object")

// ErrHeader is returned by CSV for a header line: it names the columns of
// the rows after it and is no record.
var ErrHeader = errors.New("record: CSV header")

// ErrSeen is returned by CSV, after Restart, for a row of a rewritten file
// that was read before the file was rewritten (see CSV.Restart).
var ErrSeen = errors.New("record: row read before the file was rewritten")

// NoRecord reports whether err says that a line holds no record without
// being an error: a blank line, a text line, a CSV header, a row read
// before. Callers skip such lines silently.
func NoRecord(err error) bool {
	return err == ErrEmpty || err == ErrText || err == ErrHeader || err == ErrSeen
}

// Reasons of an *Error: a small fixed set, fit for a metric label.
const (
	ReasonInvalidJSON = "invalid_json"
	ReasonNotObject   = "not_object"
	ReasonTooManyKeys = "too_many_keys"
	ReasonTooDeep     = "too_deep"
	ReasonInvalidUTF8 = "invalid_utf8"
	// ReasonInvalidCSV: a CSV row whose cells do not match its header
	// (too many, too few, an unterminated quote), or a first line that
	// names no column.
	ReasonInvalidCSV = "invalid_csv"
)

// Error is a line that cannot be read as a record.
type Error struct {
	Reason string // one of the Reason constants
	Offset int    // byte offset in the line where the problem was found
	Msg    string
}

func (e *Error) Error() string {
	return e.Reason + " at byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Reason returns the reason of an *Error, else ReasonInvalidJSON.
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonInvalidJSON
}
