// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"strings"
	"unicode/utf8"
)

// appendSanitized appends name in the Prometheus metric name charset:
// every byte outside [a-zA-Z0-9_] becomes '_'. Colons are replaced too:
// they are reserved for recording rules.
func appendSanitized(dst []byte, name []byte) []byte {
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			dst = append(dst, c)
		default:
			dst = append(dst, '_')
		}
	}
	return dst
}

// seriesName builds "<namespace>_<prefix><sanitized name>".
func seriesName(namespace, prefix string, name []byte) string {
	b := make([]byte, 0, len(namespace)+1+len(prefix)+len(name)+1)
	if namespace != "" {
		b = append(b, namespace...)
		b = append(b, '_')
	}
	b = append(b, prefix...)
	if len(b) == 0 && len(name) > 0 && name[0] >= '0' && name[0] <= '9' {
		b = append(b, '_')
	}
	b = appendSanitized(b, name)
	return string(b)
}

// LabelValue makes any string safe as a label value.
func LabelValue(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// reservedLabels are set by the exporter and by Prometheus itself: no
// static label or run_info field takes them.
var reservedLabels = map[string]bool{"run": true, "metric": true, "job": true, "instance": true}

// IsReservedLabel reports whether name is a label the exporter or
// Prometheus sets.
func IsReservedLabel(name string) bool { return reservedLabels[name] }
