// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"errors"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// A glob such as '**/*.csv' also matches the datasets kept beside the
// logs (data/train.csv: id,text,label,score). The CSV logs of the
// trainers the csv profile knows name a step or an epoch column
// (Ultralytics, Lightning, Keras, timm, Flair's EPOCH, fastai); a
// dataset's table names neither. So a CSV file read by the csv profile
// because of its name is judged by its header, not by its records as a
// JSON Lines file is (dataset.go):
//
//   - a header that names a step or an epoch column (the step and epoch
//     keys, in any case) makes the file a log;
//   - a header that names a time column but neither leaves it to the
//     first row: a log's if its time cell holds a wall-clock time, else
//     a dataset's (timestamp,value with times without a zone is a time
//     series to learn from, not a log);
//   - any other header sets the file aside at once.
//
// Reinforcement-learning loggers count their progress in columns of
// other names (Stable-Baselines3's time/total_timesteps, episode,
// num_episodes); so do some datasets (a recipe's n_steps, a sensor
// table's timestep): rather than guess from names, such logs are read
// once their input configures the csv profile, which the log line says.
//
// Rows of a file set aside are read by its CSV reader (a new header may
// come among them: two files concatenated) but not applied nor counted
// as errors, and never replayed: a header that names a step or epoch
// column (the file rewritten, or a header among the rows) or a row with
// a time picks the file up from there. A file whose first line is no
// header is not judged (its lines are counted as invalid_csv, as any
// CSV file's), nor is one whose input configures the csv profile: it
// says the files are logs.

// Why a CSV file is set aside, and what picks it up.
const (
	asideCSVWhy   = "its CSV header names no step or epoch column and its rows hold no time, as a dataset's do (for a log without one, configure profile csv)"
	asideCSVUntil = "a header that names a step or epoch column, or a row with a time, follows"
)

// judgesCSV reports whether a file of profile p, chosen as how says, is
// judged as a CSV file.
func judgesCSV(p *profile.Profile, how string) bool {
	return p.Format == profile.FormatCSV && how != profConfigured
}

// csvStep is what a line of a CSV file not known to be a log tells.
type csvStep uint8

const (
	csvLog       csvStep = iota // a log: read this line and the rest as usual
	csvData                     // a dataset's header or row: not read
	csvUndecided                // a blank line, or a header naming a time column only
)

// csvVerdict judges a line that the file's CSV reader read into rec,
// with err; h is the reader's header after it.
func csvVerdict(h record.CSVHeader, err error, rec *record.Record) csvStep {
	switch {
	case errors.Is(err, record.ErrEmpty):
		return csvUndecided
	case !h.Read || h.Step:
		return csvLog // no header, not judged; or a log's header
	case errors.Is(err, record.ErrHeader):
		if h.Time {
			return csvUndecided
		}
		return csvData
	case err == nil && rec.HasTime:
		return csvLog
	}
	return csvData
}

// admitCSV reads a line of a CSV file that is not known to be a log
// yet: the ordinary path for a log's line, nothing for a dataset's.
// Called from the file's goroutine.
func (f *file) admitCSV(line []byte, readTime time.Time) {
	g := &f.gate
	c := f.parser.(*record.CSV) // the csv profile's reader
	err := c.Parse(line, &f.rec)
	switch csvVerdict(c.Header(), err, &f.rec) {
	case csvUndecided:
		return
	case csvData:
		if g.state != gateSetAside {
			g.state = gateSetAside
			f.e.setAsideFile(f, asideCSVWhy, asideCSVUntil, 0)
		}
		return
	}
	if g.state == gateSetAside {
		f.e.pickUpFile(f, asideCSVUntil)
	}
	g.state = gateLog
	if f.took(err) {
		f.placeAndApply(readTime)
	}
}

// restartCSV gives a CSV file judged again a new reader: none of the rows
// its reader read was applied, and a reader restarted would skip those
// that come again (csvRewrite).
func (f *file) restartCSV() {
	if judgesCSV(f.prof, f.profHow) && f.gate.state != gateLog && f.parser != nil {
		f.parser = f.e.parsers.get(f.prof, f.e.parser)
	}
}

// peekCSV is peekData for a CSV file that is judged: true when the
// whole lines at its start are a dataset's.
func peekCSV(lines [][]byte, prof *profile.Profile, base record.Options) bool {
	c := prof.NewReader(prof.ParserOptions(base)).(*record.CSV)
	var rec record.Record
	for _, line := range lines {
		err := c.Parse(line, &rec)
		switch csvVerdict(c.Header(), err, &rec) {
		case csvLog:
			return false
		case csvData:
			return true
		}
	}
	return false
}
