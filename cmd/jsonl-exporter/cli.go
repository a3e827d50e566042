// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/prometheus/common/version"
	"github.com/spf13/pflag"
)

const programName = "jsonl-exporter"

// Exit codes: 2 is a usage or configuration error, as for Prometheus.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError ends the program with exit code 2 and a one-line message.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

const usageText = `Usage:
  jsonl-exporter [serve] --input GLOB [--input GLOB ...] [flags]
  jsonl-exporter demo [flags]          simulated training runs, served at once
  jsonl-exporter inspect FILE|DIR...   runs, series, step and time ranges, problems
  jsonl-exporter backfill --remote-write.url URL FILE|DIR...
                                       send finished runs to a remote-write receiver
  jsonl-exporter plot --input FILE|DIR... [--metrics NAME...] --out FILE.png
                                       draw metrics of logs to an image, offline
  jsonl-exporter watch FILE|DIR|GLOB... [--metrics NAME...] [--once]
                                       runs table and chart of logs in the terminal
  jsonl-exporter version

"jsonl-exporter COMMAND --help" lists the flags of demo, inspect, backfill, plot and watch.
`

// printUsage prints the commands and the flags of serve.
func printUsage(w io.Writer) {
	fmt.Fprintf(w, "%s\nFlags of serve:\n%s", usageText, newFlagSet(programName, cmdServe).FlagUsagesWrapped(helpWidth))
}

// gcPercent is the garbage collector's target when GOGC is not set, as
// Prometheus has it since 2.53: the heap grows to 1.75 times its live part
// instead of twice, for a few more collections (10,000 idle runs: 155 MB
// resident with Go's 100, docs/scaling.md).
const gcPercent = 75

// run is the whole program; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	cmd := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "serve", "demo", "inspect", "backfill", "plot", "watch", "version", "help":
			cmd, args = args[0], args[1:]
		case "-h", "--help":
			printUsage(stdout)
			return exitOK
		case "--version":
			fmt.Fprintln(stdout, version.Print(programName))
			return exitOK
		default:
			if err := notCommand(args[0]); err != nil {
				return exitWith(err, stderr)
			}
		}
	}
	var err error
	switch cmd {
	case "help":
		printUsage(stdout)
		return exitOK
	case "version":
		fmt.Fprintln(stdout, version.Print(programName))
		return exitOK
	case "inspect":
		err = runInspect(args, stdout)
	case "backfill":
		err = runBackfill(args, stdout, stderr)
	case "plot":
		err = runPlot(args, stdout, stderr)
	case "watch":
		err = runWatch(args, stdout, stderr)
	case "demo":
		err = runServe(args, stdout, stderr, true)
	default:
		err = runServe(args, stdout, stderr, false)
	}
	return exitWith(err, stderr)
}

// notCommand refuses a first argument that is not a flag, a command or
// a file (files get serve's advice): a mistyped command.
func notCommand(arg string) error {
	if strings.HasPrefix(arg, "-") {
		return nil
	}
	if _, err := os.Stat(arg); err == nil {
		return nil
	}
	return unknownCommand(arg)
}

// exitWith prints err, if any, and gives the exit code it calls for.
func exitWith(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %s\n", programName, ue.msg)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "%s: %v\n", programName, err)
		return exitError
	}
}

// signals delivers SIGHUP (reload) and SIGINT/SIGTERM (stop).
func signals() (hup, term chan os.Signal, stop func()) {
	hup = make(chan os.Signal, 1)
	term = make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	signal.Notify(term, syscall.SIGINT, syscall.SIGTERM)
	return hup, term, func() { signal.Stop(hup); signal.Stop(term) }
}
