// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"encoding/binary"
	"math/bits"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record/number"
)

// scanFlat reads the members of the record's own object, from i just
// after its '{', for as long as they are the usual kind: a plain key and
// a scalar value. It stops at the first member it cannot take (an
// object, an array, an escaped key, anything invalid) without having
// recorded any of it, and returns where scan continues: the ',' before
// that member, or i, with the count of members read. done reports that
// the whole object was read and next is after its '}'.
//
// Each member costs one pass over its key, which is copied into the
// arena as it is scanned, with '/' already turned into '.', and one pass
// over its number, converted while it is scanned.
func (p *Parser) scanFlat(i int) (next, members int, done bool) {
	b := p.line
	i = skipSpace(b, i)
	if i < len(b) && b[i] == '}' {
		return i + 1, 0, true
	}
	resume, n := i, 0
	for {
		if i >= len(b) || b[i] != '"' || p.keyCount >= p.opts.MaxKeys {
			return resume, n, false
		}
		keyStart := i + 1
		off := len(p.arena)
		var keyEnd int
		cls, idx := clsPlain, 0
		var copied bool
		remembered := p.memo.match(b, keyStart, n)
		if remembered != nil {
			keyEnd = keyStart + int(remembered.rawEnd-remembered.rawOff)
			cls, idx = remembered.cls, int(remembered.idx)
		} else {
			var first uint64
			keyEnd, first, copied = copyKey(b, keyStart, p.arena[off:cap(p.arena)])
			if !copied {
				ref, j, err := p.scanString(i)
				if err != nil || ref.esc {
					return resume, n, false
				}
				keyEnd = j - 1
			}
			key := b[keyStart:keyEnd]
			if p.keys.maybeSpecial(key) {
				if copied {
					if len(key) < 8 {
						first &= 1<<(8*len(key)) - 1
					}
					cls, idx = p.keys.lookupWord(key, first)
				} else {
					cls, idx = p.keys.lookup(key)
				}
			}
			p.memo.learn(n, strRef{start: int32(keyStart), end: int32(keyEnd)}, cls, idx)
		}
		i = skipSpace(b, keyEnd+1)
		if i >= len(b) || b[i] != ':' {
			return resume, n, false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return resume, n, false
		}
		key := b[keyStart:keyEnd]
		keyRef := strRef{start: int32(keyStart), end: int32(keyEnd)}
		var v scalar
		if startsNumber(b, i) {
			f, j, ok := number.Read(b, i)
			if !ok {
				return resume, n, false
			}
			i = j
			p.keyCount++
			n++
			if plainMetricKey(cls, len(key)) {
				// The common member: a plain metric name and a number.
				nameOff, nameEnd := off, off+len(key)
				switch {
				case remembered != nil:
					nameOff, nameEnd = int(remembered.nameOff), int(remembered.nameEnd)
				case copied:
					p.arena = p.arena[:nameEnd]
				default:
					p.arena = appendCanonical(p.arena, key)
				}
				p.entries = append(p.entries, entry{nameOff: nameOff, nameEnd: nameEnd, value: f, kind: entMetric, top: true})
			} else {
				p.topValueOf(cls, idx, key, keyRef, scalar{kind: valNumber, num: f})
			}
		} else {
			c := b[i]
			if c == '{' || c == '[' {
				return resume, n, false
			}
			var err error
			if v, i, err = p.scanScalar(i, c); err != nil {
				return resume, n, false
			}
			p.keyCount++
			n++
			p.topValueOf(cls, idx, key, keyRef, v)
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, n, false
		}
		switch b[i] {
		case ',':
			resume = i
			i = skipSpace(b, i+1)
		case '}':
			return i + 1, n, true
		default:
			return i, n, false
		}
	}
}

// copyKey scans the key body at b[i:] 8 bytes at a time and copies it to
// dst with every '/' replaced by '.'. It returns the position of the
// closing quote and the first 8 bytes read; ok is false when the key needs the careful scan: it
// holds an escape or a control byte, or it is too near the end of b or
// longer than dst. Bytes of dst after the key are overwritten.
func copyKey(b []byte, i int, dst []byte) (end int, first uint64, ok bool) {
	const ones, lows, highs = 0x0101010101010101, 0x7F7F7F7F7F7F7F7F, 0x8080808080808080
	for k := 0; i+k+8 <= len(b) && k+8 <= len(dst); k += 8 {
		w := binary.LittleEndian.Uint64(b[i+k:])
		if k == 0 {
			first = w
		}
		q, bs := w^('"'*ones), w^('\\'*ones)
		// As in skipPlain: the lowest flagged byte is the first stop byte.
		stop := ((w-0x20*ones)&^w | (q-ones)&^q | (bs-ones)&^bs) & highs
		// Exactly the '/' bytes get their high bit set in slash.
		s := w ^ ('/' * ones)
		slash := ^((s&lows + lows) | s | lows)
		binary.LittleEndian.PutUint64(dst[k:], w-slash>>7)
		if stop != 0 {
			end = i + k + bits.TrailingZeros64(stop)>>3
			return end, first, b[end] == '"'
		}
	}
	return 0, 0, false
}
