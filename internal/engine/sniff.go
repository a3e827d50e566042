// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"errors"
	"io"
	"os"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
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
// empty), and the file is looked at again at the next scan. fi is the
// file's, and nothing is read from a file that is not regular.
func profileOfFile(path string, fi os.FileInfo) (p *profile.Profile, how string, ok bool) {
	byName := profile.ForPath(path)
	p = byName
	if profile.NeedsHead(path) && fi.Mode().IsRegular() {
		head, more, err := readHead(path, profile.HeadSize)
		if err == nil {
			if p, ok = profile.ForHead(path, head, more); !ok {
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

// readHead reads up to n first bytes of a file, and whether it holds more.
func readHead(path string, n int) (head []byte, more bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	buf := make([]byte, n+1)
	k, err := io.ReadFull(f, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return buf[:min(k, n)], k > n, err
}

// IsDocumentFile reports whether the exporter reads the file at path as
// one JSON document rewritten whole (trainer_state.json, Chainer's log,
// Sacred's metrics.json, ...) rather than as lines, going by its name and
// first bytes as discovery does.
func IsDocumentFile(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	p, _, _ := profileOfFile(path, fi)
	return p != nil && p.IsDocument(path)
}
