// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBadConfiguration: every way to get a setting wrong, from the flags,
// the environment and the file, ends with one line naming the key and
// exit code 2. Run in the process: run() is the whole program.
func TestBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	file := func(yaml string) string {
		path := filepath.Join(t.TempDir(), "config.yml")
		writeFile(t, path, "input: ["+filepath.Join(dir, "*.jsonl")+"]\n"+yaml)
		return path
	}
	input := []string{"--input", filepath.Join(dir, "*.jsonl")}
	type source struct {
		name string
		env  []string // KEY=value
		args []string
	}
	// durations lists every duration key with a flag, its environment
	// variable and its place in the file.
	durations := []struct{ key, env, yaml, tooSmall string }{
		{"discovery.interval", "JSONL_EXPORTER_DISCOVERY_INTERVAL", "discovery: {interval: %s}", "50ms"},
		{"tail.poll-interval", "JSONL_EXPORTER_TAIL_POLL_INTERVAL", "tail: {poll-interval: %s}", "10ms"},
		{"run.expiry", "JSONL_EXPORTER_RUN_EXPIRY", "run: {expiry: %s}", "500ms"},
		{"run.deleted-grace", "JSONL_EXPORTER_RUN_DELETED_GRACE", "run: {deleted-grace: %s}", ""},
		{"demo.interval", "JSONL_EXPORTER_DEMO_INTERVAL", "demo: {interval: %s}", "100us"},
	}
	type badCase struct {
		name string
		src  source
		want string
	}
	var cases []badCase
	for _, d := range durations {
		cmd := []string{}
		if strings.HasPrefix(d.key, "demo.") {
			cmd = []string{"demo", "--demo.dir", t.TempDir()}
		}
		yaml := func(v string) string { return strings.Replace(d.yaml, "%s", v, 1) }
		cases = append(cases,
			badCase{d.key + " bare number, flag", source{"flag", nil, slices.Concat(cmd, input, []string{"--" + d.key, "5"})}, "--" + d.key},
			badCase{d.key + " bare number, env", source{"env", []string{d.env + "=5"}, slices.Concat(cmd, input)}, d.key + ": a duration needs a unit"},
			badCase{d.key + " bare number, file", source{"file", nil, slices.Concat(cmd, []string{"--config.file", file(yaml("5"))})}, d.key + ": 5 is a number; a duration needs a unit"},
		)
		if d.tooSmall != "" {
			cases = append(cases,
				badCase{d.key + " too small, flag", source{"flag", nil, slices.Concat(cmd, input, []string{"--" + d.key, d.tooSmall})}, d.key + ": must be"},
				badCase{d.key + " too small, env", source{"env", []string{d.env + "=" + d.tooSmall}, slices.Concat(cmd, input)}, d.key + ": must be"},
				badCase{d.key + " too small, file", source{"file", nil, slices.Concat(cmd, []string{"--config.file", file(yaml(d.tooSmall))})}, d.key + ": must be"},
			)
		}
	}
	cases = append(cases,
		badCase{"glob syntax, flag", source{"flag", nil, []string{"--input", "[invalid"}}, `input "[invalid": "[invalid" is not a valid glob`},
		badCase{"glob syntax, env", source{"env", []string{"JSONL_EXPORTER_INPUT=/x/{a,b"}, nil}, "is not a valid glob"},
		badCase{"glob syntax, file", source{"file", nil, []string{"--config.file", file("inputs: [{path: '/x/[a'}]")}}, "inputs[0]: \"/x/[a\" is not a valid glob"},
		badCase{"empty namespace, flag", source{"flag", nil, slices.Concat(input, []string{"--namespace", ""})}, "namespace: must not be empty"},
		badCase{"empty namespace, file", source{"file", nil, []string{"--config.file", file("namespace: ''")}}, "namespace: must not be empty"},
		badCase{"config file named in the file", source{"file", nil, []string{"--config.file", file("config: {file: other.yml}")}}, "config.file: is a flag (or JSONL_EXPORTER_CONFIG_FILE), not a key"},
		badCase{"config check in the file", source{"file", nil, []string{"--config.file", file("config: {check: true}")}}, "config.check: is a flag"},
		// Without --config.check, which would win over the environment.
		badCase{"config check not a boolean", source{"env", []string{"JSONL_EXPORTER_CONFIG_CHECK=maybe"}, input}, "config.check: JSONL_EXPORTER_CONFIG_CHECK=\"maybe\" is not a boolean"},
		badCase{"demo runs", source{"flag", nil, []string{"demo", "--demo.runs", "-1"}}, "demo.runs: must be at least 1, got -1"},
		badCase{"demo runs, env", source{"env", []string{"JSONL_EXPORTER_DEMO_RUNS=0"}, []string{"demo"}}, "demo.runs: must be at least 1, got 0"},
		badCase{"demo folder", source{"flag", nil, []string{"demo", "--demo.dir", "/proc/nope"}}, "demo.dir: "},
		badCase{"unknown profile", source{"file", nil, []string{"--config.file", file("parser: {profile: tensorboard}")}}, "parser.profile: unknown profile \"tensorboard\""},
		badCase{"unknown profile of an input", source{"file", nil, []string{"--config.file", file("inputs: [{path: /x/*.jsonl, profile: tb}]")}}, "inputs[0].profile: unknown profile \"tb\""},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, kv := range tc.src.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			args := tc.src.args
			if tc.src.env == nil || !strings.HasPrefix(tc.src.env[0], "JSONL_EXPORTER_CONFIG_CHECK=") {
				args = slices.Concat(args, []string{"--config.check"}) // never serve
			}
			code := run(args, &stdout, &stderr)
			line := strings.TrimSuffix(stderr.String(), "\n")
			if code != exitUsage || strings.Contains(line, "\n") || !strings.HasPrefix(line, "jsonl-exporter: ") || !strings.Contains(line, tc.want) {
				t.Errorf("%s: exit %d, stderr %q, stdout %q; want exit 2 and one line with %q", tc.src.name, code, stderr.String(), stdout.String(), tc.want)
			}
		})
	}
}

