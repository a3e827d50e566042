// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package hparams

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is what a value of a hyperparameter document is.
type kind uint8

const (
	kObject kind = iota
	kList
	kString
	kNumber
	kBool
	kNull
	kOther // no literal value (a Python call, a YAML tag of its own): text says why
)

// node is one value of a document, whatever its format: the readers
// build it, flatten turns it into a Set.
type node struct {
	kind kind
	text string  // scalars as written; for kOther, why it gives nothing
	num  float64 // kNumber, kBool
	keys []string
	vals []*node // members of an object (beside keys) or items of a list
}

// W&B's config.yaml keeps its own settings beside the user's.
var dropped = map[string]bool{"_wandb": true, "wandb_version": true}

// flatten turns a document's top-level object into a Set: nested keys
// joined with '.', W&B's {value: x, desc: ...} unwrapped, bounded by the
// limits of limits.go.
func flatten(root *node) Set {
	f := flattener{params: map[string]Param{}}
	for i, k := range root.keys {
		if dropped[k] {
			continue
		}
		f.walk(k, unwrapWandb(root.vals[i]), 1)
	}
	var s Set
	names := make([]string, 0, len(f.params))
	for n := range f.params {
		names = append(names, n)
	}
	slices.Sort(names)
	s.Params = make([]Param, 0, min(len(names), MaxParams)) // a run may keep it: no spare room
	for i, n := range names {
		if i >= MaxParams {
			f.leave(n, "past the limit of "+strconv.Itoa(MaxParams)+" keys")
			continue
		}
		s.Params = append(s.Params, f.params[n])
	}
	if len(s.Params) == 0 {
		s.Params = nil
	}
	s.LeftOut = boundLeftOut(f.left)
	return s
}

// unwrapWandb returns x of W&B's {desc: ..., value: x}.
func unwrapWandb(n *node) *node {
	if n.kind != kObject || len(n.keys) == 0 || len(n.keys) > 2 {
		return n
	}
	var v *node
	for i, k := range n.keys {
		switch k {
		case "value":
			v = n.vals[i]
		case "desc":
		default:
			return n
		}
	}
	if v == nil {
		return n
	}
	return v
}

type flattener struct {
	params map[string]Param
	left   []LeftOut
}

func (f *flattener) leave(name, why string) {
	f.left = append(f.left, LeftOut{Name: cut(name, MaxNameBytes), Why: why})
}

// walk adds the value n of the key name, which has level segments.
func (f *flattener) walk(name string, n *node, level int) {
	switch n.kind {
	case kObject:
		if len(n.keys) == 0 {
			return
		}
		if level >= MaxDepth {
			f.leave(name, "object nested deeper than "+strconv.Itoa(MaxDepth)+" levels")
			return
		}
		for i, k := range n.keys {
			f.walk(name+"."+k, n.vals[i], level+1)
		}
	case kList:
		if text, why := listText(n); why != "" {
			f.leave(name, why)
		} else {
			f.add(name, Param{Text: text})
		}
	case kNull:
		f.leave(name, "null")
	case kOther:
		f.leave(name, n.text)
	case kString:
		f.add(name, Param{Text: n.text})
	default:
		f.add(name, Param{Text: n.text, Value: n.num, Numeric: true})
	}
}

func (f *flattener) add(name string, p Param) {
	p.Name = cut(name, MaxNameBytes)
	if len(p.Name) < len(name) {
		if _, taken := f.params[p.Name]; taken {
			f.leave(name, "name longer than "+strconv.Itoa(MaxNameBytes)+" bytes, the same as another's once cut")
			return
		}
	}
	p.Text = cut(p.Text, MaxValueBytes)
	f.params[p.Name] = p // a repeated key: the last one wins, as in JSON decoders
}

