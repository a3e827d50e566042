// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import "strconv"

// scan reads the rest of the top-level object from i, where n of its
// members have been read (by scanFlat) and the next token is a ',' or the
// closing '}' (or, with n == 0, the first member). Nesting is tracked on an
// explicit stack bounded by MaxDepth, never by Go recursion. The position
// lives in a local variable: keeping it in p.pos costs a store and a load
// per token. Helpers take and return positions; p.pos is only set for
// error messages.
func (p *Parser) scan(i, n int) error {
	b := p.line
	p.stack = append(p.stack[:0], frame{obj: true, top: true, n: n})
	for {
		f := &p.stack[len(p.stack)-1]
		i = skipSpace(b, i)
		if i >= len(b) {
			return p.unexpectedEnd()
		}
		c := b[i]
		closer := byte(']')
		if f.obj {
			closer = '}'
		}
		if c == closer {
			i++
			if f.arr {
				p.closeArray(f)
			} else if f.config {
				p.config = span{p.configOpen, i}
			}
			p.path = p.path[:f.pathLen]
			p.rawPath = p.rawPath[:f.rawLen]
			p.stack = p.stack[:len(p.stack)-1]
			if len(p.stack) == 0 {
				p.pos = i
				return nil
			}
			continue
		}
		if f.n > 0 {
			if c != ',' {
				p.pos = i
				return p.unexpected("after value, expected ',' or '" + string(closer) + "'")
			}
			i = skipSpace(b, i+1)
			if i >= len(b) {
				return p.unexpectedEnd()
			}
			c = b[i]
		}
		f.n++

		var key []byte
		var keyRef strRef
		if f.obj {
			if c != '"' {
				p.pos = i
				return p.unexpected("looking for an object key")
			}
			keyOff := i
			// Most keys are short and plain: when the first byte that
			// needs a look is the closing quote, skip the full scan.
			if j := skipPlain(b, i+1); j < len(b) && b[j] == '"' {
				keyRef, i = strRef{start: int32(i + 1), end: int32(j)}, j+1
			} else {
				var err error
				if keyRef, i, err = p.scanString(i); err != nil {
					return err
				}
			}
			p.keyCount++
			if p.keyCount > p.opts.MaxKeys {
				return p.fail(ReasonTooManyKeys, keyOff, "more keys than the limit of "+strconv.Itoa(p.opts.MaxKeys))
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return p.unexpectedEnd()
			}
			if b[i] != ':' {
				p.pos = i
				return p.unexpected("after object key, expected ':'")
			}
			i = skipSpace(b, i+1)
			if i >= len(b) {
				return p.unexpectedEnd()
			}
			c = b[i]
			if f.top || f.collect {
				if keyRef.esc {
					key = p.keyBytes(keyRef)
				} else {
					key = b[keyRef.start:keyRef.end]
				}
			}
		}

		if c == '{' || c == '[' {
			if len(p.stack) >= p.opts.MaxDepth {
				return p.fail(ReasonTooDeep, i, "nesting deeper than the limit of "+strconv.Itoa(p.opts.MaxDepth))
			}
			child := frame{obj: c == '{', pathLen: len(p.path), rawLen: len(p.rawPath)}
			switch {
			case f.top:
				p.openTop(&child, key, keyRef)
				if c == '{' && string(key) == configKey {
					child.config, p.configOpen = true, i
				}
			case f.arr:
				f.bad = true // arrays of arrays or objects are no metrics
			case f.collect && f.obj:
				p.openNested(&child, f, key)
			}
			i++
			p.stack = append(p.stack, child)
			continue
		}

		var v scalar
		var err error
		if startsNumber(b, i) {
			// Numbers are nearly all values of a training log.
			v.kind = valNumber
			v.num, i, err = p.scanNumber(i)
		} else {
			v, i, err = p.scanScalar(i, c)
		}
		if err != nil {
			return err
		}
		switch {
		case f.top && v.kind == valNumber && !p.keys.maybeSpecial(key) && plainMetricKey(clsPlain, len(key)) && !p.opts.Explain:
			// The common member: a plain metric name and a number.
			off := len(p.arena)
			p.arena = appendCanonical(p.arena, key)
			p.entries = append(p.entries, entry{nameOff: off, nameEnd: len(p.arena), value: v.num, kind: entMetric, top: true})
		case f.top:
			p.topValue(key, keyRef, v)
		case f.arr:
			p.arrayValue(f, v)
		case f.collect && f.obj:
			p.nestedValue(f, key, v)
		}
	}
}

// keyBytes returns the decoded key; it is valid until the next key.
func (p *Parser) keyBytes(ref strRef) []byte {
	if !ref.esc {
		return p.line[ref.start:ref.end]
	}
	p.keyBuf = appendUnescaped(p.keyBuf[:0], p.line[ref.start:ref.end])
	return p.keyBuf
}
