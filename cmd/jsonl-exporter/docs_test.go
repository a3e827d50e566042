// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

var update = flag.Bool("update", false, "rewrite generated documentation")

const configDoc = "../../docs/configuration.md"

// flagTable renders the flags as the Markdown table of the configuration
// reference.
func flagTable() string {
	var b strings.Builder
	b.WriteString("| flag / key | environment | default | meaning |\n|---|---|---|---|\n")
	newFlagSet("doc", cmdDemo).VisitAll(func(f *pflag.Flag) {
		def := f.DefValue
		if def == "" || def == "[]" {
			def = "none"
		}
		env := envKey(f.Name)
		fmt.Fprintf(&b, "| `--%s` | `%s` | `%s` | %s |\n", f.Name, env, def, f.Usage)
	})
	return b.String()
}

// TestConfigurationDoc keeps the flag table of docs/configuration.md in
// step with the flags.
func TestConfigurationDoc(t *testing.T) {
	raw, err := os.ReadFile(configDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	begin := strings.Index(doc, "<!-- flags:begin")
	end := strings.Index(doc, "<!-- flags:end -->")
	if begin < 0 || end < begin {
		t.Fatal("docs/configuration.md lacks the flags:begin/flags:end markers")
	}
	beginEnd := begin + strings.Index(doc[begin:], "-->") + len("-->\n")
	want := doc[:beginEnd] + flagTable() + doc[end:]
	if *update {
		if err := os.WriteFile(configDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if doc != want {
		t.Error("docs/configuration.md is out of date: run go test ./cmd/jsonl-exporter -run TestConfigurationDoc -update")
	}
}

// TestPlotDoc: docs/plot.md says what every flag of plot does.
func TestPlotDoc(t *testing.T) {
	raw, err := os.ReadFile("../../docs/plot.md")
	if err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("plot", pflag.ContinueOnError)
	plotFlags(fs)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "log.level" && !strings.Contains(string(raw), "`--"+f.Name) {
			t.Errorf("docs/plot.md does not explain --%s", f.Name)
		}
	})
}

// TestSourceHeaders: every Go file says whose it is and under which
// license (LICENSE, NOTICE).
func TestSourceHeaders(t *testing.T) {
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(string(data), "// Copyright 2026 The jsonl-exporter Authors\n// SPDX-License-Identifier: Apache-2.0\n") {
			t.Errorf("%s lacks the license header", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"../../LICENSE", "../../NOTICE"} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
}
