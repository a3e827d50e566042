// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"hash/maphash"
	"math"
)

// csvRewrite recognises the rows of a CSV log that was rewritten as a
// whole after some of its rows were read. Lightning's CSVLogger rewrites
// metrics.csv with a new header when a new column appears (and older
// Lightning rewrote it at every save), keeping the rows it wrote before;
// Keras' CSVLogger overwrites its file when a new fit starts, with new
// rows. The tailer reports both as a truncation (Restart). The rule:
// after a Restart, when the first row of the new content gives the record
// the first row of the old content gave (the same step, epoch, time and
// metrics, whatever the order of the columns or the empty cells added),
// the new content repeats the old one, and as many rows as were read
// before are skipped (ErrSeen); any other first row starts new content,
// and every row is read.
type csvRewrite struct {
	seed  maphash.Seed
	rows  int64  // rows of the current content so far
	first uint64 // fingerprint of its first row
	// After a Restart, until the first row of the new content: the rows
	// and the first fingerprint of the content read before.
	oldRows  int64
	oldFirst uint64
	armed    bool
	// skipping: the first row matched, rows up to oldRows were read before.
	skipping bool
}

// skipRow counts a row and reports whether it was read before the file
// was rewritten.
func (w *csvRewrite) skipRow() bool {
	w.rows++
	if w.skipping {
		if w.rows <= w.oldRows {
			return true
		}
		w.skipping = false
	}
	return false
}

// firstRow reports whether the row just counted is the content's first.
func (w *csvRewrite) firstRow() bool { return w.rows == 1 }

// seenBefore takes the fingerprint of the content's first row and
// reports whether the content repeats what was read before the Restart.
func (w *csvRewrite) seenBefore(fp uint64) bool {
	w.first = fp
	if !w.armed {
		return false
	}
	w.armed = false
	if fp != w.oldFirst {
		return false
	}
	w.skipping = w.oldRows > 1
	return true
}

// restart remembers the content read so far, for the content after a
// Restart to be compared with.
func (w *csvRewrite) restart() {
	if w.rows == 0 {
		return // nothing new was read: what was known before still holds
	}
	old := w.rows
	if w.skipping && w.oldRows > old {
		old = w.oldRows // rewritten again before all its old rows came back
	}
	w.oldRows, w.oldFirst, w.armed, w.skipping = old, w.first, true, false
	w.rows = 0
}

// fingerprint sums up a row as the record it gave, so that the same row
// rewritten with more columns (empty in it) or in another column order
// has the same fingerprint; a row that gave an error is its bytes.
func (c *CSV) fingerprint(line []byte, r *Record, err error) uint64 {
	seed := c.rw.seed
	if err != nil && err != ErrEmpty {
		return maphash.Bytes(seed, line)
	}
	sum := uint64(0)
	add := func(name string, has bool, v float64) {
		if has {
			sum += mix64(maphash.String(seed, name) ^ math.Float64bits(v))
		}
	}
	add("\x00step", r.HasStep, r.Step)
	add("\x00epoch", r.HasEpoch, r.Epoch)
	add("\x00time", r.HasTime, r.Time)
	for _, m := range r.Metrics {
		sum += mix64(maphash.Bytes(seed, m.Name) ^ math.Float64bits(m.Value))
	}
	return sum
}

// mix64 is SplitMix64's finalizer: every bit of x moves every bit of the
// result, so that a sum of mixed terms does not cancel out.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
