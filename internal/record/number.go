// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"unsafe"
)

// exactPow10 holds the powers of ten that float64 represents exactly.
var exactPow10 = [...]float64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
}

// pow10u64 holds 10^n for the digit counts appendDigits handles at once.
var pow10u64 = [16]uint64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

// appendDigits appends the value of the decimal digits at b[i:] to mant
// and returns the position after them. It reads 8 bytes at a time while
// it can: a number is usually 5 to 12 digits, and the bytewise loop is a
// chain of dependent multiplications.
func appendDigits(b []byte, i int, mant uint64) (int, uint64) {
	for i+8 <= len(b) {
		v, n := leadingDigits(binary.LittleEndian.Uint64(b[i:]))
		mant = mant*pow10u64[n&15] + v
		i += n
		if n < 8 {
			return i, mant
		}
	}
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		mant = mant*10 + uint64(d)
	}
	return i, mant
}

// leadingDigits returns the value and the count of the decimal digits at
// the start of the little-endian word w (8 bytes of text).
func leadingDigits(w uint64) (uint64, int) {
	n := digitCount(w)
	return digitsValue(w, n), n
}

// digitCount returns the count of decimal digits at the start of w.
func digitCount(w uint64) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	d := w - '0'*ones
	// A byte that is not a digit sets its high bit in d (below '0') or in
	// d+0x76 (above '9'). Borrows and carries only move upwards from such
	// a byte, so the lowest flagged byte is the first non-digit.
	return bits.TrailingZeros64((d|(d+0x76*ones))&highs) >> 3
}

// zeroCount returns the count of '0' bytes at the start of w.
func zeroCount(w uint64) int {
	return bits.TrailingZeros64(w^0x3030303030303030) >> 3
}

// digitsValue returns the value of the first n bytes of w, all digits.
func digitsValue(w uint64, n int) uint64 {
	const ones = 0x0101010101010101
	d := w - '0'*ones
	// Keep the n digits, moved to the top: the zero bytes shifted in below
	// are leading zeros. Then combine pairs, quads and the two halves.
	d <<= uint(8-n) * 8
	d = d*10 + d>>8
	return ((d&0x000000FF000000FF)*(100+1000000<<32) + (d>>16&0x000000FF000000FF)*(1+10000<<32)) >> 32
}

// exactValue returns mant·10^exp for mant <= 2^53 and |exp| <= 22: both
// operands of the one multiplication or division are exact in a float64,
// so the result is correctly rounded (Clinger's fast path).
func exactValue(mant uint64, exp int) float64 {
	if exp < 0 {
		return float64(mant) / exactPow10[-exp]
	}
	return float64(mant) * exactPow10[exp]
}

// pow5u64 holds 5^k for the k that fit in a uint64.
var pow5u64 = func() (p [28]uint64) {
	p[0] = 1
	for k := 1; k < len(p); k++ {
		p[k] = p[k-1] * 5
	}
	return p
}()

// dyadicValue returns mant·10^exp when that is exactly a float64 although
// mant is above 2^53, as in a float32 value printed in full
// (3.5777740478515625): then mant = q·5^-exp with q of at most 53 bits,
// and the value is q·2^exp. These sit on the boundary mulPow10 cannot
// decide, and strconv would take its slow path for them.
func dyadicValue(mant uint64, exp int) (float64, bool) {
	if exp >= 0 || exp <= -len(pow5u64) {
		return 0, false
	}
	p := pow5u64[-exp]
	q := mant / p
	if q*p != mant || q > 1<<53 {
		return 0, false
	}
	return float64(q) * math.Float64frombits(uint64(1023+exp)<<52), true
}

func signed(f float64, neg bool) float64 {
	if neg {
		return -f
	}
	return f
}

