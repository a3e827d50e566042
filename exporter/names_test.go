package exporter

import "testing"

func TestRunFromPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/data/bert-lr3e-4/checkpoint/logs/metrics.jsonl", "bert-lr3e-4"},
		{"/data/bert-lr3e-4/logs/metrics.jsonl", "bert-lr3e-4"},
		{"/data/bert-lr3e-4/metrics.jsonl", "bert-lr3e-4"},
		{"/data/bert-lr3e-4/metrics.jsonl.gz", "bert-lr3e-4"},
		{"/out/faster_rcnn_R_50/metrics.json", "faster_rcnn_R_50"},
		{"/runs/logs/gpt2-small.jsonl", "gpt2-small"},
		{"/runs/logs/gpt2-small.jsonl.gz", "gpt2-small"},
		{"relative/exp1/outputs/logs/events.jsonl", "exp1"},
		{"/logs/metrics.jsonl", "metrics"},
		{"metrics.jsonl", "metrics"},
		{"/a/Checkpoints/LOGS/Metrics.jsonl", "a"},
		{"/a/b/run\xff.jsonl", "run\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := runFromPath(tt.path); got != tt.want {
				t.Errorf("runFromPath(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestRunNamerRegex(t *testing.T) {
	n := newRunNamer(`/jobs/(?P<run>[^/]+)/rank0/`)
	if got, ok := n.name("/jobs/job-42/rank0/metrics.jsonl"); got != "job-42" || !ok {
		t.Errorf("regex match: got %q, %v", got, ok)
	}
	if got, ok := n.name("/other/exp/metrics.jsonl"); got != "exp" || ok {
		t.Errorf("no match falls back to path rules: got %q, %v", got, ok)
	}
}

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
