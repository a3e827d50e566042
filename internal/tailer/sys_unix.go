// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

//go:build unix

package tailer

import (
	"os"
	"syscall"
)

const openFlags = syscall.O_NONBLOCK

// linkCount returns how many names the file has; 0 means it was deleted.
func linkCount(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 0
}
