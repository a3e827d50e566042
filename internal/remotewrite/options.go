// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
)

// Endpoint is one receiver.
type Endpoint struct {
	URL  string `yaml:"url"`
	Name string `yaml:"name,omitempty"` // in self-metrics; default: the URL without credentials
	// Protocol is the remote-write protocol: ProtocolAuto (""), 2.0
	// unless the receiver shows it takes 1.0 only; or Protocol1, Protocol2.
	Protocol string `yaml:"protocol,omitempty"`
	// Basic auth, authorization (bearer token, file), TLS, proxy and
	// extra headers, as in Prometheus' own remote_write section.
	HTTP config.HTTPClientConfig `yaml:",inline"`
}

// Options configure a Writer.
type Options struct {
	Endpoints []Endpoint
	// BatchSize is the most samples in one request; FlushInterval how
	// long a smaller batch waits for more.
	BatchSize     int
	FlushInterval time.Duration
	// QueueCapacity is how many samples wait per receiver before the
	// readers wait for room.
	QueueCapacity int
	// MinBackoff and MaxBackoff bound the wait between retries;
	// MaxRetries ends them (0: retry until delivered, as serve does).
	MinBackoff, MaxBackoff time.Duration
	MaxRetries             int
	// SetupBackoff bounds the wait between tries of a batch refused for
	// the configuration (401, 403, 404), retried until it is fixed when
	// MaxRetries is 0; with MaxRetries set (backfill) such a batch fails
	// at once.
	SetupBackoff time.Duration
	// ExternalLabels are added to every series that has no label of the
	// same name (node, cluster): what tells exporters apart in a shared store.
	ExternalLabels map[string]string
	// StateFile keeps how far each file was acknowledged, for restarts
	// ("" keeps nothing: a restart sends every record again).
	StateFile string

	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Protocols.
const (
	ProtocolAuto = "auto"
	Protocol1    = "1.0"
	Protocol2    = "2.0"
)

// Defaults.
const (
	DefaultBatchSize     = 5000
	DefaultFlushInterval = time.Second
	DefaultQueueCapacity = 100000
	DefaultMinBackoff    = 50 * time.Millisecond
	DefaultMaxBackoff    = 5 * time.Second
	DefaultSetupBackoff  = 30 * time.Second
)

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.QueueCapacity <= 0 {
		o.QueueCapacity = DefaultQueueCapacity
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.SetupBackoff <= 0 {
		o.SetupBackoff = max(DefaultSetupBackoff, o.MaxBackoff)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Validate names the first problem of the options, as the key it is in.
func (o Options) Validate() error {
	names := map[string]bool{}
	for i, ep := range o.Endpoints {
		u, err := url.Parse(ep.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("remote-write.url: %q is not an http or https URL", ep.URL)
		}
		switch ep.Protocol {
		case "", ProtocolAuto, Protocol1, Protocol2:
		default:
			return fmt.Errorf("remote-write.protocol: %q is not auto, 1.0 or 2.0", ep.Protocol)
		}
		if err := ep.HTTP.Validate(); err != nil {
			return fmt.Errorf("remote-write endpoint %d (%s): %v", i+1, u.Redacted(), err)
		}
		name := ep.name()
		if names[name] {
			return fmt.Errorf("remote-write: two endpoints named %q; give them a name", name)
		}
		names[name] = true
	}
	if o.BatchSize < 0 || o.QueueCapacity < 0 {
		return errors.New("remote-write.batch-size and remote-write.queue-capacity: must not be negative")
	}
	if o.QueueCapacity > 0 && o.BatchSize > o.QueueCapacity {
		return fmt.Errorf("remote-write.batch-size: %d is more than remote-write.queue-capacity %d", o.BatchSize, o.QueueCapacity)
	}
	for name := range o.ExternalLabels {
		if !model.LabelName(name).IsValidLegacy() || strings.HasPrefix(name, "__") {
			return fmt.Errorf("remote-write.external-label: %q is not a valid label name", name)
		}
	}
	return nil
}

// restartKey names the first setting of next that differs from o and
// that a running writer cannot take: all but the receivers' client
// settings. "" when there is none.
func (o Options) restartKey(next Options) string {
	switch {
	case len(next.Endpoints) != len(o.Endpoints):
		return "remote-write.url"
	case next.BatchSize != o.BatchSize:
		return "remote-write.batch-size"
	case next.FlushInterval != o.FlushInterval:
		return "remote-write.flush-interval"
	case next.QueueCapacity != o.QueueCapacity:
		return "remote-write.queue-capacity"
	case !maps.Equal(next.ExternalLabels, o.ExternalLabels):
		return "remote-write.external-labels"
	case next.StateFile != o.StateFile:
		return "state.file"
	}
	for i, ep := range next.Endpoints {
		was := o.Endpoints[i]
		switch {
		case ep.URL != was.URL || ep.name() != was.name():
			return "remote-write.url"
		case protocolOf(ep) != protocolOf(was):
			return "remote-write.protocol"
		}
	}
	return ""
}

func protocolOf(ep Endpoint) string {
	if ep.Protocol == "" {
		return ProtocolAuto
	}
	return ep.Protocol
}

func (ep Endpoint) name() string {
	if ep.Name != "" {
		return ep.Name
	}
	if u, err := url.Parse(ep.URL); err == nil {
		u.User = nil
		return u.String()
	}
	return ep.URL
}

// externalLabels returns the labels sorted by name.
func externalLabels(m map[string]string) []label {
	out := make([]label, 0, len(m))
	for n, v := range m {
		out = append(out, label{n, v})
	}
	slices.SortFunc(out, func(a, b label) int { return strings.Compare(a.name, b.name) })
	return out
}

type label struct{ name, value string }
