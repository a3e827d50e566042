// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFirstMistakes: the slips of a first session, a mistyped command or
// flag and a glob left unquoted, each end with exit code 2 and one line
// that says what was meant.
func TestFirstMistakes(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, run := range []string{"bert-lr3e-4", "bert-lr1e-4", "gpt2"} {
		writeFile(t, filepath.Join("runs", run, "logs", "metrics.jsonl"), `{"step":1,"train.loss":2}`+"\n")
	}
	writeFile(t, filepath.Join("runs", "old", "2025", "logs", "metrics.jsonl"), `{"step":1,"train.loss":2}`+"\n")
	bert3, bert1, gpt2 := "runs/bert-lr3e-4/logs/metrics.jsonl", "runs/bert-lr1e-4/logs/metrics.jsonl", "runs/gpt2/logs/metrics.jsonl"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"command typo", []string{"plto"}, `unknown command "plto"; did you mean plot?`},
		{"command letters swapped", []string{"dmeo"}, `unknown command "dmeo"; did you mean demo?`},
		{"command far from any", []string{"train"}, `unknown command "train"; the commands are serve, demo, inspect, backfill, plot, version (jsonl-exporter --help)`},
		{"flag typo", []string{"--inptu", bert3}, `unknown flag: --inptu; did you mean --input?`},
		{"flag typo with =", []string{"--inptu=" + bert3}, `unknown flag: --inptu; did you mean --input?`},
		{"flag with one dash", []string{"-input", bert3}, `unknown flag: -input; did you mean --input?`},
		{"dotted flag typo", []string{"--input", bert3, "--web.listen-adress", ":0"}, `unknown flag: --web.listen-adress; did you mean --web.listen-address?`},
		{"flag typo of a subcommand", []string{"inspect", "--namepsace", "x", bert3}, `unknown flag: --namepsace; did you mean --namespace?`},
		{"--input of inspect", []string{"inspect", "--input", bert3}, `unknown flag: --input; inspect takes its files as arguments: jsonl-exporter inspect FILE|DIR...`},
		{"--input of backfill", []string{"backfill", "--input", bert3}, `unknown flag: --input; backfill takes its files as arguments: jsonl-exporter backfill FILE|DIR...`},
		{"flag far from any", []string{"--input", bert3, "--no-such-flag"}, `unknown flag: --no-such-flag`},
		{"short flag", []string{"-x"}, `unknown shorthand flag: 'x' in -x`},
		{"glob expanded into equally deep files", []string{"--input", bert3, bert1, gpt2},
			`unexpected argument "runs/bert-lr1e-4/logs/metrics.jsonl": a glob of --input the shell expanded into 3 files? Quote it, so that the exporter expands it and finds the runs started later too: --input 'runs/*/logs/metrics.jsonl'`},
		{"glob expanded into files at several depths", []string{"--input", bert3, "runs/old/2025/logs/metrics.jsonl"},
			`unexpected argument "runs/old/2025/logs/metrics.jsonl": a glob of --input the shell expanded into 2 files? Quote it, so that the exporter expands it and finds the runs started later too: --input 'runs/**/metrics.jsonl'`},
		{"glob expanded for demo", []string{"demo", "--input", bert3, gpt2},
			`unexpected argument "runs/gpt2/logs/metrics.jsonl": a glob of --input the shell expanded into 2 files? Quote it, so that the exporter expands it and finds the runs started later too: --input 'runs/*/logs/metrics.jsonl'`},
		{"file without --input", []string{bert3},
			`unexpected argument "runs/bert-lr3e-4/logs/metrics.jsonl": give the logs to follow with --input, quoted if a glob: --input 'runs/bert-lr3e-4/logs/metrics.jsonl'; to look at a file once: jsonl-exporter inspect runs/bert-lr3e-4/logs/metrics.jsonl`},
		{"stray word", []string{"--input", bert3, "extra"}, `unexpected argument "extra": logs are given with --input GLOB (jsonl-exporter --help)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if want := "jsonl-exporter: " + tt.want + "\n"; code != exitUsage || stderr.String() != want {
				t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tt.args, code, stderr.String(), want)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	names := []string{"input", "inputs", "namespace", "web.listen-address", "demo.dir", "demo.runs"}
	for _, tt := range []struct{ word, want string }{
		{"inptu", "input"},
		{"inpt", "input"},
		{"inputz", ""}, // as close to input as to inputs: no guess
		{"namepsace", "namespace"},
		{"web.listen-adress", "web.listen-address"},
		{"demo.run", "demo.runs"},
		{"demo.dri", "demo.dir"},
		{"demo.rnus", "demo.runs"},
		{"xyz", ""},
		{"input", ""}, // itself is no typo
		{"dir", ""},   // too short for two edits
	} {
		if got := closest(tt.word, names); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

// TestInspectExitCode: inspect ends with exit code 1 when any file could
// not be read, as plot and backfill do, and still reports the others.
// Tests may run as root, whom permission bits do not stop: a FIFO is a
// file inspect cannot read whoever runs it (it reads regular files only);
// the permission case runs only for other users.
func TestInspectExitCode(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good", "logs", "metrics.jsonl")
	writeFile(t, good, `{"step":1,"train.loss":2}`+"\n")
	fifo := filepath.Join(dir, "fifo", "metrics.jsonl")
	if err := os.MkdirAll(filepath.Dir(fifo), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	locked := filepath.Join(dir, "locked", "metrics.jsonl")
	writeFile(t, locked, `{"step":1,"train.loss":2}`+"\n")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    string // a part of it
		asNonRoot bool
	}{
		{"readable", []string{good}, exitOK, "run:      good", false},
		{"missing", []string{filepath.Join(dir, "nope.jsonl")}, exitError, "error: stat ", false},
		{"FIFO", []string{fifo}, exitError, "read error: tailer: open " + fifo + ": not a regular file", false},
		{"FIFO after a readable file", []string{good, fifo}, exitError, "run:      good", false},
		{"folder holding only a FIFO", []string{filepath.Dir(fifo)}, exitError, "no log files under it", false},
		{"no permission", []string{locked}, exitError, "permission denied", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.asNonRoot && os.Geteuid() == 0 {
				t.Skip("root reads a file of mode 000")
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"inspect"}, tt.args...), &stdout, &stderr)
			wantErr := ""
			if tt.code != exitOK {
				wantErr = "jsonl-exporter: inspect: some files could not be read\n"
			}
			if code != tt.code || stderr.String() != wantErr || !bytes.Contains(stdout.Bytes(), []byte(tt.stdout)) {
				t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant exit %d, stderr %q and %q", code, stderr.String(), stdout.String(), tt.code, wantErr, tt.stdout)
			}
		})
	}
}
