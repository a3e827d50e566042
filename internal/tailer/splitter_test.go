// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// feed copies chunk into the splitter through space/commit, as a read would.
func feed(s *splitter, chunk []byte, h Handler) {
	for len(chunk) > 0 {
		n := copy(s.space(), chunk)
		s.commit(n, h)
		chunk = chunk[n:]
	}
}

func TestSplitter(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		maxLine int
		want    []string
		pending string // what flush delivers
	}{
		{"lines", "a\nbb\nccc\n", 10, []string{"line:a", "line:bb", "line:ccc"}, ""},
		{"partial last line held", "a\n{\"a\":", 10, []string{"line:a"}, `line:{"a":`},
		{"empty lines", "\n\na\n\n", 10, []string{"line:", "line:", "line:a", "line:"}, ""},
		{"crlf trimmed", "a\r\n\r\nb\r\n", 10, []string{"line:a", "line:", "line:b"}, ""},
		{"lone cr kept inside", "a\rb\n", 10, []string{"line:a\rb"}, ""},
		{"exactly max", "0123456789\nx\n", 10, []string{"line:0123456789", "line:x"}, ""},
		{"one over max", "0123456789A\nx\n", 10, []string{"toolong:11", "line:x"}, ""},
		{"long line skipped", strings.Repeat("y", 1000) + "\ngood\n", 10, []string{"toolong:1000", "line:good"}, ""},
		{"two long lines in a row", strings.Repeat("y", 50) + "\n" + strings.Repeat("z", 70) + "\n", 10, []string{"toolong:50", "toolong:70"}, ""},
		{"long unfinished line", "ok\n" + strings.Repeat("y", 30), 10, []string{"line:ok"}, "toolong:30"},
	}
	for _, tt := range tests {
		// The outcome must not depend on how the input is cut into reads.
		for _, chunk := range []int{1, 3, 7, 64, len(tt.input)} {
			t.Run(fmt.Sprintf("%s/chunk=%d", tt.name, chunk), func(t *testing.T) {
				s := newSplitter(8, tt.maxLine)
				rec := &recorder{}
				in := []byte(tt.input)
				for len(in) > 0 {
					n := min(chunk, len(in))
					feed(s, in[:n], rec)
					in = in[n:]
				}
				if got := rec.events(); !slices.Equal(got, tt.want) {
					t.Fatalf("chunk %d: got %q, want %q", chunk, got, tt.want)
				}
				s.flush(rec)
				want := tt.want
				if tt.pending != "" {
					want = append(slices.Clone(want), tt.pending)
				}
				if got := rec.events(); !slices.Equal(got, want) {
					t.Fatalf("chunk %d after flush: got %q, want %q", chunk, got, want)
				}
			})
		}
	}
}

func TestSplitterMemoryBounded(t *testing.T) {
	tests := []struct {
		name             string
		bufSize, maxLine int
	}{
		{"buffer smaller than max line", 64, 100},
		{"buffer larger than max line", 4096, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSplitter(tt.bufSize, tt.maxLine)
			rec := &recorder{}
			chunk := bytes.Repeat([]byte("x"), 4096)
			for range 2500 { // a 10 MB line
				feed(s, chunk, rec)
			}
			feed(s, []byte("\nafter\n"), rec)
			want := []string{"toolong:10240000", "line:after"}
			if got := rec.events(); !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
			if limit := reserved + max(tt.bufSize, tt.maxLine+1); len(s.buf) > limit {
				t.Fatalf("buffer grew to %d bytes, limit %d", len(s.buf), limit)
			}
		})
	}
}

func TestSplitterGrowsForLinesUpToMax(t *testing.T) {
	s := newSplitter(16, 1000)
	rec := &recorder{}
	line := strings.Repeat("L", 1000)
	feed(s, []byte(line+"\n"), rec)
	if got := rec.events(); !slices.Equal(got, []string{"line:" + line}) {
		t.Fatalf("got %d events, want the whole 1000-byte line", len(got))
	}
}

func TestSplitterResetReportsLostBytes(t *testing.T) {
	s := newSplitter(16, 10)
	rec := &recorder{}
	feed(s, []byte("a\nbcd"), rec)
	if lost := s.reset(); lost != 3 {
		t.Fatalf("lost %d bytes, want 3", lost)
	}
	feed(s, []byte("e\n"), rec)
	if got, want := rec.events(), []string{"line:a", "line:e"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

type countingHandler struct{ lines, bytes int }

func (c *countingHandler) Line(l []byte)     { c.lines++; c.bytes += len(l) }
func (c *countingHandler) LineTooLong(int64) {}
func (c *countingHandler) Reset(Event)       {}

func TestSplitterDoesNotAllocatePerLine(t *testing.T) {
	s := newSplitter(64<<10, 1<<20)
	h := &countingHandler{}
	chunk := []byte(strings.Repeat(`{"step":1,"train/loss":2.5}`+"\n", 100) + `{"partial":`)
	allocs := testing.AllocsPerRun(100, func() { feed(s, chunk, h) })
	if allocs != 0 {
		t.Fatalf("%v allocations per chunk of 100 lines, want 0", allocs)
	}
}

func TestSplitterReleasesIdleBuffer(t *testing.T) {
	h := &recorder{}
	s := newSplitter(defaultBufferSize, 1<<20)
	n := copy(s.space(), "a\nb")
	s.commit(n, h)
	s.release()
	if s.buf == nil {
		t.Fatal("released while the line \"b\" is pending")
	}
	n = copy(s.space(), "\n")
	s.commit(n, h)
	s.release()
	if s.buf != nil {
		t.Fatal("kept the buffer of an idle follower")
	}
	n = copy(s.space(), "c\n")
	s.commit(n, h)
	if got := strings.Join(h.events(), "|"); got != "line:a|line:b|line:c" {
		t.Errorf("lines %q", got)
	}
}

// byteCounter counts the bytes of the lines it gets as the engine does:
// each line and its "\n", and the "\r" taken off before it.
type byteCounter struct{ n int64 }

func (b *byteCounter) Line(line []byte)       { b.n += int64(len(line)) + 1 }
func (b *byteCounter) LineTooLong(size int64) { b.n += size + 1 }
func (b *byteCounter) Reset(Event)            {}
func (b *byteCounter) StrippedCR()            { b.n++ }

// TestStrippedCRCountsTheFilesBytes: a handler that counts bytes gets to
// the file's size, "\r\n" line ends or not.
func TestStrippedCRCountsTheFilesBytes(t *testing.T) {
	for _, input := range []string{"a\r\nbb\r\n\r\nc\n", "epoch,loss\r\n0,1.5\r\n", "x\ry\n"} {
		s := newSplitter(8, 100)
		h := &byteCounter{}
		feed(s, []byte(input), h)
		if h.n != int64(len(input)) {
			t.Errorf("%q: counted %d bytes, the input has %d", input, h.n, len(input))
		}
	}
}
