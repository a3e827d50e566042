// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
)

// readGzip reads a compressed file once (all members) to its end.
func readGzip(ctx context.Context, path string, opts Options, h Handler) error {
	file, info, err := openRegular(path)
	if err != nil {
		return fmt.Errorf("tailer: %w", err)
	}
	defer file.Close()
	opts.Stats.Size.Store(info.Size())
	zr, err := gzip.NewReader(&countingReader{r: file, stats: opts.Stats})
	if errors.Is(err, io.EOF) {
		return nil // empty file
	}
	if err != nil {
		return fmt.Errorf("tailer: gzip %s: %w", path, err)
	}
	defer zr.Close()
	split := newSplitter(opts.BufferSize, opts.MaxLineSize)
	for ctx.Err() == nil {
		n, err := zr.Read(split.space())
		split.commit(n, h)
		switch {
		case errors.Is(err, io.EOF):
			split.flush(h)
			return nil
		case err != nil:
			return fmt.Errorf("tailer: gzip %s: %w", path, err)
		}
	}
	return nil
}

// countingReader counts compressed bytes, so Offset/Size shows progress.
type countingReader struct {
	r     io.Reader
	stats *Stats
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.stats.BytesRead.Add(int64(n))
	c.stats.Offset.Add(int64(n))
	return n, err
}
