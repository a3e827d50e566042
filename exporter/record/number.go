package record

import (
	"strconv"
	"unsafe"
)

// exactPow10 holds the powers of ten that float64 represents exactly.
var exactPow10 = [...]float64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
}

// scanNumber validates the JSON number at p.pos (RFC 8259 grammar) and
// converts it. Short numbers, which are nearly all numbers in training
// logs, take the exact fast path: a mantissa below 2^53 times or divided
// by an exactly representable power of ten is one correctly rounded IEEE
// operation. Everything else goes to strconv.ParseFloat.
func (p *Parser) scanNumber() (float64, error) {
	b := p.line
	start := p.pos
	i := start
	neg := false
	if b[i] == '-' {
		neg = true
		i++
	}
	var mant uint64
	digits := 0 // significant digits seen (leading zeros excluded)
	exp := 0
	if i >= len(b) {
		return 0, p.unexpectedEnd()
	}
	switch c := b[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		for ; i < len(b) && isDigit(b[i]); i++ {
			if digits < 19 {
				mant = mant*10 + uint64(b[i]-'0')
			} else {
				exp++ // dropped digit; the slow path takes over anyway
			}
			digits++
		}
	default:
		p.pos = i
		return 0, p.unexpected("in number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		fracStart := i
		for ; i < len(b) && isDigit(b[i]); i++ {
			d := b[i] - '0'
			if digits == 0 && d == 0 {
				exp--
				continue
			}
			if digits < 19 {
				mant = mant*10 + uint64(d)
				exp--
			}
			digits++
		}
		if i == fracStart {
			p.pos = i
			return 0, p.unexpected("after decimal point")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
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
			return 0, p.unexpected("in exponent")
		}
		if expNeg {
			e = -e
		}
		exp += e
	}
	p.pos = i
	if digits <= 19 && mant <= 1<<53 && -22 <= exp && exp <= 22 {
		f := float64(mant)
		if exp < 0 {
			f /= exactPow10[-exp]
		} else {
			f *= exactPow10[exp]
		}
		if neg {
			f = -f
		}
		return f, nil
	}
	// The grammar is checked, so the only possible error is ErrRange, and
	// then f is ±Inf or 0: exactly what the number means to a gauge.
	// ParseFloat does not retain its argument, so the unsafe view is fine.
	f, _ := strconv.ParseFloat(unsafe.String(&b[start], i-start), 64)
	return f, nil
}
