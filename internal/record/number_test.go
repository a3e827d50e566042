// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// numberSuffixes follow a number in a line. The digit scanner reads 8
// bytes at a time only while 8 bytes are left, so the bytes after the
// number decide which path a digit run ends in.
var numberSuffixes = []string{"", "}", ",\"a\":1}", ",\"abcdefghij\":1}", ",\"a_key_of_24_bytes_or_more\":1}", ",\"a_key_of_32_bytes_or_more_too\":1}", ",12345678,12345678,12345678]", "e", ".", "0123456789"}

// checkNumber compares scanNumber on in, followed by each suffix, with
// strconv.ParseFloat, bit for bit.
func checkNumber(t *testing.T, p *Parser, in string) {
	t.Helper()
	want, _ := strconv.ParseFloat(in, 64) // ErrRange gives ±Inf or 0, as scanNumber does
	for _, suffix := range numberSuffixes {
		if suffix != "" && strings.ContainsAny(suffix[:1], "e.0123456789") {
			continue // it would extend the number
		}
		p.line = []byte(in + suffix)
		got, end, err := p.scanNumber(0)
		if err != nil || end != len(in) || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("scanNumber(%q) = %v, %v (end %d), want %v (end %d)", in+suffix, got, err, end, want, len(in))
		}
	}
}

// TestNumbersMatchParseFloat checks the fast path against strconv on
// numbers shaped like training logs and on edge cases.
func TestNumbersMatchParseFloat(t *testing.T) {
	inputs := []string{
		"0", "-0", "1", "-1", "0.1", "0.3", "2.31", "1.6e-05", "5120.5", "1764115200.1", "1764115200123",
		"9007199254740992", "9007199254740993", "9999999999999999", "1e22", "1e23", "1e-22", "1e-23",
		"0.000000000000000000001", "123456789012345678", "1234567890123456789", "12345678901234567890",
		"0.1234567890123456789", "1.7976931348623157e308", "1e309", "-1e400", "4.9e-324", "1e-400",
		"100000000000000000000000", "0e10", "0.0e-999", "1E+2", "1e+022", "123.456e-7", "89884656743115795386465259539451236680898848947115328636715040578866337902750481566354238661203768010560056939935696678829394884407208311246423715319737062188883946712432742638151109800623047059726541476042502884419075341171231440736956555270413618581675255342293149119973622969239858152417678164812112068608",
		"12345678", "123456789", "1234567.8", "0.12345678", "0.123456789", "87654321.12345678", "9007199254740991.5",
		"0.00000001", "-99999999.99999999", "1234567.123456789012345", "123456789012345.12345678",
		"9007199.254740993", "9007199254740993.0", "0.0000000000000001",
		"1844674.407370955173945", // 22 digits whose value wraps to 12345 in a uint64
		"0.0003009999927598983", "0.000", "-0.000e5", "0.00000000000000000000000001234567890123456789",
		"3.928818464279175", "0.28347477316856384", "4856.31689453125", "1e-342", "9.999999999999999e307",
		"1" + strings.Repeat("0", 64) + ".0", "1" + strings.Repeat("0", 64) + ".000123", // 10^64 wraps to 0 in a uint64
		"0.000000001234567890123456e-999", "0.000000001234567890123456e-99", // the lowest exponents the window hands on: -1023, -123
		"123456789012345e999", "0.000000001234567890123456789e1", // the highest, 999; zeros skipped but too many digits
	}
	// Every length of digit run before and after the point, so runs end
	// at every byte of an 8-byte word.
	for n := 1; n <= 24; n++ {
		digits := strings.Repeat("7", n)
		inputs = append(inputs, digits, "0."+digits, digits+"."+digits, "-"+digits+"e-"+strconv.Itoa(n))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var s string
		switch rng.IntN(6) {
		case 5:
			// As Python prints a float32 turned into a float: 0.00030009998590685427.
			s = strconv.FormatFloat(float64(float32(rng.Float64()*math.Pow(10, float64(-rng.IntN(6))))), 'f', -1, 64)
		case 0:
			s = strconv.FormatFloat(rng.Float64()*math.Pow(10, float64(rng.IntN(40)-20)), 'g', -1, 64)
		case 1:
			s = strconv.FormatFloat(rng.NormFloat64(), 'f', rng.IntN(12), 64)
		case 2:
			s = strconv.FormatInt(rng.Int64N(1<<62)>>rng.IntN(62), 10)
		case 3:
			s = strconv.FormatFloat(rng.Float64()*math.Pow(10, float64(rng.IntN(20))), 'g', 7, 64) // as Python loggers write
		default:
			s = strconv.FormatFloat(float64(rng.IntN(1e6))/float64(1+rng.IntN(1000)), 'e', rng.IntN(17), 64)
		}
		inputs = append(inputs, s)
	}
	p := NewParser(Options{})
	for _, in := range inputs {
		checkNumber(t, p, in)
	}
}

// FuzzNumber compares scanNumber with strconv.ParseFloat on every string
// encoding/json takes for a number.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"0", "-1.5", "3.477951", "0.0002997003", "1764115200.250", "1e22", "9007199254740993", "12345678.87654321e-3", "2.0405521392822266", "0.00030009998590685427"} {
		f.Add(s)
	}
	p := NewParser(Options{})
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) || strings.TrimSpace(s) != s || !json.Valid([]byte(s)) {
			return
		}
		checkNumber(t, p, s)
	})
}
