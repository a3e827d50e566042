// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import "encoding/binary"

// keyClass is the role a top-level key plays in a record.
type keyClass uint8

const (
	clsPlain keyClass = iota
	clsType
	clsStep
	clsEpoch
	clsTime
	clsPrefix
	clsContainer
	clsRunName
	clsLongName  // "metric" of the long form
	clsLongValue // "value" of the long form
	clsSplit     // train, val, ...: an object under it is a container
	clsIgnore    // Options.IgnoreKeys: neither a metric nor structure
)

// Fixed keys that are not configurable.
const (
	runNameKey   = "run_name"
	longNameKey  = "metric"
	longValueKey = "value"
	// configKey holds a run's hyperparameters: the seed trainer's config
	// records, and Ray Tune's result.json in every record.
	configKey = "config"
)

// splitKeys name the top-level objects that hold one split's metrics.
var splitKeys = []string{"train", "val", "valid", "validation", "eval", "test"}

// isSplit reports whether name is one of splitKeys.
func isSplit(name []byte) bool {
	switch len(name) {
	case 3:
		return string(name) == "val"
	case 4:
		return string(name) == "eval" || string(name) == "test"
	case 5:
		return string(name) == "train" || string(name) == "valid"
	case 10:
		return string(name) == "validation"
	}
	return false
}

// startsWithSplit reports whether a canonical name's first segment is one
// of splitKeys: "val.loss". Most names are turned away by their first
// byte.
func startsWithSplit(name []byte) bool {
	if len(name) < 4 || name[0] != 't' && name[0] != 'v' && name[0] != 'e' {
		return false
	}
	for i := 3; i < len(name) && i <= len("validation"); i++ {
		if name[i] == '.' {
			return isSplit(name[:i])
		}
	}
	return false
}

type special struct {
	key  string
	word uint64 // the first 8 bytes of key, zero-padded, little-endian
	cls  keyClass
	idx  int // position in its option list: earlier wins
}

// longBucket collects special keys of this length or longer.
const longBucket = 32

// keyTable finds the class of a key. Keys are bucketed by length so a
// lookup compares at most a few strings; a map would cost more per key.
// Most keys are plain metric names, and the filter, one bit per first
// byte and length, turns nearly all of them away with a single load.
type keyTable struct {
	buckets [longBucket + 1][]special
	filter  [256]uint64 // bit min(len, 63) of filter[key[0]]: a special key may match
}

func newKeyTable(o Options) *keyTable {
	t := new(keyTable)
	add := func(cls keyClass, keys ...string) {
		for idx, k := range keys {
			if c, _ := t.lookup([]byte(k)); c != clsPlain {
				continue // a key listed twice keeps its first role
			}
			if k == "" {
				continue // lookup never matches an empty key
			}
			b := min(len(k), longBucket)
			var w [8]byte
			copy(w[:], k)
			t.buckets[b] = append(t.buckets[b], special{key: k, word: binary.LittleEndian.Uint64(w[:]), cls: cls, idx: idx})
			t.filter[k[0]] |= 1 << min(len(k), 63)
		}
	}
	add(clsIgnore, o.IgnoreKeys...) // first: an ignored key loses any other role
	add(clsType, o.TypeKeys...)
	add(clsStep, o.StepKeys...)
	add(clsEpoch, o.EpochKeys...)
	add(clsTime, o.TimeKeys...)
	add(clsPrefix, o.PrefixKeys...)
	add(clsContainer, o.ContainerKeys...)
	add(clsRunName, runNameKey)
	add(clsLongName, longNameKey)
	add(clsLongValue, longValueKey)
	add(clsSplit, splitKeys...)
	return t
}

// maybeSpecial reports whether key may have a role; false is certain.
func (t *keyTable) maybeSpecial(key []byte) bool {
	return len(key) > 0 && t.filter[key[0]]&(1<<min(len(key), 63)) != 0
}

func (t *keyTable) lookup(key []byte) (keyClass, int) {
	if !t.maybeSpecial(key) {
		return clsPlain, 0
	}
	for _, s := range t.buckets[min(len(key), longBucket)] {
		if string(key) == s.key {
			return s.cls, s.idx
		}
	}
	return clsPlain, 0
}

// lookupWord is lookup for a key whose first 8 bytes, zero-padded when it
// is shorter, are first: a short key is matched by one comparison.
func (t *keyTable) lookupWord(key []byte, first uint64) (keyClass, int) {
	for _, s := range t.buckets[min(len(key), longBucket)] {
		if s.word == first && (len(key) <= 8 || string(key) == s.key) {
			return s.cls, s.idx
		}
	}
	return clsPlain, 0
}
