// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

//go:build unix

package engine

import (
	"os"
	"syscall"
)

// fileID is what os.SameFile compares on Unix.
type fileID struct{ dev, ino uint64 }

func idOf(fi os.FileInfo) (fileID, bool) {
	if fi == nil {
		return fileID{}, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, true //nolint:unconvert // Dev is uint32 on some platforms
}
