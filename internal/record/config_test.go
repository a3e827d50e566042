// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import "testing"

func TestRecordConfig(t *testing.T) {
	for _, tc := range []struct {
		name, line, config string
		kind               Kind
		metrics            int
	}{
		{"seed config record", `{"_type":"config","time":1700000000,"config":{"lr":3e-4,"batch_size":64,"model":"bert-small","layers":12}}`,
			`{"lr":3e-4,"batch_size":64,"model":"bert-small","layers":12}`, KindConfig, 0},
		{"ray tune result.json", `{"episode_reward_mean": 21.5, "training_iteration": 3, "config": {"lr": 0.001, "model": {"fcnet_hiddens": [256, 256]}}, "time_total_s": 12.5}`,
			`{"lr": 0.001, "model": {"fcnet_hiddens": [256, 256]}}`, KindMetric, 3},
		{"no config", `{"loss":1,"step":2}`, "", KindMetric, 1},
		{"config that is no object", `{"loss":1,"config":[1,2]}`, "", KindMetric, 3}, // config.0 and config.1, as before,
		{"nested config is not the record's", `{"metrics":{"loss":1,"config":{"a":1}}}`, "", KindMetric, 2}, // metrics.config.a: a container's, as before,
		{"the last of two", `{"config":{"a":1},"loss":1,"config":{"b":2}}`, `{"b":2}`, KindMetric, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, explain := range []bool{false, true} {
				p := NewParser(Options{Explain: explain})
				var r Record
				for range 3 { // a template learned from the line must not lose it
					if err := p.Parse([]byte(tc.line), &r); err != nil {
						t.Fatal(err)
					}
					if string(r.Config) != tc.config || r.Kind != tc.kind || len(r.Metrics) != tc.metrics {
						t.Fatalf("explain %v: config %q kind %v %d metrics, want %q %v %d", explain, r.Config, r.Kind, len(r.Metrics), tc.config, tc.kind, tc.metrics)
					}
				}
				// The next line without one has none.
				if err := p.Parse([]byte(`{"loss":2}`), &r); err != nil || r.Config != nil {
					t.Fatalf("config %q after a line without one (err %v)", r.Config, err)
				}
			}
		})
	}
}
