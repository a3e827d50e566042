// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"errors"
	"strconv"
)

// Strings that hold a number in another form: LLM fine-tuning tools write
// their progress for people to read ("elapsed_time": "0:01:03",
// "percentage": "2.28%", "global_step/max_steps": "10/438").

// maxProgressString bounds the strings read as a duration or a count;
// longer ones are text.
const maxProgressString = 64

// stepString reads the step that a string under a step key holds: a
// count ("10"), or a count of a total ("10/438", as ms-swift writes its
// global_step/max_steps), which is the count.
func stepString(s []byte) (float64, bool) {
	if len(s) == 0 || len(s) > maxProgressString {
		return 0, false
	}
	n, i := digits(s, 0)
	if n == 0 {
		return 0, false
	}
	if i < len(s) {
		if s[i] != '/' {
			return 0, false
		}
		if m, j := digits(s, i+1); m == 0 || j != len(s) {
			return 0, false
		}
	}
	return parseFloat(s[:n])
}

// progressString reads a duration in seconds or a percentage as its
// number, and nothing else:
//
//   - Python's str of a timedelta, as LLaMA-Factory writes it: "0:01:03",
//     "5:53:59", "1 day, 2:03:04", "9 days, 21:39:23", "0:00:05.250000",
//     "-1 day, 23:59:59";
//   - counts of days, hours, minutes and seconds in that order, as
//     ms-swift writes them: "29s", "20m 51s", "1h 2m 3s", "2d 0h 5m 1s";
//   - a number followed by '%': "2.28%" is 2.28.
func progressString(s []byte) (float64, bool) {
	if len(s) < 2 || len(s) > maxProgressString {
		return 0, false
	}
	if s[len(s)-1] == '%' {
		return parseNumericString(s[:len(s)-1])
	}
	if f, ok := clockDuration(s); ok {
		return f, true
	}
	return unitDuration(s)
}

// clockDuration reads "[D day[s], ]H:MM:SS[.fraction]".
func clockDuration(s []byte) (float64, bool) {
	days, i := 0.0, 0
	if k := indexComma(s); k >= 0 {
		neg := s[0] == '-'
		start := 0
		if neg {
			start = 1
		}
		n, j := digits(s, start)
		if n == 0 || string(s[j:k]) != " day" && string(s[j:k]) != " days" || k+1 >= len(s) || s[k+1] != ' ' {
			return 0, false
		}
		d, _ := parseFloat(s[start:j])
		if neg {
			d = -d
		}
		days, i = d, k+2
	}
	h, j := digits(s, i)
	if h == 0 || j+6 > len(s) || s[j] != ':' || s[j+3] != ':' {
		return 0, false
	}
	if m, _ := digits(s, j+1); m != 2 {
		return 0, false
	}
	if n, _ := digits(s, j+4); n != 2 {
		return 0, false
	}
	end := j + 6
	if end < len(s) {
		if s[end] != '.' {
			return 0, false
		}
		if n, k := digits(s, end+1); n == 0 || k != len(s) {
			return 0, false
		}
	}
	hours, _ := parseFloat(s[i:j])
	mins, _ := parseFloat(s[j+1 : j+3])
	secs, _ := parseFloat(s[j+4:])
	if mins >= 60 || secs >= 60 {
		return 0, false
	}
	return days*86400 + hours*3600 + mins*60 + secs, true
}

func indexComma(s []byte) int {
	for i, c := range s {
		if c == ',' {
			return i
		}
	}
	return -1
}

// unitDuration reads "[Dd ][Hh ][Mm ]Ss" and its shorter forms: at least
// one count, each unit at most once, in this order, one space between.
func unitDuration(s []byte) (float64, bool) {
	const units = "dhms"
	scale := [...]float64{86400, 3600, 60, 1}
	total, next, i := 0.0, 0, 0
	for {
		n, j := digits(s, i)
		if n == 0 {
			return 0, false
		}
		if j < len(s) && s[j] == '.' {
			m, k := digits(s, j+1)
			if m == 0 {
				return 0, false
			}
			j = k
		}
		if j == len(s) {
			return 0, false // a count without a unit
		}
		u := 0
		for u < len(units) && units[u] != s[j] {
			u++
		}
		if u < next || u == len(units) {
			return 0, false
		}
		f, ok := parseFloat(s[i:j])
		if !ok {
			return 0, false
		}
		total += f * scale[u]
		next, i = u+1, j+1
		if i == len(s) {
			return total, true
		}
		if s[i] != ' ' || next == len(units) {
			return 0, false
		}
		i++
	}
}

// digits returns how many ASCII digits start at s[i], and where they end.
func digits(s []byte, i int) (int, int) {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j - i, j
}

// parseFloat reads digits and at most one point; huge counts read as +Inf.
func parseFloat(s []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(s), 64)
	return f, err == nil || errors.Is(err, strconv.ErrRange)
}
