// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadOnce reads path to its end once, cut into lines exactly as Follow
// cuts them (a ".gz" decompressed, long lines reported, "\r" dropped), and
// returns the length of an unfinished last line: the bytes after the last
// newline, which Follow holds back until their newline comes. A ".gz" is
// complete, so its last line is delivered and unfinished is 0. inspect
// reads files with it, so that it sees what the exporter sees.
func ReadOnce(ctx context.Context, path string, opts Options, h Handler) (unfinished int64, err error) {
	opts = opts.withDefaults()
	if strings.HasSuffix(path, ".gz") {
		return 0, readGzip(ctx, path, opts, h)
	}
	return readPlain(ctx, path, 0, opts, h)
}

// ReadFrom is ReadOnce from byte offset of a file that is not a ".gz"
// (which cannot be entered in the middle: ReadOnce it); offset must be the
// start of a line. The estimate of record times reads a few lines ahead
// with it without reading the file from its start again.
func ReadFrom(ctx context.Context, path string, offset int64, opts Options, h Handler) (unfinished int64, err error) {
	return readPlain(ctx, path, offset, opts.withDefaults(), h)
}

func readPlain(ctx context.Context, path string, offset int64, opts Options, h Handler) (unfinished int64, err error) {
	file, info, err := openRegular(path)
	if err != nil {
		return 0, fmt.Errorf("tailer: %w", err)
	}
	defer file.Close()
	if offset > 0 {
		if _, err := file.Seek(offset, io.SeekStart); err != nil {
			return 0, fmt.Errorf("tailer: %s: %w", path, err)
		}
	}
	opts.Stats.Size.Store(info.Size())
	opts.Stats.Offset.Store(offset)
	split := newSplitter(opts.BufferSize, opts.MaxLineSize)
	for ctx.Err() == nil {
		n, err := file.Read(split.space())
		opts.Stats.BytesRead.Add(int64(n))
		opts.Stats.Offset.Add(int64(n))
		split.commit(n, h)
		switch {
		case errors.Is(err, io.EOF):
			return split.reset(), nil
		case err != nil:
			return 0, fmt.Errorf("tailer: %s: %w", path, err)
		}
	}
	return 0, ctx.Err()
}

// ReadDocument reads a whole JSON document as FollowDocument does, within
// MaxDocumentSize.
func ReadDocument(path string, opts Options) ([]byte, error) {
	return readDocument(path, opts.withDefaults())
}
