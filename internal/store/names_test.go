// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package store

import "testing"

func TestSeriesName(t *testing.T) {
	tests := []struct{ ns, prefix, name, want string }{
		{"ml", "", "train.loss", "ml_train_loss"},
		{"ml", "", "fast_rcnn.cls_accuracy", "ml_fast_rcnn_cls_accuracy"},
		{"ml", "epoch_end_", "data.truncation_rate", "ml_epoch_end_data_truncation_rate"},
		{"ml", "", "a-b c:d", "ml_a_b_c_d"},
		{"", "", "1st", "_1st"},
		{"", "", "ok", "ok"},
		{"ml", "", "naïve", "ml_na__ve"},
	}
	for _, tt := range tests {
		if got := seriesName(tt.ns, tt.prefix, []byte(tt.name)); got != tt.want {
			t.Errorf("seriesName(%q,%q,%q) = %q, want %q", tt.ns, tt.prefix, tt.name, got, tt.want)
		}
	}
}
