// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/engine"
)

// configKeys are the keys of the engine's configuration as flags, the
// environment and the file name them. The types mirror engine.Config
// field for field, so that toEngine converts them, and a field added to
// the engine without its key here does not compile.
type configKeys struct {
	Input     []string    `mapstructure:"input"`
	Inputs    []inputKeys `mapstructure:"inputs"`
	Namespace string      `mapstructure:"namespace"`
	MaxSeries int         `mapstructure:"max-series"`
	Discovery struct {
		Interval time.Duration `mapstructure:"interval"`
		MaxAge   time.Duration `mapstructure:"max-age"`
	} `mapstructure:"discovery"`
	Tail struct {
		Poll         bool          `mapstructure:"poll"`
		PollInterval time.Duration `mapstructure:"poll-interval"`
		MaxLineSize  int           `mapstructure:"max-line-size"`
		MaxOpenFiles int           `mapstructure:"max-open-files"`
		IdleClose    time.Duration `mapstructure:"idle-close"`
	} `mapstructure:"tail"`
	Run struct {
		Expiry       time.Duration `mapstructure:"expiry"`
		DeletedGrace time.Duration `mapstructure:"deleted-grace"`
	} `mapstructure:"run"`
	Parser struct {
		StepKeys      []string `mapstructure:"step-keys"`
		EpochKeys     []string `mapstructure:"epoch-keys"`
		TimeKeys      []string `mapstructure:"time-keys"`
		TypeKeys      []string `mapstructure:"type-keys"`
		PrefixKeys    []string `mapstructure:"prefix-keys"`
		ContainerKeys []string `mapstructure:"container-keys"`
		MaxKeys       int      `mapstructure:"max-keys"`
		MaxArrayLen   int      `mapstructure:"max-array-len"`
		Profile       string   `mapstructure:"profile"`
	} `mapstructure:"parser"`
	Best struct {
		Minimize string `mapstructure:"minimize"`
		Maximize string `mapstructure:"maximize"`
	} `mapstructure:"best"`
	Watch struct {
		Metrics   string  `mapstructure:"metrics"`
		EMAWeight float64 `mapstructure:"ema-weight"`
	} `mapstructure:"watch"`
	Spike struct {
		Weight  float64 `mapstructure:"weight"`
		Sigma   float64 `mapstructure:"sigma"`
		MinJump float64 `mapstructure:"min-jump"`
		Warmup  int     `mapstructure:"warmup"`
	} `mapstructure:"spike"`
}

type inputKeys struct {
	Path     string            `mapstructure:"path"`
	RunRegex string            `mapstructure:"run-regex"`
	Labels   map[string]string `mapstructure:"labels"`
	Profile  string            `mapstructure:"profile"`
	LogsOnly bool              `mapstructure:"logs-only"`
}

// toEngine is the engine's configuration.
func (k configKeys) toEngine() engine.Config {
	c := engine.Config{
		Input:     k.Input,
		Namespace: k.Namespace,
		MaxSeries: k.MaxSeries,
		Discovery: engine.DiscoveryConfig(k.Discovery),
		Tail:      engine.TailConfig(k.Tail),
		Run:       engine.RunConfig(k.Run),
		Parser:    engine.ParserConfig(k.Parser),
		Best:      engine.BestConfig(k.Best),
		Watch:     engine.WatchConfig(k.Watch),
		Spike:     engine.SpikeConfig(k.Spike),
	}
	for _, in := range k.Inputs {
		c.Inputs = append(c.Inputs, engine.InputConfig(in))
	}
	return c
}
