// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package number

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestMulPow10 checks the Eisel-Lemire conversion against strconv, bit for
// bit, on random mantissas of up to 19 digits with exponents over the
// whole table and on the shortest forms of float64s and float32s; and
// that it decides nearly all of them itself rather than deferring to
// strconv, so that the comparison tests something.
func TestMulPow10(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	decided, total := 0, 0
	check := func(mant uint64, exp10 int, neg bool) {
		t.Helper()
		total++
		f, ok := mulPow10(mant, exp10, neg)
		if !ok {
			return
		}
		decided++
		s := strconv.FormatUint(mant, 10) + "e" + strconv.Itoa(exp10)
		if neg {
			s = "-" + s
		}
		want, _ := strconv.ParseFloat(s, 64)
		if math.Float64bits(f) != math.Float64bits(want) {
			t.Fatalf("mulPow10(%d, %d, %v) = %v (%#x), strconv: %v (%#x)", mant, exp10, neg, f, math.Float64bits(f), want, math.Float64bits(want))
		}
	}
	// Mantissa and exponent of the shortest decimal form of f.
	split := func(s string) (uint64, int) {
		var mant uint64
		exp, dot, i := 0, -1, 0
		for ; i < len(s) && s[i] != 'e'; i++ {
			if s[i] == '.' {
				dot = i
				continue
			}
			mant = mant*10 + uint64(s[i]-'0')
			if dot >= 0 {
				exp--
			}
		}
		if i < len(s) {
			e, _ := strconv.Atoi(s[i+1:])
			exp += e
		}
		return mant, exp
	}
	for range 100000 {
		check(rng.Uint64()>>rng.UintN(64), minPow10+rng.IntN(maxPow10-minPow10+1), rng.IntN(2) == 0)
		x := math.Float64frombits(rng.Uint64() &^ (1 << 63))
		if !math.IsNaN(x) && !math.IsInf(x, 0) && x != 0 {
			mant, exp := split(strconv.FormatFloat(x, 'e', -1, 64))
			check(mant, exp, false)
		}
		y := float64(float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10))))
		if y > 0 {
			mant, exp := split(strconv.FormatFloat(y, 'e', -1, 64))
			check(mant, exp, false)
		}
	}
	// Exactly half-way between two float64s: 2^53+1, and the same scaled.
	check(9007199254740993, 0, false)
	check(90071992547409930, -1, false)
	check(0, 5, false)
	if decided < total*9/10 {
		t.Fatalf("mulPow10 decided %d of %d conversions itself; want most", decided, total)
	}
	t.Logf("decided %d of %d", decided, total)
}

// TestDyadicValue: float32 values printed in full (3.5777740478515625)
// are exact float64s whose products with a truncated power of ten sit on
// the boundary mulPow10 cannot decide. dyadicValue must decide every one
// of those, agree with strconv, and refuse mantissas that are not exact.
func TestDyadicValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	undecided := 0
	for range 200000 {
		y := float64(float32(rng.Float64() * math.Pow(10, float64(rng.IntN(8)-4))))
		s := strconv.FormatFloat(y, 'f', -1, 64)
		var mant uint64
		exp, digits := 0, 0
		for i, c := range []byte(s) {
			switch {
			case c == '.':
				exp = i + 1 - len(s)
			case mant > 0 || c != '0':
				mant = mant*10 + uint64(c-'0')
				digits++
			}
		}
		if digits > 19 || mant <= 1<<53 {
			continue
		}
		if _, ok := mulPow10(mant, exp, false); ok {
			continue
		}
		undecided++
		f, ok := dyadicValue(mant, exp)
		if !ok || f != y {
			t.Fatalf("dyadicValue(%d, %d) = %v, %v; want %v (%s)", mant, exp, f, ok, y, s)
		}
	}
	t.Logf("%d values left to dyadicValue", undecided)
	if undecided < 100 {
		t.Fatalf("only %d values left to dyadicValue: the test no longer reaches it", undecided)
	}
	for _, tc := range []struct {
		mant uint64
		exp  int
	}{{20405521392822266, -16}, {9007199254740993, 0}, {35777740478515625, 0}, {35777740478515625, -28}, {1, -1},
		{45035996273704965, -1}, // (2^53+1)·5·10^-1: divisible, but 2^53+1 is no float64
	} {
		if f, ok := dyadicValue(tc.mant, tc.exp); ok {
			t.Errorf("dyadicValue(%d, %d) = %v, want no exact value", tc.mant, tc.exp, f)
		}
	}
	if f, ok := dyadicValue(35777740478515625, -16); !ok || f != 3.5777740478515625 {
		t.Errorf("dyadicValue(35777740478515625, -16) = %v, %v", f, ok)
	}
}
