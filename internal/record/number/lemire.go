// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Decimal to binary conversion by the Eisel-Lemire algorithm (Daniel
// Lemire, "Number Parsing at a Gigabyte per Second", 2021), following Go's
// strconv (src/strconv/eisel_lemire.go, BSD-3-Clause): see NOTICE.

package number

import (
	"math"
	"math/big"
	"math/bits"
	"sync/atomic"
)

// Powers of ten the exact conversion below covers: beyond them a
// mantissa of at most 19 digits is 0 or infinite, which strconv decides.
const (
	minPow10 = -348
	maxPow10 = 308
)

// pow10Table holds, for each q in [minPow10, maxPow10], the first 128
// bits of 10^q, rounded down, as hi and lo words: 10^q = (hi·2^64 + lo +
// ε)·2^e with 0 <= ε < 1 and the top bit of hi set. They are the bits of
// 5^q, since the factor 2^q only moves the point.
type pow10Table [maxPow10 - minPow10 + 1][2]uint64

// pow10Computed is the table once computed. Not a sync.OnceValue: its
// call costs more than the rest of a conversion's table lookup, and two
// goroutines computing the same table at once is harmless.
var pow10Computed atomic.Pointer[pow10Table]

func pow10Mantissas() *pow10Table {
	if t := pow10Computed.Load(); t != nil {
		return t
	}
	t := computePow10Table()
	pow10Computed.Store(t)
	return t
}

func computePow10Table() *pow10Table {
	table := new(pow10Table)
	one := big.NewInt(1)
	for q := minPow10; q <= maxPow10; q++ {
		v := new(big.Int)
		if q >= 0 {
			v.Exp(big.NewInt(5), big.NewInt(int64(q)), nil)
			if n := v.BitLen(); n > 128 {
				v.Rsh(v, uint(n-128))
			} else {
				v.Lsh(v, uint(128-n))
			}
		} else {
			// 2^(127+n) / 5^-q lies strictly between 2^127 and 2^128 when
			// 5^-q has n bits: its floor has 128 bits.
			d := new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(-q)), nil)
			v.Lsh(one, uint(127+d.BitLen()))
			v.Quo(v, d)
		}
		lo := new(big.Int).And(v, new(big.Int).SetUint64(math.MaxUint64))
		table[q-minPow10] = [2]uint64{v.Rsh(v, 64).Uint64(), lo.Uint64()}
	}
	return table
}

// mulPow10 returns mant·10^exp10 correctly rounded, as strconv.ParseFloat
// would, by the Eisel-Lemire method: the mantissa times a 128-bit
// approximation of the power of ten gives the result's 54 leading bits,
// unless the approximation's error could change them or the value lies
// exactly half-way between two float64s; then, or for a result that is
// subnormal or out of range, ok is false and strconv must decide. It takes
// the 16 to 19 digit mantissas (above 2^53) that Python prints for a
// float32 turned into a float, which the exact fast path cannot.
func mulPow10(mant uint64, exp10 int, neg bool) (f float64, ok bool) {
	if mant == 0 || exp10 < minPow10 || exp10 > maxPow10 {
		return 0, false
	}
	pow := pow10Mantissas()[exp10-minPow10]
	shift := bits.LeadingZeros64(mant)
	mant <<= uint(shift)
	hi, lo := bits.Mul64(mant, pow[0])
	// The product's low word may be short by up to mant (the part of the
	// power's bits that lo did not see); if adding it could carry into the
	// bits that decide the result, take the power's second word too.
	if hi&0x1FF == 0x1FF && lo+mant < lo {
		hi2, lo2 := bits.Mul64(mant, pow[1])
		var carry uint64
		lo, carry = bits.Add64(lo, hi2, 0)
		hi += carry
		if hi&0x1FF == 0x1FF && lo == math.MaxUint64 && lo2+mant < lo2 {
			return 0, false
		}
	}
	top := hi >> 63 // 1 when the product has its leading bit at the top
	m := hi >> (top + 9)
	if lo == 0 && hi&0x1FF == 0 && m&3 == 1 {
		return 0, false // maybe exactly half-way: ties go to even
	}
	m = (m + m&1) >> 1 // 54 to 53 bits, rounding half up
	// floor(exp10·log2(10)) is (217706·exp10)>>16 over this range.
	exp2 := uint64(217706*exp10>>16+63+1023-shift) + top
	if m>>53 != 0 {
		m >>= 1
		exp2++
	}
	if exp2-1 >= 0x7FF-1 {
		return 0, false // subnormal, or too large: strconv gives 0 or ±Inf
	}
	b := exp2<<52 | m&(1<<52-1)
	if neg {
		b |= 1 << 63
	}
	return math.Float64frombits(b), true
}
