// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// DocumentHandler receives a file that is one JSON document, rewritten as
// a whole (Hugging Face's trainer_state.json), rather than lines.
type DocumentHandler interface {
	// Document gets the whole file each time it was read. data is only
	// valid during the call.
	Document(data []byte)
}

// MaxDocumentSize bounds a document read whole: a larger one is an error.
const MaxDocumentSize = 256 << 20

// ErrDocumentTooLarge is wrapped in the error for a document over
// MaxDocumentSize.
var ErrDocumentTooLarge = errors.New("document larger than 256 MiB")

// docState is what tells that a document changed.
type docState struct {
	size int64
	mod  time.Time
	file os.FileInfo
}

func (s docState) same(o docState) bool {
	return s.file != nil && o.file != nil && s.size == o.size && s.mod.Equal(o.mod) && os.SameFile(s.file, o.file)
}

// FollowDocument reads path whole, then again each time it changes, until
// ctx is done (nil) or the file is gone (ErrDeleted). It looks every
// PollInterval: documents change at checkpoints, not at every step. A
// change is read once the file has held still for one look, so that a
// document is not read while it is being written; the first read is at
// once, and so is the last, when Options.Finish is closed (the writer
// has stopped). A Handler that is also a Batcher gets EndBatch after
// each read.
func FollowDocument(ctx context.Context, path string, opts Options, h DocumentHandler) error {
	opts = opts.withDefaults()
	tick := time.NewTicker(opts.PollInterval)
	defer tick.Stop()
	return followDocument(ctx, path, opts, h, func() look {
		select {
		case <-ctx.Done():
			return lookNoMore
		case <-opts.Finish:
			return lookLast
		case <-tick.C:
			return lookAgain
		}
	})
}

// look is what followDocument does next.
type look uint8

const (
	lookAgain  look = iota // look at the file again
	lookLast               // look once more, and read a change at once
	lookNoMore             // return
)

// followDocument looks at path at once, then each time next says so.
func followDocument(ctx context.Context, path string, opts Options, h DocumentHandler, next func() look) error {
	var read, last docState
	first, final := true, false
	for {
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return ErrDeleted
		case err != nil:
			return fmt.Errorf("tailer: %w", err)
		case !fi.Mode().IsRegular():
			return fmt.Errorf("tailer: %w", notRegular(path, fi))
		}
		now := docState{size: fi.Size(), mod: fi.ModTime(), file: fi}
		if !now.same(read) && (first || final || now.same(last)) {
			data, err := readDocument(path, opts)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return ErrDeleted
				}
				return err
			}
			h.Document(data)
			if b, ok := h.(Batcher); ok {
				b.EndBatch()
			}
			read, first = now, false
		}
		last = now
		if final {
			return nil
		}
		switch next() {
		case lookNoMore:
			return nil
		case lookLast:
			final = true
		}
	}
}

func readDocument(path string, opts Options) ([]byte, error) {
	file, info, err := openRegular(path)
	if err != nil {
		return nil, fmt.Errorf("tailer: %w", err)
	}
	defer file.Close()
	if info.Size() > MaxDocumentSize {
		return nil, fmt.Errorf("tailer: %s: %w", path, ErrDocumentTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(file, MaxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("tailer: %w", err)
	}
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("tailer: %s: %w", path, ErrDocumentTooLarge)
	}
	opts.Stats.BytesRead.Add(int64(len(data)))
	opts.Stats.Offset.Store(int64(len(data)))
	opts.Stats.Size.Store(int64(len(data)))
	return data, nil
}
