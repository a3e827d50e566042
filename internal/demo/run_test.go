// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

var clockStart = time.Date(2025, 11, 26, 0, 0, 0, 0, time.UTC)

// writeBounded runs the simulator until maxRuns runs have finished.
func writeBounded(t *testing.T, opts Options, maxRuns int) {
	t.Helper()
	if err := run(t.Context(), opts, maxRuns); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRunWritesRealisticRuns(t *testing.T) {
	tests := []struct {
		name          string
		runs, maxRuns int
		epochs, steps int
	}{
		{"three concurrent runs", 3, 3, 6, 20},
		{"one run at a time", 1, 2, 5, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeBounded(t, Options{
				Dir: dir, Runs: tt.runs, Interval: time.Millisecond, Epochs: tt.epochs, StepsPerEpoch: tt.steps,
				Seed: 42, Now: newFakeClock(clockStart).Now,
			}, tt.maxRuns)

			logs := runLogs(t, dir)
			var want []string
			for k := range tt.maxRuns {
				want = append(want, profileFor(k).name)
			}
			slices.Sort(want)
			if got := sortedKeys(logs); !slices.Equal(got, want) {
				t.Fatalf("run folders = %v, want %v", got, want)
			}

			totalSpikes, totalNaN, wantSpikes, wantNaN := 0, 0, 0, 0
			for k := range tt.maxRuns {
				n := len(incidentPoints(incidentFor(k), epochsFor(k, tt.epochs), tt.steps))
				switch incidentFor(k) {
				case incidentSpike:
					wantSpikes += n
				case incidentNaN:
					wantNaN += n
				}
			}
			firstTimes, lastTimes := map[string]float64{}, map[string]float64{}
			for name, path := range logs {
				recs := readRecords(t, path)
				epochs := tt.epochs
				if name == profileFor(shortRun).name {
					epochs = epochsFor(shortRun, tt.epochs)
				}
				checkHeader(t, name, recs)
				checkTimes(t, name, recs)
				checkEpochs(t, name, recs, epochs, tt.steps)
				checkCurves(t, name, recs, tt.steps)
				losses := metricValues(filter(recs, record.isTrain), "train.loss")
				totalSpikes += countSpikes(losses)
				for _, r := range recs {
					totalNaN += strings.Count(r.raw, "NaN")
				}
				firstTimes[name], lastTimes[name] = recs[0].time, recs[len(recs)-1].time
			}
			if totalSpikes != wantSpikes || wantSpikes != 2 {
				t.Errorf("found %d loss spikes across runs, want %d (2)", totalSpikes, wantSpikes)
			}
			if totalNaN != wantNaN || wantNaN != 2 {
				t.Errorf("found %d NaN tokens across runs, want %d (2)", totalNaN, wantNaN)
			}
			checkConcurrency(t, tt.runs, tt.maxRuns, firstTimes, lastTimes)
		})
	}
}

func checkHeader(t *testing.T, run string, recs []record) {
	t.Helper()
	if len(recs) < 3 {
		t.Fatalf("%s: only %d records", run, len(recs))
	}
	if recs[0].typ != "run_start" || recs[0].fields["run_name"] != run {
		t.Errorf("%s: first record = %s, want a run_start named %q", run, recs[0].raw, run)
	}
	cfg, ok := recs[1].fields["config"].(map[string]any)
	if recs[1].typ != "config" || !ok || cfg["lr"] == nil || cfg["batch_size"] == nil {
		t.Errorf("%s: second record = %s, want a config with lr and batch_size", run, recs[1].raw)
	}
	// The exporter's progress needs the total: steps, or epochs times steps per epoch.
	if total, epochs, per := cfg["total_steps"], cfg["epochs"], cfg["steps_per_epoch"]; total == nil || epochs == nil || per == nil ||
		total.(float64) != epochs.(float64)*per.(float64) {
		t.Errorf("%s: config = %s, want total_steps = epochs × steps_per_epoch", run, recs[1].raw)
	}
	meta := recs[2].fields
	if recs[2].typ != "meta" || meta["host"] == nil || meta["user"] == nil || meta["world_size"] == nil {
		t.Errorf("%s: third record = %s, want meta with host, user and world_size", run, recs[2].raw)
	}
}

