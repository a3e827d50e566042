// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Names come from untrusted logs; these targets check that whatever a log
// holds, series names stay valid and run labels stay valid UTF-8.
//
//	go test ./internal/store -run '^$' -fuzz '^FuzzSeriesName$' -fuzztime 10s

var (
	validSeriesName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	// nameRE is what the configuration accepts as a namespace.
	nameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// interestingNames seed the targets: separators, digits first, non-ASCII,
// invalid UTF-8, control bytes, and what Prometheus reserves.
var interestingNames = []string{
	"", "train.loss", "train/loss", "val.mlm_acc", "fast_rcnn/cls_accuracy",
	"1st", "0", "9lives.loss", "a-b c:d", "__name__", ":", "::", "_",
	"naïve", "损失", "loss\x00", "\xff\xfe", "\xc3", "a\nb", "a\"b\\c", "\u2028",
	"🔥loss", strings.Repeat("x", 300), "le", "quantile", "le.loss",
}

func FuzzSeriesName(f *testing.F) {
	for _, name := range interestingNames {
		for _, ns := range []string{"ml", "", "training"} {
			for _, prefix := range []string{"", "epoch_end_", "val_"} {
				f.Add(ns, prefix, []byte(name))
			}
		}
	}
	f.Fuzz(func(t *testing.T, namespace, prefix string, name []byte) {
		// The namespace is validated by Config.Validate and the prefixes
		// are the exporter's own: only valid ones reach seriesName.
		if namespace != "" && !nameRE.MatchString(namespace) {
			t.Skip()
		}
		if prefix != "" && !nameRE.MatchString(prefix) {
			t.Skip()
		}
		got := seriesName(namespace, prefix, name)
		if (namespace != "" || prefix != "" || len(name) > 0) && !validSeriesName.MatchString(got) {
			t.Fatalf("seriesName(%q, %q, %q) = %q: not a valid metric name", namespace, prefix, name, got)
		}
		if !strings.HasPrefix(got, namespace) {
			t.Fatalf("seriesName(%q, %q, %q) = %q: lost the namespace", namespace, prefix, name, got)
		}
		// One output byte per input byte: distinct lengths never collide.
		if n := len(namespace) + len(prefix) + len(name); len(got) < n || len(got) > n+2 {
			t.Fatalf("seriesName(%q, %q, %q) = %q: length %d for %d input bytes", namespace, prefix, name, got, len(got), n)
		}

		sanitized := appendSanitized(nil, name)
		if len(sanitized) != len(name) {
			t.Fatalf("appendSanitized(%q) = %q: length changed", name, sanitized)
		}
		for i, c := range sanitized {
			want := byte('_')
			if nameByte(name[i]) {
				want = name[i]
			}
			if c != want {
				t.Fatalf("appendSanitized(%q) = %q: byte %d is %q, want %q", name, sanitized, i, c, want)
			}
		}
		if again := appendSanitized(nil, sanitized); string(again) != string(sanitized) {
			t.Fatalf("appendSanitized is not idempotent: %q then %q", sanitized, again)
		}
	})
}

// nameByte reports whether c is kept by appendSanitized.
func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func FuzzLabelValue(f *testing.F) {
	for _, s := range interestingNames {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := LabelValue(s)
		if !utf8.ValidString(got) {
			t.Fatalf("LabelValue(%q) = %q: not valid UTF-8", s, got)
		}
		if utf8.ValidString(s) && got != s {
			t.Fatalf("LabelValue(%q) = %q: changed a valid string", s, got)
		}
	})
}
