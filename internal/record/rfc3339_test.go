// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseRFC3339(t *testing.T) {
	valid := []string{
		"2025-11-26T00:00:00Z", "2025-11-26t00:00:00z", "2025-11-26 00:00:00Z", "2025-11-26T01:00:00+01:00",
		"2025-11-25T19:00:00-05:00", "2025-11-26T00:00:00.5Z", "2025-11-26T00:00:00.123456789Z",
		"2025-11-26T00:00:00.1234567891234Z", "2024-02-29T23:59:59Z", "2000-03-01T00:00:00Z",
		"1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+23:59",
	}
	for _, s := range valid {
		t.Run(s, func(t *testing.T) {
			got, ok := parseRFC3339([]byte(s))
			ref, err := time.Parse(time.RFC3339Nano, s)
			if err != nil { // lowercase t/z and the space separator are RFC 3339 but not Go layouts
				ref, err = time.Parse("2006-01-02 15:04:05.999999999Z07:00", s)
			}
			if err != nil {
				ref, err = time.Parse(time.RFC3339Nano, fixCase(s))
			}
			if err != nil {
				t.Fatalf("reference parse: %v", err)
			}
			want := float64(ref.Unix()) + float64(ref.Nanosecond()/1000)/1e6
			if tol := 1e-6 + math.Abs(want)*1e-15; !ok || math.Abs(got-want) > tol {
				t.Errorf("parseRFC3339(%q) = %v, %v, want %v", s, got, ok, want)
			}
		})
	}
	for _, s := range []string{
		"", "2025-11-26", "2025-11-26T00:00:00", "2025-11-26T00:00:00+0100", "2025-13-01T00:00:00Z",
		"2025-02-29T00:00:00Z", "2025-11-31T00:00:00Z", "2025-11-26T24:00:00Z", "2025-11-26T00:60:00Z",
		"2025-11-26T00:00:60Z", "2025-11-26T00:00:00.Z", "2025-11-26X00:00:00Z", "2025-11-26T00:00:00ZZ",
		"+025-11-26T00:00:00Z", "2025-11-26T00:00:00+24:00", "2025-1a-26T00:00:00Z", "yesterday at noon..",
	} {
		if got, ok := parseRFC3339([]byte(s)); ok {
			t.Errorf("parseRFC3339(%q) = %v, want rejection", s, got)
		}
	}
}

func fixCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == 't' || c == 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// TestParseDateTimeNaiveUTC: Sacred's zone-less UTC times are read as UTC
// when asked, and only then; everything else is as parseRFC3339.
func TestParseDateTimeNaiveUTC(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 of the same instant; "" when refused
	}{
		{"2024-02-12T15:21:43.083436", "2024-02-12T15:21:43.083436Z"},
		{"2024-02-12T15:21:43", "2024-02-12T15:21:43Z"}, // isoformat() leaves out zero microseconds
		{"2024-02-12 15:21:43.5", "2024-02-12T15:21:43.5Z"},
		{"2024-02-12T15:21:43.083436+01:00", "2024-02-12T14:21:43.083436Z"},
		{"2024-02-12T15:21:43Z", "2024-02-12T15:21:43Z"},
		{"2024-02-12T15:21:43.", ""},
		{"2024-02-12T15:21", ""},
		{"2024-02-12", ""},
		{"2024-02-30T15:21:43", ""},
		{"2024-02-12T15:21:43.5x", ""},
	} {
		got, ok := parseDateTime([]byte(tc.in), true)
		if tc.want == "" {
			if ok {
				t.Errorf("parseDateTime(%q) = %v, want rejection", tc.in, got)
			}
			continue
		}
		ref, err := time.Parse(time.RFC3339Nano, tc.want)
		if err != nil {
			t.Fatal(err)
		}
		want := float64(ref.Unix()) + float64(ref.Nanosecond()/1000)/1e6
		if !ok || math.Abs(got-want) > 1e-6 {
			t.Errorf("parseDateTime(%q) = %v, %v, want %v", tc.in, got, ok, want)
		}
		if _, ok := parseRFC3339([]byte(tc.in)); ok != strings.ContainsAny(tc.in[19:], "Z+") {
			t.Errorf("parseRFC3339(%q) ok = %v: a time without a zone is only read when asked", tc.in, ok)
		}
	}
}
