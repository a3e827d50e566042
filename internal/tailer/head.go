// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Head returns up to n bytes from the start of path, a ".gz" decompressed:
// enough to tell what a file holds before it is followed. Only regular
// files are opened, without blocking.
func Head(path string, n int) ([]byte, error) {
	file, _, err := openRegular(path)
	if err != nil {
		return nil, fmt.Errorf("tailer: %w", err)
	}
	defer file.Close()
	var r io.Reader = file
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(file)
		if errors.Is(err, io.EOF) {
			return nil, nil // empty file
		}
		if err != nil {
			return nil, fmt.Errorf("tailer: gzip %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	buf := make([]byte, n)
	got, err := io.ReadFull(r, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("tailer: %s: %w", path, err)
	}
	return buf[:got], nil
}
