// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import "bytes"

// reserved is a spare slot at the start of the buffer so that a read can
// overlap the byte before the free space (see spaceWithPrev).
const reserved = 1

// splitter cuts a byte stream into lines inside one reusable buffer. A line
// longer than maxLine is counted and dropped as it streams by, so the buffer
// never grows beyond max(bufSize, maxLine+1) bytes whatever the input.
type splitter struct {
	buf      []byte // nil while idle: see release
	bufSize  int
	start    int // first byte of the pending (incomplete) line
	end      int // end of buffered data
	maxLine  int
	skipping bool  // inside an oversized line: drop bytes until its newline
	skipped  int64 // bytes of the oversized line seen so far
}

func newSplitter(bufSize, maxLine int) *splitter {
	return &splitter{
		bufSize: bufSize,
		start:   reserved,
		end:     reserved,
		maxLine: maxLine,
	}
}

// spareBuffers holds a few idle read buffers of the default size: a
// thousand followed files that are quiet need no thousand 64 KiB buffers,
// and a bounded list (unlike a sync.Pool) lets the surplus be collected.
var spareBuffers = make(chan []byte, SpareBuffers)

// SpareBuffers is how many idle read buffers are kept for reuse; bound
// the followers reading at once (Options.Readers) to it and reads take no
// new buffers.
const SpareBuffers = 32

func getBuffer() []byte {
	select {
	case b := <-spareBuffers:
		return b
	default:
		return make([]byte, reserved+defaultBufferSize)
	}
}

// release gives the buffer back while no line is pending, typically after
// reading to the end of a live file; the next read takes one again.
func (s *splitter) release() {
	if s.buf == nil || s.end != s.start || s.skipping || len(s.buf) != reserved+defaultBufferSize {
		return
	}
	select {
	case spareBuffers <- s.buf:
	default:
	}
	s.buf = nil
	s.start, s.end = reserved, reserved
}

// space returns where the next read should go; it is never empty.
func (s *splitter) space() []byte {
	s.makeRoom()
	return s.buf[s.end:]
}

// spaceWithPrev is space preceded by one slot: the last pending byte, or a
// spare byte when nothing is pending. Callers restore it after reading.
func (s *splitter) spaceWithPrev() []byte {
	s.makeRoom()
	return s.buf[s.end-1:]
}

func (s *splitter) makeRoom() {
	if s.buf == nil {
		if s.bufSize == defaultBufferSize {
			s.buf = getBuffer()
		} else {
			s.buf = make([]byte, reserved+s.bufSize)
		}
	}
	size := len(s.buf) - reserved
	if s.start > reserved && len(s.buf)-s.end < size/2 {
		s.end = reserved + copy(s.buf[reserved:], s.buf[s.start:s.end])
		s.start = reserved
	}
	if s.end < len(s.buf) {
		return
	}
	// A pending line fills the buffer yet is not too long: grow, at most to
	// maxLine+1 bytes, enough to tell that a line is too long.
	grown := make([]byte, reserved+min(2*size, s.maxLine+1))
	s.end = reserved + copy(grown[reserved:], s.buf[s.start:s.end])
	s.start = reserved
	s.buf = grown
}

// commit takes n bytes just read into space() and hands out complete lines.
func (s *splitter) commit(n int, h Handler) {
	if b, ok := h.(Batcher); ok {
		defer b.EndBatch()
	}
	from := s.end
	s.end += n
	if s.skipping {
		i := bytes.IndexByte(s.buf[from:s.end], '\n')
		if i < 0 {
			s.skipped += int64(n)
			s.start, s.end = reserved, reserved
			return
		}
		h.LineTooLong(s.skipped + int64(i))
		s.skipping, s.skipped = false, 0
		s.start = from + i + 1
		from = s.start
	}
	for {
		i := bytes.IndexByte(s.buf[from:s.end], '\n')
		if i < 0 {
			break
		}
		s.emit(s.buf[s.start:from+i], h)
		s.start = from + i + 1
		from = s.start
	}
	switch pending := s.end - s.start; {
	case pending == 0:
		s.start, s.end = reserved, reserved
	case pending > s.maxLine:
		s.skipping, s.skipped = true, int64(pending)
		s.start, s.end = reserved, reserved
	}
	if p, ok := h.(Pender); ok {
		p.Pending(int64(s.end-s.start) + s.skipped)
	}
}

func (s *splitter) emit(line []byte, h Handler) {
	if len(line) > s.maxLine {
		h.LineTooLong(int64(len(line)))
		return
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
		if c, ok := h.(CRStripper); ok {
			c.StrippedCR()
		}
	}
	h.Line(line)
}

// flush ends a complete stream: a final line without newline is a line.
func (s *splitter) flush(h Handler) {
	if b, ok := h.(Batcher); ok {
		defer b.EndBatch()
	}
	switch {
	case s.skipping:
		h.LineTooLong(s.skipped)
	case s.end > s.start:
		s.emit(s.buf[s.start:s.end], h)
	}
	s.reset()
}

// reset drops buffered data and returns how many bytes of an incomplete
// line were lost.
func (s *splitter) reset() int64 {
	lost := int64(s.end-s.start) + s.skipped
	s.start, s.end = reserved, reserved
	s.skipping, s.skipped = false, 0
	return lost
}
