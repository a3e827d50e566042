// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
	"github.com/jsonl-exporter/jsonl-exporter/internal/tailer"
)

// closedRenameGrace is how long the path of a closed file may be missing
// before the file counts as deleted: a rename and create leaves a gap.
const closedRenameGrace = time.Second

// retryFailedAfter is how long a file that could not be opened waits
// before the next try (its permissions may be fixed); a file that changed
// since it was found is tried again at once (an archive found while gzip
// still wrote it, read cut short).
const retryFailedAfter = time.Minute

// Engine discovers files matching the inputs, follows each one, and keeps
// the store up to date: discovery -> tailer -> parser -> run state.
type Engine struct {
	cfg       Config
	logger    *slog.Logger
	self      *SelfMetrics
	store     *store.Store
	collector *store.Collector
	inputs    []*input
	tail      tailer.Options
	parser    record.Options
	delivery  Delivery        // nil: /metrics only
	stopping  <-chan struct{} // Follow's ctx.Done(), for Delivery.Wait

	mu       sync.Mutex
	files    map[string]*file     // by path, while known
	byID     map[fileID][]*file   // files by device and inode, to find one under two paths
	owners   map[string]*file     // run label -> file feeding it
	orphaned map[string]time.Time // run label -> when its last file went away
	failures failureLog           // files that cannot be read, logged at each scan
	parsers  parserPool           // of closed files, for the next ones
	judges   parserPool           // explaining parsers, for files judged (dataset.go)
	initial  []*file              // files of the first scan, for WaitReady
	scanned  chan struct{}        // closed after the first scan

	// finish, closed by Finish, makes Follow read every file to its end
	// before it returns (the followers' tailer.Options.Finish).
	finish     chan struct{}
	finishOnce sync.Once

	hparams hparamFiles // hparamfiles.go

	wg sync.WaitGroup
}

// input is one configured glob with its run namer, static labels and
// profile (nil: detected per file).
type input struct {
	glob        string
	namer       *runNamer
	labelValues []string
	profile     *profile.Profile
	logsOnly    bool // InputConfig.LogsOnly

	// What discovery told the user, guarded by being used by scan only.
	scanned     bool
	found       map[string]bool // files the glob matched at the last scan
	emptySince  time.Time       // when the glob last went from files to none
	warnedEmpty bool
	listings    *listings // the glob's folders, for the next scan
}

// emptyWarnAfter is how long an input may match nothing before a warning:
// a trainer that has not started yet is no mistake.
const emptyWarnAfter = time.Minute

// New builds an engine for a validated config. self may be shared by
// successive engines (config reloads).
func New(cfg Config, self *SelfMetrics, logger *slog.Logger) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if self == nil {
		self = NewSelfMetrics(nil)
	}
	labelNames := cfg.staticLabelNames()
	storeOpts := cfg.storeOptions()
	storeOpts.Dropped = self.seriesDropped
	e := &Engine{
		cfg:      cfg,
		logger:   logger,
		self:     self,
		store:    store.New(storeOpts),
		parser:   cfg.ParserOptions(),
		files:    map[string]*file{},
		byID:     map[fileID][]*file{},
		owners:   map[string]*file{},
		orphaned: map[string]time.Time{},
		scanned:  make(chan struct{}),
		finish:   make(chan struct{}),
		tail: tailer.Options{
			Poll:         cfg.Tail.Poll,
			PollInterval: cfg.Tail.PollInterval,
			MaxLineSize:  cfg.Tail.MaxLineSize,
			Logger:       logger,
		},
	}
	e.collector = store.NewCollector(e.store)
	e.tail.Finish = e.finish
	for _, in := range cfg.AllInputs() {
		values := make([]string, len(labelNames))
		for i, n := range labelNames {
			values[i] = in.Labels[n]
		}
		e.inputs = append(e.inputs, &input{glob: in.Path, namer: newRunNamer(in.Path, in.RunRegex), labelValues: values, profile: cfg.profileOf(in), logsOnly: in.LogsOnly})
	}
	limit := cfg.Tail.MaxOpenFiles
	if limit == 0 {
		limit = DefaultMaxOpenFiles()
	}
	e.tail.Slots = tailer.NewSlots(limit)
	// Reading is parsing, which takes a core: a few followers per core
	// read at once, so that a scrape is not one goroutine among dozens.
	e.tail.Readers = tailer.NewSlots(min(tailer.SpareBuffers, 2*runtime.GOMAXPROCS(0)+2))
	e.tail.IdleClose = cfg.Tail.IdleClose
	self.slots.Store(e.tail.Slots)
	if !e.tail.Poll {
		if err := tailer.InotifyAvailable(); err != nil {
			logger.Warn("inotify unavailable, polling files instead", "err", err)
			e.tail.Poll = true
		}
	}
	return e, nil
}

