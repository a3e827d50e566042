// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !unix

package engine

// ReservedFiles are the descriptors left to the server (see limits_unix.go).
const ReservedFiles = 128

// DefaultMaxOpenFiles bounds open files where the limit cannot be read.
func DefaultMaxOpenFiles() int { return 1 << 20 }
