// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package remotewrite

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// The state file: how far every receiver acknowledged each file, and what
// the file's first bytes were then, so that a file rewritten while the
// exporter was down is sent again from its start.
type stateFile struct {
	Version int                  `json:"version"`
	Files   map[string]fileState `json:"files"`
}

type fileState struct {
	Offset int64 `json:"offset"` // bytes read (of the uncompressed stream for .gz)
	// TimeMs is the time of the record that ends at Offset, for the next
	// records to come after it (their times may be estimates).
	TimeMs    int64  `json:"time_ms,omitempty"`
	HeadBytes int    `json:"head_bytes"` // how many first bytes of the file Head hashes
	Head      uint64 `json:"head"`       // FNV-1a of them
}

// headBytes is how much of a file's start identifies it.
const headBytes = 1024

const stateVersion = 1

func loadState(path string) (map[string]fileState, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]fileState{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state.file: %v", err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("state.file: %s is not a state file of this exporter: %v", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("state.file: %s has version %d, want %d", path, st.Version, stateVersion)
	}
	if st.Files == nil {
		st.Files = map[string]fileState{}
	}
	return st.Files, nil
}

// fingerprint hashes the first bytes of the file at path.
func fingerprint(path string, n int) (int, uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	buf := make([]byte, n)
	got, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, 0, err
	}
	h := fnv.New64a()
	h.Write(buf[:got])
	return got, h.Sum64(), nil
}

// matches reports whether path still starts as it did when saved.
func (st fileState) matches(path string) bool {
	got, sum, err := fingerprint(path, st.HeadBytes)
	return err == nil && got == st.HeadBytes && sum == st.Head
}

// saveEvery writes the state file when acknowledgements changed it,
// until Close.
func (w *Writer) saveEvery(d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			if err := w.saveState(); err != nil {
				w.log.Warn("remote write: cannot write the state file", "path", w.opts.StateFile, "err", err)
			}
		}
	}
}

// saveState writes the offsets every receiver acknowledged, atomically.
func (w *Writer) saveState() error {
	if w.opts.StateFile == "" {
		return nil
	}
	w.stateMu.Lock()
	if !w.dirty {
		w.stateMu.Unlock()
		return nil
	}
	w.dirty = false
	offsets := map[string]position{}
	for i, q := range w.queues {
		for path, pos := range q.acked {
			if prev, ok := offsets[path]; i == 0 || ok && pos.Offset < prev.Offset {
				offsets[path] = pos
			}
		}
		if i > 0 {
			for path := range offsets {
				if _, ok := q.acked[path]; !ok {
					delete(offsets, path) // not acknowledged by this receiver
				}
			}
		}
	}
	w.stateMu.Unlock()

	st := stateFile{Version: stateVersion, Files: make(map[string]fileState, len(offsets))}
	for path, pos := range offsets {
		off := pos.Offset
		fp, ok := w.prints[path]
		// A whole head does not change while the offset only grows; a
		// shorter one grows with the file.
		if !ok || fp.HeadBytes < headBytes || off < fp.Offset {
			n, sum, err := fingerprint(path, headBytes)
			if err != nil {
				delete(w.prints, path)
				continue // gone: nothing to resume
			}
			fp = fileState{HeadBytes: n, Head: sum}
		}
		fp.Offset, fp.TimeMs = off, pos.TimeMs
		w.prints[path] = fp
		st.Files[path] = fp
	}
	err := writeAtomic(w.opts.StateFile, st)
	if err != nil {
		w.m.stateWriteFailures.Inc()
		w.stateMu.Lock()
		w.dirty = true
		w.stateMu.Unlock()
		return err
	}
	w.m.stateWrites.Inc()
	return nil
}

func writeAtomic(path string, st stateFile) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
