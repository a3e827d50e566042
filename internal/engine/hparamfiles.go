// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/hparams"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// hparamFileNames are the files trainers write a run's hyperparameters
// to, looked for in a log's folder and its parent (docs/formats.md):
// Lightning, Ultralytics, LLaMA-Factory, Hugging Face, detectron2 and
// W&B (files/config.yaml), mmengine (vis_data/config.py).
var hparamFileNames = []string{"args.yaml", "config.py", "config.yaml", "hparams.yaml", "training_args.json", "training_args.yaml"}

// readHparamFile reads a hyperparameter file by its extension.
func readHparamFile(path string) (hparams.Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return hparams.Set{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, hparams.MaxFileBytes+1))
	if err != nil {
		return hparams.Set{}, err
	}
	if len(data) > hparams.MaxFileBytes {
		return hparams.Set{}, errors.New("larger than " + strconv.Itoa(hparams.MaxFileBytes>>20) + " MiB")
	}
	switch filepath.Ext(path) {
	case ".json":
		return hparams.FromJSON(data)
	case ".py":
		return hparams.FromPythonConfig(data)
	}
	return hparams.FromYAML(data)
}

// hparamFiles finds the hyperparameter files beside the followed logs
// at each scan and gives them to the logs' runs. Folder listings are
// kept while the folder's modification time stays (as discovery's
// listings are), so a scan costs a stat per folder and one per file
// found; a file is read again when its size or modification time
// change.
type hparamFiles struct {
	mu   sync.Mutex
	dirs map[string]hparamDir
	seen map[hparamKey]hparamSeen
}

type hparamDir struct {
	mod   time.Time
	names []string // of hparamFileNames, present
}

type hparamKey struct{ log, path string }

type hparamSeen struct {
	size int64
	mod  time.Time
	run  *store.RunState
	bad  bool
}

// namesIn lists the hyperparameter files of a folder.
func (h *hparamFiles) namesIn(dir string) []string {
	fi, err := os.Stat(dir)
	if err != nil {
		delete(h.dirs, dir)
		return nil
	}
	if c, ok := h.dirs[dir]; ok && c.mod.Equal(fi.ModTime()) {
		return c.names
	}
	var names []string
	for _, n := range hparamFileNames {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && st.Mode().IsRegular() {
			names = append(names, n)
		}
	}
	if time.Since(fi.ModTime()) > recentFolder {
		h.dirs[dir] = hparamDir{mod: fi.ModTime(), names: names}
	} else {
		delete(h.dirs, dir)
	}
	return names
}

// scanHparams looks for the hyperparameter files of every followed log
// that feeds a run.
func (e *Engine) scanHparams() {
	type log struct {
		path string
		run  *store.RunState
	}
	var logs []log
	e.mu.Lock()
	for _, f := range e.files {
		if r := f.run.Load(); r != nil && f.duplicateOf == nil && f.failed.IsZero() && !f.setAside {
			logs = append(logs, log{f.path, r})
		}
	}
	e.mu.Unlock()
	slices.SortFunc(logs, func(a, b log) int { return strings.Compare(a.path, b.path) })

	h := &e.hparams
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dirs == nil {
		h.dirs, h.seen = map[string]hparamDir{}, map[hparamKey]hparamSeen{}
	}
	found := map[hparamKey]bool{}
	followed := map[string]bool{}
	for _, l := range logs {
		followed[l.path] = true
		dir := filepath.Dir(l.path)
		for _, d := range []string{filepath.Dir(dir), dir} {
			for _, n := range h.namesIn(d) {
				path := filepath.Join(d, n)
				if path == l.path {
					continue // a log is no hyperparameter file of its own
				}
				k := hparamKey{l.path, path}
				found[k] = true
				e.readHparams(k, l.run)
			}
		}
	}
	for k, s := range h.seen {
		switch {
		case !followed[k.log]:
			delete(h.seen, k) // its run goes with the log
		case !found[k]:
			s.run.RemoveHparamFile(k.path)
			delete(h.seen, k)
		}
	}
}

// readHparams reads one file for one log's run when it is new or
// changed, or the log feeds another run now.
func (e *Engine) readHparams(k hparamKey, run *store.RunState) {
	h := &e.hparams
	fi, err := os.Stat(k.path)
	if err != nil {
		return // gone since the listing: the next scan removes it
	}
	old, ok := h.seen[k]
	if ok && old.run == run && old.size == fi.Size() && old.mod.Equal(fi.ModTime()) {
		return
	}
	seen := hparamSeen{size: fi.Size(), mod: fi.ModTime(), run: run}
	if ok && old.run != run {
		old.run.RemoveHparamFile(k.path)
	}
	set, err := readHparamFile(k.path)
	if err != nil {
		seen.bad = true
		e.self.hparamFileErrors.Inc()
		e.logger.Warn("hyperparameter file not read; the run's metrics and other sources are unaffected", "path", k.path, "err", err)
		run.SetHparamFileError(k.path, err)
	} else {
		run.SetHparamFile(k.path, set)
	}
	h.seen[k] = seen
}

// readHparamFiles gives the inspected run the files beside its log, as
// the exporter's scan does.
func (in *inspection) readHparamFiles(path string) {
	if in.run == nil {
		return
	}
	dir := filepath.Dir(path)
	for _, d := range []string{filepath.Dir(dir), dir} {
		for _, n := range hparamFileNames {
			p := filepath.Join(d, n)
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() || p == path {
				continue
			}
			if set, err := readHparamFile(p); err != nil {
				in.run.SetHparamFileError(p, err)
			} else {
				in.run.SetHparamFile(p, set)
			}
		}
	}
}

// writeHparams lists a run's hyperparameters in inspect's report.
func writeHparams(w io.Writer, h store.Hparams) {
	if len(h.Params) == 0 && len(h.LeftOut) == 0 && len(h.Notes) == 0 {
		return
	}
	fmt.Fprintf(w, "  hyperparameters: %d\n", len(h.Params))
	for i, p := range h.Params {
		fmt.Fprintf(w, "    %s = %s  (from %s)\n", p.Name, p.Text, h.Sources[i])
	}
	if len(h.LeftOut) > 0 {
		fmt.Fprintln(w, "  hyperparameters left out:")
		for _, l := range h.LeftOut {
			fmt.Fprintf(w, "    %s: %s\n", l.Name, l.Why)
		}
	}
	for _, n := range h.Notes {
		fmt.Fprintf(w, "  hyperparameter file not read: %s\n", n)
	}
}