func checkTimes(t *testing.T, run string, recs []record) {
	t.Helper()
	prev := 0.0
	for _, r := range recs {
		if r.typ == "meta" {
			continue
		}
		if r.time < float64(clockStart.Unix()) || r.time < prev {
			t.Fatalf("%s: time %f after %f in %s: want Unix seconds from the clock, never going back", run, r.time, prev, r.raw)
		}
		prev = r.time
	}
}

// checkEpochs checks the step resets at each epoch, and that each epoch ends
// with exactly one validation and one epoch_end record. Runs in the seed
// trainer's shape give those the next epoch, as it does.
func checkEpochs(t *testing.T, run string, recs []record, epochs, steps int) {
	t.Helper()
	after := 0
	for _, p := range catalogue {
		if strings.HasPrefix(run, p.name) && p.shape == shapeAliased {
			after = 1
		}
	}
	i := 3 // after the header
	for e := range epochs {
		for s := range steps {
			if i >= len(recs) || !recs[i].isTrain() || recs[i].epoch != e || recs[i].step != s {
				t.Fatalf("%s: record %d = %s, want train record epoch %d step %d", run, i+1, recs[i].raw, e, s)
			}
			i++
		}
		if i+1 >= len(recs) {
			t.Fatalf("%s: log ends inside epoch %d", run, e)
		}
		if val := recs[i]; !val.isVal() || val.epoch != e+after || val.step != steps-1 {
			t.Errorf("%s: record %d = %s, want validation for epoch %d", run, i+1, val.raw, e)
		}
		end := recs[i+1]
		if _, ok := end.metrics["data.truncation_rate"]; end.typ != "epoch_end" || end.epoch != e+after || end.step != steps-1 || !ok {
			t.Errorf("%s: record %d = %s, want epoch_end for epoch %d with data.truncation_rate", run, i+2, end.raw, e)
		}
		i += 2
	}
	// Then the summary that closes the run, and nothing after it.
	if i >= len(recs) || recs[i].typ != "summary" || recs[i].fields["train_runtime"] == nil || recs[i].fields["train_loss"] == nil {
		t.Errorf("%s: no summary record with train_runtime and train_loss after the last epoch_end", run)
	} else if recs[i].time != recs[i-1].time {
		t.Errorf("%s: summary at %f, want with the last epoch_end at %f", run, recs[i].time, recs[i-1].time)
	}
	if i+1 < len(recs) {
		t.Errorf("%s: %d records after the summary", run, len(recs)-i-1)
	}
}

