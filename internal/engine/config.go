// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// Config is everything the engine needs. It knows nothing of where its
// values come from: the command maps flags, environment and file onto
// it, and it is validated here.
type Config struct {
	// Input holds globs given with --input; Inputs adds per-input options
	// that only the config file can express.
	Input  []string
	Inputs []InputConfig

	Namespace string
	// MaxSeries caps the series created from metric keys across all runs.
	MaxSeries int

	Discovery DiscoveryConfig
	Tail      TailConfig
	Run       RunConfig
	Parser    ParserConfig
	Best      BestConfig
	Watch     WatchConfig
	Spike     SpikeConfig
}

// WatchConfig names the metrics that get a smoothed <series>_ema and spike
// detection (ml_spikes_total).
type WatchConfig struct {
	Metrics   string
	EMAWeight float64
}

// SpikeConfig tunes the spike detector of watched metrics.
type SpikeConfig struct {
	Weight  float64
	Sigma   float64
	MinJump float64
	Warmup  int
}

// BestConfig names the metrics that get <series>_best and
// <series>_best_step; an empty pattern tracks nothing in that direction.
type BestConfig struct {
	Minimize string
	Maximize string
}

// InputConfig is one glob with options for the files it matches.
type InputConfig struct {
	Path string
	// RunRegex derives the run label from the file path; it must have a
	// named group "run".
	RunRegex string
	// Labels are added to every series of the runs read from this input.
	Labels map[string]string
	// Profile names the producer of the files (docs/formats.md); empty
	// takes parser.profile.
	Profile string
	// LogsOnly keeps of the glob's matches only the files named as
	// logs are (profile.IsLogName): watch follows a folder as DIR/**, so
	// that runs started later are found, without opening checkpoints.
	LogsOnly bool
}

// DiscoveryConfig controls how often globs are evaluated again.
type DiscoveryConfig struct {
	Interval time.Duration
	// MaxAge passes over files not modified for this long (0: none is):
	// a folder of old runs exports only those active within the window.
	// They are looked at again at each scan.
	MaxAge time.Duration
}

// TailConfig controls how files are followed.
type TailConfig struct {
	Poll         bool
	PollInterval time.Duration
	MaxLineSize  int
	// MaxOpenFiles bounds the files open at once; 0 derives it from the
	// process's limit on descriptors (see DefaultMaxOpenFiles).
	MaxOpenFiles int
	// IdleClose closes a file read to its end that has not grown for
	// this long; discovery looks at it again at each scan. 0 keeps files
	// open.
	IdleClose time.Duration
}

// RunConfig controls the lifecycle of runs.
type RunConfig struct {
	// Expiry removes a run that wrote no record for this long; 0 keeps runs.
	Expiry time.Duration
	// DeletedGrace keeps a run whose file was deleted for this long.
	DeletedGrace time.Duration
}

// ParserConfig names the keys that carry step, epoch, time, type, prefix
// and metric containers.
type ParserConfig struct {
	StepKeys      []string
	EpochKeys     []string
	TimeKeys      []string
	TypeKeys      []string
	PrefixKeys    []string
	ContainerKeys []string
	MaxKeys       int
	MaxArrayLen   int
	// Profile names the producer of every input's files, or "auto" to
	// detect it per file from its name and first line.
	Profile string
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	p := record.DefaultOptions()
	return Config{
		Namespace: "ml",
		MaxSeries: 100000,
		Discovery: DiscoveryConfig{Interval: 5 * time.Second},
		Tail: TailConfig{
			PollInterval: 250 * time.Millisecond,
			MaxLineSize:  1 << 20,
			IdleClose:    time.Minute,
		},
		Run:   RunConfig{DeletedGrace: 5 * time.Minute},
		Best:  BestConfig{Minimize: store.DefaultBestMinimize, Maximize: store.DefaultBestMaximize},
		Watch: WatchConfig{Metrics: store.DefaultWatchMetrics, EMAWeight: store.DefaultEMAWeight},
		Spike: SpikeConfig{Weight: store.DefaultSpikeWeight, Sigma: store.DefaultSpikeSigma, MinJump: store.DefaultSpikeMinJump, Warmup: store.DefaultSpikeWarmup},
		Parser: ParserConfig{
			StepKeys:      p.StepKeys,
			EpochKeys:     p.EpochKeys,
			TimeKeys:      p.TimeKeys,
			TypeKeys:      p.TypeKeys,
			PrefixKeys:    p.PrefixKeys,
			ContainerKeys: p.ContainerKeys,
			MaxKeys:       p.MaxKeys,
			MaxArrayLen:   p.MaxArrayLen,
			Profile:       profile.Auto,
		},
	}
}

