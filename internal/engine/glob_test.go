// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

func TestLiteralTail(t *testing.T) {
	for _, tc := range []struct{ pattern, head, tail string }{
		{"*/logs/metrics.jsonl", "*", "logs/metrics.jsonl"},
		{"runs/*/logs/metrics.jsonl", "runs/*", "logs/metrics.jsonl"},
		{"run[0-9]/metrics.jsonl", "run[0-9]", "metrics.jsonl"},
		{"*/logs/*.jsonl", "", ""},        // the wildcard is in the last segment
		{"**/logs/metrics.jsonl", "", ""}, // ** is left to doublestar
		{"{a,b/c}/metrics.jsonl", "", ""}, // so are alternatives
		{"exp-?/x/{1,2}/m.jsonl", "", ""},
		{"metrics.jsonl", "", ""},
	} {
		head, tail := literalTail(tc.pattern)
		if head != tc.head || tail != tc.tail {
			t.Errorf("literalTail(%q) = %q, %q; want %q, %q", tc.pattern, head, tail, tc.head, tc.tail)
		}
	}
}

// TestGlobMatchesDoublestar: the listings and the stat of literal tails
// find what doublestar finds, whatever the tree holds on the way.
func TestGlobMatchesDoublestar(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{
		"a/logs/metrics.jsonl",
		"b/logs/metrics.jsonl/inner.jsonl", // a folder named like the file
		"c/logs/other.jsonl",
		"d/metrics.jsonl",
		"e/logs",                  // a file where a folder is expected
		"f",                       // a file among run folders
		"g[1]/logs/metrics.jsonl", // glob characters in a name
		"nested/x/logs/metrics.jsonl",
		"nested/y/logs/metrics.jsonl",
	} {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if filepath.Base(p) != "logs" || p == "e/logs" {
			if err := os.WriteFile(full, nil, 0o644); err != nil && !os.IsExist(err) {
				t.Fatal(err)
			}
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "b/logs/metrics.jsonl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "a"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "dangling")); err != nil {
		t.Fatal(err)
	}
	for _, pattern := range []string{
		"*/logs/metrics.jsonl",
		"*/metrics.jsonl",
		"nested/*/logs/metrics.jsonl",
		"*/*/logs/metrics.jsonl",
		"**/logs/metrics.jsonl",
		"*/logs/*.jsonl",
		"[a-c]/logs/metrics.jsonl",
	} {
		glob := filepath.Join(root, pattern)
		want, err := doublestar.FilepathGlob(glob, doublestar.WithFailOnIOErrors())
		if err != nil {
			t.Fatalf("%s: %v", pattern, err)
		}
		in := &input{glob: glob}
		for scan := range 2 { // the second through the listing cache
			got, err := in.globFiles(true)
			if err != nil {
				t.Fatalf("%s: %v", pattern, err)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s, scan %d:\n got  %q\n want %q", pattern, scan, got, want)
			}
		}
	}
}

// TestGlobLogsOnly: an input marked logs-only keeps of DIR/** the files
// named as logs, found at every scan (a run started later too).
func TestGlobLogsOnly(t *testing.T) {
	root := t.TempDir()
	write := func(name string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"a/logs/metrics.jsonl", "a/model.pt", "a/config.yaml", "b/trainer_state.json",
		"b/checkpoint-500/optimizer.bin", "c/results.csv", "c/weights/best.pt", "notes.txt"} {
		write(f)
	}
	want := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, filepath.Join(root, n))
		}
		slices.Sort(out)
		return out
	}
	in := &input{glob: filepath.Join(root, "**"), logsOnly: true}
	check := func(want []string) {
		t.Helper()
		got, err := in.globFiles(true)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	}
	check(want("a/logs/metrics.jsonl", "b/trainer_state.json", "c/results.csv"))
	write("d/logs/metrics.jsonl")
	check(want("a/logs/metrics.jsonl", "b/trainer_state.json", "c/results.csv", "d/logs/metrics.jsonl"))

	// Without the mark, every file matches (and every folder, passed
	// over later).
	all := &input{glob: filepath.Join(root, "**")}
	got, err := all.globFiles(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range want("a/model.pt", "notes.txt", "c/weights/best.pt") {
		if !slices.Contains(got, f) {
			t.Errorf("without logs-only, %s is not matched: %q", f, got)
		}
	}
}
