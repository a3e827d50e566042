// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package number

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// FuzzNumber holds Read to strconv.ParseFloat on every string that is a
// JSON number: the same bits and the whole string, or a refusal only for
// an exponent of more than 4 digits.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"0", "-1.5", "3.477951", "0.0002997003", "1764115200.250", "1e22", "9007199254740993",
		"12345678.87654321e-3", "2.0405521392822266", "0.00030009998590685427", "1e00001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) || strings.TrimSpace(s) != s || !json.Valid([]byte(s)) {
			return
		}
		want, _ := strconv.ParseFloat(s, 64)
		for _, suffix := range []string{"", "}", `,"a_key_of_32_bytes_or_more_too":1}`} {
			got, next, ok := Read([]byte(s+suffix), 0)
			if !ok {
				if e := strings.IndexAny(s, "eE"); e < 0 || len(strings.TrimLeft(s[e+1:], "+-")) <= 4 {
					t.Fatalf("Read(%q) refused a number with an exponent of at most 4 digits", s+suffix)
				}
				continue
			}
			if next != len(s) || math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("Read(%q) = %v (end %d), strconv: %v (end %d)", s+suffix, got, next, want, len(s))
			}
		}
	})
}

// TestLeadingDigits checks the 8-byte digit scanner on every count of
// leading digits followed by every kind of byte.
func TestLeadingDigits(t *testing.T) {
	for n := 0; n <= 8; n++ {
		for c := 0; c < 256; c++ {
			if n < 8 && '0' <= c && c <= '9' {
				continue
			}
			word := []byte("98765432")[8-n:]
			want := uint64(0)
			for _, d := range word {
				want = want*10 + uint64(d-'0')
			}
			buf := append(append([]byte{}, word...), byte(c), 0xFF, '0', '/', ':', 0, 0, 0)
			var w uint64
			for k := 7; k >= 0; k-- {
				w = w<<8 | uint64(buf[k])
			}
			if got, gotN := leadingDigits(w); got != want || gotN != n {
				t.Fatalf("leadingDigits(%q) = %d, %d; want %d, %d", buf[:8], got, gotN, want, n)
			}
		}
	}
}

// TestWindowAgreesWithScan: the window reader takes a number only when it
// gives what the general path gives (value, end and validity), and both
// give what strconv gives, for random
// strings of number characters, valid or not, followed by enough bytes
// that the window applies, or by too few (a padded window).
func TestWindowAgreesWithScan(t *testing.T) {
	inputs := []string{
		"1e5", "1.5E+022", "2.5e-7", "1e0001", "12345678e-3", "123456789012345e10", "5.091514e-05",
		"1.5e", "1.5e+", "1.e5", "01.5", "00", "1.5.3", "1e5.3", "1e-23", "1e23", "9007199254740993e-3",
		"123456789012345678901234", "0.000000000000000000001", "1234567.1234567890123456",
		// Handed on to mulPow10, and what it leaves to strconv.
		"2.0405521392822266", "20405521392822266e-5", "1.2345678901234567e-300", "9007199254740993",
		"18446744073709551615", "9999999999999999999e308", "0e500", "1e-999", "4.9e-324", "-2.0405521392822266",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "0123456789012345678901234567890123456789.eE+-"
	for range 200000 {
		b := make([]byte, 1+rng.IntN(WindowLen))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	// Python's small decimals: zeros after "0." that are no digits of
	// the mantissa, then up to 20 digits, sometimes an exponent.
	for range 100000 {
		b := []byte("0." + strings.Repeat("0", rng.IntN(10)))
		for range rng.IntN(21) {
			b = append(b, byte('0'+rng.IntN(10)))
		}
		if rng.IntN(4) == 0 {
			b = strconv.AppendInt(append(b, 'e'), int64(rng.IntN(700)-350), 10)
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		for _, suffix := range []string{`,"a_key_of_32_bytes_or_more_too":1}`, `,"a_key_of_24_bytes":1}`, "}" + strings.Repeat(" ", 40), ",12345678,12345678,12345678]", "", "}", "\x00"} {
			b := []byte(in + suffix)
			f, next, ok := Read(b, 0)
			wf, wnext, wok := Scan(b, 0)
			if ok != wok || ok && (next != wnext || math.Float64bits(f) != math.Float64bits(wf)) {
				t.Fatalf("Read(%q) = %v, %d, %v; Scan: %v, %d, %v", b, f, next, ok, wf, wnext, wok)
			}
			if ok {
				want, _ := strconv.ParseFloat(string(b[:next]), 64) // ErrRange gives ±Inf or 0, as Read does
				if math.Float64bits(f) != math.Float64bits(want) {
					t.Fatalf("Read(%q) = %v, strconv.ParseFloat(%q) = %v", b, f, b[:next], want)
				}
			}
		}
	}
}
