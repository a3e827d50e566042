// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Hostile files: each is written while a normal run keeps writing, which
// must go on being exported.

// hostileEnv is an engine following dir while the run "normal" appends
// a record every few milliseconds.
type hostileEnv struct {
	dir  string
	e    *Engine
	self *prometheus.Registry
	log  *logBuffer
}

// startHostileEnv starts the normal writer, runs before (which may create
// hostile files that exist at start-up), then the engine, and waits until
// it has read what exists.
func startHostileEnv(t *testing.T, configure func(*Config), before func(dir string)) *hostileEnv {
	t.Helper()
	env := &hostileEnv{dir: t.TempDir(), self: prometheus.NewRegistry(), log: &logBuffer{}}
	normal := filepath.Join(env.dir, "normal", "logs", "metrics.jsonl")
	appendTo(t, normal, `{"step":0,"train.loss":1}`+"\n")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f, err := os.OpenFile(normal, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			panic(err)
		}
		defer f.Close()
		for step := 1; ctx.Err() == nil; step++ {
			fmt.Fprintf(f, `{"step":%d,"train.loss":%g}`+"\n", step, 1/float64(step))
			time.Sleep(2 * time.Millisecond) // paces the writer
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	if before != nil {
		before(env.dir)
	}

	cfg := testConfig(env.dir, false)
	if configure != nil {
		configure(&cfg)
	}
	e, err := New(cfg, NewSelfMetrics(env.self), newTestLogger(env.log))
	if err != nil {
		t.Fatal(err)
	}
	env.e = e
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Follow(runCtx) }()
	t.Cleanup(func() {
		stop()
		<-done
		if t.Failed() {
			t.Logf("engine log:\n%s", env.log.String())
		}
	})
	ready, cancelReady := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelReady()
	if err := e.WaitReady(ready); err != nil {
		t.Fatalf("engine never read the files that existed at start-up: %v", err)
	}
	return env
}

// normalStep is the step of the normal run as exported now.
func (env *hostileEnv) normalStep(t *testing.T) float64 {
	t.Helper()
	return exposedValues(t, env.e.Collector())[`ml_step{run="normal"}`]
}

