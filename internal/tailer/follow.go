// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"syscall"
	"time"
)

// renameGrace is how long a renamed-away file is still followed while the
// path is missing: a rename+create rotation leaves a short gap.
const renameGrace = time.Second

// errRewritten reports that the byte before our offset changed.
var errRewritten = errors.New("file rewritten")

// follower follows one live file; all its state belongs to one goroutine.
type follower struct {
	path  string
	opts  Options
	h     Handler
	log   *slog.Logger
	stats *Stats

	file     *os.File
	identity os.FileInfo // the open file as opened, compared with what path names
	offset   int64       // next byte to read
	lastByte byte        // byte at offset-1, re-read with every read to spot rewrites

	split *splitter
	head  []byte // first bytes read from this file, up to FingerprintSize
	probe []byte // scratch to re-read the head

	lastHeadCheck time.Time
	missingSince  time.Time // path vanished but the file still has a name: maybe mid-rotation
	lastData      time.Time // when a read last found new bytes, for IdleClose

	notify *inotifyWatch // nil when polling
}

func newFollower(path string, opts Options, h Handler) (*follower, error) {
	file, identity, err := openRegular(path)
	if err != nil {
		return nil, fmt.Errorf("tailer: %w", err)
	}
	return &follower{
		path:     path,
		opts:     opts,
		h:        h,
		log:      opts.Logger.With("path", path),
		stats:    opts.Stats,
		file:     file,
		identity: identity,
		split:    newSplitter(opts.BufferSize, opts.MaxLineSize),
		head:     make([]byte, 0, opts.FingerprintSize),
		probe:    make([]byte, opts.FingerprintSize),
		lastData: time.Now(),
	}, nil
}

func (f *follower) close() {
	f.stopNotify()
	f.file.Close()
}

func (f *follower) run(ctx context.Context) error {
	tick := time.NewTicker(f.opts.PollInterval)
	defer tick.Stop()
	checkHead, finishing := true, false
	for {
		if err := f.step(ctx, checkHead); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if finishing {
			return nil // read to the end after Finish
		}
		// Once Finish is closed a file is not parked: the engine's last
		// look at the closed files may have passed already.
		if !f.opts.finishing() && f.shouldPark(time.Now()) {
			return f.park()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-f.opts.Finish:
			// One more step: what was written since the last read.
			finishing, checkHead = true, true
		case <-f.wakeups():
			checkHead = time.Since(f.lastHeadCheck) >= f.opts.PollInterval
		case <-tick.C:
			checkHead = true
		}
	}
}

// step brings the follower up to date: it restarts if the file was
// truncated or rewritten, reads what is new, then checks what the path
// names now. Checking before reading keeps rewritten content from being
// read from the old offset.
func (f *follower) step(ctx context.Context, checkHead bool) error {
	for {
		size, err := f.checkRewritten(checkHead)
		if err != nil {
			return err
		}
		// Nothing new: the byte before offset is compared without taking a
		// read buffer (an idle file looks every poll interval).
		if size == f.offset && f.offset > 0 {
			if err := f.checkLastByte(); err != nil {
				return err
			}
		}
		if size != f.offset || f.offset == 0 {
			if !f.opts.Readers.acquire(ctx) {
				return ctx.Err()
			}
			err := f.readToEOF(ctx)
			f.opts.Readers.release()
			if err != nil {
				return err
			}
		}
		rotated, err := f.checkPath(ctx)
		if err != nil || !rotated {
			return err
		}
		checkHead = false // a new file has no head to compare yet
	}
}

// checkRewritten restarts reading when the open file shrank or its head
// changed, and returns its size.
func (f *follower) checkRewritten(checkHead bool) (int64, error) {
	fi, err := f.file.Stat()
	if err != nil {
		return 0, fmt.Errorf("tailer: %w", err)
	}
	size := fi.Size()
	f.stats.Size.Store(size)
	if size < f.offset {
		f.restart(Truncated, "file shrank below offset")
		return size, nil
	}
	if !checkHead || len(f.head) == 0 {
		return size, nil
	}
	f.lastHeadCheck = time.Now()
	p := f.probe[:len(f.head)]
	n, err := f.file.ReadAt(p, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("tailer: read %s: %w", f.path, err)
	}
	if n < len(p) || !bytes.Equal(p, f.head) {
		f.restart(Truncated, "head bytes changed")
	}
	return size, nil
}

