// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"regexp"
	"strconv"
	"strings"
)

// answer is what a receiver said when it did not take a whole batch.
type answer struct {
	status int    // HTTP status; 0 when there was no answer
	reason string // the receiver's first line (or the network error), without its newline
	more   int    // further lines of the receiver's text (one per refused series in Prometheus' 2.0 answers)
	kind   kind
}

// kind says what the sender does with a batch the receiver did not take.
type kind int

const (
	// refusedForGood: the samples themselves (400: out of bounds, too
	// old, duplicate; the other 4xx but those below). Sending them again
	// would be refused again: counted, logged, and the state moves on.
	refusedForGood kind = iota
	// setup: the configuration (401, 403, 404; 415 to a pinned 2.0; a
	// 2.0 answer without written counts). Retried while serving until the
	// configuration is fixed; the state never moves past them.
	setup
	// timeout: 408, which the client library does not retry; retried.
	timeout
	// transient: 5xx, 429, network; the client library retried them until
	// MaxRetries, so they come back only when out of retries.
	transient
)

// maxReason bounds the receiver's words kept for a log line.
const maxReason = 512

// answerRE reads the client library's error for an HTTP answer:
// "server returned HTTP status 400 Bad Request: <body>".
var answerRE = regexp.MustCompile(`(?s)^server returned HTTP status (\d{3})[^:]*: ?(.*)$`)

// unconfirmed is how the client library says a 2.0 request got a 2xx
// without written counts (a 1.0 receiver that read nothing).
const unconfirmed = "PRW 2.0 response header statistics"

// describe reads an error of remote.API.Write. pinned2 is true when the
// request was 2.0 and the protocol cannot fall back to 1.0.
func describe(err error, pinned2 bool) answer {
	msg := err.Error()
	m := answerRE.FindStringSubmatch(msg)
	if m == nil {
		a := answer{reason: firstLine(msg), kind: transient}
		if strings.Contains(msg, unconfirmed) {
			a.reason = "the receiver answered a 2.0 request without saying how many samples it wrote: it takes 1.0 only (--remote-write.protocol 1.0)"
			a.kind = setup
		}
		return a
	}
	status, _ := strconv.Atoi(m[1])
	body := strings.TrimRight(m[2], "\r\n\t ")
	a := answer{status: status, reason: firstLine(body)}
	if n := strings.Count(body, "\n"); n > 0 {
		a.more = n
	}
	switch {
	case status == 401, status == 403, status == 404, status == 415 && pinned2:
		a.kind = setup
	case status == 408:
		a.kind = timeout
	case status == 429, status >= 500:
		a.kind = transient
	default:
		a.kind = refusedForGood
	}
	return a
}

// label is the answer's value of the failed counter's reason label: the
// HTTP status; "network" (no answer); "unconfirmed" (a 2.0 success without
// written counts); "not_written" (a success that says fewer were written).
func (a answer) label() string {
	switch {
	case a.status != 0:
		return strconv.Itoa(a.status)
	case a.kind == setup:
		return "unconfirmed"
	case a.kind == refusedForGood:
		return "not_written"
	}
	return "network"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimRight(s, "\r")
	if len(s) > maxReason {
		s = strings.ToValidUTF8(s[:maxReason], "") + "..."
	}
	return s
}
