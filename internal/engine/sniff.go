// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/tailer"
)

// How a file's profile was chosen, as inspect prints it.
const (
	profConfigured = "configured"
	profFromName   = "from its name"
	profFromHead   = "from its name and first bytes"
	profDetected   = "detected"
)

// profileOfFile returns the profile a file's name implies when it is
// found, and how. For the names two producers share (metrics.json: Sacred's
// document or detectron2's lines) it reads the file's first bytes, since
// whether a file is a document must be known before it is read; ok is
// false while they do not tell (detectron2 creates its metrics.json
// empty, Sacred writes {} first), and the file is looked at again at the
// next scan. The bytes are read as the tailer reads a file's head: never
// from a file that is not regular, which the path may name by now even
// if it did not when the scan looked (a FIFO would block the scan).
func profileOfFile(path string) (p *profile.Profile, how string, ok bool) {
	byName := profile.ForPath(path)
	p = byName
	if profile.NeedsHead(path) {
		head, err := tailer.Head(path, profile.HeadSize+1)
		if err == nil {
			more := len(head) > profile.HeadSize
			if p, ok = profile.ForHead(path, head[:min(len(head), profile.HeadSize)], more); !ok {
				return nil, "", false
			}
		}
	}
	switch {
	case p == nil:
		return nil, "", true
	case p != byName:
		return p, profFromHead, true
	}
	return p, profFromName, true
}

// IsDocumentFile reports whether the exporter reads the file at path as
// one JSON document rewritten whole (trainer_state.json, Chainer's log,
// Sacred's metrics.json, ...) rather than as lines, going by its name and
// first bytes as discovery does.
func IsDocumentFile(path string) bool {
	p, _, _ := profileOfFile(path)
	return p != nil && p.IsDocument(path)
}
