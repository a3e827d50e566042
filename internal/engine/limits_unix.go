// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

//go:build unix

package engine

import "syscall"

// ReservedFiles are the descriptors left to the HTTP server, Prometheus'
// connections and the process itself when tail.max-open-files is derived
// from the limit.
const ReservedFiles = 128

// DefaultMaxOpenFiles is the process's limit on descriptors less
// ReservedFiles, and at least 16. (Go raises the soft limit to the hard
// one at start, so this is the hard limit `ulimit -n` set.)
func DefaultMaxOpenFiles() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur > 1<<30 {
		return 1 << 20
	}
	return max(int(l.Cur)-ReservedFiles, 16)
}
