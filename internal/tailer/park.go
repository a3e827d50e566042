// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// Slots bound the files that followers hold open at once: a follower
// takes a slot before it opens its file and gives it back when it closes
// it. When followers wait for a slot, those that reach the end of their
// file close it (park) at once, so that a thousand files can be caught up
// through a hundred descriptors.
type Slots struct {
	held    chan struct{} // one element per open file
	waiting atomic.Int64
}

// NewSlots returns n slots; n <= 0 means no bound (a nil *Slots).
func NewSlots(n int) *Slots {
	if n <= 0 {
		return nil
	}
	return &Slots{held: make(chan struct{}, n)}
}

// Limit is the count of slots; 0 for no bound.
func (s *Slots) Limit() int {
	if s == nil {
		return 0
	}
	return cap(s.held)
}

// Open is the count of files held open through the slots.
func (s *Slots) Open() int {
	if s == nil {
		return 0
	}
	return len(s.held)
}

func (s *Slots) acquire(ctx context.Context) bool {
	if s == nil {
		return true
	}
	select {
	case s.held <- struct{}{}:
		return true
	default:
	}
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	select {
	case s.held <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Slots) release() {
	if s != nil {
		<-s.held
	}
}

// wanted reports whether a follower waits for a slot.
func (s *Slots) wanted() bool { return s != nil && s.waiting.Load() > 0 }

// Position is where a follower that closed its idle file stopped: what
// Resume needs to go on without reading again, and what tells that the
// file changed while it was closed.
type Position struct {
	identity os.FileInfo // the file as last seen open
	offset   int64       // everything before it was read
	lastByte byte        // the byte at offset-1, compared at the next read
	headLen  int         // how many first bytes headSum covers
	headSum  uint64      // their hash, compared to spot a rewrite: a copy would cost a KiB a closed file
	mod      time.Time
}

// Changed reports whether fi, what the path names now, differs from the
// file as it was closed: another file, another size or another time.
func (p *Position) Changed(fi os.FileInfo) bool {
	return !os.SameFile(p.identity, fi) || fi.Size() != p.offset || !fi.ModTime().Equal(p.mod)
}

// IdleError is what Follow and Resume return when they closed a file
// that had been read to its end and had not grown for Options.IdleClose
// (or whose slot another file waited for). Resume goes on from Position.
type IdleError struct {
	Position Position
}

func (e *IdleError) Error() string { return "tailer: idle file closed" }

// parkable reports whether the follower may close its file now: nothing
// is pending (a line without its newline, a rotation under way).
func (f *follower) parkable() bool {
	return f.split.end == f.split.start && !f.split.skipping && f.missingSince.IsZero()
}

// shouldPark reports whether the follower closes its idle file now.
func (f *follower) shouldPark(now time.Time) bool {
	if !f.parkable() {
		return false
	}
	if f.opts.Slots.wanted() {
		return true
	}
	return f.opts.IdleClose > 0 && now.Sub(f.lastData) >= f.opts.IdleClose
}

func (f *follower) park() error {
	fi, err := f.file.Stat()
	if err != nil {
		return fmt.Errorf("tailer: %w", err)
	}
	return &IdleError{Position{
		identity: fi, offset: f.offset, lastByte: f.lastByte,
		headLen: len(f.head), headSum: sum64(f.head), mod: fi.ModTime(),
	}}
}

// Resume follows path again from where a closed follower stopped, as
// Follow does (returning nil when ctx is done, ErrDeleted, or another
// IdleError). A path that names another file now is read from its start
// after Reset(Rotated); a file that shrank or whose first bytes changed
// while closed, after Reset(Truncated).
func Resume(ctx context.Context, path string, pos Position, opts Options, h Handler) error {
	opts = opts.withDefaults()
	if !opts.Slots.acquire(ctx) {
		return nil
	}
	defer opts.Slots.release()
	f, err := openFollower(ctx, path, opts, h)
	if f == nil {
		return err
	}
	defer f.close()
	if os.SameFile(pos.identity, f.identity) {
		f.offset, f.lastByte = pos.offset, pos.lastByte
		if err := f.restoreHead(pos); err != nil {
			return err
		}
	} else {
		f.restart(Rotated, "another file under the path while it was closed")
	}
	f.stats.Offset.Store(f.offset)
	if !opts.Poll {
		f.startNotify()
	}
	return f.run(ctx)
}

// restoreHead reads the first bytes of the reopened file back into the
// follower's head, or starts over when they are not those it closed.
func (f *follower) restoreHead(pos Position) error {
	if pos.headLen == 0 {
		return nil
	}
	head := f.head[:min(pos.headLen, cap(f.head))]
	n, err := f.file.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("tailer: read %s: %w", f.path, err)
	}
	if n < pos.headLen || sum64(head) != pos.headSum {
		f.restart(Truncated, "head bytes changed while closed")
		return nil
	}
	f.head = head
	f.lastHeadCheck = time.Now()
	return nil
}

func sum64(p []byte) uint64 {
	h := fnv.New64a()
	h.Write(p)
	return h.Sum64()
}
