// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package profile holds what each producer of training logs does its own
// way, as data: which keys carry the step and the time, how validation
// records are told apart, whether values are strings, whether the file is
// one JSON document. A profile is chosen per file from its path and its
// first line, or configured per input. Everything a profile cannot express
// is the same for every producer (docs/metrics.md).
package profile

import (
	"slices"
	"strings"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// Profile is one producer's conventions. The zero value changes nothing.
type Profile struct {
	Name  string
	About string // what writes such logs, for docs and inspect

	// Parser keys and options; nil or false leaves the configured value.
	StepKeys       []string
	TimeKeys       []string
	TypeKeys       []string
	IgnoreKeys     []string
	ContainerKeys  []string
	NumericStrings bool
	TextPrefix     bool
	TagTypes       map[string]string
	// ProgressStrings: durations and percentages written as text are
	// numbers (record.Options.ProgressStrings).
	ProgressStrings bool

	// SplitWithoutStep: a metric record without a step belongs to this
	// split, whose name prefixes its metrics, and leaves the step alone
	// (mmengine's validation lines).
	SplitWithoutStep string
	// StepFreeSplits: the step of a record of these splits counts
	// something else and does not move the run's step (mmdetection 2's
	// validation "iter" is the number of validation batches).
	StepFreeSplits []string
	// SummaryKeys: a metric record holding one of these metrics is a
	// summary of the run; its names take the prefix "summary" so that its
	// averages do not pass for the newest values (Hugging Face's
	// train_runtime, ms-swift's best_metric).
	SummaryKeys []string
	// EpochIsStep: a record without a step takes its epoch as step, for
	// trainers that log once per epoch (DETR, DeiT).
	EpochIsStep bool
	// Format is how the file is written: "" for JSON Lines, FormatCSV
	// for CSV and TSV with a header. It picks the Reader (NewReader).
	Format string
	// Document reads the records of a file that is one JSON document,
	// rewritten as a whole (Hugging Face's trainer_state.json, Chainer's
	// result/log, Sacred's metrics.json, Ludwig's statistics). Such files
	// are read whole whenever they change (see IsDocument).
	Document record.DocumentReader
	// DocumentCopies: a run's document is saved again into every
	// checkpoint, each copy holding the older ones' records first, so the
	// copies continue one run rather than being runs of their own.
	DocumentCopies bool
	// linesToo: the producer's records also come as JSON Lines, so only
	// its .json files are documents.
	linesToo bool

	// What records without a time tell of the time that passed (package
	// timeline places them): metrics holding seconds since the run began
	// (default DefaultElapsedKeys), the metric holding seconds per step
	// (detectron2's "time"), and the metric of a run summary holding the
	// whole run's seconds up to its step (Hugging Face's train_runtime).
	ElapsedKeys    []string
	StepSecondsKey string
	RunSecondsKey  string

	// Progress says where records tell how far the run has to go.
	Progress ProgressKeys

	// Detection: a file whose base name a path rule matches has this
	// profile; else the first line decides (see Detect). A head rule
	// decides for files named headName by their first bytes (see ForHead).
	pathRule    func(base string) bool
	contentRule func(line []byte) bool
	headName    string
	headRule    func(head []byte) (match, decided bool)
}

// FormatCSV is the Format of CSV and TSV logs.
const FormatCSV = "csv"

// SummaryPrefix is put in front of the metrics of a summary record.
const SummaryPrefix = "summary"

// Generic is the profile of a log that no other profile fits.
var Generic = &Profile{Name: "generic", About: "Any JSON Lines log: the rules of docs/metrics.md, nothing more."}

// profiles are the named profiles, in detection order: the most specific
// content rules first, the seed trainer's _type records last.
var profiles = []*Profile{
	{
		Name:       "wandb",
		About:      "Weights & Biases' offline history, wandb-history.jsonl: _step, _timestamp and _runtime keys.",
		StepKeys:   []string{"_step"},
		TimeKeys:   []string{"_timestamp"},
		IgnoreKeys: []string{"_runtime", "_wandb"},
		pathRule:   func(base string) bool { return base == "wandb-history.jsonl" },
		contentRule: func(line []byte) bool {
			return hasKey(line, "_step") && (hasKey(line, "_runtime") || hasKey(line, "_timestamp"))
		},
	},
	{
		Name:  "ray-tune",
		About: "Ray Tune and RLlib's result.json: training_iteration as step, the trial's config in every record (its hyperparameters), done on its last result.",
		// timestamp is the time, time_total_s the seconds since the trial
		// began (docs/metrics.md); pid is no metric.
		StepKeys:    []string{"training_iteration"},
		ElapsedKeys: []string{"time_total_s"},
		IgnoreKeys:  []string{"pid"},
		// RLlib nests its results: info.learner.<policy>.learner_stats,
		// env_runners and learners (its new API stack), perf.
		ContainerKeys: []string{"metrics", "info", "env_runners", "learners", "sampler_results", "perf", "custom_metrics"},
		Progress:      ProgressKeys{Done: "done"},
		pathRule:      func(base string) bool { return base == "result.json" },
		contentRule:   func(line []byte) bool { return hasKey(line, "training_iteration") && hasKey(line, "trial_id") },
	},
	{
		Name:             "mmengine",
		About:            "OpenMMLab 3.x (mmengine: mmpretrain, mmdet 3, mmseg, mmpose), vis_data/scalars.json: validation lines carry the epoch as step and no iter.",
		StepKeys:         []string{"iter"},
		IgnoreKeys:       []string{"step"},
		SplitWithoutStep: "val",
		StepSecondsKey:   "time", // of a training line: a validation line's is val.time
		pathRule:         func(base string) bool { return base == "scalars.json" },
		contentRule: func(line []byte) bool {
			return hasKey(line, "iter") && hasKey(line, "step") && hasKey(line, "data_time")
		},
	},
	{
		Name:           "mmdet2",
		About:          "OpenMMLab 2.x (mmdetection 2, mmcv's TextLoggerHook), <timestamp>.log.json: a mode key of train or val, iter counted per epoch.",
		TypeKeys:       []string{"_type", "mode"},
		StepFreeSplits: []string{"val"},
		StepSecondsKey: "train.time", // its mode names the split
		pathRule:       func(base string) bool { return strings.HasSuffix(base, ".log.json") },
		contentRule: func(line []byte) bool {
			return hasKey(line, "mode") && hasKey(line, "iter") || hasKey(line, "env_info")
		},
	},
	{
		Name:           "detectron2",
		About:          "detectron2's metrics.json: iteration as step, time as seconds per iteration, evaluation results as bbox/AP and the like.",
		StepKeys:       []string{"iteration"},
		StepSecondsKey: "time",
		Progress:       ProgressKeys{ETA: "eta_seconds", StepFromZero: true},
		pathRule:       func(base string) bool { return base == "metrics.json" },
		contentRule: func(line []byte) bool {
			return hasKey(line, "iteration") && (hasKey(line, "total_loss") || hasKey(line, "data_time") || hasKey(line, "eta_seconds"))
		},
	},
	{
		Name:        "detr",
		About:       "DETR, Deformable DETR and DeiT log.txt: one line per epoch, train_ and test_ names, COCO results as arrays.",
		EpochIsStep: true,
		Progress:    ProgressKeys{Epochs: EpochsRowEnds}, // epoch 0 is written when the first ends
		contentRule: func(line []byte) bool { return hasKey(line, "n_parameters") && hasKey(line, "epoch") },
	},
	{
		Name:           "fairseq",
		About:          "fairseq with --log-format json: Python logging text before each object, every value a string, train_inner, train and valid lines.",
		StepKeys:       []string{"num_updates", "train_num_updates", "valid_num_updates"},
		NumericStrings: true,
		TextPrefix:     true,
		// "train" is the summary of an epoch; train_inner and valid lines
		// already name their split in their keys (loss, valid_loss).
		TagTypes:    map[string]string{"train": "epoch_end"},
		contentRule: isPythonLoggingLine,
	},
	{
		Name:  "llama-factory",
		About: "LLaMA-Factory's trainer_log.jsonl: current_steps as step, elapsed and remaining time as text (\"0:01:03\", \"1 day, 2:03:04\").",
		// The usual step keys come after, for another tool's file of
		// the same name.
		StepKeys:        []string{"current_steps", "step", "global_step", "iteration", "iter"},
		ProgressStrings: true,
		NumericStrings:  true, // some versions write "throughput": "0.00"
		Progress: ProgressKeys{TotalSteps: "total_steps", Percent: "percentage", ETA: "remaining_time",
			Epochs: EpochsFractional},
		pathRule: func(base string) bool { return base == "trainer_log.jsonl" },
		contentRule: func(line []byte) bool {
			return hasKey(line, "current_steps") && hasKey(line, "total_steps")
		},
	},
	{
		Name:            "ms-swift",
		About:           "ms-swift's logging.jsonl: the step in \"global_step/max_steps\": \"10/438\", times and percentages as text, summaries at the end.",
		StepKeys:        []string{"global_step/max_steps", "step", "global_step", "iteration", "iter"},
		ProgressStrings: true,
		// The training summary (train_runtime, train_loss averaged over
		// the run) and the last line (best_metric, peak memory, the whole
		// log_history again).
		SummaryKeys: []string{"train_runtime", "best_metric"},
		// "global_step/max_steps" is the step; its percentage says the
		// same share done.
		Progress: ProgressKeys{Percent: "percentage", ETA: "remaining_time", Epochs: EpochsFractional},
		// logging.jsonl is too common a name to go by: the first line.
		contentRule: func(line []byte) bool {
			return hasKey(line, "global_step/max_steps") || hasKey(line, "train_speed(iter/s)")
		},
	},
	{
		Name:           "hf-trainer",
		About:          "Hugging Face Trainer: trainer_state.json (log_history, rewritten at every checkpoint) or the same entries as JSON Lines.",
		SummaryKeys:    []string{"train_runtime"},
		RunSecondsKey:  "train_runtime",
		Progress:       ProgressKeys{Epochs: EpochsFractional, Document: hfTotals},
		Document:       record.ArrayMember("log_history"),
		DocumentCopies: true,
		linesToo:       true,
		pathRule:       func(base string) bool { return base == "trainer_state.json" },
		contentRule: func(line []byte) bool {
			return hasKey(line, "epoch") && hasKey(line, "step") && !hasKey(line, "_type") &&
				(hasKey(line, "learning_rate") || hasKey(line, "eval_loss") || hasKey(line, "train_runtime"))
		},
	},
	{
		Name:     "chainer",
		About:    "Chainer's LogReport (and pytorch-pfn-extras'), result/log: one JSON array of every report so far, rewritten at each report; iteration is the step.",
		Document: record.TopArray,
		headName: "log",
		headRule: startsArray,
	},
	{
		Name:     "sacred",
		About:    "Sacred's FileStorageObserver, <run id>/metrics.json: steps, timestamps and values of each metric, rewritten at each heartbeat; the values logged with one step are a record, at the time of the first.",
		StepKeys: []string{record.SacredStepKey},
		TimeKeys: []string{record.SacredTimeKey},
		Document: record.SacredMetrics,
		headName: "metrics.json",
		headRule: startsSacredMetrics,
	},
	{
		Name:        "ludwig",
		About:       "Ludwig's training_statistics.json: split, output feature and metric to one value per epoch; the epoch is the step.",
		EpochIsStep: true,
		Document:    record.LudwigStatistics,
		pathRule:    func(base string) bool { return base == "training_statistics.json" },
	},
	{
		Name:     "csv",
		About:    "CSV and TSV logs with a header (Ultralytics results.csv, Lightning metrics.csv, Keras CSVLogger, timm summary.csv, Flair loss.tsv): one record per row, every numeric column a metric.",
		Format:   FormatCSV,
		pathRule: isCSVName,
		// Ultralytics' time column counts seconds since training began.
		ElapsedKeys: append([]string{"time"}, DefaultElapsedKeys...),
		// Keras and timm write epoch 0 as it ends, Ultralytics epoch 1.
		Progress: ProgressKeys{Epochs: EpochsRowEnds},
		// Keras' CSVLogger often writes to training.log.
		contentRule: record.LooksLikeCSVHeader,
	},
	{
		Name:  "seed",
		About: "The trainer jsonl-exporter was built for: _type records (run_start, metric, epoch_end, ...) with dotted or slashed names.",
		// The general rules are this trainer's; its epoch_end carries
		// the epochs done.
		Progress:    ProgressKeys{Epochs: EpochsAtEpochEnd},
		contentRule: func(line []byte) bool { return hasKey(line, "_type") && !hasKey(line, "mode") },
	},
}

// All returns the named profiles, generic last.
func All() []*Profile { return append(slices.Clone(profiles), Generic) }

// Names lists the names a configuration may give, "auto" first.
func Names() []string {
	names := []string{Auto}
	for _, p := range All() {
		names = append(names, p.Name)
	}
	return names
}

// Auto is the configured name that asks for detection.
const Auto = "auto"

// Lookup returns the profile of a name; nil for "auto" or "".
func Lookup(name string) (*Profile, bool) {
	if name == "" || name == Auto {
		return nil, true
	}
	for _, p := range All() {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// NewReader returns the reader of this profile's files, with opts (see
// ParserOptions): a CSV reader for FormatCSV, else a JSON Lines parser.
func (p *Profile) NewReader(opts record.Options) record.Reader {
	if p.Format == FormatCSV {
		return record.NewCSV(opts)
	}
	return record.NewParser(opts)
}

// ParserOptions returns base with the profile's keys and options. A key
// list the user changed from its default is left as configured: the
// configuration wins over the profile.
func (p *Profile) ParserOptions(base record.Options) record.Options {
	d := record.DefaultOptions()
	pick := func(configured, defaults, mine []string) []string {
		if mine == nil || len(configured) > 0 && !slices.Equal(configured, defaults) {
			return configured
		}
		return mine
	}
	base.StepKeys = pick(base.StepKeys, d.StepKeys, p.StepKeys)
	base.TimeKeys = pick(base.TimeKeys, d.TimeKeys, p.TimeKeys)
	base.TypeKeys = pick(base.TypeKeys, d.TypeKeys, p.TypeKeys)
	base.ContainerKeys = pick(base.ContainerKeys, d.ContainerKeys, p.ContainerKeys)
	base.IgnoreKeys = append(slices.Clone(base.IgnoreKeys), p.IgnoreKeys...)
	base.NumericStrings = base.NumericStrings || p.NumericStrings
	base.ProgressStrings = base.ProgressStrings || p.ProgressStrings
	base.TextPrefix = base.TextPrefix || p.TextPrefix
	if p.TagTypes != nil && base.TagTypes == nil {
		base.TagTypes = p.TagTypes
	}
	return base
}

// IsDocument reports whether the file at path is one JSON document of
// this profile. Hugging Face's entries also come as JSON Lines: of its
// files, only those whose name ends in ".json" are documents.
func (p *Profile) IsDocument(path string) bool {
	return p.Document != nil && (!p.linesToo || strings.HasSuffix(path, ".json"))
}

// HasRecordRules reports whether records need Rules.Apply.
func (p *Profile) HasRecordRules() bool {
	return p.SplitWithoutStep != "" || len(p.StepFreeSplits) > 0 || len(p.SummaryKeys) > 0 || p.EpochIsStep || p.Progress.any()
}
