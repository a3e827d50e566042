// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import "github.com/prometheus/client_golang/prometheus"

// metrics are the writer's self-metrics, labelled by receiver ("remote").
type metrics struct {
	sent, retried      *prometheus.CounterVec
	failed, dropped    *prometheus.CounterVec // by reason
	queued, capacity   *prometheus.GaugeVec
	lastAckRecord      *prometheus.GaugeVec
	lastAck            *prometheus.GaugeVec
	duration           *prometheus.HistogramVec
	stateWrites        prometheus.Counter
	stateWriteFailures prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	const ns = "jsonl_exporter_remote_write_"
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ns + "samples_sent_total", Help: "Samples the receiver stored: all of a request it accepted, or as many as a 2.0 receiver says it wrote.",
		}, []string{"remote"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ns + "samples_retried_total", Help: "Samples sent again after a 5xx, 429, 408 or network error, or a 401, 403 or 404 (until the configuration is fixed).",
		}, []string{"remote"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ns + "samples_failed_total", Help: "Samples not stored, by reason: the HTTP status that refused them, network, unconfirmed or not_written; 401, 403, 404, 408, 429 and 5xx only out of retries (backfill).",
		}, []string{"remote", "reason"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ns + "samples_dropped_total", Help: "Samples never sent, by reason (shutdown: still queued when the flush time ran out; repeated_time: another value at the time of an earlier sample of the series, of which a receiver keeps one).",
		}, []string{"remote", "reason"}),
		queued: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: ns + "queue_samples", Help: "Samples waiting to be sent.",
		}, []string{"remote"}),
		capacity: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: ns + "queue_capacity_samples", Help: "Samples that may wait before reading waits for room.",
		}, []string{"remote"}),
		lastAckRecord: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: ns + "last_acked_record_timestamp_seconds", Help: "Record time of the newest record the receiver acknowledged, by input (glob).",
		}, []string{"remote", "input"}),
		lastAck: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: ns + "last_success_timestamp_seconds", Help: "When the receiver last acknowledged a request.",
		}, []string{"remote"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: ns + "request_duration_seconds", Help: "Time to deliver one request, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}, []string{"remote"}),
		stateWrites: prometheus.NewCounter(prometheus.CounterOpts{
			Name: ns + "state_writes_total", Help: "Times the state file was written.",
		}),
		stateWriteFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: ns + "state_write_failures_total", Help: "Times the state file could not be written.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.retried, m.failed, m.dropped, m.queued, m.capacity,
			m.lastAckRecord, m.lastAck, m.duration, m.stateWrites, m.stateWriteFailures)
	}
	return m
}
