// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package tailer

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/fsnotify/fsnotify"
	"github.com/nxadm/tail/watch"
)

// InotifyAvailable reports whether an inotify instance can be created. nxadm's
// tracker exits the process when it cannot, so Follow checks this before the
// tracker's first use and falls back to polling; callers may check it first
// to warn once.
func InotifyAvailable() error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("tailer: inotify unavailable: %w", err)
	}
	return w.Close()
}

var inotifyOK struct {
	sync.Mutex
	ok bool
}

func ensureInotify() error {
	inotifyOK.Lock()
	defer inotifyOK.Unlock()
	if inotifyOK.ok {
		return nil
	}
	if err := InotifyAvailable(); err != nil {
		return err
	}
	inotifyOK.ok = true
	return nil
}

// inotifyWatch turns nxadm's shared inotify tracker into a wake-up channel.
// It uses the tracker's Watch/Events/RemoveWatch directly rather than
// ChangeEvents, whose goroutine stats the path (exiting the process on
// errors other than not-exist), removes the watch by itself on rename, and
// cannot be waited for.
type inotifyWatch struct {
	name string        // the tracker's key: the cleaned path
	C    chan struct{} // one pending wake-up at most
	done chan struct{} // closed when forward returns
}

func watchFile(path string) (*inotifyWatch, error) {
	name := filepath.Clean(path)
	// On failure the tracker has not counted the watch: removing it would
	// corrupt its count, so nothing is undone.
	if err := watch.Watch(name); err != nil {
		return nil, err
	}
	events := watch.Events(name)
	if events == nil {
		return nil, fmt.Errorf("tailer: watch on %s vanished", name)
	}
	w := &inotifyWatch{name: name, C: make(chan struct{}, 1), done: make(chan struct{})}
	go w.forward(events)
	return w, nil
}

// forward keeps the tracker's shared goroutine from blocking on us while we
// read: events collapse into one pending wake-up.
func (w *inotifyWatch) forward(events <-chan fsnotify.Event) {
	defer close(w.done)
	for range events {
		select {
		case w.C <- struct{}{}:
		default:
		}
	}
}

// close removes the watch; the tracker then closes events, ending forward.
func (w *inotifyWatch) close() {
	// An error means the kernel already dropped the watch (file moved or
	// deleted); the tracker's bookkeeping is still released.
	_ = watch.RemoveWatch(w.name)
	<-w.done
}

func (f *follower) startNotify() {
	if err := ensureInotify(); err != nil {
		f.log.Warn("inotify unavailable, polling instead", "err", err, "interval", f.opts.PollInterval)
		f.opts.Poll = true
		return
	}
	w, err := watchFile(f.path)
	if err != nil {
		f.log.Warn("cannot watch file, checking it every poll interval", "err", err, "interval", f.opts.PollInterval)
		return
	}
	f.notify = w
}

func (f *follower) stopNotify() {
	if f.notify != nil {
		f.notify.close()
		f.notify = nil
	}
}

// wakeups is nil, never ready, when polling.
func (f *follower) wakeups() <-chan struct{} {
	if f.notify == nil {
		return nil
	}
	return f.notify.C
}
