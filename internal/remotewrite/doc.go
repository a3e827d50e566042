// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package remotewrite sends every sample the store makes of a record,
// at the record's time, to receivers of the Prometheus remote-write
// protocol (Prometheus, Mimir, Thanos Receive, VictoriaMetrics).
//
// A Writer is the engine's Delivery: it keeps one bounded queue per
// receiver, fed by the store's subscriber path, and one sender per queue
// that batches, retries on 5xx, 429, 408 and network errors, and on 401,
// 403 and 404 until the configuration is fixed, and counts as sent only
// what the receiver stored. A batch refused for its samples (400) is
// counted as failed and not sent again. A full queue makes the readers
// wait instead of dropping samples. How far each file was stored (or
// refused for good) by every receiver is saved to a state file, so that a
// restart sends from there on; it never moves past a batch not stored.
package remotewrite
