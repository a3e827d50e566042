// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"strings"
	"sync"

	"github.com/jsonl-exporter/jsonl-exporter/internal/hparams"
)

// maxInterned bounds the strings an interner holds: at most 16,384 names
// and texts of at most hparams.MaxValueBytes each (about 4 MB at worst,
// most far shorter), enough for a sweep of 1,000 runs whose values
// differ in a dozen keys.
const maxInterned = 1 << 14

// interner gives equal hyperparameter names and texts of different runs
// one copy: the runs of a sweep share their keys and most values. It is
// taken only when a run's set changes, never for a record that repeats
// its config. When full it starts afresh: runs keep the strings they
// have, later ones share new copies.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

// internSet returns a copy of set, without spare room, whose strings are
// the interner's: no string of it shares the backing array of a reader's
// text (a name cut from a whole config file keeps the file alive).
func (t *interner) internSet(set hparams.Set) hparams.Set {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out hparams.Set
	if len(set.Params) > 0 {
		out.Params = make([]hparams.Param, len(set.Params))
		for i, p := range set.Params {
			p.Name, p.Text = t.internLocked(p.Name), t.internLocked(p.Text)
			out.Params[i] = p
		}
	}
	if len(set.LeftOut) > 0 {
		out.LeftOut = make([]hparams.LeftOut, len(set.LeftOut))
		for i, l := range set.LeftOut {
			out.LeftOut[i] = hparams.LeftOut{Name: t.internLocked(l.Name), Why: t.internLocked(l.Why)}
		}
	}
	return out
}

// internLocked returns the interner's copy of s. Called with t.mu held.
func (t *interner) internLocked(s string) string {
	if s == "" {
		return ""
	}
	if c, ok := t.m[s]; ok {
		return c
	}
	if t.m == nil || len(t.m) >= maxInterned {
		t.m = make(map[string]string)
	}
	c := strings.Clone(s)
	t.m[c] = c
	return c
}
