// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import (
	"encoding/json"
	"math"
	"strconv"
)

// line builds one JSON object with keys in insertion order. encoding/json
// cannot write NaN or Infinity, which Python trainers do, so we build by hand.
type line struct {
	buf    []byte
	fields int
}

func newLine() *line {
	return &line{buf: append(make([]byte, 0, 256), '{')}
}

func (l *line) key(k string) {
	if l.fields > 0 {
		l.buf = append(l.buf, ',')
	}
	l.fields++
	l.buf = appendString(l.buf, k)
	l.buf = append(l.buf, ':')
}

func (l *line) str(k, v string) *line {
	l.key(k)
	l.buf = appendString(l.buf, v)
	return l
}

func (l *line) int(k string, v int) *line {
	l.key(k)
	l.buf = strconv.AppendInt(l.buf, int64(v), 10)
	return l
}

func (l *line) num(k string, v float64) *line {
	l.key(k)
	l.buf = appendFloat(l.buf, v)
	return l
}

// unixTime writes seconds with millisecond precision, as Python's time.time()
// values usually look in logs (no exponent).
func (l *line) unixTime(k string, sec float64) *line {
	l.key(k)
	l.buf = strconv.AppendFloat(l.buf, sec, 'f', 3, 64)
	return l
}

func (l *line) object(k string, inner *line) *line {
	l.key(k)
	l.buf = append(l.buf, inner.bytes()...)
	return l
}

// bytes returns the finished object without a trailing newline.
func (l *line) bytes() []byte {
	return append(l.buf[:len(l.buf):len(l.buf)], '}')
}

// appendFloat writes v the way Python's json.dumps does for non-finite values.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "Infinity"...)
	case math.IsInf(v, -1):
		return append(b, "-Infinity"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func appendString(b []byte, s string) []byte {
	quoted, _ := json.Marshal(s) // a string always marshals
	return append(b, quoted...)
}
