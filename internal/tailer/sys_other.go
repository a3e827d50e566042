// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

//go:build !unix

package tailer

import "os"

const openFlags = 0

// linkCount is unknown here: a vanished path counts as a deletion.
func linkCount(os.FileInfo) uint64 { return 0 }