// TestConfigurationSources: flags win over the environment, which wins
// over the file; config.check comes from the environment too; a brace
// glob in the environment stays whole.
func TestConfigurationSources(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	writeFile(t, cfg, "input: [/from/file/*.jsonl]\nnamespace: file\ndiscovery: {interval: 30s}\nrun: {expiry: 0}\n")
	load := func(args ...string) options {
		t.Helper()
		fs := newFlagSet("test", cmdServe)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		o, err := (&loader{fs: fs, getenv: os.Getenv}).load()
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	t.Setenv("JSONL_EXPORTER_NAMESPACE", "env")
	t.Setenv("JSONL_EXPORTER_INPUT", "/x/{a,b}/**/*.jsonl,/y/*.jsonl")
	o := load("--config.file", cfg)
	if o.Namespace != "env" || !slices.Equal(o.Input, []string{"/x/{a,b}/**/*.jsonl", "/y/*.jsonl"}) || o.Discovery.Interval.String() != "30s" {
		t.Errorf("env over file: namespace %q, inputs %q, interval %s", o.Namespace, o.Input, o.Discovery.Interval)
	}
	o = load("--config.file", cfg, "--namespace", "flag")
	if o.Namespace != "flag" {
		t.Errorf("flag over env: namespace %q", o.Namespace)
	}
	t.Setenv("JSONL_EXPORTER_CONFIG_CHECK", "true")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--config.file", cfg}, &stdout, &stderr); code != 0 || stdout.String() != "configuration OK\n" {
		t.Errorf("JSONL_EXPORTER_CONFIG_CHECK=true: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// TestHelp: every command lists its own flags, wrapped.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		want, lack []string
	}{
		{[]string{"--help"}, []string{"Usage:", "--input", "--web.listen-address", "inspect FILE|DIR"}, []string{"--demo.dir"}},
		{[]string{"demo", "--help"}, []string{"--demo.dir", "--input"}, nil},
		{[]string{"inspect", "--help"}, []string{"--parser.profile", "--namespace"}, []string{"--web.listen-address", "--input", "--discovery.interval"}},
		{[]string{"--help"}, []string{"plot --input FILE|DIR..."}, nil},
		{[]string{"plot", "--help"}, []string{"--x-key", "--smooth-mode", "--csv", "--parser.profile", "--namespace"}, []string{"--web.listen-address", "--remote-write.url", "--best.minimize", "--discovery.interval"}},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code != 0 {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr.String())
		}
		out := stdout.String()
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v lacks %q", tc.args, w)
			}
		}
		for _, l := range tc.lack {
			if strings.Contains(out, l) {
				t.Errorf("%v lists %q", tc.args, l)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if len(line) > 120 {
				t.Errorf("%v: line of %d characters: %s", tc.args, len(line), line)
			}
		}
	}
}

// TestInputLogsOnly: an input's logs-only key reaches the engine.
func TestInputLogsOnly(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yml")
	writeFile(t, cfg, "inputs:\n  - path: /scratch/runs/**\n    logs-only: true\n  - path: /data/*/metrics.jsonl\n")
	fs := newFlagSet("test", cmdServe)
	if err := fs.Parse([]string{"--config.file", cfg}); err != nil {
		t.Fatal(err)
	}
	o, err := (&loader{fs: fs, getenv: func(string) string { return "" }}).load()
	if err != nil {
		t.Fatal(err)
	}
	in := o.Config.AllInputs()
	if len(in) != 2 || !in[0].LogsOnly || in[1].LogsOnly {
		t.Errorf("inputs %+v: want the first logs-only", in)
	}
}