// listText writes a short list of scalars as one text, "[0.9, 0.999]",
// or says why the list gives none.
func listText(n *node) (text, why string) {
	if len(n.vals) > MaxListLen {
		return "", "list of " + strconv.Itoa(len(n.vals)) + " values (more than " + strconv.Itoa(MaxListLen) + ")"
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range n.vals {
		if i > 0 {
			b.WriteString(", ")
		}
		switch v.kind {
		case kObject:
			return "", "list holding an object"
		case kList:
			return "", "list holding a list"
		case kOther:
			return "", "list holding " + v.text
		case kString:
			b.WriteString(strconv.Quote(v.text))
		case kNull:
			b.WriteString("null")
		default:
			b.WriteString(v.text)
		}
	}
	b.WriteByte(']')
	return b.String(), ""
}

// cut shortens s to at most max bytes at a UTF-8 boundary, and makes it
// valid UTF-8 (label values must be).
func cut(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

func boundLeftOut(left []LeftOut) []LeftOut {
	// A set merged again brings its own count of keys cut: add it up
	// rather than cut the line that holds it.
	more := 0
	left = slices.DeleteFunc(left, func(l LeftOut) bool {
		n, ok := moreLeftOut(l)
		more += n
		return ok
	})
	slices.SortStableFunc(left, func(a, b LeftOut) int { return strings.Compare(a.Name, b.Name) })
	if len(left) > maxLeftOut {
		more += len(left) - maxLeftOut
		left = left[:maxLeftOut:maxLeftOut]
	}
	if more > 0 {
		left = append(left, LeftOut{Name: moreName, Why: strconv.Itoa(more) + moreWhy})
	}
	return left
}

// The entry that counts the keys left out past maxLeftOut.
const (
	moreName = "…"
	moreWhy  = " more keys left out"
)

// moreLeftOut reads the count of an entry made by boundLeftOut.
func moreLeftOut(l LeftOut) (int, bool) {
	if l.Name != moreName {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(l.Why, moreWhy))
	return n, err == nil
}

// number reads the text of a number as Python, YAML and JSON write them
// ("3e-4", "1_000", "0x1F", ".inf").
func number(text string) (float64, bool) {
	t := strings.ReplaceAll(text, "_", "")
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		return f, true
	}
	if i, err := strconv.ParseInt(t, 0, 64); err == nil {
		return float64(i), true
	}
	switch strings.ToLower(strings.TrimLeft(t, "+")) {
	case ".inf":
		return math.Inf(1), true
	case "-.inf":
		return math.Inf(-1), true
	case ".nan":
		return math.NaN(), true
	}
	return 0, false
}

// Merge merges the sets of a run's sources, later sets on top: a name in
// several takes the value of the last. The merged set keeps the first
// MaxParams names; leftOut lists the rest and every source's left-out
// keys that no source gave a value. When only one set has params and
// they are already sorted, unique and within MaxParams, params is that
// set's slice itself: sets are never changed in place, and a run whose
// only source is its log keeps one copy, not two.
func Merge(sets ...Set) (params []Param, leftOut []LeftOut) {
	byName := map[string]Param{}
	var only []Param // the params of the one set that has some
	given := 0
	for _, s := range sets {
		if len(s.Params) > 0 {
			only = s.Params
			given++
		}
		for _, p := range s.Params {
			byName[p.Name] = p
		}
	}
	if given == 1 && canonical(only) {
		params = only
	} else {
		names := make([]string, 0, len(byName))
		for n := range byName {
			names = append(names, n)
		}
		slices.Sort(names)
		if len(names) > 0 {
			params = make([]Param, 0, min(len(names), MaxParams))
		}
		for i, n := range names {
			if i >= MaxParams {
				leftOut = append(leftOut, LeftOut{Name: n, Why: "past the limit of " + strconv.Itoa(MaxParams) + " keys"})
				continue
			}
			params = append(params, byName[n])
		}
	}
	seen := map[LeftOut]bool{}
	for _, s := range sets {
		for _, l := range s.LeftOut {
			if _, ok := moreLeftOut(l); ok {
				leftOut = append(leftOut, l) // each set's count adds up
				continue
			}
			if _, ok := byName[l.Name]; !ok && !seen[l] {
				seen[l] = true
				leftOut = append(leftOut, l)
			}
		}
	}
	return params, boundLeftOut(leftOut)
}

// canonical reports whether params are what Merge would make of them:
// sorted by name, no name twice, at most MaxParams.
func canonical(params []Param) bool {
	if len(params) > MaxParams {
		return false
	}
	for i := 1; i < len(params); i++ {
		if params[i-1].Name >= params[i].Name {
			return false
		}
	}
	return true
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
