// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
)

// commands are the subcommands, in the order --help lists them.
var commands = []string{"serve", "demo", "inspect", "backfill", "plot", "version", "help"}

// distance is the optimal string alignment distance of a and b: edits
// of one character, and swaps of two neighbours ("inptu" is one from
// "input"), the usual typos.
func distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// closest is the candidate a typo of word most likely meant, or "": one
// edit per three characters at most (two at most), and no tie, so that
// only a close and unambiguous match is suggested.
func closest(word string, candidates []string) string {
	best, bestD, tie := "", 3, false
	for _, c := range candidates {
		d := distance(word, c)
		if d == 0 {
			return "" // a word that is a candidate is no typo
		}
		if 3*d > len([]rune(word)) {
			continue
		}
		switch {
		case d < bestD:
			best, bestD, tie = c, d, false
		case d == bestD && c != best:
			tie = true
		}
	}
	if tie {
		return ""
	}
	return best
}

// unknownCommand is the error for a first argument that is neither a
// command, a flag nor a file: a typo of a command, or a word serve does
// not take.
func unknownCommand(arg string) error {
	if c := closest(arg, commands); c != "" {
		return usagef("unknown command %q; did you mean %s?", arg, c)
	}
	return usagef("unknown command %q; the commands are %s (%s --help)", arg, strings.Join(commands[:len(commands)-1], ", "), programName)
}

// flagError says which flag was meant when a flag is unknown: one that
// is spelt closely ("--inptu"), or written with one dash ("-input").
func flagError(fs *pflag.FlagSet, err error) error {
	var ne *pflag.NotExistError
	if !errors.As(err, &ne) {
		return usageError{err.Error()}
	}
	var names []string
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	if short := ne.GetSpecifiedShortnames(); short != "" {
		// pflag reads -input as the shorthands -i -n -p -u -t.
		if fs.Lookup(short) != nil {
			return usagef("unknown flag: -%s; did you mean --%s?", short, short)
		}
		return usageError{err.Error()}
	}
	if cmd, ok := strings.CutPrefix(fs.Name(), programName+" "); ok && ne.GetSpecifiedName() == "input" && (cmd == "inspect" || cmd == "backfill") {
		return usagef("%v; %s takes its files as arguments: %s %s FILE|DIR...", err, cmd, programName, cmd)
	}
	if c := closest(ne.GetSpecifiedName(), names); c != "" {
		return usagef("%v; did you mean --%s?", err, c)
	}
	return usageError{err.Error()}
}

// extraArguments is the error for arguments serve does not take. Files
// among them are most likely a glob the shell expanded: the exporter
// would follow only the files that exist now, and miss the runs started
// later, so it asks for the glob quoted, with a glob made of the files.
func extraArguments(fs *pflag.FlagSet) error {
	args := fs.Args()
	var files []string
	for _, a := range args {
		if _, err := os.Stat(a); err == nil {
			files = append(files, a)
		}
	}
	if len(files) == 0 {
		return usagef("unexpected argument %q: logs are given with --input GLOB (%s --help)", args[0], programName)
	}
	inputs, _ := fs.GetStringArray("input")
	if len(inputs) == 0 {
		return usagef("unexpected argument %q: give the logs to follow with --input, quoted if a glob: --input '%s'; to look at a file once: %s inspect %s",
			files[0], globOf(files), programName, files[0])
	}
	// The glob's first file is the value of --input, the others follow it.
	expanded := append([]string{inputs[len(inputs)-1]}, files...)
	return usagef("unexpected argument %q: a glob of --input the shell expanded into %d files? Quote it, so that the exporter expands it and finds the runs started later too: --input '%s'",
		files[0], len(expanded), globOf(expanded))
}

// globOf is a glob that matches paths (and their like), for the
// example of a quoted --input: the path elements that differ become *
// when the paths are equally deep, else the folder they share gets
// **/ and their common file name.
func globOf(paths []string) string {
	split := make([][]string, len(paths))
	depth := -1
	for i, p := range paths {
		split[i] = strings.Split(filepath.ToSlash(filepath.Clean(p)), "/")
		if depth == -1 || depth == len(split[i]) {
			depth = len(split[i])
		} else {
			depth = -2 // not all equally deep
		}
	}
	if depth > 0 {
		out := make([]string, depth)
		for j := range depth {
			out[j] = split[0][j]
			for _, s := range split[1:] {
				if s[j] != out[j] {
					out[j] = "*"
					break
				}
			}
		}
		return strings.Join(out, "/")
	}
	dir, base := split[0][:len(split[0])-1], split[0][len(split[0])-1]
	for _, s := range split[1:] {
		n := 0
		for n < len(dir) && n < len(s)-1 && dir[n] == s[n] {
			n++
		}
		dir = dir[:n]
		if s[len(s)-1] != base {
			base = "*" + filepath.Ext(base)
			if filepath.Ext(s[len(s)-1]) != filepath.Ext(base) {
				base = "*"
			}
		}
	}
	return strings.Join(append(dir, "**", base), "/")
}

// describe is how a YAML value's type reads in a message.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64, float64:
		return fmt.Sprintf("the number %v", v)
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}
