// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a Handler that writes down what it gets, safe to read from
// the test goroutine.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) Line(line []byte)       { r.add("line:" + string(line)) }
func (r *recorder) LineTooLong(size int64) { r.add(fmt.Sprintf("toolong:%d", size)) }
func (r *recorder) Reset(ev Event)         { r.add("reset:" + ev.String()) }

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, s)
}

func (r *recorder) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *recorder) has(s string) bool { return slices.Contains(r.events(), s) }

const waitLimit = 10 * time.Second

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// following is a Follow running in its own goroutine.
type following struct {
	rec    *recorder
	stats  *Stats
	cancel context.CancelFunc
	done   chan error
}

func startFollow(t *testing.T, path string, opts Options) *following {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fl := &following{rec: &recorder{}, stats: new(Stats), cancel: cancel, done: make(chan error, 1)}
	opts.Stats = fl.stats
	go func() { fl.done <- Follow(ctx, path, opts, fl.rec) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-fl.done:
		case <-time.After(waitLimit):
			t.Error("Follow did not return after cancel")
		}
	})
	return fl
}

// result waits for Follow to return by itself.
func (fl *following) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-fl.done:
		fl.done <- err // keep it for Cleanup
		return err
	case <-time.After(waitLimit):
		t.Fatal("Follow did not return")
		return nil
	}
}

// waitFor waits until the marker line arrives, then checks everything
// delivered so far.
func (fl *following) waitFor(t *testing.T, marker string, want []string) {
	t.Helper()
	eventually(t, "line "+marker, func() bool { return fl.rec.has("line:" + marker) })
	if got := fl.rec.events(); !slices.Equal(got, want) {
		t.Fatalf("delivered:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// waitRead waits until the follower has read the file up to its size.
func (fl *following) waitRead(t *testing.T, path string) {
	t.Helper()
	eventually(t, "read to the end of "+path, func() bool {
		fi, err := os.Stat(path)
		return err == nil && fl.stats.Offset.Load() == fi.Size()
	})
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

type mode struct {
	name string
	opts Options
}

// modes returns both wake-up modes with short periods to keep tests quick.
func modes() []mode {
	return []mode{
		{"inotify", Options{PollInterval: 50 * time.Millisecond}},
		{"poll", Options{Poll: true, PollInterval: 20 * time.Millisecond}},
	}
}

func skipWithoutInotify(t *testing.T, m mode) {
	t.Helper()
	if m.opts.Poll {
		return
	}
	if err := InotifyAvailable(); err != nil {
		t.Skip(err)
	}
}

func lines(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("line:%s%d", prefix, i)
	}
	return out
}

func text(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s%d\n", prefix, i)
	}
	return b.String()
}
