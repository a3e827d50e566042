// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jsonl-exporter/jsonl-exporter/internal/hparams"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// applyLine parses line and applies it to run at read time at.
func applyLine(t *testing.T, run *RunState, line string, at time.Time) {
	t.Helper()
	var rec record.Record
	if err := record.NewParser(record.Options{}).Parse([]byte(line), &rec); err != nil {
		t.Fatal(err)
	}
	if !run.Apply(&rec, at, nil) {
		t.Fatal("run gone")
	}
}

func mustYAML(t *testing.T, text string) hparams.Set {
	t.Helper()
	s, err := hparams.FromYAML([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHparamsExposition(t *testing.T) {
	s := New(Options{Namespace: "ml", LabelNames: []string{"cluster"}, MaxSeries: 1000})
	run := s.RunState("bert", []string{"c1"})
	applyLine(t, run, `{"_type":"config","time":1700000000,"config":{"lr":3e-4,"batch_size":64,"model":"bert-small","layers":12,"opt":{"betas":[0.9,0.999],"amp":true}}}`, fixedMtime)
	s.RunState("empty", []string{"c1"}) // a run without hyperparameters has none of these series
	want := `
# HELP ml_hparam Hyperparameter of the run that is a number (booleans 1 and 0), by flattened name; from config records and the files beside the log.
# TYPE ml_hparam gauge
ml_hparam{cluster="c1",name="batch_size",run="bert"} 64
ml_hparam{cluster="c1",name="layers",run="bert"} 12
ml_hparam{cluster="c1",name="lr",run="bert"} 0.0003
ml_hparam{cluster="c1",name="opt.amp",run="bert"} 1
# HELP ml_hparam_info Always 1; every hyperparameter of the run kept, by flattened name, with its text as written in the value label.
# TYPE ml_hparam_info gauge
ml_hparam_info{cluster="c1",name="batch_size",run="bert",value="64"} 1
ml_hparam_info{cluster="c1",name="layers",run="bert",value="12"} 1
ml_hparam_info{cluster="c1",name="lr",run="bert",value="3e-4"} 1
ml_hparam_info{cluster="c1",name="model",run="bert",value="bert-small"} 1
ml_hparam_info{cluster="c1",name="opt.amp",run="bert",value="true"} 1
ml_hparam_info{cluster="c1",name="opt.betas",run="bert",value="[0.9, 0.999]"} 1
`
	c := NewCollector(s)
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "ml_hparam", "ml_hparam_info"); err != nil {
		t.Error(err)
	}
	// The text path writes the same.
	shown := exposition(t, s)
	for _, l := range strings.Split(strings.TrimSpace(want), "\n") {
		if l[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if _, ok := shown[l[:i]]; !ok {
			t.Errorf("/metrics lacks %s", l[:i])
		}
	}
	if problems, err := testutil.CollectAndLint(c, "ml_hparam", "ml_hparam_info"); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
	if n := s.SeriesCount(); n != 10 {
		t.Errorf("%d series counted, want 10 (6 info, 4 numeric)", n)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	if _, err := reg.Gather(); err != nil {
		t.Error(err)
	}
}

func TestHparamsMerge(t *testing.T) {
	s := New(Options{Namespace: "ml", MaxSeries: 1000})
	run := s.RunState("r", nil)
	run.SetHparamFile("/runs/r/hparams.yaml", mustYAML(t, "lr: 0.1\nepochs: 10\nmodel: a\n"))
	run.SetHparamFile("/runs/args.yaml", mustYAML(t, "lr: 0.5\nseed: 1\n"))
	check := func(want string) {
		t.Helper()
		h := run.Hparams()
		var b strings.Builder
		for i, p := range h.Params {
			b.WriteString(p.Name + "=" + p.Text + " (" + h.Sources[i] + ")\n")
		}
		for _, n := range h.Notes {
			b.WriteString("note: " + n + "\n")
		}
		if got := b.String(); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	}
	// The log's folder wins over its parent's.
	check("epochs=10 (/runs/r/hparams.yaml)\nlr=0.1 (/runs/r/hparams.yaml)\nmodel=a (/runs/r/hparams.yaml)\nseed=1 (/runs/args.yaml)\n")
	// Config records win over files, and merge: keys are never removed.
	applyLine(t, run, `{"_type":"config","config":{"lr":0.01}}`, fixedMtime)
	applyLine(t, run, `{"_type":"config","config":{"warmup":100}}`, fixedMtime)
	check("epochs=10 (/runs/r/hparams.yaml)\nlr=0.01 (log)\nmodel=a (/runs/r/hparams.yaml)\nseed=1 (/runs/args.yaml)\nwarmup=100 (log)\n")
	// A rewritten file replaces its keys: model is gone.
	run.SetHparamFile("/runs/r/hparams.yaml", mustYAML(t, "lr: 0.2\nepochs: 20\n"))
	check("epochs=20 (/runs/r/hparams.yaml)\nlr=0.01 (log)\nseed=1 (/runs/args.yaml)\nwarmup=100 (log)\n")
	// A file that cannot be read keeps what it gave, with a note.
	run.SetHparamFileError("/runs/r/hparams.yaml", errors.New("yaml: line 2: did not find expected key"))
	check("epochs=20 (/runs/r/hparams.yaml)\nlr=0.01 (log)\nseed=1 (/runs/args.yaml)\nwarmup=100 (log)\nnote: /runs/r/hparams.yaml: yaml: line 2: did not find expected key\n")
	run.RemoveHparamFile("/runs/args.yaml")
	run.RemoveHparamFile("/runs/r/hparams.yaml")
	check("lr=0.01 (log)\nwarmup=100 (log)\n")
	if n := s.SeriesCount(); n != 4 {
		t.Errorf("%d series, want 4", n)
	}
	s.Remove("r", DropRunExpired)
	if n := s.SeriesCount(); n != 0 {
		t.Errorf("%d series after the run was removed, want 0", n)
	}
}

func TestHparamsMaxSeries(t *testing.T) {
	dropped := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dropped"}, []string{"reason"})
	s := New(Options{Namespace: "ml", MaxSeries: 5, Dropped: dropped})
	run := s.RunState("r", nil)
	applyLine(t, run, `{"_type":"config","config":{"a":1,"b":"x","c":2,"d":3}}`, fixedMtime)
	// a: 2 series, b: 1, c: 2, d refused (2 more).
	if n := s.SeriesCount(); n != 5 {
		t.Errorf("%d series, want 5", n)
	}
	if got := testutil.ToFloat64(dropped.WithLabelValues(DropMaxSeries)); got != 1 {
		t.Errorf("%g refused, want 1", got)
	}
	h := run.Hparams()
	if len(h.LeftOut) != 1 || h.LeftOut[0] != (hparams.LeftOut{Name: "d", Why: "over max-series"}) {
		t.Errorf("left out %v", h.LeftOut)
	}
	if shown := exposition(t, s); shown[`ml_hparam{name="d",run="r"}`] != 0 || len(shown) == 0 {
		t.Errorf("d shown: %v", shown)
	}
	// A metric key cannot take the families' names.
	applyLine(t, run, `{"hparam":1,"hparam_info":2}`, fixedMtime)
	if got := testutil.ToFloat64(dropped.WithLabelValues(DropReservedName)); got != 2 {
		t.Errorf("%g reserved-name refusals, want 2", got)
	}
}

// Subscribers get the hyperparameters with the record that changed them,
// with the next record after a file changed them, and again once 4
// minutes of record time passed, so that a pushed run's last values stay
// within Prometheus' lookback.
func TestHparamsBatches(t *testing.T) {
	s := New(Options{Namespace: "ml", MaxSeries: 1000})
	var got []int // hyperparameter samples per batch
	s.Subscribe(func(b *Batch) {
		n := 0
		for _, smp := range b.Samples {
			if strings.HasPrefix(smp.Name, "ml_hparam") {
				n++
			}
		}
		got = append(got, n)
	})
	run := s.RunState("r", nil)
	ray := `{"training_iteration":%d,"time_this_iter_s":1,"timestamp":%d,"config":{"lr":0.001,"env":"CartPole-v1"}}`
	line := func(i, ts int) string {
		return fmt.Sprintf(ray, i, ts)
	}
	applyLine(t, run, line(1, 1700000000), fixedMtime)                                               // 3 samples: 2 info, 1 gauge
	applyLine(t, run, line(2, 1700000010), fixedMtime)                                               // same config: none
	run.SetHparamFile("/r/args.yaml", mustYAML(t, "epochs: 3\n"))                                    // changed: in the next batch
	applyLine(t, run, line(3, 1700000020), fixedMtime)                                               // 5
	applyLine(t, run, line(4, 1700000200), fixedMtime)                                               // 200 s later: none
	applyLine(t, run, line(5, 1700000260), fixedMtime)                                               // 240 s after the last: 5
	applyLine(t, run, `{"_type":"config","config":{"lr":0.002},"timestamp":1700000261}`, fixedMtime) // changed: 5
	want := []int{3, 0, 5, 0, 5, 5}
	if !slices.Equal(got, want) {
		t.Errorf("hyperparameter samples per batch %v, want %v", got, want)
	}
	// Ray's config became hyperparameters, never metrics.
	if _, ok := run.Value("ml_config_lr"); ok {
		t.Error("config.lr is a metric")
	}
}
