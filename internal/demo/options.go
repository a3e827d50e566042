// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import (
	"errors"
	"fmt"
	"time"
)

// Options configures Run. Zero values mean the defaults.
type Options struct {
	Dir           string           // root folder; each run writes <Dir>/<run>/logs/metrics.jsonl
	Runs          int              // runs written concurrently, default 3
	Interval      time.Duration    // wall time between steps, default 200ms
	StepsPerEpoch int              // default 100
	Epochs        int              // default 20; a finished run is replaced by a new one
	Seed          int64            // same seed, same content (except "time" values)
	Now           func() time.Time // default time.Now
}

const (
	defaultRuns          = 3
	defaultInterval      = 200 * time.Millisecond
	defaultStepsPerEpoch = 100
	defaultEpochs        = 20
)

// withDefaults validates o and fills in the zero fields.
func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, errors.New("demo: Dir must be set")
	}
	for _, f := range []struct {
		name  string
		value int64
	}{
		{"Runs", int64(o.Runs)},
		{"Interval", int64(o.Interval)},
		{"StepsPerEpoch", int64(o.StepsPerEpoch)},
		{"Epochs", int64(o.Epochs)},
	} {
		if f.value < 0 {
			return o, fmt.Errorf("demo: %s must not be negative, got %d", f.name, f.value)
		}
	}
	if o.Runs == 0 {
		o.Runs = defaultRuns
	}
	if o.Interval == 0 {
		o.Interval = defaultInterval
	}
	if o.StepsPerEpoch == 0 {
		o.StepsPerEpoch = defaultStepsPerEpoch
	}
	if o.Epochs == 0 {
		o.Epochs = defaultEpochs
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}