func checkCurves(t *testing.T, run string, recs []record, steps int) {
	t.Helper()
	train := filter(recs, record.isTrain)
	losses := metricValues(train, "train.loss")
	if first, last := finiteMean(losses[:steps]), finiteMean(losses[len(losses)-steps:]); !(last < first) {
		t.Errorf("%s: mean train loss %g in the last epoch, %g in the first: want a decrease", run, last, first)
	}

	lrs := metricValues(train, "train.lr")
	peak := slices.Index(lrs, slices.Max(lrs))
	if peak == 0 {
		t.Errorf("%s: lr peaks at the first step: want a warmup", run)
	}
	for i := 1; i < len(lrs); i++ {
		if i <= peak && lrs[i] <= lrs[i-1] || i > peak && lrs[i] > lrs[i-1] {
			t.Fatalf("%s: lr %g -> %g at train record %d (peak at %d): want warmup then decay", run, lrs[i-1], lrs[i], i, peak)
		}
	}
	if last := lrs[len(lrs)-1]; last > lrs[peak]/10 {
		t.Errorf("%s: last lr %g, peak %g: want a decay to a small value", run, last, lrs[peak])
	}
	for _, name := range []string{"train.avg_loss", "train.throughput", "train.grad_norm"} {
		for _, v := range metricValues(train, name) {
			if !(v > 0) || math.IsInf(v, 0) {
				t.Fatalf("%s: %s = %g, want finite and positive", run, name, v)
			}
		}
		if got := len(metricValues(train, name)); got != len(train) {
			t.Errorf("%s: %s in %d of %d train records", run, name, got, len(train))
		}
	}

	val := filter(recs, record.isVal)
	valLoss := metricValues(val, "val.loss")
	acc := append(metricValues(val, "val.accuracy"), metricValues(val, "val.mlm_acc")...)
	if len(acc) != len(val) {
		t.Fatalf("%s: %d accuracies in %d validation records", run, len(acc), len(val))
	}
	if !(valLoss[len(valLoss)-1] < valLoss[0]) || !(acc[len(acc)-1] > acc[0]) {
		t.Errorf("%s: val loss %v, accuracy %v: want loss down and accuracy up", run, valLoss, acc)
	}
	// Validation runs on the end-of-epoch model: a bit above its train loss.
	for e, v := range valLoss {
		end := metricValues(train[(e+1)*steps-3:(e+1)*steps], "train.loss")
		if lo, hi := slices.Min(end), slices.Max(end); !(v > lo && v < 1.3*hi) {
			t.Errorf("%s: epoch %d val loss %g, train loss over its last steps %v: want a bit above", run, e, v, end)
		}
	}
}

// checkConcurrency checks that at most runs runs were live at any time: a run
// starts only after another has finished once all slots are taken.
func checkConcurrency(t *testing.T, runs, maxRuns int, first, last map[string]float64) {
	t.Helper()
	for k := runs; k < maxRuns; k++ {
		next := profileFor(k).name
		predecessor := profileFor(k - runs).name
		if !(first[next] > last[predecessor]) {
			t.Errorf("run %s started at %f, before %s finished at %f", next, first[next], predecessor, last[predecessor])
		}
	}
	for k := 1; k < min(runs, maxRuns); k++ {
		if a, b := first[profileFor(0).name], first[profileFor(k).name]; a != b {
			t.Errorf("first runs started at %f and %f, want together", a, b)
		}
	}
}

func TestRunIsDeterministicForASeed(t *testing.T) {
	write := func(seed int64, start time.Time) map[string]string {
		dir := t.TempDir()
		writeBounded(t, Options{
			Dir: dir, Interval: time.Millisecond, Epochs: 5, StepsPerEpoch: 8, Seed: seed, Now: newFakeClock(start).Now,
		}, 3)
		return readAll(t, dir)
	}
	timeValue := regexp.MustCompile(`"time":[0-9.]+`)
	withoutTimes := func(logs map[string]string) map[string]string {
		out := map[string]string{}
		for name, text := range logs {
			out[name] = timeValue.ReplaceAllString(text, `"time":T`)
		}
		return out
	}

	first := write(7, clockStart)
	tests := []struct {
		name     string
		seed     int64
		start    time.Time
		wantSame bool
	}{
		{"same seed and clock", 7, clockStart, true},
		{"same seed, other clock", 7, clockStart.Add(time.Hour), true},
		{"other seed", 8, clockStart, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			second := write(tt.seed, tt.start)
			if !slices.Equal(sortedKeys(first), sortedKeys(second)) {
				t.Fatalf("runs %v, then %v", sortedKeys(first), sortedKeys(second))
			}
			a, b := withoutTimes(first), withoutTimes(second)
			for _, name := range sortedKeys(a) {
				if same := a[name] == b[name]; same != tt.wantSame {
					t.Errorf("%s: content same = %v, want %v", name, same, tt.wantSame)
				}
			}
		})
	}
	if again := write(7, clockStart); !slices.EqualFunc(sortedKeys(first), sortedKeys(again), func(a, b string) bool {
		return first[a] == again[b]
	}) {
		t.Error("same seed and same clock: files differ byte for byte")
	}
}

