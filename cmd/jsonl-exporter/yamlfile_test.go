// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestConfigFileMistakes: a configuration file's mistakes end with exit
// code 2 and one line that names the line of the file where the mistake
// is and how to fix it. docs/configuration.md shows some of them.
func TestConfigFileMistakes(t *testing.T) {
	doc, err := os.ReadFile(configDoc) // before the test leaves the package folder
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	tests := []struct {
		name, yaml, want string
	}{
		{"key indented under a value", "web:\n  listen-address: \":9478\"\n    telemetry-path: /metrics\n",
			`config.file: config.yml:3: did not find expected key: check its indentation against the lines above: "    telemetry-path: /metrics"`},
		{"list item indented further", "namespace: ml\ninputs:\n  - path: runs/*/metrics.jsonl\n   - path: logs/*.jsonl\n",
			`config.file: config.yml:4: did not find expected '-' indicator: check its indentation against the lines above: "   - path: logs/*.jsonl"`},
		{"key indented less than its map", "inputs:\n  - path: runs/*/metrics.jsonl\n labels: {cluster: a}\n",
			`config.file: config.yml:3: did not find expected key: check its indentation against the lines above: " labels: {cluster: a}"`},
		{"tab", "namespace: ml\ninputs:\n\t- path: runs/*/metrics.jsonl\n",
			`config.file: config.yml:3: found character that cannot start any token: indent with spaces, YAML takes no tabs: "\t- path: runs/*/metrics.jsonl"`},
		{"quote not closed", "namespace: ml\ninputs:\n  - path: \"runs/*/metrics.jsonl\n",
			`config.file: config.yml:3: found unexpected end of stream: "  - path: \"runs/*/metrics.jsonl"`},
		{"colon in a value", "namespace: ml\nremote-write:\n  header: X-Scope-OrgID: team-a\n",
			`config.file: config.yml:3: mapping values are not allowed in this context: quote a value that holds ": ", or check the indentation: "  header: X-Scope-OrgID: team-a"`},
		{"key twice", "namespace: ml\ninput: [a.jsonl]\nnamespace: training\n",
			`config.file: config.yml: line 3: mapping key "namespace" already defined at line 1`},
		{"input as a number", "inputs:\n  - path: runs/*/metrics.jsonl\n  - 5\n",
			`inputs[1]: got the number 5; write an input as its glob (- runs/**/x.jsonl) or as a map with its path (- path: runs/**/x.jsonl) (config.yml:3)`},
		{"input as a list", "inputs:\n  - [runs/*/metrics.jsonl, logs/*.jsonl]\n",
			`inputs[0]: got a list; write an input as its glob (- runs/**/x.jsonl) or as a map with its path (- path: runs/**/x.jsonl) (config.yml:2)`},
		{"input left empty", "inputs:\n  -\n",
			`inputs[0].path: must not be empty`},
		{"misspelt key, as in the docs", "web:\n  listen_adress: \":9478\"\n",
			`config: unknown key web.listen_adress; did you mean web.listen-address? (config.yml:2)`},
		{"misspelt key", "namespace: ml\nweb:\n  listen_address: \":9478\"\n",
			`config: unknown key web.listen_address; did you mean web.listen-address? (config.yml:3)`},
		{"misspelt key at the top", "input: [a.jsonl]\nnamespce: ml\n",
			`config: unknown key namespce; did you mean namespace? (config.yml:2)`},
		{"misspelt key of an input", "inputs:\n  - path: runs/*/metrics.jsonl\n    run_regex: '(?P<run>[^/]+)/metrics'\n",
			`config: unknown key inputs[0].run_regex; did you mean inputs[0].run-regex? (config.yml:3)`},
		{"labels not nested", "inputs:\n  - path: runs/*/metrics.jsonl\n    labels:\n    cluster: a\n",
			`config: unknown key inputs[0].cluster (config.yml:4)`},
		{"unknown keys", "input: [a.jsonl]\nbogus: 1\nnamespce: ml\n", `config: unknown key bogus, namespce`},
		{"unknown keys in a map", "input: [a.jsonl]\nweb:\n  listen_adress: x\n  telemetry_path: /m\n", `config: unknown key web.listen_adress, telemetry_path (config.yml:2)`},
	}
	documented := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile("config.yml", []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"--config.file", "config.yml", "--config.check"}, &stdout, &stderr)
			if want := "jsonl-exporter: " + tt.want + "\n"; code != exitUsage || stderr.String() != want {
				t.Errorf("exit %d, stderr\n%q\nwant exit 2 and\n%q", code, stderr.String(), want)
			}
			documented[strings.ReplaceAll(tt.want, "config.yml", "bad.yml")] = true
		})
	}
	// Every message docs/configuration.md shows (of bad.yml) is one of
	// these, as the exporter writes it.
	for _, m := range docMessage.FindAllStringSubmatch(string(doc), -1) {
		if !documented[m[1]] {
			t.Errorf("docs/configuration.md shows a message no test gives: %s", m[1])
		}
	}
}

// docMessage is a message of bad.yml in docs/configuration.md: in a
// table cell, or after "jsonl-exporter: " in a console example.
var docMessage = regexp.MustCompile("(?m)(?:^jsonl-exporter: |\\| `)((?:config|inputs).*bad\\.yml.*?)(?:`? \\||$)")

// TestBareInput: an input written as its glob is its path, in a list or
// alone, beside inputs written as maps.
func TestBareInput(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tt := range []struct {
		name, yaml string
		want       []inputKeys
	}{
		{"bare glob", "inputs:\n  - runs/**/x.jsonl\n", []inputKeys{{Path: "runs/**/x.jsonl"}}},
		{"beside a map", "inputs:\n  - runs/**/x.jsonl\n  - path: logs/*.jsonl\n    profile: fairseq\n",
			[]inputKeys{{Path: "runs/**/x.jsonl"}, {Path: "logs/*.jsonl", Profile: "fairseq"}}},
		{"not a list", "inputs: runs/**/x.jsonl\n", []inputKeys{{Path: "runs/**/x.jsonl"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile("config.yml", []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			fs := newFlagSet("test", cmdServe)
			if err := fs.Parse([]string{"--config.file", "config.yml"}); err != nil {
				t.Fatal(err)
			}
			o, err := (&loader{fs: fs, getenv: func(string) string { return "" }}).load()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(o.Inputs, tt.want, func(a, b inputKeys) bool {
				return a.Path == b.Path && a.Profile == b.Profile && a.RunRegex == b.RunRegex && len(a.Labels) == len(b.Labels)
			}) {
				t.Errorf("inputs %+v, want %+v", o.Inputs, tt.want)
			}
		})
	}
}
