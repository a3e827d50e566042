// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package dashboards

import (
	"regexp"
	"strings"
	"testing"
)

// sampleVars are values for every variable the dashboards use, as Grafana
// would substitute them. Multi-value variables list several values.
type sampleVars map[string][]string

var varRef = regexp.MustCompile(`\$\{(\w+)(?::(\w+))?\}|\$(\w+)`)

// expand substitutes variables the way Grafana's Prometheus data source
// does: a multi-value or include-all variable becomes (a|b) with regex
// metacharacters escaped for a PromQL string; ${x:regex} uses plain regex
// escaping. multi names the variables that are multi-value. Unknown
// variables are reported.
func expand(expr string, vars sampleVars, multi map[string]bool) (string, []string) {
	var unknown []string
	out := varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name, format := m[1]+m[3], m[2]
		values, ok := vars[name]
		if !ok {
			unknown = append(unknown, ref)
			return ref
		}
		switch {
		case format == "regex":
			quoted := make([]string, len(values))
			for i, v := range values {
				quoted[i] = regexp.QuoteMeta(v)
			}
			return "(" + strings.Join(quoted, "|") + ")"
		case multi[name]:
			escaped := make([]string, len(values))
			for i, v := range values {
				escaped[i] = promRegexEscape(v)
			}
			return "(" + strings.Join(escaped, "|") + ")"
		default:
			return values[0]
		}
	})
	return out, unknown
}

// promRegexEscape escapes regex metacharacters with a backslash that is
// itself escaped for a double-quoted PromQL string.
func promRegexEscape(v string) string {
	var b strings.Builder
	for _, r := range v {
		if r == '\\' {
			b.WriteString(`\\\\`)
			continue
		}
		if strings.ContainsRune(`$^*{}[]'+?.()|`, r) {
			b.WriteString(`\\`)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestExpand(t *testing.T) {
	vars := sampleVars{"run": {"a.b", "c"}, "run_filter": {".*"}, "metric": {"ml_x"}, "__rate_interval": {"20s"}}
	for _, tc := range []struct {
		name, in, want string
		multi          bool
	}{
		{"single", `m{run="$run"}`, `m{run="a.b"}`, false},
		{"multi", `m{run=~"$run"}`, `m{run=~"(a\\.b|c)"}`, true},
		{"braces", `${metric}_best{run=~"${run}"}`, `ml_x_best{run=~"(a\\.b|c)"}`, true},
		{"regex format", `{run=~"${run:regex}"}`, `{run=~"(a\.b|c)"}`, true},
		{"longer name first", `{run=~"$run_filter"}[$__rate_interval]`, `{run=~".*"}[20s]`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, unknown := expand(tc.in, vars, map[string]bool{"run": tc.multi})
			if got != tc.want || len(unknown) > 0 {
				t.Errorf("expand(%q) = %q (unknown %v), want %q", tc.in, got, unknown, tc.want)
			}
		})
	}
	if _, unknown := expand("$nope", vars, nil); len(unknown) != 1 {
		t.Errorf("unknown variable not reported: %v", unknown)
	}
}