func TestRunStartsAtOnceAndStopsPromptly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- Simulate(ctx, Options{Dir: dir, Interval: time.Hour}) }()
		synctest.Wait() // Simulate is blocked waiting for its first tick

		logs := runLogs(t, dir)
		if len(logs) != defaultRuns {
			t.Fatalf("%d runs before the first tick, want %d", len(logs), defaultRuns)
		}
		for name, path := range logs {
			recs := readRecords(t, path)
			if len(recs) != 4 || !recs[3].isTrain() {
				t.Errorf("%s: %d records before the first tick, want the header and one train record", name, len(recs))
			}
		}

		cancelled := time.Now()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
		// In the bubble time moves only when everything waits: any wait for a
		// tick after cancel would show here.
		if waited := time.Since(cancelled); waited != 0 {
			t.Errorf("Run returned %v after cancel, want without waiting", waited)
		}
	}) // synctest fails the test if Run left a goroutine behind.
}

func TestRunReplacesFinishedRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		const epochs, steps = 2, 5
		go func() { done <- Simulate(ctx, Options{Dir: dir, Epochs: epochs, StepsPerEpoch: steps}) }()

		// Ticks 0..9 write the first runs; tick 10 starts their successors.
		// Wake half an interval after tick 10 so the order is not a tie.
		time.Sleep(epochs*steps*defaultInterval + defaultInterval/2)
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run = %v", err)
		}

		logs := runLogs(t, dir)
		if len(logs) != 2*defaultRuns {
			t.Fatalf("runs %v, want %d", sortedKeys(logs), 2*defaultRuns)
		}
		for k := range 2 * defaultRuns {
			name := profileFor(k).name
			recs := readRecords(t, logs[name])
			wantLen := 3 + epochs*(steps+2) + 1 // a complete run and its summary
			if k >= defaultRuns {
				wantLen = 4 // the header and its first step
			}
			if len(recs) != wantLen {
				t.Errorf("%s: %d records, want %d", name, len(recs), wantLen)
			}
		}
	})
}

func TestRunErrors(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"no dir", Options{}, "demo: Dir must be set"},
		{"negative runs", Options{Dir: "x", Runs: -1}, "demo: Runs must not be negative, got -1"},
		{"negative interval", Options{Dir: "x", Interval: -time.Second}, "demo: Interval must not be negative, got -1000000000"},
		{"negative steps", Options{Dir: "x", StepsPerEpoch: -2}, "demo: StepsPerEpoch must not be negative, got -2"},
		{"negative epochs", Options{Dir: "x", Epochs: -3}, "demo: Epochs must not be negative, got -3"},
		{"dir is a file", Options{Dir: notADir}, "demo: create run folder: mkdir " + notADir + ": not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Simulate(t.Context(), tt.opts)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Run = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestRunWithCancelledContextWritesNothing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Simulate(ctx, Options{Dir: dir}); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if logs := runLogs(t, dir); len(logs) != 0 {
		t.Errorf("wrote runs %v after cancel", sortedKeys(logs))
	}
}

// TestShortRunFinishesInTheFirstMinute: with the defaults, one of the first
// runs writes its summary within a minute, so the Runs dashboard shows a
// finished run to a newcomer; the others run all their epochs.
func TestShortRunFinishesInTheFirstMinute(t *testing.T) {
	if shortRun >= defaultRuns {
		t.Fatalf("short run %d does not start with the first %d runs", shortRun, defaultRuns)
	}
	steps := epochsFor(shortRun, defaultEpochs) * defaultStepsPerEpoch
	if took := time.Duration(steps-1) * defaultInterval; took >= time.Minute {
		t.Errorf("short run writes its summary after %v, want within a minute", took)
	}
	for k := range 2 * len(catalogue) {
		if got := epochsFor(k, defaultEpochs); k != shortRun && got != defaultEpochs {
			t.Errorf("run %d has %d epochs, want %d", k, got, defaultEpochs)
		}
	}
	for _, epochs := range []int{1, 2, 5, 20, 100} {
		if got := epochsFor(shortRun, epochs); got < min(2, epochs) || got > epochs {
			t.Errorf("short run of %d epochs has %d", epochs, got)
		}
	}
}
