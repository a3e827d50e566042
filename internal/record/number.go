// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"strconv"
	"unsafe"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record/number"
)

// scanNumber validates the JSON number at i (RFC 8259 grammar), converts
// it and returns the position after it. Valid numbers take number.Read;
// the careful path here only finds the error of an invalid one, or
// converts what Read leaves alone (an exponent of more than 4 digits).
func (p *Parser) scanNumber(i int) (float64, int, error) {
	b := p.line
	start := i
	if f, next, ok := number.Read(b, start); ok {
		return f, next, nil
	}
	if b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return 0, i, p.unexpectedEnd()
	}
	switch c := b[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i = skipDigits(b, i)
	default:
		p.pos = i
		return 0, i, p.unexpected("in number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		fracStart := i
		if i = skipDigits(b, i); i == fracStart {
			p.pos = i
			return 0, i, p.unexpected("after decimal point")
		}
	}
	if i < len(b) && b[i]|0x20 == 'e' {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		expStart := i
		if i = skipDigits(b, i); i == expStart {
			p.pos = i
			return 0, i, p.unexpected("in exponent")
		}
	}
	// The grammar is checked, so the only possible error is ErrRange, and
	// then f is ±Inf or 0: exactly what the number means to a gauge.
	// ParseFloat does not retain its argument, so the unsafe view is fine.
	f, _ := strconv.ParseFloat(unsafe.String(&b[start], i-start), 64)
	return f, i, nil
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}
