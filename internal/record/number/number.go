// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package number converts the decimal numbers of JSON text to float64,
// bit for bit as strconv.ParseFloat does, without reading them twice.
//
// Read is the one entry point; its contract is strconv.ParseFloat's
// result. Read it slow path first: Scan checks the grammar and gathers the
// digits 8 bytes at a time, then converts exactly (Clinger's fast path for
// a mantissa of at most 2^53 and an exponent within ±22), by the
// Eisel-Lemire method (lemire.go) for other mantissas of up to 19 digits,
// by dyadicValue for float32 values printed in full, and by strconv for
// the rest. Window is the fast path for the usual numbers of a training
// log (3.817297, 1764115200.250, 5.091514e-05): it reads them from a
// window whose bounds are checked once, and hands the rare long ones on
// (a Handoff: digits and exponent) to Finish. The tests hold every path to
// strconv on hundreds of thousands of numbers.
package number

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

// Read converts the JSON number at b[i:] and returns the position after
// it: bit for bit what strconv.ParseFloat returns for its text. ok is
// false for an invalid number, or one with an exponent of more than 4
// digits, which the caller converts the slow way.
func Read(b []byte, i int) (f float64, next int, ok bool) {
	switch w := windowAt(b, i); w.State {
	case Done:
		return w.Value, i + int(w.Len), true
	case Handed:
		return w.Finish(b, i, false), i + int(w.Len), true
	}
	return Scan(b, i)
}

// windowAt is Window for the number at b[i:], padded near the end of b.
func windowAt(b []byte, i int) Windowed {
	if len(b)-i >= WindowLen {
		return Window((*[WindowLen]byte)(b[i:]))
	}
	return Window(Pad(b[i:]))
}

// WindowLen is what Window reads: Python's 17-digit 0.28347477316856384
// ends within three words after the point.
const WindowLen = 32

// Pad returns b, shorter than WindowLen, followed by zero bytes, which
// end a number as the end of b does.
func Pad(b []byte) *[WindowLen]byte {
	var a [WindowLen]byte
	copy(a[:], b)
	return &a
}

// Scan is Read for the numbers Window declines (negative, long, with a
// long exponent): it checks the grammar while it gathers the digits 8 at
// a time into the mantissa.
func Scan(b []byte, i int) (f float64, next int, ok bool) {
	start := i
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
		// The usual short numbers are the window's, after the sign.
		switch w := windowAt(b, i); w.State {
		case Done:
			return -w.Value, i + int(w.Len), true
		case Handed:
			return w.Finish(b, i, true), i + int(w.Len), true
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

// Windowed is what Window made of a number. It is small enough (four
// fields, 32 bytes) for the compiler to keep it in registers: a larger
// one goes through memory and costs the parser 10 % of its time.
type Windowed struct {
	Value   float64 // the number, when Done
	Len     int32   // the number's length in bytes, when Done or Handed
	State   State
	Handoff Handoff // when Handed
}

// Handoff is a number of at most 19 digits that exact arithmetic cannot
// convert (Python's 2.0405521392822266): its digits as an integer and its
// decimal exponent. Finish converts it.
type Handoff struct {
	Mant uint64
	Exp  int32
}

// State says what Window did with a number.
type State uint8

const (
	Declined State = iota // not the window's: Scan takes it
	Done                  // Value holds the number
	Handed                // Finish converts Mant and Exp
)

// Window converts the number at the start of a when it has no sign, at
// most 15 digits before an optional point, at most 19 in all (zeros right
// after "0." do not count) and an exponent of at most 3 digits: 3.817297,
// 123, 1764115200.250, 0.0002995008, 5.091514e-05. A leaf function (no
// calls, so no stack check): the usual numbers pay for little more than
// their loads.
func Window(a *[WindowLen]byte) Windowed {
	x := binary.LittleEndian.Uint64(a[:8])
	n := digitCount(x)
	if n == 0 || n > 1 && byte(x) == '0' {
		return Windowed{} // a sign, no digit, or a leading zero
	}
	if n < 8 {
		switch c := a[n]; {
		case c == '.':
			// The usual 3.817297: when the digits on both sides of the
			// point fit in one word, put them together and convert them
			// at once (at most 8 digits and 7 decimals: exact operands).
			x2 := binary.LittleEndian.Uint64(a[n+1 : n+9])
			if m := digitCount(x2); m > 0 && n+m <= 8 && a[n+1+m]|0x20 != 'e' {
				return Windowed{State: Done, Len: int32(n + 1 + m), Value: float64(digitsValue(x&(1<<(8*n)-1)|x2<<(8*n), n+m)) / exactPow10[m]}
			}
		case c|0x20 != 'e':
			return Windowed{State: Done, Len: int32(n), Value: float64(digitsValue(x, n))} // an integer of at most 7 digits
		}
	}
	mant := digitsValue(x, n)
	if n == 8 {
		x = binary.LittleEndian.Uint64(a[8:16])
		m := digitCount(x)
		if m == 8 {
			return Windowed{}
		}
		mant = mant*pow10u64[m] + digitsValue(x, m)
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
		x = binary.LittleEndian.Uint64(a[j : j+8])
		k := digitCount(x)
		mant = mant*pow10u64[k] + digitsValue(x, k)
		end = j + k
		if k == 8 && j <= 16 {
			x = binary.LittleEndian.Uint64(a[j+8 : j+16])
			k = digitCount(x)
			mant = mant*pow10u64[k] + digitsValue(x, k)
			end += k
			if k == 8 && j <= 8 {
				x = binary.LittleEndian.Uint64(a[j+16 : j+24])
				k = digitCount(x)
				mant = mant*pow10u64[k] + digitsValue(x, k)
				end += k
			}
		}
		m = end - n - 1
		digits += end - j
		if m == 0 || end >= len(a) || a[end]-'0' <= 9 {
			return Windowed{} // no digit after the point, or more than the window holds
		}
	}
	// At most 19 digits: the mantissa did not wrap.
	if digits > 19 {
		return Windowed{}
	}
	exp := -m
	if a[end]|0x20 == 'e' {
		// An exponent of 1 to 3 digits, with its end inside the window.
		if end > len(a)-6 {
			return Windowed{}
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
			return Windowed{} // no digit, or more than 3
		}
		if neg {
			e = -e
		}
		exp, end = exp+e, j
	}
	if mant > 1<<53 || exp < -22 || exp > 22 {
		return Windowed{State: Handed, Len: int32(end), Handoff: Handoff{Mant: mant, Exp: int32(exp)}}
	}
	return Windowed{State: Done, Len: int32(end), Value: exactValue(mant, exp)}
}

// Finish converts a number Window Handed on, at b[i:], negated when neg:
// by the Eisel-Lemire method when it can decide, else exactly when the
// value is a float32 printed in full, else by strconv.
func (w Windowed) Finish(b []byte, i int, neg bool) float64 {
	h := w.Handoff
	if f, ok := mulPow10(h.Mant, int(h.Exp), neg); ok {
		return f
	}
	if f, ok := dyadicValue(h.Mant, int(h.Exp)); ok {
		return signed(f, neg)
	}
	// The grammar is checked: ParseFloat's only error is ErrRange, with
	// ±Inf or 0, what the number means to a gauge. It does not retain
	// its argument, so the unsafe view is fine.
	f, _ := strconv.ParseFloat(unsafe.String(&b[i], int(w.Len)), 64)
	return signed(f, neg)
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