// scanNumber validates the JSON number at i (RFC 8259 grammar), converts
// it and returns the position after it. Valid numbers take readNumber;
// the careful path at the end only finds the error of an invalid one, or
// converts a number readNumber leaves alone.
func (p *Parser) scanNumber(i int) (float64, int, error) {
	b := p.line
	start := i
	neg := false
	if b[i] == '-' {
		neg = true
		i++
	}
	if f, next, ok := readNumber(b, start); ok {
		return f, next, nil
	}
	if i >= len(b) {
		return 0, i, p.unexpectedEnd()
	}
	// mant collects every digit; with more than 19 of them it may have
	// overflowed, and the slow path takes over.
	var mant uint64
	intStart := i
	switch c := b[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i, mant = appendDigits(b, i, 0)
	default:
		p.pos = i
		return 0, i, p.unexpected("in number")
	}
	digits := i - intStart
	exp := 0
	if i < len(b) && b[i] == '.' {
		i++
		fracStart := i
		i, mant = appendDigits(b, i, mant)
		if i == fracStart {
			p.pos = i
			return 0, i, p.unexpected("after decimal point")
		}
		digits += i - fracStart
		exp = fracStart - i
	}
	if i < len(b) && b[i]|0x20 == 'e' {
		i++
		expNeg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			expNeg = b[i] == '-'
			i++
		}
		expStart := i
		e := 0
		for ; i < len(b) && isDigit(b[i]); i++ {
			if e < 100000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if i == expStart {
			p.pos = i
			return 0, i, p.unexpected("in exponent")
		}
		if expNeg {
			e = -e
		}
		exp += e
	}
	if digits <= 19 && mant <= 1<<53 && -22 <= exp && exp <= 22 {
		return signed(exactValue(mant, exp), neg), i, nil
	}
	// The grammar is checked, so the only possible error is ErrRange, and
	// then f is ±Inf or 0: exactly what the number means to a gauge.
	// ParseFloat does not retain its argument, so the unsafe view is fine.
	f, _ := strconv.ParseFloat(unsafe.String(&b[start], i-start), 64)
	return f, i, nil
}

// readNumber converts the JSON number at i and returns the position
// after it, bit for bit as strconv.ParseFloat would; ok is false for an
// invalid number or one with an exponent of more than 4 digits. Numbers
// with a mantissa of at most 2^53 and a decimal exponent within ±22 take
// exactValue, other mantissas of up to 19 digits mulPow10, the rest (and
// what mulPow10 cannot decide) strconv.
func readNumber(b []byte, i int) (f float64, next int, ok bool) {
	f, n, ok := windowAt(b, i)
	if ok {
		return f, i + n, true
	}
	if n != 0 {
		f, n = handedOff(b, i, f, n, false)
		return f, i + n, true
	}
	return scanDigits(b, i)
}

// windowAt is windowNumber for the number at b[i:]: numbers take loads
// from a window whose bounds are checked once, padded near the line's end.
func windowAt(b []byte, i int) (float64, int, bool) {
	if len(b)-i >= windowLen {
		return windowNumber((*[windowLen]byte)(b[i:]))
	}
	return windowNumber(padded(b[i:]))
}

// windowLen is what windowNumber reads: Python's 17-digit
// 0.28347477316856384 ends within three words after the point.
const windowLen = 32

// padded returns the first bytes of b, fewer than windowLen, followed by
// zero bytes, which end a number as the end of b does.
func padded(b []byte) *[windowLen]byte {
	var a [windowLen]byte
	copy(a[:], b)
	return &a
}

