// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import "strconv"

// Kind says what a record is, taken from its type key.
type Kind uint8

// Record kinds. KindMetric is the default when a line has no type key.
const (
	KindMetric Kind = iota
	KindEpochEnd
	KindRunStart
	KindConfig
	KindMeta
	KindArtifact
)

var kindNames = [...]string{"metric", "epoch_end", "run_start", "config", "meta", "artifact"}

// String returns the type value that selects k, e.g. "epoch_end".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Metric is one named value of a record.
type Metric struct {
	Name  []byte  // canonical name: key path joined by '.', every '/' replaced by '.'
	Value float64 // may be NaN, +Inf or -Inf
}

// Field is a string field of a run_start or meta record.
type Field struct{ Key, Value []byte }

// Record is one parsed line. Its slices point into the Parser's arena and
// are valid until the next call of Parse on the same Parser.
type Record struct {
	Kind     Kind
	Step     float64
	HasStep  bool
	Epoch    float64
	HasEpoch bool
	Time     float64 // Unix seconds (fractional), only for plausible wall-clock values
	HasTime  bool
	// TimeEstimated: the record had no time of its own; Time was set by
	// package timeline (the parser never sets it).
	TimeEstimated bool
	// What a record without a time tells of the time that passed, set by
	// the profile (package timeline reads them): seconds since the run
	// began, seconds per step, or the whole run's seconds up to Step.
	Elapsed, StepSeconds, RunSeconds          float64
	HasElapsed, HasStepSeconds, HasRunSeconds bool
	// Run: what the record tells of the whole run (totals, the
	// producer's estimates, its end), set by the profile's rules.
	Run RunHints

	RunName []byte // value of "run_name", nil if absent
	// Prefix is what was put in front of the metric names: the prefix
	// key's value or the split named by the type key or tag (canonical).
	Prefix []byte
	// Tag is the last '|'-separated field of the text before the object,
	// with Options.TextPrefix ("train_inner" in fairseq's lines).
	Tag     []byte
	Metrics []Metric
	Info    []Field
	// Config is the text of the record's top-level "config" object, of
	// any kind of record: the run's hyperparameters (package hparams),
	// never metrics. It points into the line passed to Parse.
	Config []byte
	// LongArrays counts numeric arrays left out for being longer than
	// Options.MaxArrayLen.
	LongArrays int
	// With Options.Explain only: Sources[i] is the key of Metrics[i] as
	// the line writes it (nested keys joined by '.'), and Ignored lists
	// the keys of a metric or epoch_end record that gave no metric.
	Sources [][]byte
	Ignored []Ignored
	// Shape, when not 0, says that Metrics names the same metrics in the
	// same order as in every other record of this Shape, whichever Parser
	// read it, so a consumer may reuse what it looked up for them.
	Shape uint64
}

// Ignored is a key that gave no metric, and why.
type Ignored struct {
	Key  []byte // as written; nested keys joined by '.'
	What string // "string", "null", "object", "array of 80 numbers", ...
}

// MaxNameLen bounds the length of a metric name in bytes. Longer names are
// not metrics; the bound keeps the arena linear in the line length even for
// deeply nested containers under long keys.
const MaxNameLen = 1024

// Options selects which keys carry a record's structure.
type Options struct {
	StepKeys      []string // default: step, global_step, iteration, iter (first present in this order wins)
	EpochKeys     []string // default: epoch
	TimeKeys      []string // default: time, timestamp, ts
	TypeKeys      []string // default: _type (mmdetection users configure "mode")
	PrefixKeys    []string // default: prefix
	ContainerKeys []string // default: metrics
	MaxKeys       int      // default 10000: keys at all nesting levels; more refuses the record
	MaxDepth      int      // default 64: nesting depth of objects and arrays; deeper refuses the record
	// MaxArrayLen (default 16): an array of at most this many numbers is
	// metrics element-wise, "<name>.0", "<name>.1", ...; a longer one is
	// counted in Record.LongArrays instead. Negative: arrays are never
	// metrics.
	MaxArrayLen int
	// IgnoreKeys are top-level keys that are neither metrics nor
	// structure, such as W&B's "_runtime".
	IgnoreKeys []string
	// NumericStrings: a string holding exactly one number ("1.72e+06",
	// "nan") is that number, as fairseq writes every value.
	NumericStrings bool
	// ProgressStrings: a string holding a duration ("0:01:03",
	// "1 day, 2:03:04", "20m 51s") is that many seconds, and one holding
	// a percentage ("2.28%") is its number, as LLM fine-tuning tools
	// write their progress.
	ProgressStrings bool
	// TextPrefix: text may come before the object, as Python logging
	// writes "2021-08-13 14:59:32 | INFO | train_inner | {...}"; its
	// last '|'-separated field is the record's Tag. A line without an
	// object then returns ErrText.
	TextPrefix bool
	// TagTypes gives a Tag the meaning of a type value ("train" ->
	// "epoch_end"); other tags leave the record a plain metric record.
	TagTypes map[string]string
	// Explain fills Record.Sources and Record.Ignored, for inspect. It
	// turns off the line templates, whose records carry neither.
	Explain bool
}

// DefaultMaxArrayLen is the longest numeric array exported element-wise
// by default: DETR's COCO results have 12 numbers.
const DefaultMaxArrayLen = 16

// DefaultOptions returns the options used for zero or empty fields.
func DefaultOptions() Options {
	return Options{
		StepKeys:      []string{"step", "global_step", "iteration", "iter"},
		EpochKeys:     []string{"epoch"},
		TimeKeys:      []string{"time", "timestamp", "ts"},
		TypeKeys:      []string{"_type"},
		PrefixKeys:    []string{"prefix"},
		ContainerKeys: []string{"metrics"},
		MaxKeys:       10000,
		MaxDepth:      64,
		MaxArrayLen:   DefaultMaxArrayLen,
	}
}

// withDefaults returns a copy of o with zero or empty fields set to defaults.
// The slices are copied so later changes by the caller do not leak in.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	pick := func(v, def []string) []string {
		if len(v) == 0 {
			return def
		}
		return append([]string(nil), v...)
	}
	o.StepKeys = pick(o.StepKeys, d.StepKeys)
	o.EpochKeys = pick(o.EpochKeys, d.EpochKeys)
	o.TimeKeys = pick(o.TimeKeys, d.TimeKeys)
	o.TypeKeys = pick(o.TypeKeys, d.TypeKeys)
	o.PrefixKeys = pick(o.PrefixKeys, d.PrefixKeys)
	o.ContainerKeys = pick(o.ContainerKeys, d.ContainerKeys)
	if o.MaxKeys <= 0 {
		o.MaxKeys = d.MaxKeys
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = d.MaxDepth
	}
	if o.MaxArrayLen == 0 {
		o.MaxArrayLen = d.MaxArrayLen
	}
	o.IgnoreKeys = append([]string(nil), o.IgnoreKeys...)
	if o.TagTypes != nil {
		tags := make(map[string]string, len(o.TagTypes))
		for k, v := range o.TagTypes {
			tags[k] = v
		}
		o.TagTypes = tags
	}
	return o
}
