// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Paths come from the file system and globs from users; whatever they
// hold, run labels stay valid UTF-8.
//
//	go test ./internal/engine -run '^$' -fuzz '^FuzzRunFromPath$' -fuzztime 10s

func FuzzRunFromPath(f *testing.F) {
	for _, p := range []string{
		"/data/bert-lr3e-4/checkpoint/logs/metrics.jsonl", "/out/faster_rcnn/metrics.json",
		"/runs/logs/gpt2-small.jsonl.gz", "metrics.jsonl", "/", ".", "..", "/logs/metrics.jsonl",
		"/a/b/run\xff.jsonl", "/\xc3/logs/metrics.jsonl", ".jsonl", ".gz", "/x/.jsonl.gz",
		"//", "a//b///metrics.jsonl", "/logs/logs/logs/metrics.jsonl", "../../metrics.jsonl",
		"/data/run\x00/metrics.jsonl", "/data/" + strings.Repeat("d/", 100) + "metrics.jsonl",
		"/saves/q/lora/sft/trainer_log.jsonl", "/output/v0-1/logging.jsonl", "/r/training_statistics.json",
		"/wandb/wandb-history.jsonl", "wandb/logging.jsonl", "/x/wandb/run-1/files/wandb-history.jsonl",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		got := runFromPath(path)
		if !utf8.ValidString(got) {
			t.Fatalf("runFromPath(%q) = %q: not valid UTF-8", path, got)
		}
		if path != "" && got == "" {
			t.Fatalf("runFromPath(%q) is empty", path)
		}
	})
}

func FuzzRunFromGlob(f *testing.F) {
	for _, c := range [][2]string{
		{"/data/**/logs/metrics.jsonl", "/data/a/b/logs/metrics.jsonl"}, {"work_dirs/*/*.log.json", "work_dirs/c/20240101_120000.log.json"},
		{"/x/{a,b}/**", "/x/a/y/z.jsonl"}, {"*", "metrics.jsonl"}, {"/", "/"}, {"", ""}, {"**", "/a/\xff/b.jsonl"},
		{"/a/[b/c", "/a/b/c"}, {"a\\*/*", "a*/b"},
		{"/saves/**/trainer_log.jsonl", "/saves/q/lora/sft/trainer_log.jsonl"}, {"/o/**/*.jsonl", "/o/wandb/logging.jsonl"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, glob, path string) {
		if got := runFromGlob(glob, path); !utf8.ValidString(got) {
			t.Fatalf("runFromGlob(%q, %q) = %q: not valid UTF-8", glob, path, got)
		}
	})
}