// scanDigits is readNumber for numbers windowNumber does not take (near
// the end of the line, negative, long): it checks the grammar while it
// gathers the digits 8 at a time into the mantissa.
func scanDigits(b []byte, i int) (f float64, next int, ok bool) {
	start := i
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
		// The usual short numbers are the window's, after the sign.
		f, n, ok := windowAt(b, i)
		if ok {
			return -f, i + n, true
		}
		if n != 0 {
			f, n = handedOff(b, i, f, n, true)
			return f, i + n, true
		}
	}
	w := load8(b, i)
	n := digitCount(w)
	if n == 0 || n > 1 && w&0xFF == '0' {
		return 0, i, false // no digit, or a leading zero
	}
	mant := digitsValue(w, n)
	digits, exp := n, 0
	i += n
	if n == 8 {
		i, mant, digits = moreDigits(b, i, mant, digits)
	}
	if i < len(b) && b[i] == '.' {
		i++
		fracStart, first := i, i
		if digits == 1 && mant == 0 {
			// In 0.0003009999927598983 the zeros are no digits of the
			// mantissa: the exact paths take 16 digits, not 20. (Not
			// mant == 0 alone: 10^64 wraps to 0 in a uint64.)
			for first < len(b) && b[first] == '0' {
				first++
			}
			digits = 0
		}
		v, m := leadingDigits(load8(b, first))
		if m == 0 && first == fracStart {
			return 0, i, false
		}
		mant = mant*pow10u64[m&15] + v
		i = first + m
		if m == 8 {
			i, mant, _ = moreDigits(b, i, mant, 0)
		}
		digits += i - first
		exp = fracStart - i
	}
	if i < len(b) && b[i]|0x20 == 'e' {
		i++
		expNeg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			expNeg = b[i] == '-'
			i++
		}
		e, m := leadingDigits(load8(b, i))
		if m == 0 || m > 4 {
			return 0, i, false
		}
		i += m
		if expNeg {
			exp -= int(e)
		} else {
			exp += int(e)
		}
	}
	if digits <= 19 && mant <= 1<<53 && -22 <= exp && exp <= 22 {
		return signed(exactValue(mant, exp), neg), i, true
	}
	if digits <= 19 {
		if f, ok := mulPow10(mant, exp, neg); ok {
			return f, i, true
		}
		if f, ok := dyadicValue(mant, exp); ok {
			return signed(f, neg), i, true
		}
	}
	// The grammar is checked, so the only possible error is ErrRange, and
	// then f is ±Inf or 0: exactly what the number means to a gauge.
	// ParseFloat does not retain its argument, so the unsafe view is fine.
	f, _ = strconv.ParseFloat(unsafe.String(&b[start], i-start), 64)
	return f, i, true
}