// checkNormalRunAdvances waits until the normal run exports a step past
// the one it exports now.
func (env *hostileEnv) checkNormalRunAdvances(t *testing.T) {
	t.Helper()
	from := env.normalStep(t)
	deadline := time.Now().Add(10 * time.Second)
	for env.normalStep(t) <= from {
		if time.Now().After(deadline) {
			t.Fatalf("the normal run stopped at step %v after the hostile input", from)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitForLog waits for a log line holding every part.
func (env *hostileEnv) waitForLog(t *testing.T, parts ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(env.log.linesWith(parts...)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q; log:\n%s", parts, env.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	return b.String()
}

func TestHostileInput(t *testing.T) {
	tests := []struct {
		name      string
		configure func(*Config)
		atStart   bool // written before the engine starts
		write     func(t *testing.T, dir string)
		wantSelf  []string
		want      []string   // series of the hostile file's run, read after the hostile lines
		absent    []string   // series prefixes that must not appear
		wantLogs  [][]string // each: the parts of one log line
		check     func(t *testing.T, env *hostileEnv)
	}{
		{
			name: "100000 distinct keys",
			configure: func(c *Config) {
				c.MaxSeries = 100
				c.Tail.MaxLineSize = 4 << 20
			},
			write: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, "wide", "logs", "metrics.jsonl"),
					`{"step":1,`+manyKeys(100000)+"}\n"+
						`{"step":1,"metrics":{`+manyKeys(100000)+"}}\n"+
						`{"step":2,"train.loss":0.5,"val.acc":0.75}`+"\n")
			},
			wantSelf: []string{
				`jsonl_exporter_parse_errors_total{reason="too_many_keys"} 2`,
				`jsonl_exporter_series_dropped_total{reason="max_series"} 0`,
			},
			want:     []string{`ml_train_loss{run="wide"} 0.5`, `ml_val_acc{run="wide"} 0.75`, `ml_step{run="wide"} 2`},
			absent:   []string{`ml_k0{`, `ml_k99999{`, `ml_metrics_k0{`},
			wantLogs: [][]string{{`msg="skipping unusable line`, "wide/logs/metrics.jsonl", "line=1", "reason=too_many_keys"}},
		},
		{
			name: "10000 levels of nesting",
			write: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, "deep", "logs", "metrics.jsonl"),
					strings.Repeat(`{"a":`, 10000)+"1"+strings.Repeat("}", 10000)+"\n"+
						`{"step":1,"m":`+strings.Repeat("[", 10000)+strings.Repeat("]", 10000)+"}\n"+
						`{"step":2,"train.loss":0.25}`+"\n")
			},
			wantSelf: []string{`jsonl_exporter_parse_errors_total{reason="too_deep"} 2`},
			want:     []string{`ml_train_loss{run="deep"} 0.25`, `ml_step{run="deep"} 2`},
			wantLogs: [][]string{{`msg="skipping unusable line`, "deep/logs/metrics.jsonl", "line=1", "reason=too_deep"}},
		},
		{
			name: "invalid UTF-8",
			write: func(t *testing.T, dir string) {
				appendTo(t, filepath.Join(dir, "utf8", "logs", "metrics.jsonl"),
					`{"step":9,"train.loss":9,"na`+"\xff"+`me":1}`+"\n"+
						`{"_type":"run_start","run_name":"r`+"\xc3"+`"}`+"\n"+
						"\xff\xfe\n"+
						`{"step":4,"train.loss":0.125}`+"\n")
			},
			wantSelf: []string{`jsonl_exporter_parse_errors_total{reason="invalid_utf8"} 3`},
			want:     []string{`ml_train_loss{run="utf8"} 0.125`, `ml_step{run="utf8"} 4`},
			absent:   []string{`ml_na_me{`, `ml_step{run="r`},
			wantLogs: [][]string{{`msg="skipping unusable line`, "utf8/logs/metrics.jsonl", "line=1", "reason=invalid_utf8"}},
		},
		{
			name:    "FIFO and folder named like logs",
			atStart: true, // a FIFO that blocked the open would block WaitReady
			write: func(t *testing.T, dir string) {
				if err := os.MkdirAll(filepath.Join(dir, "pipe"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := syscall.Mkfifo(filepath.Join(dir, "pipe", "x.jsonl"), 0o644); err != nil {
					t.Skip("cannot make a FIFO:", err)
				}
				if err := os.MkdirAll(filepath.Join(dir, "folder", "y.jsonl"), 0o755); err != nil {
					t.Fatal(err)
				}
				appendTo(t, filepath.Join(dir, "after", "logs", "metrics.jsonl"), `{"step":1,"train.loss":2}`+"\n")
			},
			// Folders are no files to follow, whatever their name: a glob
			// such as runs/**/* matches them all.
			wantSelf: []string{`jsonl_exporter_file_errors_total{reason="not_regular"} 1`},
			want:     []string{`ml_train_loss{run="after"} 2`},
			wantLogs: [][]string{
				{`msg="cannot read file; retrying later"`, "pipe/x.jsonl", "reason=not_regular"},
			},
		},
		{
			name: "symlink loops",
			write: func(t *testing.T, dir string) {
				loop := filepath.Join(dir, "loop")
				appendTo(t, filepath.Join(dir, "self", "logs", "metrics.jsonl"), `{"step":1,"train.loss":3}`+"\n")
				for _, l := range []struct{ target, name string }{
					{"b", filepath.Join(loop, "a")},
					{"a", filepath.Join(loop, "b")},
					{"d.jsonl", filepath.Join(loop, "c.jsonl")},
					{"c.jsonl", filepath.Join(loop, "d.jsonl")},
					{".", filepath.Join(dir, "self", "logs", "again")}, // a folder that contains itself, under **
				} {
					if err := os.MkdirAll(filepath.Dir(l.name), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.Symlink(l.target, l.name); err != nil {
						t.Fatal(err)
					}
				}
			},
			// The glob stops at the loop (it is counted and logged) and
			// the exporter keeps the matches found. Duplicates through
			// self/logs/again/...: TestSymlinkLoopFollowsEachFileOnce.
			want: []string{`ml_train_loss{run="self"} 3`},
			check: func(t *testing.T, env *hostileEnv) {
				waitForValue(t, env.self, `jsonl_exporter_file_errors_total{reason="glob"}`, func(v float64) bool { return v >= 1 })
			},
			wantLogs: [][]string{{`msg="glob incomplete"`, "too many levels of symbolic links"}},
		},
		{
			name: "file without read permission",
			write: func(t *testing.T, dir string) {
				if os.Geteuid() == 0 {
					t.Skip("running as root, which reads any file: the permission check needs an unprivileged user")
				}
				path := filepath.Join(dir, "locked", "logs", "metrics.jsonl")
				appendTo(t, path, `{"step":1,"train.loss":2}`+"\n")
				if err := os.Chmod(path, 0); err != nil {
					t.Fatal(err)
				}
			},
			wantSelf: []string{`jsonl_exporter_file_errors_total{reason="permission"} 1`},
			absent:   []string{`ml_train_loss{run="locked"}`},
			wantLogs: [][]string{{`msg="cannot read file; retrying later"`, "locked/logs/metrics.jsonl", "reason=permission"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before func(string)
			if tt.atStart {
				before = func(dir string) { tt.write(t, dir) }
			}
			env := startHostileEnv(t, tt.configure, before)
			if !tt.atStart {
				env.checkNormalRunAdvances(t)
				tt.write(t, env.dir)
			}
			eventually(t, env.self, tt.wantSelf)
			eventually(t, env.e.Collector(), tt.want, tt.absent...)
			for _, parts := range tt.wantLogs {
				env.waitForLog(t, parts...)
			}
			if tt.check != nil {
				tt.check(t, env)
			}
			env.checkNormalRunAdvances(t)
		})
	}
}

// waitForValue waits until the series (`name{labels}`) has a value that
// satisfies ok.
func waitForValue(t *testing.T, c prometheus.Collector, series string, ok func(float64) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, found := exposedValues(t, c)[series]
		if found && ok(v) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v (exposed: %v), never the value wanted", series, v, found)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSymlinkLoopFollowsEachFileOnce: a folder symlink that points to its
// own folder, under a ** glob, must not make one file many runs.
func TestSymlinkLoopFollowsEachFileOnce(t *testing.T) {
	// Regression: ** follows folder symlinks; each file must be followed once.
	dir := t.TempDir()
	path := filepath.Join(dir, "self", "logs", "metrics.jsonl")
	appendTo(t, path, `{"step":1,"train.loss":3}`+"\n")
	if err := os.Symlink(".", filepath.Join(dir, "self", "logs", "again")); err != nil {
		t.Fatal(err)
	}
	e, self := startEngine(t, testConfig(dir, true))
	eventually(t, e.Collector(), []string{`ml_train_loss{run="self"} 3`})
	// A file created later is found by a later scan: by then every path of
	// the first scan has been followed and read.
	appendTo(t, filepath.Join(dir, "later", "logs", "metrics.jsonl"), `{"step":1,"train.loss":1}`+"\n")
	eventually(t, e.Collector(), []string{`ml_train_loss{run="later"} 1`})
	eventually(t, e.Collector(), nil, `ml_train_loss{run="again`)
	eventually(t, self, []string{`jsonl_exporter_run_name_conflicts_total 0`})
}

// TestHugeLineMemoryBounded writes a 64 MiB line with a 1 MiB line limit.
// The tailer never buffers more than max(64 KiB, max-line-size + 1) bytes
// of one line: past the limit it only counts bytes until the newline. So
// the memory used does not depend on the line's length, and a bounded heap
// for 64 MiB proves the same bound for 1 GiB without writing 1 GiB in CI.
func TestHugeLineMemoryBounded(t *testing.T) {
	const (
		lineSize = 64 << 20
		chunk    = 1 << 20
	)
	env := startHostileEnv(t, func(c *Config) { c.Tail.MaxLineSize = 1 << 20 }, nil)
	path := filepath.Join(env.dir, "huge", "logs", "metrics.jsonl")
	appendTo(t, path, `{"step":1,"train.loss":4}`+"\n")
	eventually(t, env.e.Collector(), []string{`ml_train_loss{run="huge"} 4`})

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	peak := sampleHeapPeak()

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Valid JSON, so that a limit that leaked would change the gauge.
	if _, err := f.WriteString(`{"step":-1,"train.loss":-1,"pad":"`); err != nil {
		t.Fatal(err)
	}
	buf := []byte(strings.Repeat("x", chunk))
	for range lineSize / chunk {
		if _, err := f.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.WriteString(`"}` + "\n" + `{"step":2,"train.loss":0.5}` + "\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, env.self, []string{`jsonl_exporter_parse_errors_total{reason="line_too_long"} 1`})
	eventually(t, env.e.Collector(), []string{`ml_train_loss{run="huge"} 0.5`, `ml_step{run="huge"} 2`})
	growth := int64(peak()) - int64(base)
	t.Logf("heap: %d MiB before, peak growth %d MiB while reading a %d MiB line", base>>20, growth>>20, lineSize>>20)
	if growth >= 64<<20 {
		t.Errorf("heap grew by %d MiB while reading a %d MiB line, want less than 64 MiB", growth>>20, lineSize>>20)
	}
	env.waitForLog(t, `msg="skipping unusable line`, "huge/logs/metrics.jsonl", "line=2", "reason=line_too_long")
	env.checkNormalRunAdvances(t)
}

// sampleHeapPeak samples HeapAlloc until the returned function is called,
// which returns the highest value seen.
func sampleHeapPeak() func() uint64 {
	stop := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var ms runtime.MemStats
		var peak uint64
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				result <- peak
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(stop); return <-result }
}

// TestFileVanishingBeforeOpenIsRetried: a file deleted between the scan
// that finds it and the follower's open must be forgotten, not marked as
// failed, so that the file created again at that path is followed at once.
func TestFileVanishingBeforeOpenIsRetried(t *testing.T) {
	// Regression: a file gone between discovery and open is a deleted file, not a read error.
	dir := t.TempDir()
	cfg := testConfig(dir, true)
	cfg.Discovery.Interval = time.Millisecond
	e, self := startEngine(t, cfg)
	path := filepath.Join(dir, "flaky", "logs", "metrics.jsonl")
	// Created and deleted again and again: some deletions fall between a
	// scan and the open.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		appendTo(t, path, `{"step":`+strconv.Itoa(i)+`,"train.loss":1}`+"\n")
		time.Sleep(time.Duration(rng.IntN(1000)) * time.Microsecond) // varies where the deletion falls
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond) // lets a follower started meanwhile try its open
	}
	appendTo(t, path, `{"step":7,"train.loss":0.5}`+"\n")
	eventually(t, e.Collector(), []string{`ml_train_loss{run="flaky"} 0.5`, `ml_step{run="flaky"} 7`})
	eventually(t, self, []string{`jsonl_exporter_file_errors_total{reason="read"} 0`})
}

// TestSeriesCapAndExpiryUnderLoad: runs writing new keys in every record
// never push the series past max-series, refused series are counted, the
// exporter's own series stay as they are, and quiet runs expire.
//
// While keys are being created only the exporter's own registry is read;
// scrapes of the runs' series during creation are the subject of
// TestScrapeWhileSeriesAreCreated and TestScrapeWhileRunsComeAndGo.
func TestSeriesCapAndExpiryUnderLoad(t *testing.T) {
	const (
		maxSeries = 50
		writers   = 8
	)
	dir := t.TempDir()
	appendTo(t, filepath.Join(dir, "quiet", "logs", "metrics.jsonl"), `{"step":1,"q":1}`+"\n")
	cfg := testConfig(dir, false)
	cfg.MaxSeries = maxSeries
	cfg.Run.Expiry = time.Second
	reg := prometheus.NewRegistry()
	svc := NewService(reg, nil)
	if err := svc.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	eventually(t, svc.Engine().Collector(), []string{`ml_q{run="quiet"} 1`})
	ownSeries := selfSeriesNames(t, reg)

	var written atomic.Int64
	written.Add(1) // the quiet run's line
	ctx, stopWriters := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stopWriters(); wg.Wait() }()
	for w := range writers {
		path := filepath.Join(dir, fmt.Sprintf("busy-%d", w), "logs", "metrics.jsonl")
		appendTo(t, path, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				panic(err)
			}
			defer f.Close()
			for step := 0; ctx.Err() == nil; step++ {
				var b strings.Builder
				fmt.Fprintf(&b, `{"step":%d`, step)
				for k := range 5 {
					fmt.Fprintf(&b, `,"x%d_%d":%d`, w, step*5+k, k)
				}
				b.WriteString("}\n")
				if _, err := f.WriteString(b.String()); err != nil {
					panic(err)
				}
				written.Add(1)
				time.Sleep(time.Millisecond) // paces the writer
			}
		}()
	}

	// While the writers create keys, the cap holds at every look, until it
	// is reached, keys are refused, and a run (the quiet one) expired.
	highest := 0.0
	deadline := time.Now().Add(20 * time.Second)
	for {
		self := exposedValues(t, reg)
		series := self["jsonl_exporter_series"]
		highest = max(highest, series)
		if series > maxSeries {
			t.Fatalf("jsonl_exporter_series %v, past the cap of %d", series, maxSeries)
		}
		if highest == maxSeries && self[`jsonl_exporter_series_dropped_total{reason="max_series"}`] > 0 &&
			self[`jsonl_exporter_series_dropped_total{reason="run_expired"}`] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("highest jsonl_exporter_series %v, want %d; own series:\n%v", highest, maxSeries, self)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := selfSeriesNames(t, reg); got != ownSeries {
		t.Errorf("the exporter's own series changed under load:\nbefore:\n%s\nafter:\n%s", ownSeries, got)
	}

	// Once every line is read, the series exposed from keys are within the
	// cap too, and the quiet run is gone.
	stopWriters()
	wg.Wait()
	waitForValue(t, reg, "jsonl_exporter_lines_read_total", func(v float64) bool { return v == float64(written.Load()) })
	keySeries := 0
	for _, line := range boundedScrape(t, svc.Engine().Collector()) {
		if strings.HasPrefix(line, "ml_x") || strings.HasPrefix(line, "ml_q{") {
			keySeries++
		}
	}
	if keySeries > maxSeries {
		t.Errorf("%d series exposed from keys, past the cap of %d", keySeries, maxSeries)
	}
	eventually(t, svc.Engine().Collector(), nil, `ml_q{run="quiet"}`, `ml_step{run="quiet"}`)

	// Quiet for longer than the expiry: every run goes, and frees its series.
	eventually(t, svc.Engine().Collector(), nil, "ml_")
	eventually(t, reg, []string{"jsonl_exporter_series 0", "jsonl_exporter_runs 0"})
	waitForValue(t, reg, `jsonl_exporter_series_dropped_total{reason="run_expired"}`, func(v float64) bool { return v >= maxSeries })
}

// TestScrapeWhileSeriesAreCreated scrapes while runs keep creating series.
func TestScrapeWhileSeriesAreCreated(t *testing.T) {
	// Regression: a scrape reading values must not hold famMu while it takes run locks.
	dir := t.TempDir()
	cfg := testConfig(dir, false)
	cfg.MaxSeries = 20
	reg := prometheus.NewRegistry()
	svc := NewService(reg, nil)
	if err := svc.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	ctx, stopWriters := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stopWriters(); wg.Wait() }()
	for w := range 4 {
		path := filepath.Join(dir, fmt.Sprintf("busy-%d", w), "logs", "metrics.jsonl")
		appendTo(t, path, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				panic(err)
			}
			defer f.Close()
			for step := 0; ctx.Err() == nil; step++ {
				fmt.Fprintf(f, `{"step":%d,"k%d":1}`+"\n", step, step)
				time.Sleep(time.Millisecond) // paces the writer
			}
		}()
	}
	for w := range 4 {
		waitForValue(t, svc.Engine().Collector(), fmt.Sprintf(`ml_step{run="busy-%d"}`, w), func(v float64) bool { return v > 0 })
	}
	// boundedScrape ends the test binary with every stack if it hangs.
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
		boundedScrape(t, svc.Engine().Collector())
	}
}

