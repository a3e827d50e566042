// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// readConfigFile reads the configuration file and checks that it is
// YAML, with errors that name the line where the problem is. yaml.v3
// (which viper uses) reports a syntax error at the line where the
// enclosing block starts, or one before the line of the problem ("line
// 1" for a bad indentation on line 3); the problem's own line is the
// first line at which the file read so far fails the same way.
func readConfigFile(path string) ([]byte, *yaml.Node, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, usagef("config.file: %s", oneLine(err.Error()))
	}
	var doc yaml.Node
	err = yaml.Unmarshal(b, &doc)
	if err == nil {
		// As viper decodes it: duplicate keys are found here, with their
		// lines right.
		var m map[string]any
		err = yaml.Unmarshal(b, &m)
	}
	var te *yaml.TypeError
	switch {
	case err == nil:
		return b, &doc, nil
	case errors.As(err, &te):
		return nil, nil, usagef("config.file: %s: %s", path, strings.Join(te.Errors, "; "))
	}
	problem := yamlLine.ReplaceAllString(err.Error(), "")
	lines := strings.SplitAfter(string(b), "\n")
	for n := 1; n <= len(lines) && n <= maxCheckedLines; n++ {
		prefix := strings.Join(lines[:n], "")
		var v yaml.Node
		if e := yaml.Unmarshal([]byte(prefix), &v); e != nil && yamlLine.ReplaceAllString(e.Error(), "") == problem {
			return nil, nil, usagef("config.file: %s:%d: %s%s", path, n, strings.TrimPrefix(problem, "yaml: "), yamlHint(problem, lines[n-1]))
		}
	}
	return nil, nil, usagef("config.file: %s: %s", path, oneLine(err.Error()))
}

// maxCheckedLines bounds the search for the line of a syntax error (a
// configuration file has tens of lines).
const maxCheckedLines = 5000

var yamlLine = regexp.MustCompile(`line \d+: `)

// yamlHint says how to fix the usual mistakes, and shows the line.
func yamlHint(problem, line string) string {
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.Contains(line, "\t") && strings.Contains(problem, "cannot start any token"):
		return fmt.Sprintf(": indent with spaces, YAML takes no tabs: %q", line)
	case strings.Contains(problem, "mapping values are not allowed"):
		return fmt.Sprintf(": quote a value that holds \": \", or check the indentation: %q", line)
	case strings.Contains(problem, "did not find expected key"),
		strings.Contains(problem, "did not find expected '-' indicator"),
		strings.Contains(problem, "not allowed in this context"):
		return fmt.Sprintf(": check its indentation against the lines above: %q", line)
	}
	return fmt.Sprintf(": %q", line)
}

var inputKeysType = reflect.TypeFor[inputKeys]()

// inputShorthand takes an input written as a bare glob ("- runs/**/x.jsonl")
// as its path, and refuses any other shape with the two that work.
func inputShorthand(_, to reflect.Type, data any) (any, error) {
	if to != inputKeysType {
		return data, nil
	}
	switch v := data.(type) {
	case string:
		return map[string]any{"path": v}, nil
	case map[string]any:
		return data, nil
	}
	return nil, fmt.Errorf("got %s; write an input as its glob (- runs/**/x.jsonl) or as a map with its path (- path: runs/**/x.jsonl)", describe(data))
}

// fileLine is the line of the file where key (inputs[0].labels, web.x)
// is written, or 0.
func fileLine(doc *yaml.Node, key string) int {
	if doc == nil || len(doc.Content) == 0 {
		return 0
	}
	n, line := doc.Content[0], 0
	for _, part := range strings.Split(key, ".") {
		name, index, _ := strings.Cut(part, "[")
		var next *yaml.Node
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == name {
					next, line = n.Content[i+1], n.Content[i].Line // the key's line: a map's value starts below it
					break
				}
			}
		}
		if next == nil {
			return 0
		}
		if index != "" {
			i, err := strconv.Atoi(strings.TrimSuffix(index, "]"))
			if err != nil || next.Kind != yaml.SequenceNode || i >= len(next.Content) {
				return 0
			}
			next = next.Content[i]
			line = next.Line
		}
		n = next
	}
	return line
}

// knownKey suggests the key an unknown key of the file was meant to be:
// a flag's name, or a key of an input.
func (l *loader) knownKey(key string) string {
	var keys []string
	name := key
	if i := strings.LastIndex(key, "]."); i >= 0 && strings.HasPrefix(key, "inputs[") {
		keys, name = []string{"path", "run-regex", "labels", "profile"}, key[i+2:]
	} else {
		keys = []string{"inputs"}
		l.fs.VisitAll(func(f *pflag.Flag) {
			if !cliOnly[f.Name] {
				keys = append(keys, f.Name)
			}
		})
	}
	if c := closest(name, keys); c != "" {
		return "; did you mean " + strings.TrimSuffix(key, name) + c + "?"
	}
	return ""
}
