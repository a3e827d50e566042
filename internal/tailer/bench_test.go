// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// stopAfter counts lines and cancels once it has seen them all.
type stopAfter struct {
	want, lines int
	cancel      context.CancelFunc
}

func (s *stopAfter) Line([]byte) {
	if s.lines++; s.lines == s.want {
		s.cancel()
	}
}
func (s *stopAfter) LineTooLong(int64) {}
func (s *stopAfter) Reset(Event)       {}

// BenchmarkFollowCatchUp reads a 50 MB file of ~200-byte lines from the start.
func BenchmarkFollowCatchUp(b *testing.B) {
	path := filepath.Join(b.TempDir(), "metrics.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	var size int64
	count := 0
	for size < 50<<20 {
		n, _ := fmt.Fprintf(w, `{"_type":"metric","time":1764115201.5,"epoch":3,"step":%d,"train/loss":2.3125,"train/lr":0.0003,"train/grad_norm":1.75,"val/loss":2.05,"throughput":5120.5,"run":"bert-base-lr3e-4-pad"}`+"\n", count)
		size += int64(n)
		count++
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		h := &stopAfter{want: count, cancel: cancel}
		if err := Follow(ctx, path, Options{Poll: true}, h); err != nil {
			b.Fatal(err)
		}
		if h.lines != count {
			b.Fatalf("read %d lines, want %d", h.lines, count)
		}
	}
}
