// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

// keyMemo remembers the top-level keys of the previous line, in order, as
// scanFlat read them. A trainer writes the same keys in the same order on
// every line, so a key that equals the one at its position in the previous
// line is taken with one comparison: no copy, no canonicalization, no role
// lookup. The canonical names of the remembered keys stay at the start of
// the arena from one line to the next, so entries point at them as at any
// other name.
type keyMemo struct {
	raw  []byte    // the remembered keys as written, back to back
	keys []memoKey // by member position
	// names is the length of the arena prefix holding the canonical names
	// of keys; stale means they must be rebuilt from raw first.
	names int
	stale bool
	// distinct reports that the canonical names of keys differ pairwise,
	// so a line made of exactly these keys has no duplicate to merge.
	distinct bool

	// Per line: the first position whose key did not match (len(keys) when
	// all did so far), and the keys read from there on.
	diverged int
	fresh    []freshKey
}

type memoKey struct {
	rawOff, rawEnd   int32
	nameOff, nameEnd int32 // canonical name in the arena
	cls              keyClass
	idx              uint8
}

type freshKey struct {
	key strRef
	cls keyClass
	idx uint8
}

// The memo's bounds: keys past them are read as if there were no memo, so
// a huge record or a huge key costs no memory here.
const (
	memoMaxKeys  = 256
	memoMaxBytes = 16 << 10 // of raw keys; their names take as much again
)

// prepare starts a line. It rebuilds the canonical names at the start of
// the arena if the previous line changed the memo, and returns the arena
// truncated to them. Nothing else writes below m.names: a template, which
// lives only while the memo is unchanged, holds slices of these names.
func (m *keyMemo) prepare(arena []byte) []byte {
	m.diverged = len(m.keys)
	m.fresh = m.fresh[:0]
	if !m.stale {
		return arena[:m.names]
	}
	m.stale = false
	arena = arena[:0]
	for k := range m.keys {
		mk := &m.keys[k]
		mk.nameOff = int32(len(arena))
		arena = appendCanonical(arena, m.raw[mk.rawOff:mk.rawEnd])
		mk.nameEnd = int32(len(arena))
	}
	m.names = len(arena)
	// Quadratic, so only for as many keys as dedupe scans quadratically;
	// beyond that dedupe runs as it would without the memo.
	m.distinct = len(m.keys) <= smallDedupe
	for k := 1; k < len(m.keys) && m.distinct; k++ {
		b := &m.keys[k]
		for j := range k {
			if a := &m.keys[j]; string(arena[a.nameOff:a.nameEnd]) == string(arena[b.nameOff:b.nameEnd]) {
				m.distinct = false
				break
			}
		}
	}
	return arena
}

// match returns the key remembered at position n if the key starting at
// b[i] (after its opening quote) is that one, else nil; after a miss, no
// later position of the line matches.
func (m *keyMemo) match(b []byte, i, n int) *memoKey {
	if n >= m.diverged {
		return nil
	}
	mk := &m.keys[n]
	raw := m.raw[mk.rawOff:mk.rawEnd]
	if end := i + len(raw); end < len(b) && b[end] == '"' && string(b[i:end]) == string(raw) {
		return mk
	}
	m.diverged = n
	return nil
}

// learn notes the key read at position n, which did not come from the memo.
func (m *keyMemo) learn(n int, key strRef, cls keyClass, idx int) {
	if n == m.diverged+len(m.fresh) && n < memoMaxKeys && idx <= 0xFF {
		m.fresh = append(m.fresh, freshKey{key: key, cls: cls, idx: uint8(idx)})
	}
}

// settle makes the n keys scanFlat read on line the memo for the next
// line. Keys that could not be learned (escaped ones) end it. It reports
// whether the line's keys were exactly the remembered ones.
func (m *keyMemo) settle(line []byte, n int) (same bool) {
	keep := min(m.diverged, n)
	fresh := m.fresh[:min(len(m.fresh), n-keep)]
	if keep == len(m.keys) && len(fresh) == 0 {
		return n == keep
	}
	m.keys = m.keys[:keep]
	rawEnd := 0
	if keep > 0 {
		rawEnd = int(m.keys[keep-1].rawEnd)
	}
	m.raw = m.raw[:rawEnd]
	for _, f := range fresh {
		if len(m.raw)+int(f.key.end-f.key.start) > memoMaxBytes {
			break
		}
		off := len(m.raw)
		m.raw = append(m.raw, line[f.key.start:f.key.end]...)
		m.keys = append(m.keys, memoKey{rawOff: int32(off), rawEnd: int32(len(m.raw)), cls: f.cls, idx: f.idx})
	}
	m.stale = true
	return false
}

// reset forgets everything, as after a line whose buffers were dropped.
func (m *keyMemo) reset() {
	m.raw, m.keys, m.fresh = m.raw[:0], m.keys[:0], m.fresh[:0]
	m.names, m.stale, m.distinct, m.diverged = 0, false, false, 0
}