// selfSeriesNames lists the jsonl_exporter_* series of reg, without values.
func selfSeriesNames(t *testing.T, reg prometheus.Gatherer) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "jsonl_exporter_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			names = append(names, mf.GetName()+"{"+strings.Join(labels, ",")+"}")
		}
	}
	return strings.Join(names, "\n")
}

// TestRefusedKeysDoNotGrowMemory: keys refused by max-series must cost no
// memory, or a stream of distinct keys grows the exporter without bound.
func TestRefusedKeysDoNotGrowMemory(t *testing.T) {
	// Regression: refused keys must not keep memory.
	const (
		lines       = 5000
		keysPerLine = 100
	)
	dir := t.TempDir()
	cfg := testConfig(dir, false)
	cfg.MaxSeries = 10
	e, self := startEngine(t, cfg)
	path := filepath.Join(dir, "keys", "logs", "metrics.jsonl")
	appendTo(t, path, `{"step":0,"loss":1}`+"\n")
	eventually(t, self, []string{"jsonl_exporter_lines_read_total 1"})
	eventually(t, e.Collector(), []string{`ml_loss{run="keys"} 1`})
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for line := range lines {
		b.Reset()
		fmt.Fprintf(&b, `{"step":%d`, line+1)
		for k := range keysPerLine {
			fmt.Fprintf(&b, `,"k%d":1`, line*keysPerLine+k)
		}
		b.WriteString("}\n")
		if _, err := f.WriteString(b.String()); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// Only the exporter's own registry is read meanwhile (see
	// TestScrapeWhileSeriesAreCreated).
	waitForValue(t, self, "jsonl_exporter_lines_read_total", func(v float64) bool { return v == lines+1 })
	runtime.GC()
	runtime.ReadMemStats(&ms)
	growth := int64(ms.HeapAlloc) - int64(before)
	t.Logf("heap grew by %d KiB for %d refused keys", growth>>10, lines*keysPerLine)
	if growth > 16<<20 {
		t.Errorf("heap grew by %d MiB for %d refused keys, want less than 16 MiB", growth>>20, lines*keysPerLine)
	}
}
