// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/config"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v2"

	"github.com/jsonl-exporter/jsonl-exporter/internal/remotewrite"
)

// remoteWriteOptions are the remote-write keys. The flags configure the
// receivers named by url alike; the configuration file may also list
// endpoints, each with Prometheus' own remote_write client settings.
type remoteWriteOptions struct {
	URL             []string `mapstructure:"url"`
	BearerTokenFile string   `mapstructure:"bearer-token-file"`
	Username        string   `mapstructure:"username"`
	PasswordFile    string   `mapstructure:"password-file"`
	TLS             struct {
		CAFile   string `mapstructure:"ca-file"`
		CertFile string `mapstructure:"cert-file"`
		KeyFile  string `mapstructure:"key-file"`
		Insecure bool   `mapstructure:"insecure"`
	} `mapstructure:"tls"`
	Header         []string          `mapstructure:"header"`
	Protocol       string            `mapstructure:"protocol"`
	BatchSize      int               `mapstructure:"batch-size"`
	FlushInterval  time.Duration     `mapstructure:"flush-interval"`
	QueueCapacity  int               `mapstructure:"queue-capacity"`
	ExternalLabel  []string          `mapstructure:"external-label"`
	Endpoints      []map[string]any  `mapstructure:"endpoints"`
	ExternalLabels map[string]string `mapstructure:"external-labels"`
	// ShutdownTimeout bounds the stop of serve: reading the logs to their
	// end and sending what is queued.
	ShutdownTimeout time.Duration `mapstructure:"shutdown-timeout"`
}

// defaultShutdownTimeout lets the exporter stop within 5 s, inside the
// 10 s Docker and systemd give before they kill it.
const defaultShutdownTimeout = 4 * time.Second

type stateOptions struct {
	File string `mapstructure:"file"`
}

// addRemoteWriteFlags adds the remote-write flags; serving adds those of
// a running exporter (not backfill's).
func addRemoteWriteFlags(fs *pflag.FlagSet, serving bool) {
	fs.StringArray("remote-write.url", nil, "Send every sample of every record, at the record's time, to this Prometheus remote-write receiver (repeatable).")
	fs.String("remote-write.bearer-token-file", "", "File holding the bearer token sent to the receivers.")
	fs.String("remote-write.username", "", "Basic auth user name for the receivers.")
	fs.String("remote-write.password-file", "", "File holding the basic auth password.")
	fs.String("remote-write.tls.ca-file", "", "CA certificate to verify the receivers with.")
	fs.String("remote-write.tls.cert-file", "", "Client certificate for the receivers.")
	fs.String("remote-write.tls.key-file", "", "Key of the client certificate.")
	fs.Bool("remote-write.tls.insecure", false, "Do not verify the receivers' certificates.")
	fs.StringArray("remote-write.header", nil, "Extra request header, as \"Name: value\" (repeatable; X-Scope-OrgID for Mimir tenants).")
	fs.String("remote-write.protocol", remotewrite.ProtocolAuto, "Remote-write protocol: auto (2.0, or 1.0 when the receiver takes only that), 1.0 or 2.0.")
	fs.Int("remote-write.batch-size", remotewrite.DefaultBatchSize, "Most samples in one request.")
	fs.Duration("remote-write.flush-interval", remotewrite.DefaultFlushInterval, "How long a batch smaller than batch-size waits before it is sent.")
	fs.Int("remote-write.queue-capacity", remotewrite.DefaultQueueCapacity, "Samples queued per receiver before reading waits for the receiver.")
	if serving {
		fs.Duration("remote-write.shutdown-timeout", defaultShutdownTimeout, "At SIGTERM, how long the exporter may take to read the logs to their end and send what they hold before it exits; what is left is counted as dropped. Keep it below the time the exporter is given to stop (a pod's terminationGracePeriodSeconds).")
	}
	fs.StringArray("remote-write.external-label", nil, "Label added to every pushed series, as name=value (repeatable; node, cluster).")
	fs.String("state.file", "", "File keeping how far each log was acknowledged by the receivers, so that a restart sends from there (\"\": send everything again).")
}

// writerOptions turns the keys into the writer's options; nil when no
// receiver is configured.
func (o *options) writerOptions(reg prometheus.Registerer, logger *slog.Logger) (*remotewrite.Options, error) {
	rw := o.RemoteWrite
	w := &remotewrite.Options{
		BatchSize:      rw.BatchSize,
		FlushInterval:  rw.FlushInterval,
		QueueCapacity:  rw.QueueCapacity,
		ExternalLabels: map[string]string{},
		StateFile:      o.State.File,
		Logger:         logger,
		Registerer:     reg,
	}
	for k, v := range rw.ExternalLabels {
		w.ExternalLabels[k] = v
	}
	for _, kv := range rw.ExternalLabel {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("remote-write.external-label: %q is not name=value", kv)
		}
		w.ExternalLabels[name] = value
	}
	if len(rw.URL) > 0 {
		http := config.DefaultHTTPClientConfig
		if rw.BearerTokenFile != "" {
			http.Authorization = &config.Authorization{Type: "Bearer", CredentialsFile: rw.BearerTokenFile}
		}
		if rw.Username != "" || rw.PasswordFile != "" {
			http.BasicAuth = &config.BasicAuth{Username: rw.Username, PasswordFile: rw.PasswordFile}
		}
		http.TLSConfig = config.TLSConfig{CAFile: rw.TLS.CAFile, CertFile: rw.TLS.CertFile, KeyFile: rw.TLS.KeyFile, InsecureSkipVerify: rw.TLS.Insecure}
		if len(rw.Header) > 0 {
			http.HTTPHeaders = &config.Headers{Headers: map[string]config.Header{}}
			for _, h := range rw.Header {
				name, value, ok := strings.Cut(h, ":")
				if !ok || strings.TrimSpace(name) == "" {
					return nil, fmt.Errorf("remote-write.header: %q is not \"Name: value\"", h)
				}
				name = strings.TrimSpace(name)
				hv := http.HTTPHeaders.Headers[name]
				hv.Values = append(hv.Values, strings.TrimSpace(value))
				http.HTTPHeaders.Headers[name] = hv
			}
		}
		for _, u := range rw.URL {
			w.Endpoints = append(w.Endpoints, remotewrite.Endpoint{URL: u, HTTP: http, Protocol: rw.Protocol})
		}
	}
	for i, raw := range rw.Endpoints {
		// The client settings are Prometheus' YAML types: decode them as such.
		data, err := yaml.Marshal(raw)
		if err != nil {
			return nil, fmt.Errorf("remote-write.endpoints[%d]: %v", i, err)
		}
		ep := remotewrite.Endpoint{HTTP: config.DefaultHTTPClientConfig}
		if err := yaml.UnmarshalStrict(data, &ep); err != nil {
			return nil, fmt.Errorf("remote-write.endpoints[%d]: %s", i, oneLine(err.Error()))
		}
		w.Endpoints = append(w.Endpoints, ep)
	}
	if len(w.Endpoints) == 0 {
		if o.State.File != "" {
			return nil, fmt.Errorf("state.file: needs a remote-write receiver (remote-write.url)")
		}
		return nil, nil
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return w, nil
}
