package exporter

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/exporter/record"
)

// FileReport is what inspect found in one file.
type FileReport struct {
	Path    string
	Run     string
	Lines   int64
	Records int64
	Kinds   map[string]int64
	// Series are the series names the exporter would serve, with their
	// last values.
	Series         map[string]float64
	Nonfinite      map[string]float64
	Steps, Epochs  Range
	Times          Range
	EpochResets    int64
	Restarts       float64
	Problems       []string // parse errors and oddities, with line numbers
	problemsByKind map[string]int
}

// Range is the smallest and largest value seen.
type Range struct {
	Min, Max float64
	N        int64
}

func (r *Range) add(v float64) {
	if r.N == 0 || v < r.Min {
		r.Min = v
	}
	if r.N == 0 || v > r.Max {
		r.Max = v
	}
	r.N++
}

// maxProblemsPerKind keeps a report of a broken file readable.
const maxProblemsPerKind = 5

func (fr *FileReport) problem(kind string, format string, args ...any) {
	if fr.problemsByKind[kind]++; fr.problemsByKind[kind] <= maxProblemsPerKind {
		fr.Problems = append(fr.Problems, fmt.Sprintf(format, args...))
	} else if fr.problemsByKind[kind] == maxProblemsPerKind+1 {
		fr.Problems = append(fr.Problems, "further "+kind+" problems not listed")
	}
}

// Inspect reads a whole file with the exporter's parser and mapper.
func Inspect(path string, cfg Config) (*FileReport, error) {
	fr := &FileReport{Path: path, Kinds: map[string]int64{}, problemsByKind: map[string]int{}}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		r = gz
	}
	store := NewStore(cfg.Namespace, nil, math.MaxInt32, nil)
	store.best = cfg.bestRules()
	store.watch = cfg.watchRules()
	parser := record.NewParser(cfg.ParserOptions())
	runName := runFromPath(path)
	var rec record.Record
	var run *Run
	var shape shapeCache
	err = readLines(r, cfg.Tail.MaxLineSize, func(line []byte, lineNo int64, tooLong int64) {
		fr.Lines++
		if tooLong > 0 {
			fr.problem(reasonLineTooLong, "line %d: %d bytes, longer than tail.max-line-size", lineNo, tooLong)
			return
		}
		if err := parser.Parse(line, &rec); err != nil {
			if err != record.ErrEmpty {
				fr.problem(record.Reason(err), "line %d: %v", lineNo, err)
			}
			return
		}
		fr.Records++
		fr.Kinds[rec.Kind.String()]++
		if len(rec.RunName) > 0 && run == nil {
			runName = labelValue(string(rec.RunName))
		}
		if run == nil {
			run = store.run(runName, nil)
		}
		before, prevStep := run.restarts, run.steps.step
		run.apply(&rec, time.Time{}, &shape)
		if run.restarts > before {
			fr.problem("restart", "line %d: step went back from %g to %g without a new epoch (resumed or restarted run)", lineNo, prevStep, rec.Step)
		}
		if rec.HasStep {
			fr.Steps.add(rec.Step)
		}
		if rec.HasEpoch {
			fr.Epochs.add(rec.Epoch)
		}
		if rec.HasTime {
			fr.Times.add(rec.Time)
		}
		for _, m := range rec.Metrics {
			if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
				fr.problem("nonfinite", "line %d: %s is %g", lineNo, m.Name, m.Value)
			}
		}
	})
	if err != nil {
		fr.problem("read", "read error: %v", err)
	}
	fr.Run = runName
	fr.Series = map[string]float64{}
	fr.Nonfinite = map[string]float64{}
	if run != nil {
		run.mu.Lock()
		for name, g := range run.bySeries {
			fr.Series[name] = g.value
			if b := g.best; b != nil && b.has {
				fr.Series[name+seriesBestSuffix] = b.value
				fr.Series[name+seriesBestStepSuffix] = b.step
			}
			if g.nonfinite > 0 {
				fr.Nonfinite[name] = g.nonfinite
			}
		}
		fr.Restarts = run.restarts
		fr.EpochResets = int64(run.steps.epochResets)
		run.mu.Unlock()
	}
	return fr, nil
}

// readLines calls fn for each line, with lines longer than maxLine
// reported by their length and never held in memory whole. A last line
// without newline is passed too: the file is read as it is now.
func readLines(r io.Reader, maxLine int, fn func(line []byte, lineNo, tooLong int64)) error {
	br := bufio.NewReaderSize(r, max(maxLine+1, 4096))
	var lineNo, skipping int64
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			skipping += int64(len(chunk))
			continue
		}
		if len(chunk) > 0 {
			lineNo++
			line := chunk
			if line[len(line)-1] == '\n' {
				line = line[:len(line)-1]
			}
			if total := skipping + int64(len(line)); total > int64(maxLine) {
				fn(nil, lineNo, total)
			} else {
				fn(line, lineNo, 0)
			}
			skipping = 0
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// WriteReport prints a report for humans.
func WriteReport(w io.Writer, fr *FileReport) {
	fmt.Fprintf(w, "%s\n", fr.Path)
	fmt.Fprintf(w, "  run:      %s\n", fr.Run)
	fmt.Fprintf(w, "  lines:    %d (%d records", fr.Lines, fr.Records)
	for _, k := range sortedKeys(fr.Kinds) {
		fmt.Fprintf(w, ", %d %s", fr.Kinds[k], k)
	}
	fmt.Fprintln(w, ")")
	if fr.Steps.N > 0 {
		fmt.Fprintf(w, "  steps:    %g .. %g", fr.Steps.Min, fr.Steps.Max)
		if fr.EpochResets > 0 {
			fmt.Fprintf(w, " (reset at %d epoch starts)", fr.EpochResets)
		}
		fmt.Fprintln(w)
	}
	if fr.Epochs.N > 0 {
		fmt.Fprintf(w, "  epochs:   %g .. %g\n", fr.Epochs.Min, fr.Epochs.Max)
	}
	if fr.Times.N > 0 {
		fmt.Fprintf(w, "  time:     %s .. %s\n", fmtTime(fr.Times.Min), fmtTime(fr.Times.Max))
	}
	fmt.Fprintf(w, "  series:   %d\n", len(fr.Series))
	for _, name := range sortedKeys(fr.Series) {
		fmt.Fprintf(w, "    %s{run=%q} %g", name, fr.Run, fr.Series[name])
		if n := fr.Nonfinite[name]; n > 0 {
			fmt.Fprintf(w, "  (%g non-finite values)", n)
		}
		fmt.Fprintln(w)
	}
	if len(fr.Problems) == 0 {
		fmt.Fprintln(w, "  problems: none")
		return
	}
	fmt.Fprintf(w, "  problems:\n")
	for _, p := range fr.Problems {
		fmt.Fprintf(w, "    %s\n", p)
	}
}

func fmtTime(sec float64) string {
	return time.Unix(0, int64(sec*1e9)).UTC().Format(time.RFC3339)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