var (
	// nameRE is the charset of label names and of a namespace.
	nameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// Validate reports the first problem, naming the key.
func (c *Config) Validate() error {
	if len(c.Input) == 0 && len(c.Inputs) == 0 {
		return errors.New("input: at least one --input glob is required")
	}
	for i, in := range c.AllInputs() {
		// --input globs come first; name an input as the user wrote it.
		key := fmt.Sprintf("input %q", in.Path)
		if i >= len(c.Input) {
			key = fmt.Sprintf("inputs[%d]", i-len(c.Input))
		}
		if in.Path == "" {
			return fmt.Errorf("%s.path: must not be empty", key)
		}
		if !doublestar.ValidatePathPattern(filepath.ToSlash(in.Path)) {
			return fmt.Errorf("%s: %q is not a valid glob (unclosed [ or {?)", key, in.Path)
		}
		if in.RunRegex != "" {
			re, err := regexp.Compile(in.RunRegex)
			if err != nil {
				return fmt.Errorf("%s.run-regex: %v", key, err)
			}
			if re.SubexpIndex("run") < 0 {
				return fmt.Errorf("%s.run-regex: needs a named group (?P<run>...)", key)
			}
		}
		if _, ok := profile.Lookup(in.Profile); !ok {
			return fmt.Errorf("%s.profile: unknown profile %q (one of %s)", key, in.Profile, strings.Join(profile.Names(), ", "))
		}
		for name := range in.Labels {
			if !nameRE.MatchString(name) || len(name) > 2 && name[:2] == "__" {
				return fmt.Errorf("%s.labels: invalid label name %q", key, name)
			}
			if store.IsReservedLabel(name) {
				return fmt.Errorf("%s.labels: label %q is set by the exporter", key, name)
			}
		}
	}
	if c.Namespace == "" {
		return errors.New("namespace: must not be empty (series would be named by their keys alone: step, loss)")
	}
	if !nameRE.MatchString(c.Namespace) {
		return fmt.Errorf("namespace: %q is not a valid metric name prefix", c.Namespace)
	}
	if c.MaxSeries <= 0 {
		return fmt.Errorf("max-series: must be positive, got %d", c.MaxSeries)
	}
	if c.Discovery.MaxAge < 0 {
		return fmt.Errorf("discovery.max-age: must be 0 (every file) or positive, got %s", c.Discovery.MaxAge)
	}
	if c.Discovery.Interval <= 0 {
		return fmt.Errorf("discovery.interval: must be positive, got %s", c.Discovery.Interval)
	}
	if c.Tail.PollInterval <= 0 {
		return fmt.Errorf("tail.poll-interval: must be positive, got %s", c.Tail.PollInterval)
	}
	if c.Tail.MaxOpenFiles < 0 {
		return fmt.Errorf("tail.max-open-files: must be 0 (derived from the descriptor limit) or positive, got %d", c.Tail.MaxOpenFiles)
	}
	if c.Tail.IdleClose < 0 {
		return fmt.Errorf("tail.idle-close: must be 0 (keep files open) or positive, got %s", c.Tail.IdleClose)
	}
	if c.Tail.MaxLineSize < 64 {
		return fmt.Errorf("tail.max-line-size: must be at least 64 bytes, got %d", c.Tail.MaxLineSize)
	}
	if c.Run.Expiry < 0 {
		return fmt.Errorf("run.expiry: must not be negative, got %s", c.Run.Expiry)
	}
	if c.Run.DeletedGrace < 0 {
		return fmt.Errorf("run.deleted-grace: must not be negative, got %s", c.Run.DeletedGrace)
	}
	if c.Parser.MaxKeys <= 0 {
		return fmt.Errorf("parser.max-keys: must be positive, got %d", c.Parser.MaxKeys)
	}
	if c.Parser.MaxArrayLen < 0 {
		return fmt.Errorf("parser.max-array-len: must not be negative, got %d", c.Parser.MaxArrayLen)
	}
	if _, ok := profile.Lookup(c.Parser.Profile); !ok {
		return fmt.Errorf("parser.profile: unknown profile %q (one of %s)", c.Parser.Profile, strings.Join(profile.Names(), ", "))
	}
	if w := c.Watch.EMAWeight; !(w >= 0 && w < 1) {
		return fmt.Errorf("watch.ema-weight: must be in [0, 1), got %g", w)
	}
	if w := c.Spike.Weight; !(w > 0 && w < 1) {
		return fmt.Errorf("spike.weight: must be in (0, 1), got %g", w)
	}
	if !(c.Spike.Sigma > 0) {
		return fmt.Errorf("spike.sigma: must be positive, got %g", c.Spike.Sigma)
	}
	if !(c.Spike.MinJump >= 0) {
		return fmt.Errorf("spike.min-jump: must not be negative, got %g", c.Spike.MinJump)
	}
	if c.Spike.Warmup < 2 {
		return fmt.Errorf("spike.warmup: must be at least 2 records, got %d", c.Spike.Warmup)
	}
	for key, expr := range map[string]string{"best.minimize": c.Best.Minimize, "best.maximize": c.Best.Maximize, "watch.metrics": c.Watch.Metrics} {
		if _, err := regexp.Compile(expr); err != nil {
			return fmt.Errorf("%s: %v", key, err)
		}
	}
	for key, list := range map[string][]string{
		"parser.step-keys": c.Parser.StepKeys, "parser.epoch-keys": c.Parser.EpochKeys,
		"parser.time-keys": c.Parser.TimeKeys, "parser.type-keys": c.Parser.TypeKeys,
	} {
		if len(list) == 0 {
			return fmt.Errorf("%s: must name at least one key", key)
		}
	}
	return nil
}

// AllInputs merges --input globs and the inputs list.
func (c *Config) AllInputs() []InputConfig {
	all := make([]InputConfig, 0, len(c.Input)+len(c.Inputs))
	for _, g := range c.Input {
		all = append(all, InputConfig{Path: g})
	}
	return append(all, c.Inputs...)
}

// staticLabelNames is the sorted union of label names over all inputs:
// every run carries all of them (empty when its input lacks one), so
// that a metric family never mixes label sets.
func (c *Config) staticLabelNames() []string {
	seen := map[string]bool{}
	for _, in := range c.AllInputs() {
		for k := range in.Labels {
			seen[k] = true
		}
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// storeOptions are the options of the store of a validated config.
func (c *Config) storeOptions() store.Options {
	o := store.Options{
		Namespace:  c.Namespace,
		LabelNames: c.staticLabelNames(),
		MaxSeries:  c.MaxSeries,
		Watch: store.WatchRules{
			EMAWeight: c.Watch.EMAWeight,
			Spike:     store.SpikeRules{Weight: c.Spike.Weight, Sigma: c.Spike.Sigma, MinJump: c.Spike.MinJump, Warmup: c.Spike.Warmup},
		},
	}
	if c.Best.Minimize != "" {
		o.Best.Minimize = regexp.MustCompile(c.Best.Minimize)
	}
	if c.Best.Maximize != "" {
		o.Best.Maximize = regexp.MustCompile(c.Best.Maximize)
	}
	if c.Watch.Metrics != "" {
		o.Watch.Metrics = regexp.MustCompile(c.Watch.Metrics)
	}
	return o
}

// ParserOptions converts the parser section.
func (c *Config) ParserOptions() record.Options {
	return record.Options{
		StepKeys:      c.Parser.StepKeys,
		EpochKeys:     c.Parser.EpochKeys,
		TimeKeys:      c.Parser.TimeKeys,
		TypeKeys:      c.Parser.TypeKeys,
		PrefixKeys:    c.Parser.PrefixKeys,
		ContainerKeys: c.Parser.ContainerKeys,
		MaxKeys:       c.Parser.MaxKeys,
		MaxArrayLen:   cmp.Or(c.Parser.MaxArrayLen, -1), // 0: no arrays
	}
}

// profileOf returns the profile configured for an input, nil for
// detection per file.
func (c *Config) profileOf(in InputConfig) *profile.Profile {
	name := in.Profile
	if name == "" {
		name = c.Parser.Profile
	}
	p, _ := profile.Lookup(name) // validated
	return p
}