// checkLastByte restarts reading when the byte before offset changed: the
// file was rewritten to the same length.
func (f *follower) checkLastByte() error {
	n, err := f.file.ReadAt(f.probe[:1], f.offset-1)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("tailer: read %s: %w", f.path, err)
	}
	if n == 1 && f.probe[0] != f.lastByte {
		f.restart(Truncated, "byte before offset changed")
	}
	return nil
}

// readToEOF reads everything the open file holds past offset.
func (f *follower) readToEOF(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		eof, err := f.readOnce()
		switch {
		case errors.Is(err, errRewritten):
			f.restart(Truncated, "byte before offset changed")
		case err != nil:
			return fmt.Errorf("tailer: read %s: %w", f.path, err)
		case eof:
			f.split.release()
			return nil
		}
	}
}

// readOnce reads one chunk at offset. Past the start it re-reads the byte
// before offset in the same pread: a changed byte means a rewrite, found
// without an extra syscall.
func (f *follower) readOnce() (eof bool, err error) {
	overlap := 0
	var p []byte
	if f.offset > 0 {
		overlap = 1
		p = f.split.spaceWithPrev()
	} else {
		p = f.split.space()
	}
	kept := p[0]
	m, err := f.file.ReadAt(p, f.offset-int64(overlap))
	if overlap == 1 && m > 0 {
		changed := p[0] != f.lastByte
		p[0] = kept
		if changed {
			return false, errRewritten
		}
	}
	if n := m - overlap; n > 0 {
		f.lastByte = p[m-1]
		f.noteHead(p[overlap:m])
		f.offset += int64(n)
		f.lastData = time.Now()
		f.stats.BytesRead.Add(int64(n))
		f.split.commit(n, f.h)
		f.stats.Offset.Store(f.offset)
	}
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}

// noteHead remembers the first bytes of the file as they are read.
func (f *follower) noteHead(p []byte) {
	if room := cap(f.head) - len(f.head); room > 0 {
		f.head = append(f.head, p[:min(len(p), room)]...)
	}
}

// checkPath compares the open file with what the path names now. It
// reports rotated once it switched to a new file that still has to be read.
func (f *follower) checkPath(ctx context.Context) (rotated bool, err error) {
	fi, err := os.Stat(f.path)
	switch {
	case err == nil && os.SameFile(fi, f.identity):
		f.missingSince = time.Time{}
		return false, nil
	case err == nil:
		return f.rotate(ctx)
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return false, f.pathGone(ctx)
	default:
		return false, fmt.Errorf("tailer: %w", err)
	}
}

func (f *follower) rotate(ctx context.Context) (bool, error) {
	// Drain what was written to the old file before we noticed.
	if err := f.readToEOF(ctx); err != nil {
		return false, err
	}
	file, identity, err := openRegular(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // gone again: the next look decides
	}
	if err != nil {
		return false, fmt.Errorf("tailer: rotated: %w", err)
	}
	// Unwatch before closing: closing may free the old inode, and the
	// kernel's late notice about it must not hit the new watch.
	f.stopNotify()
	f.file.Close()
	f.file, f.identity = file, identity
	f.missingSince = time.Time{}
	f.restart(Rotated, "path names a new file")
	if !f.opts.Poll {
		f.startNotify()
	}
	return true, nil
}

func (f *follower) pathGone(ctx context.Context) error {
	fi, err := f.file.Stat()
	if err == nil && linkCount(fi) > 0 {
		// Renamed, not deleted: a rotation may be half done.
		if f.missingSince.IsZero() {
			f.missingSince = time.Now()
		}
		if time.Since(f.missingSince) < renameGrace {
			return nil
		}
	}
	if err := f.readToEOF(ctx); err != nil {
		return err
	}
	f.dropPartial("deleted")
	return ErrDeleted
}

// restart makes the next read start at the beginning of the open file.
func (f *follower) restart(ev Event, why string) {
	f.log.Info("reading from the start again", "event", ev, "reason", why, "offset", f.offset)
	f.dropPartial(ev.String())
	f.offset, f.lastByte, f.head = 0, 0, f.head[:0]
	f.stats.Offset.Store(0)
	f.h.Reset(ev)
}

// dropPartial discards an unfinished line: it can never be completed.
func (f *follower) dropPartial(why string) {
	if lost := f.split.reset(); lost > 0 {
		f.log.Warn("dropped an incomplete last line", "bytes", lost, "reason", why)
	}
}
