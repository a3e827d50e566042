package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/jsonl-exporter/jsonl-exporter/exporter"
)

// runInspect prints what the exporter would make of each file. It shares
// the parser flags and config file with serve.
func runInspect(args []string, stdout io.Writer) error {
	fs := newFlagSet(programName+" inspect", false)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage: %s inspect [flags] FILE...\n%s", programName, fs.FlagUsages())
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() == 0 {
		return usagef("inspect: name at least one file")
	}
	l := &loader{fs: fs, getenv: os.Getenv, adjust: func(o *options) {
		o.Input = fs.Args() // files are arguments, not globs to watch
	}}
	opts, err := l.load()
	if err != nil {
		return err
	}
	var failed error
	for i, path := range fs.Args() {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		report, err := exporter.Inspect(path, opts.Config)
		if err != nil {
			fmt.Fprintf(stdout, "%s\n  error: %v\n", path, err)
			failed = errors.New("inspect: some files could not be read")
			continue
		}
		exporter.WriteReport(stdout, report)
	}
	return failed
}
