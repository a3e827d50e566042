// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/jsonl-exporter/jsonl-exporter/internal/hparams"
)

func sameData(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

// TestInternerBounded: equal strings give one copy, a copy never keeps
// the text it was cut from, and the table never holds more than
// maxInterned strings.
func TestInternerBounded(t *testing.T) {
	var in interner
	file := strings.Repeat("x", 1<<16) + "lr"
	name := file[len(file)-2:] // "lr", cut from a whole file
	a := in.internSet(hparams.Set{Params: []hparams.Param{{Name: name, Text: "0.1"}}})
	b := in.internSet(hparams.Set{Params: []hparams.Param{{Name: strings.Clone("lr"), Text: strings.Clone("0.1")}}})
	if got := a.Params[0].Name; got != "lr" || sameData(got, name) {
		t.Errorf("name %q shares the file's text: %v", got, sameData(got, name))
	}
	if !sameData(a.Params[0].Name, b.Params[0].Name) || !sameData(a.Params[0].Text, b.Params[0].Text) {
		t.Error("equal names and texts of two sets are two copies")
	}
	for i := range 3 * maxInterned {
		s := in.internSet(hparams.Set{Params: []hparams.Param{{Name: "k" + strconv.Itoa(i)}}, LeftOut: []hparams.LeftOut{{Name: "l", Why: "null"}}})
		if got, want := s.Params[0].Name, "k"+strconv.Itoa(i); got != want {
			t.Fatalf("interned %q, want %q", got, want)
		}
		if n := len(in.m); n > maxInterned {
			t.Fatalf("%d strings interned, more than %d", n, maxInterned)
		}
	}
}

// TestHparamsInternedAcrossRuns: two runs of a sweep with the same config
// keep one copy of its names and texts.
func TestHparamsInternedAcrossRuns(t *testing.T) {
	s := New(Options{Namespace: "ml", MaxSeries: 1000})
	a, b := s.RunState("a", nil), s.RunState("b", nil)
	line := `{"_type":"config","config":{"lr":3e-4,"model":"bert-small"}}`
	applyLine(t, a, line, fixedMtime)
	applyLine(t, b, line, fixedMtime)
	b.SetHparamFile("/runs/b/hparams.yaml", mustYAML(t, "model: bert-small\nepochs: 3\n"))
	pa, pb := a.Hparams().Params, b.Hparams().Params
	if len(pa) != 2 || len(pb) != 3 {
		t.Fatalf("params %v and %v", pa, pb)
	}
	for _, q := range pb {
		for _, p := range pa {
			if p.Name == q.Name && (!sameData(p.Name, q.Name) || !sameData(p.Text, q.Text)) {
				t.Errorf("%s: two copies across runs", p.Name)
			}
		}
	}
}

// TestHparamsRepeatedConfigCostsAHash: a config repeated in every record
// (Ray Tune's result.json) is hashed, not read again nor interned.
func TestHparamsRepeatedConfigCostsAHash(t *testing.T) {
	s := New(Options{Namespace: "ml", MaxSeries: 1000})
	run := s.RunState("trial", nil)
	config := []byte(`{"lr":0.01,"model":{"layers":4,"act":"relu"}}`)
	run.mu.Lock()
	defer run.mu.Unlock()
	run.applyConfig(config)
	if n := testing.AllocsPerRun(100, func() { run.applyConfig(config) }); n != 0 {
		t.Errorf("%v allocations for a repeated config, want 0", n)
	}
	if got := len(run.hp.merged); got != 3 {
		t.Errorf("%d params, want 3", got)
	}
}
