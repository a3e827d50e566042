// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"math/rand/v2"
	"testing"
)

// TestSkipPlainNeverSkipsAStop checks the word-at-a-time scan against the
// byte table on random strings rich in special bytes.
func TestSkipPlainNeverSkipsAStop(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{'a', 'Z', '0', ' ', '"', '\\', 0x00, 0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f, 0x80, 0xc3, 0xff, '/'}
	for range 100000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte('a' + rng.IntN(26))
			}
		}
		start := rng.IntN(len(b) + 1)
		firstStop := start
		for firstStop < len(b) && !stopInString[b[firstStop]] {
			firstStop++
		}
		if got := skipPlain(b, start); got < start || got > firstStop {
			t.Fatalf("skipPlain(%q, %d) = %d, first stop at %d", b, start, got, firstStop)
		}
	}
}
