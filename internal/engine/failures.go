// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"log/slog"
	"sort"
)

// failureLog gathers files that cannot be read and logs them at the end of
// each discovery scan, a line per reason however many files share it, and
// a file only the first time it fails for a reason: a folder of 4,000
// unreadable files is one warning, not 4,000 a minute. Guarded by e.mu.
type failureLog struct {
	pending  map[string][]failure // by reason
	reported map[string]string    // path -> reason last logged
	last     map[string]error     // path -> its last error, until it is read
}

type failure struct {
	path string
	err  error
}

func (l *failureLog) add(path, reason string, err error) {
	if l.reported == nil {
		l.reported, l.pending, l.last = map[string]string{}, map[string][]failure{}, map[string]error{}
	}
	l.last[path] = err
	if l.reported[path] == reason {
		return
	}
	l.reported[path] = reason
	l.pending[reason] = append(l.pending[reason], failure{path, err})
}

// readable forgets path's failure: it was read, or is gone.
func (l *failureLog) readable(path string) { delete(l.reported, path); delete(l.last, path) }

func (l *failureLog) flush(logger *slog.Logger) {
	reasons := make([]string, 0, len(l.pending))
	for r := range l.pending {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, reason := range reasons {
		fs := l.pending[reason]
		if len(fs) == 1 {
			logger.Warn("cannot read file; retrying later", "path", fs[0].path, "reason", reason, "err", fs[0].err)
		} else {
			logger.Warn("cannot read files; retrying later", "files", len(fs), "reason", reason, "example", fs[0].path, "err", fs[0].err)
			for _, f := range fs {
				logger.Debug("cannot read file; retrying later", "path", f.path, "reason", reason, "err", f.err)
			}
		}
		delete(l.pending, reason)
	}
}
