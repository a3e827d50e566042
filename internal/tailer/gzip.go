// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// followGzip reads a compressed file once it is complete: gzip writes an
// archive as it compresses, and one read half-written would be read no
// more.
func followGzip(ctx context.Context, path string, opts Options, h Handler) error {
	tick := time.NewTicker(opts.PollInterval)
	defer tick.Stop()
	quiet, err := waitQuiet(path, opts, func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-opts.Finish: // still being written: left for the next start
			return false
		case <-tick.C:
			return true
		}
	})
	if !quiet {
		return err
	}
	if !opts.Slots.acquire(ctx) {
		return nil
	}
	defer opts.Slots.release()
	return readGzip(ctx, path, opts, h)
}

// emptyArchiveWait is how long a new, empty archive may wait for its
// content before it is taken for an empty file.
const emptyArchiveWait = time.Minute

// waitQuiet reports, looking again each time next returns true, when path
// holds still: last modified more than one PollInterval ago, or unchanged
// over one look. An empty file waits until it is emptyArchiveWait old. It
// returns false when next returns false or path cannot be looked at.
func waitQuiet(path string, opts Options, next func() bool) (bool, error) {
	var last docState
	for {
		fi, err := os.Stat(path)
		switch {
		case err != nil:
			return false, fmt.Errorf("tailer: %w", err)
		case !fi.Mode().IsRegular():
			return false, fmt.Errorf("tailer: %w", notRegular(path, fi))
		}
		now := docState{size: fi.Size(), mod: fi.ModTime(), file: fi}
		age := time.Since(fi.ModTime())
		switch {
		case fi.Size() == 0 && age >= emptyArchiveWait:
			return true, nil
		case fi.Size() > 0 && (age >= opts.PollInterval || now.same(last)):
			return true, nil
		}
		last = now
		if !next() {
			return false, nil
		}
	}
}

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