// windowNumber converts the number at the start of a when it has no sign,
// at most 15 digits before an optional point, at most 19 in all (zeros
// right after "0." do not count) and an exponent of at most 3 digits, and
// exactValue can take it: 3.817297, 123, 1764115200.250, 0.0002995008,
// 5.091514e-05. It returns the number's
// length, or false to leave the number to scanDigits; false with a length
// hands on a number of up to 19 digits that exactValue cannot take
// (Python's 2.0405521392822266) to handedOff. A leaf function (no calls,
// so no stack check): the usual numbers pay for little more than loads.
func windowNumber(a *[windowLen]byte) (float64, int, bool) {
	w := binary.LittleEndian.Uint64(a[:8])
	n := digitCount(w)
	if n == 0 || n > 1 && byte(w) == '0' {
		return 0, 0, false // a sign, no digit, or a leading zero
	}
	if n < 8 {
		switch c := a[n]; {
		case c == '.':
			// The usual 3.817297: when the digits on both sides of the
			// point fit in one word, put them together and convert them
			// at once (at most 8 digits and 7 decimals: exact operands).
			w2 := binary.LittleEndian.Uint64(a[n+1 : n+9])
			if m := digitCount(w2); m > 0 && n+m <= 8 && a[n+1+m]|0x20 != 'e' {
				return float64(digitsValue(w&(1<<(8*n)-1)|w2<<(8*n), n+m)) / exactPow10[m], n + 1 + m, true
			}
		case c|0x20 != 'e':
			return float64(digitsValue(w, n)), n, true // an integer of at most 7 digits
		}
	}
	mant := digitsValue(w, n)
	if n == 8 {
		w = binary.LittleEndian.Uint64(a[8:16])
		m := digitCount(w)
		if m == 8 {
			return 0, 0, false
		}
		mant = mant*pow10u64[m] + digitsValue(w, m)
		n += m
	}
	m, end, digits := 0, n, n // decimal places; the end of the mantissa; its digits
	if a[n] == '.' {
		j := n + 1 // the first digit of the mantissa after the point
		if n == 1 && mant == 0 {
			// In Python's 0.00030009998590685427 the zeros are no digits
			// of the mantissa: 17 digits, not 20.
			j += zeroCount(binary.LittleEndian.Uint64(a[2:10]))
		}
		w = binary.LittleEndian.Uint64(a[j : j+8])
		k := digitCount(w)
		mant = mant*pow10u64[k] + digitsValue(w, k)
		end = j + k
		if k == 8 && j <= 16 {
			w = binary.LittleEndian.Uint64(a[j+8 : j+16])
			k = digitCount(w)
			mant = mant*pow10u64[k] + digitsValue(w, k)
			end += k
			if k == 8 && j <= 8 {
				w = binary.LittleEndian.Uint64(a[j+16 : j+24])
				k = digitCount(w)
				mant = mant*pow10u64[k] + digitsValue(w, k)
				end += k
			}
		}
		m = end - n - 1
		digits += end - j
		if m == 0 || end >= len(a) || a[end]-'0' <= 9 {
			return 0, 0, false // no digit after the point, or more than the window holds
		}
	}
	// At most 19 digits: the mantissa did not wrap.
	if digits > 19 {
		return 0, 0, false
	}
	exp := -m
	if a[end]|0x20 == 'e' {
		// An exponent of 1 to 3 digits, with its end inside the window.
		if end > len(a)-6 {
			return 0, 0, false
		}
		j := end + 1
		neg := a[j] == '-'
		if neg || a[j] == '+' {
			j++
		}
		e := 0
		for k := j; j < k+3 && a[j]-'0' <= 9; j++ {
			e = e*10 + int(a[j]-'0')
		}
		if j == end+1 || a[j-1]-'0' > 9 || a[j]-'0' <= 9 {
			return 0, 0, false // no digit, or more than 3
		}
		if neg {
			e = -e
		}
		exp, end = exp+e, j
	}
	if mant > 1<<53 || exp < -22 || exp > 22 {
		// For mulPow10: the mantissa in f's bits, the exponent above the
		// end (the usual results; a third one would cost every number).
		return math.Float64frombits(mant), end | (exp+handoffBias)<<8, false
	}
	return exactValue(mant, exp), end, true
}

// handoffBias keeps the exponent windowNumber hands on positive: at most
// 24 decimal places fit before a 3-digit exponent, so it is at least -1023.
const handoffBias = 1 << 10

// handedOff converts what windowNumber handed on for the number at b[i:]
// and returns its length: mulPow10 when it can decide, strconv otherwise.
func handedOff(b []byte, i int, f float64, packed int, neg bool) (float64, int) {
	mant, exp, end := math.Float64bits(f), packed>>8-handoffBias, packed&0xFF
	if f, ok := mulPow10(mant, exp, neg); ok {
		return f, end
	}
	if f, ok := dyadicValue(mant, exp); ok {
		return signed(f, neg), end
	}
	// The grammar is checked: ParseFloat's only error is ErrRange, with
	// ±Inf or 0, what the number means to a gauge. It does not retain
	// its argument, so the unsafe view is fine.
	f, _ = strconv.ParseFloat(unsafe.String(&b[i], end), 64)
	return signed(f, neg), end
}

// moreDigits continues a run of digits at i after a full word of them.
func moreDigits(b []byte, i int, mant uint64, digits int) (int, uint64, int) {
	for n := 8; n == 8; {
		var v uint64
		v, n = leadingDigits(load8(b, i))
		mant = mant*pow10u64[n&15] + v // wraps beyond 19 digits: strconv then
		digits += n
		i += n
	}
	return i, mant, digits
}

// load8 returns the 8 bytes at b[i:] as a little-endian word; past the
// end of b it reads zero bytes, which stop every word scan.
func load8(b []byte, i int) uint64 {
	if i+8 <= len(b) {
		return binary.LittleEndian.Uint64(b[i:])
	}
	return loadTail(b, i)
}

func loadTail(b []byte, i int) uint64 {
	var w uint64
	for k := len(b) - 1; k >= i; k-- {
		w = w<<8 | uint64(b[k])
	}
	return w
}