// Delivery takes every record's samples besides /metrics (remote
// write). The engine asks it how far each file was delivered before, so
// that a restart or reload does not send records again, and waits on it
// before a record when it cannot keep up.
type Delivery interface {
	Append(*store.Batch) // a store.Subscriber
	// DeliveredTo returns the offset of path up to which its records
	// were delivered before (0: none), and the time of the record there
	// in ms (0: not known), which the records after it follow. Called
	// once per file, before its first record.
	DeliveredTo(path string) (offset, timeMs int64)
	// Wait returns when the delivery can take more records, or when
	// done (the engine stopping) is closed.
	Wait(done <-chan struct{})
}

// Unreadable returns the files that could not be read, with the last
// error of each: commands that read files once say so at the end.
func (e *Engine) Unreadable() map[string]error {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]error, len(e.failures.last))
	for path, err := range e.failures.last {
		out[path] = err
	}
	return out
}

// Store is what /metrics and the Collector read.
func (e *Engine) Store() *store.Store { return e.store }

// Collector exposes the engine's store.
func (e *Engine) Collector() *store.Collector { return e.collector }

// knows reports whether path is among the files found and not forgotten.
func (e *Engine) knows(path string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.files[path]
	return ok
}

// fileCounts counts the files being followed or read, and the files set
// aside (dataset.go), in one walk: a scrape takes both from it.
func (e *Engine) fileCounts() (watched, setAside int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.files {
		if f.duplicateOf != nil {
			continue
		}
		if f.failed.IsZero() {
			watched++
		}
		if f.setAside {
			setAside++
		}
	}
	return watched, setAside
}

// filesWatched counts files being followed or read.
func (e *Engine) filesWatched() int {
	n, _ := e.fileCounts()
	return n
}

// filesSetAside counts the files set aside.
func (e *Engine) filesSetAside() int {
	_, n := e.fileCounts()
	return n
}

// Follow discovers and follows files until ctx is done, or until Finish
// was called and every file was read to its end, then waits for every
// follower to stop.
func (e *Engine) Follow(ctx context.Context) error {
	defer e.wg.Wait()
	e.stopping = ctx.Done()
	e.scan(ctx, time.Now())
	close(e.scanned)
	go func() {
		// Catching up on many files leaves read buffers behind that an idle
		// exporter would hold for minutes: collect them once.
		if e.WaitReady(ctx) == nil {
			debug.FreeOSMemory()
		}
	}()
	ticker := time.NewTicker(e.cfg.Discovery.Interval)
	defer ticker.Stop()
	sweep := time.NewTicker(e.sweepInterval())
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-e.finish:
			e.finishReading(ctx)
			return nil
		case now := <-ticker.C:
			e.scan(ctx, now)
		case now := <-sweep.C:
			e.sweep(now)
		}
	}
}

// Finish makes Follow return once it has read what every file holds now,
// the files created since the last scan included: at shutdown, the
// records a trainer wrote in its last moments (after the last wake-up,
// or in a file discovery has not found yet) still reach the delivery.
// Follow's ctx bounds the reading.
func (e *Engine) Finish() { e.finishOnce.Do(func() { close(e.finish) }) }

// finishing reports whether Finish was called.
func (e *Engine) finishing() bool {
	select {
	case <-e.finish:
		return true
	default:
		return false
	}
}

// finishReading is Follow's last scan: the followers it starts, and
// those running, see Finish closed and return once they read their file
// to its end.
func (e *Engine) finishReading(ctx context.Context) {
	e.scan(ctx, time.Now())
	e.wg.Wait()
	// A follower may have closed its idle file while the scan looked at
	// the closed ones: look again now that every follower returned.
	e.lookAtClosed(ctx, time.Now())
}

func (e *Engine) sweepInterval() time.Duration {
	d := time.Second
	for _, limit := range []time.Duration{e.cfg.Run.DeletedGrace, e.cfg.Run.Expiry} {
		if limit > 0 && limit/4 < d {
			d = max(limit/4, 10*time.Millisecond)
		}
	}
	return d
}

