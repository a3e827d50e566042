// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import "time"

// parseRFC3339 reads an RFC 3339 date-time such as "2025-11-26T00:00:00Z"
// or "2025-11-26T01:00:00.25+01:00" as Unix seconds. It is written out
// because time.Parse allocates a zone for most offsets. A date-time
// without a zone is refused: Python's datetime.now().isoformat() writes
// local time that way, and taking it for UTC would shift a log's records
// by hours.
func parseRFC3339(b []byte) (float64, bool) { return parseDateTime(b, false) }

// parseDateTime is parseRFC3339 that, with naiveUTC, also reads a
// date-time without a zone as UTC, for producers known to write UTC so
// (Sacred's datetime.utcnow().isoformat(): "2024-02-12T15:21:43.083436").
func parseDateTime(b []byte, naiveUTC bool) (float64, bool) {
	// YYYY-MM-DDTHH:MM:SS is 19 bytes.
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	switch b[10] {
	case 'T', 't', ' ':
	default:
		return 0, false
	}
	year, ok1 := num(b[0:4])
	month, ok2 := num(b[5:7])
	day, ok3 := num(b[8:10])
	hour, ok4 := num(b[11:13])
	minute, ok5 := num(b[14:16])
	sec, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	i := 19
	frac := 0.0
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		nanos, scale := 0, 1e9
		for ; i < len(b) && isDigit(b[i]); i++ {
			if i-start < 9 { // finer digits are below float64 precision anyway
				nanos = nanos*10 + int(b[i]-'0')
				scale /= 10
			}
		}
		if i == start {
			return 0, false
		}
		frac = float64(nanos) * scale / 1e9
	}
	offset := 0
	switch {
	case i == len(b):
		if !naiveUTC {
			return 0, false
		}
	case b[i] == 'Z' || b[i] == 'z':
		i++
	case b[i] == '+' || b[i] == '-':
		if len(b)-i != 6 || b[i+3] != ':' {
			return 0, false
		}
		oh, okh := num(b[i+1 : i+3])
		om, okm := num(b[i+4 : i+6])
		if !okh || !okm || oh > 23 || om > 59 {
			return 0, false
		}
		offset = oh*3600 + om*60
		if b[i] == '-' {
			offset = -offset
		}
		i += 6
	default:
		return 0, false
	}
	if i != len(b) {
		return 0, false
	}
	secs := daysFromCivil(year, month, day)*86400 + hour*3600 + minute*60 + sec - offset
	return float64(secs) + frac, true
}

func num(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// loggingTime reads the time that starts a line of Python's logging,
// "2021-08-13 14:59:32" (its default "%(asctime)s" adds ",123"
// milliseconds), in the local time zone, which is the one the trainer
// wrote it in when it runs on this machine.
func loggingTime(text []byte) (float64, bool) {
	const layout = "2006-01-02 15:04:05"
	if len(text) < len(layout) {
		return 0, false
	}
	t, err := time.ParseInLocation(layout, string(text[:len(layout)]), time.Local)
	if err != nil {
		return 0, false
	}
	secs := float64(t.Unix())
	if rest := text[len(layout):]; len(rest) >= 4 && (rest[0] == ',' || rest[0] == '.') {
		if ms, ok := num(rest[1:4]); ok {
			secs += float64(ms) / 1000
		}
	}
	return secs, isWallClock(secs)
}
