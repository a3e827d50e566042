// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the parser's output")

// corpusOptions holds the options of corpus files that need non-defaults.
var corpusOptions = map[string]Options{
	"mmdetection_mode.jsonl": modeOpts,
}

// corpusLines returns the lines of a corpus file without their "\n"; a
// "\r" stays, as a tailer would hand it over.
func corpusLines(t testing.TB, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	return bytes.Split(data, []byte("\n"))
}

func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	return files
}

func TestGolden(t *testing.T) {
	for _, file := range corpusFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p := NewParser(corpusOptions[filepath.Base(file)])
			var b strings.Builder
			for i, line := range corpusLines(t, file) {
				fmt.Fprintf(&b, "# %d %s\n%s\n", i+1, printable(line), outcome(p, line))
			}
			golden := strings.TrimSuffix(file, ".jsonl") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/record -update)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("%s differs from the parser's output (run go test ./internal/record -update and review the diff)\ngot:\n%s", golden, got)
			}
		})
	}
}

// printable shows a line as written unless it holds bytes a golden file
// should not contain.
func printable(line []byte) string {
	if !utf8.Valid(line) || bytes.ContainsFunc(line, func(r rune) bool { return r < ' ' || r == utf8.RuneError || r == '\uFEFF' }) {
		return strconv.Quote(string(line))
	}
	return string(line)
}
