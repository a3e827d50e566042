// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package profile

import "testing"

// FuzzForHead: the first bytes of a shared name never panic, a head of a
// file that holds more is always decided, and a decision taken on a head holds
// for every longer head of the same file: a file that waits must not be
// taken for one producer's and then turn out another's.
func FuzzForHead(f *testing.F) {
	for _, seed := range []string{
		"", "{}", "{ }\n", "{\n  \"training.loss\": {\n    \"steps\": [1]", `{"iteration": 19, "total_loss": 1.378}` + "\n",
		`{"training.loss": {"steps": [1], "timestamps": [`, `{"a\"b": {"values": [1]}}`, "{}\n{\"a\": 1}\n", "[\n  {", "\xEF\xBB\xBF{\n", "\xEF\xBB",
	} {
		f.Add([]byte(seed), uint(len(seed)/2))
	}
	f.Fuzz(func(t *testing.T, head []byte, cut uint) {
		if len(head) > HeadSize {
			head = head[:HeadSize]
		}
		k := int(cut % uint(len(head)+1))
		for _, path := range []string{"/runs/3/metrics.json", "/mnist/result/log"} {
			whole, ok := ForHead(path, head, false)
			if p, decided := ForHead(path, head, true); !decided || ok && p != whole {
				t.Fatalf("%s %q with more to come: %v (%v); without: %v (%v)", path, head, name(p), decided, name(whole), ok)
			}
			if p, decided := ForHead(path, head[:k], false); decided && (!ok || p != whole) {
				t.Fatalf("%s: %q gave %v, and the longer %q %v (%v)", path, head[:k], name(p), head, name(whole), ok)
			}
		}
	})
}

func name(p *Profile) string {
	if p == nil {
		return "none"
	}
	return p.Name
}