// Ready reports, without waiting, what WaitReady waits for.
func (e *Engine) Ready() bool {
	select {
	case <-e.scanned:
	default:
		return false
	}
	e.mu.Lock()
	initial := e.initial
	e.mu.Unlock()
	for _, f := range initial {
		select {
		case <-f.caughtUp:
		default:
			return false
		}
	}
	return true
}

// WaitReady blocks until the files found by the first scan have been
// read to the size they had then, or ctx is done.
func (e *Engine) WaitReady(ctx context.Context) error {
	select {
	case <-e.scanned:
	case <-ctx.Done():
		return ctx.Err()
	}
	e.mu.Lock()
	initial := e.initial
	e.mu.Unlock()
	for _, f := range initial {
		select {
		case <-f.caughtUp:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// scan evaluates every glob and starts a follower for each new file.
func (e *Engine) scan(ctx context.Context, now time.Time) {
	for _, in := range e.inputs {
		matches, err := in.globFiles(true)
		if err != nil {
			// A bad glob was refused by validation; this is an I/O error
			// such as a symlink loop or an unreadable folder: keep the
			// matches found so far.
			e.self.fileErrors.WithLabelValues(fileErrGlob).Inc()
			e.logger.Debug("glob incomplete", "glob", in.glob, "err", err)
			matches, _ = in.globFiles(false)
		}
		found := make(map[string]bool, len(matches))
		for _, path := range matches {
			if e.consider(ctx, in, path, now) {
				found[path] = true
			}
		}
		e.report(in, found, now)
	}
	e.lookAtClosed(ctx, now)
	e.scanHparams()
	e.mu.Lock()
	e.failures.flush(e.logger)
	e.mu.Unlock()
}

// report logs what an input's glob found: at the first scan and whenever
// files come or go, a line with the count (and a debug line per file); a
// warning when it has matched nothing for a while, and a hint when it
// names a folder.
func (e *Engine) report(in *input, found map[string]bool, now time.Time) {
	var added, removed []string
	for path := range found {
		if !in.found[path] {
			added = append(added, path)
		}
	}
	for path := range in.found {
		if !found[path] {
			removed = append(removed, path)
		}
	}
	first := !in.scanned
	in.scanned, in.found = true, found
	for _, path := range added {
		e.logger.Debug("input matches a new file", "glob", in.glob, "path", path)
	}
	for _, path := range removed {
		e.logger.Debug("input no longer matches a file", "glob", in.glob, "path", path)
	}
	switch {
	case first:
		e.logger.Info("input", "glob", in.glob, "files", len(found))
		if fi, err := os.Stat(in.glob); err == nil && fi.IsDir() {
			e.logger.Warn("input is a folder, not a glob of files: did you mean "+
				strconv.Quote(filepath.Join(in.glob, "**", "*.jsonl"))+"?", "glob", in.glob)
			in.warnedEmpty = true // said once is enough
		}
	case len(added) > 0 || len(removed) > 0:
		e.logger.Info("input files changed", "glob", in.glob, "files", len(found), "added", len(added), "removed", len(removed))
	}
	if len(found) > 0 {
		in.emptySince, in.warnedEmpty = time.Time{}, false
		return
	}
	if in.emptySince.IsZero() {
		in.emptySince = now
	}
	if !in.warnedEmpty && now.Sub(in.emptySince) >= emptyWarnAfter {
		in.warnedEmpty = true
		e.logger.Warn("input has matched no file for "+emptyWarnAfter.String()+"; is the glob right?", "glob", in.glob)
	}
}

// consider starts following path unless it is known already, and
// reports whether path is a file (followed, or tried).
func (e *Engine) consider(ctx context.Context, in *input, path string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if f, ok := e.files[path]; ok {
		if f.failed.IsZero() || now.Sub(f.failed) < retryFailedAfter && !f.changedSinceFound() {
			return true
		}
		e.removeFile(path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return false // gone since the glob ran
	}
	if fi.IsDir() {
		return false // a glob such as runs/**/* matches the folders too
	}
	if maxAge := e.cfg.Discovery.MaxAge; maxAge > 0 && now.Sub(fi.ModTime()) > maxAge {
		return true // too old to export; looked at again at the next scan
	}
	var p *profile.Profile
	how := ""
	if in.profile == nil {
		var known bool
		if p, how, known = profileOfFile(path); !known {
			return true // its first bytes will tell; looked at again at the next scan
		}
	}
	f := newFile(e, in, path, fi, p, how)
	e.addFile(path, f)
	if !fi.Mode().IsRegular() {
		f.fail(tailer.ErrNotRegular, now)
		return true
	}
	// The same file under another path (a symlink, a folder symlink loop
	// under **, a hard link) is followed once. The other path is looked at
	// again: it may name a newer file by now, and a deleted file's inode
	// number is soon reused.
	for _, other := range e.sameID(fi) {
		if other == f || other.duplicateOf != nil || !other.failed.IsZero() || !os.SameFile(other.info, fi) {
			continue
		}
		if now, err := os.Stat(other.path); err == nil && os.SameFile(now, fi) {
			f.duplicateOf = other
			e.logger.Debug("file already followed under another path", "path", path, "as", other.path)
			return true
		}
	}
	// Claiming the path's label now, in glob order, makes the winner of a
	// conflict the same on every start. Datasets do not compete for labels
	// (dataset.go).
	if e.claimsWhenFound(f) {
		f.wantRun = f.pathRun
		e.claim(f, f.pathRun)
	}
	select {
	case <-e.scanned:
	default:
		e.initial = append(e.initial, f)
	}
	e.start(ctx, f, func() error {
		if f.isDocument() {
			return tailer.FollowDocument(ctx, path, e.tail, f)
		}
		return tailer.Follow(ctx, path, e.tail, f)
	})
	return true
}

// start runs a follower of f. Called with e.mu held.
func (e *Engine) start(ctx context.Context, f *file, follow func() error) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.ended(ctx, f, follow())
	}()
}

// lookAtClosed reopens the files closed while idle that changed since,
// and lets go of those that are gone: discovery is their only watch.
func (e *Engine) lookAtClosed(ctx context.Context, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.files {
		if f.closedAt == nil || f.duplicateOf != nil {
			continue
		}
		fi, err := os.Stat(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			// Renamed away and not yet created again (a rotation), as an
			// open file is given time to be.
			if f.missingSince.IsZero() {
				f.missingSince = now
			}
			if now.Sub(f.missingSince) < closedRenameGrace {
				continue
			}
			e.logger.Info("file deleted", "path", f.path)
			f.closedAt = nil
			e.forget(f)
			e.release(f, time.Now())
			continue
		}
		f.missingSince = time.Time{}
		if err != nil || !f.closedAt.Changed(fi) {
			continue
		}
		pos := *f.closedAt
		f.closedAt = nil
		e.self.fileReopens.Inc()
		e.start(ctx, f, func() error { return tailer.Resume(ctx, f.path, pos, e.tail, f) })
	}
}

// ended handles a follower that returned.
func (e *Engine) ended(ctx context.Context, f *file, err error) {
	defer f.markCaughtUp()
	var idle *tailer.IdleError
	switch {
	case ctx.Err() != nil:
	case err == nil && e.finishing(): // read to its end at Finish
	case err == nil: // a .gz file read to its end: it stays known
		f.endOfContent()
	case errors.As(err, &idle):
		f.idle()
		e.self.fileCloses.Inc()
		e.mu.Lock()
		f.closedAt = &idle.Position
		e.failures.readable(f.path)
		e.mu.Unlock()
	case errors.Is(err, tailer.ErrDeleted), errors.Is(err, fs.ErrNotExist):
		// ErrNotExist: gone between discovery and open.
		e.logger.Info("file deleted", "path", f.path)
		e.mu.Lock()
		e.forget(f)
		e.release(f, time.Now())
		e.mu.Unlock()
	default:
		e.mu.Lock()
		f.fail(err, time.Now())
		e.release(f, time.Now())
		e.mu.Unlock()
	}
}

// forget drops a deleted file and its other paths, so that the next scan
// finds whatever is there now. Called with e.mu held.
func (e *Engine) forget(f *file) {
	e.failures.readable(f.path)
	for path, other := range e.files {
		if other == f || other.duplicateOf == f {
			e.removeFile(path)
		}
	}
}

// addFile and removeFile keep e.files and its index by file identity
// together. Called with e.mu held.
func (e *Engine) addFile(path string, f *file) {
	e.files[path] = f
	if id, ok := idOf(f.info); ok {
		e.byID[id] = append(e.byID[id], f)
	}
}

func (e *Engine) removeFile(path string) {
	f := e.files[path]
	delete(e.files, path)
	if f == nil {
		return
	}
	if id, ok := idOf(f.info); ok {
		list := slices.DeleteFunc(e.byID[id], func(g *file) bool { return g == f })
		if len(list) == 0 {
			delete(e.byID, id)
		} else {
			e.byID[id] = list
		}
	}
}

// sameID returns the known files that may be fi under another path: those
// with its device and inode number, or every file where these are not
// known. Looking through all of them for each new file made discovering
// 10,000 files take seconds.
func (e *Engine) sameID(fi os.FileInfo) []*file {
	if id, ok := idOf(fi); ok {
		return e.byID[id]
	}
	return slices.Collect(maps.Values(e.files))
}

// claim gives f the run label name, or a unique variant of it when
// another live file already feeds that run. Called with e.mu held.
func (e *Engine) claim(f *file, name string) {
	if owner := e.owners[name]; owner != nil && owner != f && f.runName == "" && owner.continuedBy(f) {
		f.runName = name // a later checkpoint of the same run
		return
	}
	if owner := e.owners[name]; owner != nil && owner != f {
		base := name
		suffix := distinguishingPath(owner.path, f.path)
		name = base + "@" + suffix
		for i := 2; e.owners[name] != nil && e.owners[name] != f; i++ {
			name = base + "@" + suffix + "#" + strconv.Itoa(i)
		}
		e.self.runConflicts.Inc()
		e.logger.Warn("two files resolve to the same run; using a unique run label",
			"run", base, "file", f.path, "other_file", owner.path, "label", name)
	}
	old := f.runName
	if old == name {
		return
	}
	e.owners[name] = f
	delete(e.orphaned, name)
	if old != "" && e.owners[old] == f {
		delete(e.owners, old)
		// A run_name found after some records: move what was read.
		if f.run.Load() != nil {
			e.logger.Info("run renamed by a run_name read after its first records", "path", f.path, "from", old, "to", name)
			if !e.store.Rename(old, name) {
				e.store.Remove(old, "")
			}
		}
	}
	f.runName = name
	f.run.Store(nil) // fetched from the store with the next record
}

// release gives up f's run label; the run is removed after the grace
// period unless another file claims it. A file that was given a unique
// variant of the label because f held it takes the label over now (as
// when a log is replaced by its .gz archive). Called with e.mu held.
func (e *Engine) release(f *file, now time.Time) {
	name := f.runName
	if name == "" || e.owners[name] != f {
		return
	}
	delete(e.owners, name)
	for _, g := range e.files {
		if g != f && g.runName == name && g.duplicateOf == nil && g.failed.IsZero() {
			e.owners[name] = g // another file of the run goes on feeding it
			return
		}
	}
	for _, g := range e.files {
		if g == f || g.wantRun != name || g.runName == name || e.owners[g.runName] != g {
			continue
		}
		e.logger.Info("run label free again; taking it over", "run", name, "file", g.path, "was", g.runName)
		e.store.Remove(name, "") // superseded by g's records
		delete(e.owners, g.runName)
		if g.run.Load() != nil {
			e.store.Rename(g.runName, name)
		}
		e.owners[name] = g
		g.runName = name
		g.run.Store(nil)
		return
	}
	e.orphaned[name] = now
}

// sweep removes runs whose files are gone past the grace period and, when
// configured, runs that stopped writing.
func (e *Engine) sweep(now time.Time) {
	// Removed under e.mu: a file that claims the label meanwhile (an
	// archive replacing the log) must not have its records removed with
	// the deleted file's run.
	e.mu.Lock()
	for name, since := range e.orphaned {
		if now.Sub(since) >= e.cfg.Run.DeletedGrace {
			delete(e.orphaned, name)
			if e.owners[name] != nil {
				continue
			}
			e.logger.Info("removing run of deleted file", "run", name)
			e.store.Remove(name, store.DropFileDeleted)
		}
	}
	e.mu.Unlock()
	if e.cfg.Run.Expiry > 0 {
		for _, name := range e.store.Expire(now.Add(-e.cfg.Run.Expiry)) {
			e.logger.Info("run expired", "run", name, "after", e.cfg.Run.Expiry)
		}
	}
}

// distinguishingPath is b relative to the folder it shares with a.
func distinguishingPath(a, b string) string {
	a, b = filepath.Clean(a), filepath.Clean(b)
	common := filepath.Dir(a)
	for common != filepath.Dir(common) && !strings.HasPrefix(b, common+string(filepath.Separator)) {
		common = filepath.Dir(common)
	}
	if rel, err := filepath.Rel(common, b); err == nil {
		return rel
	}
	return b
}
