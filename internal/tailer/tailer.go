// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package tailer follows one JSON Lines file and hands each complete line to
// a Handler, across growth, truncation, in-place rewrites, rotation and
// deletion. A ".gz" file is read once to its end.
//
// nxadm/tail's own line reader is not used: it holds whole lines in memory
// and its poller detects truncation by size only. Its shared inotify tracker
// serves purely as a wake-up source; reading, offsets and identity checks
// happen here.
package tailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
)

// Event says why reading restarted at the beginning of new content.
type Event uint8

const (
	// Truncated: the file shrank below our offset, or its bytes before our
	// offset changed (rewritten in place, including copytruncate).
	Truncated Event = iota + 1
	// Rotated: the path now names another file (rename+create, or
	// delete+recreate between two looks).
	Rotated
)

func (e Event) String() string {
	switch e {
	case Truncated:
		return "truncated"
	case Rotated:
		return "rotated"
	default:
		return fmt.Sprintf("Event(%d)", uint8(e))
	}
}

// Handler receives what Follow reads. Its methods are called from the
// goroutine running Follow, one at a time.
type Handler interface {
	// Line gets each complete line without its "\n" (and without a
	// trailing "\r"). line is only valid during the call.
	Line(line []byte)
	// LineTooLong reports a line longer than MaxLineSize; it was skipped
	// without ever being buffered whole. size is its length in bytes before
	// the "\n" (known once its newline arrives).
	LineTooLong(size int64)
	// Reset reports that reading restarts at the beginning of new content;
	// lines delivered after it come from that content.
	Reset(ev Event)
}

// Stats are updated atomically while following, for self-monitoring.
type Stats struct {
	BytesRead atomic.Int64 // bytes read from disk, rereads included
	Offset    atomic.Int64 // next byte to read in the current file
	Size      atomic.Int64 // size of the current file when last checked
}

// Options tune Follow. The zero value is usable.
type Options struct {
	Poll            bool          // stat polling instead of inotify (the safe choice in containers)
	PollInterval    time.Duration // default 250ms; with inotify, the period of the backup identity check
	MaxLineSize     int           // default 1 MiB
	BufferSize      int           // read buffer, default 64 KiB
	FingerprintSize int           // default 1024: head bytes remembered to recognise a rewritten file
	Logger          *slog.Logger  // default: discard
	Stats           *Stats        // optional
	// IdleClose, if set, closes a file read to its end that has not grown
	// for that long: Follow returns an *IdleError to resume from.
	IdleClose time.Duration
	// Slots, if set, bound the files open at once (see Slots).
	Slots *Slots
	// Readers, if set, bound the followers reading at once: each holds a
	// read buffer while it reads, and a thousand files caught up at once
	// would each take one.
	Readers *Slots
	// Finish, when closed, asks followers to stop once they have read
	// what their file holds: a live file is read to its end (complete
	// lines; a rotation is followed) and Follow or Resume returns nil, a
	// document is read once more if it changed, and an archive that was
	// not yet read whole is left. ctx still bounds the reading. A process
	// that delivers records elsewhere (remote write) closes it at
	// shutdown, so that the last records written are delivered too.
	Finish <-chan struct{}
}

// finishing reports whether Finish was closed.
func (o Options) finishing() bool {
	select {
	case <-o.Finish:
		return true
	default:
		return false
	}
}

func (o Options) withDefaults() Options {
	if o.PollInterval <= 0 {
		o.PollInterval = 250 * time.Millisecond
	}
	if o.MaxLineSize <= 0 {
		o.MaxLineSize = 1 << 20
	}
	if o.BufferSize <= 0 {
		o.BufferSize = defaultBufferSize
	}
	if o.FingerprintSize <= 0 {
		o.FingerprintSize = 1024
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Stats == nil {
		o.Stats = new(Stats)
	}
	return o
}

// Batcher is an optional interface of a Handler: EndBatch is called after
// the lines of one read were delivered, so that a handler can publish what
// it accumulated per line once per read instead of once per line.
type Batcher interface {
	EndBatch()
}

// A Pender is an optional interface of a Handler: Pending is told, after
// each read, how many bytes of an unfinished last line wait for their
// newline (0: none), so that a handler can tell it has read everything
// there is, when a writer stopped in the middle of a line.
type Pender interface {
	Pending(bytes int64)
}

// A CRStripper is an optional interface of a Handler: StrippedCR is
// called before Line for a line that ended in "\r\n", whose "\r" was taken
// off, so that a handler counting the bytes of the lines it gets (to know
// when it read what the file held, or where a line ends) counts the
// file's bytes. CSV writers (Python's csv module) end every line so.
type CRStripper interface {
	StrippedCR()
}

// defaultBufferSize is the read buffer of a follower while it reads.
const defaultBufferSize = 64 << 10

// ErrDeleted is returned by Follow once the followed file is gone.
var ErrDeleted = errors.New("file deleted")

// openFollower opens path for a follower holding a slot. Opening is work
// as reading is: thousands of files found at once open a few at a time
// (Options.Readers). It returns nil, nil when ctx is done first.
func openFollower(ctx context.Context, path string, opts Options, h Handler) (*follower, error) {
	if !opts.Readers.acquire(ctx) {
		return nil, nil
	}
	defer opts.Readers.release()
	return newFollower(path, opts, h)
}

// Follow reads path from its start and then follows it until ctx is done
// (returns nil), the file is gone (returns ErrDeleted, after delivering
// everything written before the deletion) or it closed the idle file
// (returns an *IdleError: see Options.IdleClose and Slots).
//
// A path ending in ".gz" is decompressed and read once to its end (a final
// line without newline is delivered since the file is complete), then Follow
// returns nil. It is read once it holds still (see waitQuiet), not while
// gzip is still writing it. Open errors (permission denied, not a regular
// file, symlink loop, missing file) are returned at once, wrapped.
//
// Run one Follow per path: nxadm's inotify tracker keys watches by path.
func Follow(ctx context.Context, path string, opts Options, h Handler) error {
	opts = opts.withDefaults()
	if strings.HasSuffix(path, ".gz") {
		return followGzip(ctx, path, opts, h)
	}
	if !opts.Slots.acquire(ctx) {
		return nil
	}
	defer opts.Slots.release()
	f, err := openFollower(ctx, path, opts, h)
	if f == nil {
		return err
	}
	defer f.close()
	if !opts.Poll {
		f.startNotify()
	}
	return f.run(ctx)
}
