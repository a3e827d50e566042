// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// valueKind is the JSON type of a scalar value.
type valueKind uint8

const (
	valNull valueKind = iota
	valString
	valNumber    // a JSON number (±Inf only on overflow such as 1e400)
	valNonFinite // Python's NaN, Infinity, -Infinity
	valBool
	valComposite // an object or array, where a key's scalar meaning ends
)

// strRef is a string token: the bytes between its quotes, still escaped
// when esc is set.
type strRef struct {
	start, end int32 // lines are at most maxLineLen bytes
	esc        bool
}

// scalar is a value that is neither an object nor an array.
type scalar struct {
	kind valueKind
	num  float64 // numbers, Python tokens, and booleans as 1/0
	str  strRef
}

// numeric reports whether s counts as a metric value.
func (s scalar) numeric() bool {
	return s.kind == valNumber || s.kind == valNonFinite || s.kind == valBool
}

// describe names s's type for Record.Ignored.
func (s scalar) describe() string {
	switch s.kind {
	case valNull:
		return "null"
	case valString:
		return "string"
	case valBool:
		return "boolean"
	case valComposite:
		return "object"
	case valNonFinite:
		return "non-finite number"
	}
	return "number"
}

// finiteNumber reports whether s can be a step or epoch.
func (s scalar) finiteNumber() bool {
	return s.kind == valNumber && !math.IsInf(s.num, 0)
}

// stopInString marks the bytes that end the fast path of a string scan.
var stopInString = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'] = true
	t['\\'] = true
	return t
}()

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// startsNumber reports whether the value at b[i] is read as a JSON number:
// a digit, or a '-' that does not start Python's -Infinity.
func startsNumber(b []byte, i int) bool {
	c := b[i]
	return isDigit(c) || c == '-' && (i+1 >= len(b) || b[i+1] != 'I')
}

func (p *Parser) skipSpace() { p.pos = skipSpace(p.line, p.pos) }

// skipSpace returns the position of the first non-space byte at or after
// i. Compact JSON has no spaces, so the first test nearly always ends it.
func skipSpace(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && isSpace(b[i]) {
		i++
	}
	return i
}

func (p *Parser) fail(reason string, off int, msg string) error {
	return &Error{Reason: reason, Offset: off, Msg: msg}
}

func (p *Parser) unexpectedEnd() error {
	return p.fail(ReasonInvalidJSON, len(p.line), "unexpected end of line")
}

func (p *Parser) unexpected(what string) error {
	if p.pos >= len(p.line) {
		return p.unexpectedEnd()
	}
	return p.fail(ReasonInvalidJSON, p.pos, "invalid character "+quoteByte(p.line[p.pos])+" "+what)
}

func quoteByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return "0x" + strconv.FormatUint(uint64(c), 16)
}

// scanString validates the string whose opening quote is at i and returns
// the position after its closing quote. Nothing is decoded here: most
// strings are never needed, and decoding is deferred to the few that are.
func (p *Parser) scanString(i int) (strRef, int, error) {
	b := p.line
	i++
	ref := strRef{start: int32(i)}
	for {
		i = skipPlain(b, i)
		for i < len(b) && !stopInString[b[i]] {
			i++
		}
		if i >= len(b) {
			return ref, i, p.fail(ReasonInvalidJSON, len(b), "unterminated string")
		}
		switch c := b[i]; c {
		case '"':
			ref.end = int32(i)
			return ref, i + 1, nil
		case '\\':
			ref.esc = true
			if i+1 >= len(b) {
				return ref, i, p.fail(ReasonInvalidJSON, len(b), "unterminated string")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(b) {
						return ref, i, p.fail(ReasonInvalidJSON, len(b), "unterminated string")
					}
					if unhex(b[k]) < 0 {
						return ref, i, p.fail(ReasonInvalidJSON, k, "invalid \\u escape")
					}
				}
				i += 6
			default:
				return ref, i, p.fail(ReasonInvalidJSON, i, "invalid escape "+quoteByte(b[i+1]))
			}
		default:
			return ref, i, p.fail(ReasonInvalidJSON, i, "control character "+quoteByte(c)+" in string")
		}
	}
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

