// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/jsonl-exporter/jsonl-exporter/internal/engine"
)

// runInspect prints what the exporter would make of each file. It shares
// the parser flags and config file with serve.
func runInspect(args []string, stdout io.Writer) error {
	fs := newFlagSet(programName+" inspect", cmdInspect)
	if err := parseFlags(fs, args, stdout, "Usage: "+programName+" inspect [flags] FILE|DIR..."); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("inspect: name at least one file")
	}
	// inspect takes the flags of how logs are read; the others keep
	// their defaults (or the configuration file's values).
	all := newFlagSet(programName, cmdServe)
	copyFlags(fs, all)
	l := &loader{fs: all, cmd: cmdInspect, getenv: os.Getenv, adjust: func(o *options) {
		o.Input = fs.Args() // files are arguments, not globs to watch
	}}
	opts, err := l.load()
	if err != nil {
		return err
	}
	var failed error
	for i, path := range logFiles(fs.Args(), stdout, &failed) {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		report, err := engine.Inspect(path, opts.Config)
		if err != nil {
			fmt.Fprintf(stdout, "%s\n  error: %v\n", path, err)
			failed = errors.New("inspect: some files could not be read")
			continue
		}
		engine.WriteReport(stdout, report)
		if report.ReadErr != nil { // listed under problems; the exit code says it too
			failed = errors.New("inspect: some files could not be read")
		}
	}
	return failed
}

// logFiles replaces each folder among args by the log files under it. A
// folder without any is reported, and sets failed.
func logFiles(args []string, stdout io.Writer, failed *error) []string {
	var files []string
	for _, arg := range args {
		if fi, err := os.Stat(arg); err != nil || !fi.IsDir() {
			files = append(files, arg) // Inspect reports what is wrong with it
			continue
		}
		found, err := engine.LogFilesUnder(arg)
		if err == nil && len(found) == 0 {
			err = errors.New("no log files under it (*.jsonl, *.jsonl.gz, metrics.json, scalars.json, *.log.json, trainer_state.json, log.txt, train.log, *.csv, *.tsv)")
		}
		if err != nil {
			fmt.Fprintf(stdout, "%s\n  error: %v\n\n", arg, err)
			*failed = errors.New("inspect: some files could not be read")
		}
		files = append(files, found...)
	}
	return files
}

// copyFlags sets the flags given in from on to, as if given there; a
// flag that to does not have is the subcommand's own.
func copyFlags(from, to *pflag.FlagSet) {
	from.Visit(func(f *pflag.Flag) {
		t := to.Lookup(f.Name)
		if t == nil {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			_ = t.Value.(pflag.SliceValue).Replace(sv.GetSlice())
		} else {
			_ = t.Value.Set(f.Value.String())
		}
		t.Changed = true
	})
}