func hex4(b []byte) rune {
	return rune(unhex(b[0])<<12 | unhex(b[1])<<8 | unhex(b[2])<<4 | unhex(b[3]))
}

// appendString appends the decoded content of ref to dst.
func (p *Parser) appendString(dst []byte, ref strRef) []byte {
	s := p.line[ref.start:ref.end]
	if !ref.esc {
		return append(dst, s...)
	}
	return appendUnescaped(dst, s)
}

// appendUnescaped decodes a string body that scanString accepted. Lone
// surrogates become U+FFFD, exactly as encoding/json does, so both agree
// on every key.
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		j := bytes.IndexByte(s[i:], '\\')
		if j < 0 {
			return append(dst, s[i:]...)
		}
		dst = append(dst, s[i:i+j]...)
		i += j
		esc := s[i+1]
		if esc != 'u' {
			dst = append(dst, unescapeByte(esc))
			i += 2
			continue
		}
		r := hex4(s[i+2:])
		i += 6
		if utf16.IsSurrogate(r) {
			if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if pair := utf16.DecodeRune(r, hex4(s[i+2:])); pair != utf8.RuneError {
					dst = utf8.AppendRune(dst, pair)
					i += 6
					continue
				}
			}
			r = utf8.RuneError
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

func unescapeByte(c byte) byte {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c // '"', '\\', '/'
}

// scanScalar scans the value starting with c at i and returns the
// position after it.
func (p *Parser) scanScalar(i int, c byte) (scalar, int, error) {
	switch c {
	case '"':
		ref, next, err := p.scanString(i)
		return scalar{kind: valString, str: ref}, next, err
	case 't':
		return p.literal(i, "true", scalar{kind: valBool, num: 1})
	case 'f':
		return p.literal(i, "false", scalar{kind: valBool, num: 0})
	case 'n':
		return p.literal(i, "null", scalar{kind: valNull})
	case 'N':
		return p.literal(i, "NaN", scalar{kind: valNonFinite, num: math.NaN()})
	case 'I':
		return p.literal(i, "Infinity", scalar{kind: valNonFinite, num: math.Inf(1)})
	case '-':
		if i+1 < len(p.line) && p.line[i+1] == 'I' {
			return p.literal(i+1, "Infinity", scalar{kind: valNonFinite, num: math.Inf(-1)})
		}
	}
	if c == '-' || isDigit(c) {
		f, next, err := p.scanNumber(i)
		return scalar{kind: valNumber, num: f}, next, err
	}
	p.pos = i
	return scalar{}, i, p.unexpected("looking for a value")
}

func (p *Parser) literal(i int, word string, v scalar) (scalar, int, error) {
	for k := 0; k < len(word); k++ {
		j := i + k
		if j >= len(p.line) {
			return v, j, p.unexpectedEnd()
		}
		if p.line[j] != word[k] {
			return v, j, p.fail(ReasonInvalidJSON, j, "invalid character "+quoteByte(p.line[j])+" in literal "+word)
		}
	}
	return v, i + len(word), nil
}

// skipPlain skips 8-byte words holding no quote, backslash or control
// byte. It returns the position of the first such byte, or where fewer
// than 8 bytes are left for the byte-wise scan.
func skipPlain(b []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		q, bs := w^('"'*ones), w^('\\'*ones)
		// A byte of w below 0x20, or a zero byte of q or bs, sets its high
		// bit here (the classic haszero/hasless tricks: no false negatives).
		// Borrows only run upwards from a true match, so the lowest
		// flagged byte is the first stop byte.
		if m := ((w-0x20*ones)&^w | (q-ones)&^q | (bs-ones)&^bs) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	return i
}
