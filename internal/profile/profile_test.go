// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package profile

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct{ path, first, want string }{
		// By name.
		{"/w/cfg/20240101_120000/vis_data/scalars.json", `{"anything":1}`, "mmengine"},
		{"/w/cfg/20240101_120000.log.json", `{"env_info":"x"}`, "mmdet2"},
		{"/out/r50/metrics.json", `{"iteration":19}`, "detectron2"},
		{"/out/bert/checkpoint-500/trainer_state.json", ``, "hf-trainer"},
		{"/wandb/run-x/files/wandb-history.jsonl", `{}`, "wandb"},
		{"/runs/detect/train/results.csv", `epoch,time,train/box_loss`, "csv"},
		{"/logs/version_0/metrics.csv", ``, "csv"},
		{"/taggers/ner/loss.tsv", "EPOCH\tTIMESTAMP\tTRAIN_LOSS", "csv"},
		{"/archive/results.CSV.gz", ``, "csv"},
		{"/saves/qwen/lora/sft/trainer_log.jsonl", `{"anything":1}`, "llama-factory"},
		// By the first line.
		{"/keras/training.log", "epoch,accuracy,loss,val_accuracy,val_loss\r", "csv"},
		{"/keras/training.log", `                  epoch,         train/box_loss`, "csv"},
		{"/keras/training.log", "Step\tloss", "csv"},
		{"/keras/training.log", `loss,accuracy`, "generic"}, // no step or epoch: not told from text
		{"/keras/training.log", `2025-04-24 21:16:20,207 - INFO - Epoch [1/50], Train Loss: 1.9463`, "generic"},
		{"/keras/training.log", `0,0.41,1.71`, "generic"}, // a row, no header
		{"/r/log.txt", `{"train_lr": 0.0001, "train_loss": 23.4, "epoch": 0, "n_parameters": 41302368}`, "detr"},
		{"/r/train.log", `2021-08-13 14:58:01 | INFO | fairseq_cli.train | task: TranslationTask`, "fairseq"},
		{"/r/train.log", `2021-08-13 14:59:32 | INFO | train_inner | {"epoch": 1, "loss": "20.714"}`, "fairseq"},
		{"/r/x.jsonl", `{"lr": 0.02, "data_time": 0.0123, "loss": 1.715, "epoch": 1, "iter": 69, "step": 69}`, "mmengine"},
		{"/r/x.jsonl", `{"mode": "train", "epoch": 1, "iter": 50, "loss": 1.2}`, "mmdet2"},
		{"/r/x.jsonl", `{"data_time": 0.0035, "iteration": 19, "total_loss": 1.378}`, "detectron2"},
		{"/r/x.jsonl", `{"loss": 2.4213, "grad_norm": 5.31, "learning_rate": 4.9e-05, "epoch": 0.02, "step": 10}`, "hf-trainer"},
		{"/r/x.jsonl", `{"_step": 0, "_runtime": 12.5, "loss": 1}`, "wandb"},
		{"/r/x.jsonl", `{"current_steps": 10, "total_steps": 6750, "loss": 2.219, "lr": 1.3e-06, "epoch": 0.0044, "percentage": 0.15, "elapsed_time": "0:00:32", "remaining_time": "6:01:13"}`, "llama-factory"},
		{"/out/v0-20260124-040114/logging.jsonl", `{"loss": 20.53, "grad_norm": 52.2, "learning_rate": 0.0001, "token_acc": 0.0, "epoch": 0.0023, "global_step/max_steps": "1/438", "percentage": "0.23%", "elapsed_time": "6s", "remaining_time": "46m 13s", "memory(GiB)": 15.97, "train_speed(iter/s)": 0.157583}`, "ms-swift"},
		{"/out/v0/logging.jsonl", `{"loss": 5.04, "acc": 0.125, "grad_norm": 484.0, "learning_rate": 1.1e-07, "train_speed(iter/s)": 0.118134, "epoch": 0.0, "global_step": 1}`, "ms-swift"},
		// logging.jsonl alone says nothing: a chat application's log.
		{"/app/logging.jsonl", `{"timestamp": "2025-07-17T11:27:05.926387", "user": "What was the total footfall?", "assistant": null}`, "generic"},
		{"/r/metrics.jsonl", `{"_type":"run_start","run_name":"bert","time":1764115200.1}`, "seed"},
		{"/r/metrics.jsonl", `{"step":1,"loss":2}`, "generic"},
		{"/r/metrics.jsonl", `not json`, "generic"},
		// A key's name inside a string is no key.
		{"/r/metrics.jsonl", `{"note":"\"_type\" is what we write","loss":1}`, "generic"},
	} {
		if got := Detect(tc.path, []byte(tc.first)).Name; got != tc.want {
			t.Errorf("Detect(%s, %s) = %s, want %s", tc.path, tc.first, got, tc.want)
		}
	}
}

func TestIsLogName(t *testing.T) {
	for name, want := range map[string]bool{
		"metrics.jsonl": true, "metrics.jsonl.gz": true, "log.txt": true, "trainer_state.json": true,
		"results.csv": true, "metrics.csv": true, "loss.tsv": true, "summary.csv.gz": true,
		"args.yaml": false, "hparams.yaml": false, "model.pt": false, "notes.md": false,
	} {
		if got := IsLogName(name); got != want {
			t.Errorf("IsLogName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestNewReader: the csv profile reads CSV rows, the others JSON lines.
func TestNewReader(t *testing.T) {
	csv, _ := Lookup("csv")
	r := csv.NewReader(csv.ParserOptions(record.DefaultOptions()))
	var rec record.Record
	if err := r.Parse([]byte("epoch,loss"), &rec); err != record.ErrHeader {
		t.Fatalf("header: %v", err)
	}
	if err := r.Parse([]byte("3,1.5"), &rec); err != nil || rec.Step != 3 || names(rec)[0] != "loss" {
		t.Errorf("row: %v, step %v, names %q", err, rec.Step, names(rec))
	}
	if _, ok := Generic.NewReader(record.DefaultOptions()).(*record.Parser); !ok {
		t.Error("the generic profile does not read JSON")
	}
}

func TestLookupAndNames(t *testing.T) {
	names := Names()
	if names[0] != Auto || names[len(names)-1] != "generic" {
		t.Errorf("Names() = %v: auto first, generic last", names)
	}
	for _, n := range names {
		p, ok := Lookup(n)
		if !ok || n != Auto && (p == nil || p.Name != n) {
			t.Errorf("Lookup(%q) = %v, %v", n, p, ok)
		}
		if p != nil && p.About == "" {
			t.Errorf("%s has no description", n)
		}
	}
	if _, ok := Lookup("tensorboard"); ok {
		t.Error("Lookup of an unknown name succeeded")
	}
}

func TestParserOptions(t *testing.T) {
	mmengine, _ := Lookup("mmengine")
	got := mmengine.ParserOptions(record.DefaultOptions())
	if !slices.Equal(got.StepKeys, []string{"iter"}) || !slices.Equal(got.IgnoreKeys, []string{"step"}) {
		t.Errorf("defaults: step keys %v, ignore keys %v", got.StepKeys, got.IgnoreKeys)
	}
	// Keys the user configured win over the profile's.
	mine := record.DefaultOptions()
	mine.StepKeys = []string{"global_step"}
	if got := mmengine.ParserOptions(mine); !slices.Equal(got.StepKeys, []string{"global_step"}) {
		t.Errorf("configured step keys replaced: %v", got.StepKeys)
	}
	// LLM fine-tuning tools write their progress as text.
	for _, name := range []string{"llama-factory", "ms-swift"} {
		p, _ := Lookup(name)
		if !p.ParserOptions(record.DefaultOptions()).ProgressStrings {
			t.Errorf("%s: durations and percentages are not read", name)
		}
	}
	// The generic profile changes nothing.
	if got := Generic.ParserOptions(record.DefaultOptions()); !reflect.DeepEqual(got, record.DefaultOptions()) {
		t.Errorf("generic changed the options: %+v", got)
	}
}

// parse reads line as a file of profile name would be read.
func parse(t *testing.T, name, line string) record.Record {
	t.Helper()
	p, _ := Lookup(name)
	var r record.Record
	if err := record.NewParser(p.ParserOptions(record.DefaultOptions())).Parse([]byte(line), &r); err != nil {
		t.Fatal(err)
	}
	NewRules(p).Apply(&r)
	return r
}

func names(r record.Record) []string {
	var out []string
	for _, m := range r.Metrics {
		out = append(out, string(m.Name))
	}
	return out
}

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		profile, line string
		step          string // "" when the record has none
		names         []string
	}{
		{"mmengine", `{"lr":0.02,"loss":1.7,"time":0.17,"epoch":1,"iter":69,"step":69}`, "69", []string{"lr", "loss", "time"}},
		{"mmengine", `{"accuracy/top1":43.1,"data_time":0.09,"time":0.12,"step":1}`, "", []string{"val.accuracy.top1", "val.data_time", "val.time"}},
		{"mmdet2", `{"mode":"val","epoch":1,"iter":625,"bbox_mAP":0.2}`, "", []string{"val.bbox_mAP"}},
		{"mmdet2", `{"mode":"train","epoch":1,"iter":50,"loss":1.2}`, "50", []string{"train.loss"}},
		{"hf-trainer", `{"epoch":2.0,"step":1000,"train_loss":1.95,"train_runtime":1200.5}`, "1000", []string{"summary.train_loss", "summary.train_runtime"}},
		{"hf-trainer", `{"loss":1.4,"learning_rate":1e-05,"epoch":2.0,"step":1000}`, "1000", []string{"loss", "learning_rate"}},
		{"detr", `{"train_loss":23.4,"test_coco_eval_bbox":[0.1,0.2],"epoch":3}`, "3", []string{"train_loss", "test_coco_eval_bbox.0", "test_coco_eval_bbox.1"}},
		{"detr", `{"train_loss":23.4,"epoch":3,"step":7}`, "7", []string{"train_loss"}},
		{"generic", `{"accuracy":1}`, "", []string{"accuracy"}},
		{"ludwig", `{"epoch":2,"training.combined.loss":1.5,"validation.label.accuracy":0.7}`, "2", []string{"training.combined.loss", "validation.label.accuracy"}},
		// Sacred users log "time" and "epoch" as metrics of their own.
		{"sacred", `{"_step":3,"_timestamp":1707751303.5,"time":12.5,"step":9}`, "3", []string{"time", "step"}},
		{"chainer", `{"epoch":1,"iteration":600,"main/loss":0.19,"validation/main/loss":0.09,"elapsed_time":8.95}`, "600", []string{"main.loss", "validation.main.loss", "elapsed_time"}},
		{"llama-factory", `{"current_steps": 20, "total_steps": 6750, "loss": 2.1827, "lr": 2.8e-06, "epoch": 0.0089, "percentage": 0.3, "elapsed_time": "0:01:03", "remaining_time": "5:53:59"}`,
			"20", []string{"total_steps", "loss", "lr", "percentage", "elapsed_time", "remaining_time"}},
		{"llama-factory", `{"current_steps": 10, "total_steps": 8660, "loss": 2.4977, "learning_rate": 5.773672055427253e-07, "epoch": 0.0046, "percentage": 0.12, "elapsed_time": "0:00:24", "remaining_time": "5:58:33", "throughput": "0.00", "total_tokens": 0}`,
			"10", []string{"total_steps", "loss", "learning_rate", "percentage", "elapsed_time", "remaining_time", "throughput", "total_tokens"}},
		{"llama-factory", `{"current_steps": 500, "total_steps": 6750, "eval_loss": 1.641, "epoch": 0.22, "percentage": 7.41, "elapsed_time": "0:29:27", "remaining_time": "6:08:08"}`,
			"500", []string{"total_steps", "eval_loss", "percentage", "elapsed_time", "remaining_time"}},
		{"ms-swift", `{"loss": 3.94745, "grad_norm": 2.099, "learning_rate": 9.987e-05, "token_acc": 0.552, "epoch": 0.0229, "global_step/max_steps": "10/438", "percentage": "2.28%", "elapsed_time": "51s", "remaining_time": "36m 53s", "memory(GiB)": 16.38, "train_speed(iter/s)": 0.193342}`,
			"10", []string{"loss", "grad_norm", "learning_rate", "token_acc", "percentage", "elapsed_time", "remaining_time", "memory(GiB)", "train_speed(iter.s)"}},
		{"ms-swift", `{"eval_loss": 0.158, "eval_runtime": 148.4, "epoch": 0.2288, "global_step/max_steps": "100/438", "percentage": "22.83%", "elapsed_time": "10m 52s", "remaining_time": "36m 45s"}`,
			"100", []string{"eval_loss", "eval_runtime", "percentage", "elapsed_time", "remaining_time"}},
		// Summaries do not pass for the newest values.
		{"ms-swift", `{"train_runtime": 2959.8, "train_loss": 0.284, "epoch": 1.0, "global_step/max_steps": "438/438", "percentage": "100.00%", "elapsed_time": "49m 19s", "remaining_time": "0s", "train_speed(iter/s)": 0.147982}`,
			"438", []string{"summary.train_runtime", "summary.train_loss", "summary.percentage", "summary.elapsed_time", "summary.remaining_time", "summary.train_speed(iter.s)"}},
		{"ms-swift", `{"model_parameter_info": "PeftModelForCausalLM: 8212.5588M Params", "last_model_checkpoint": "/out/v0/checkpoint-438", "best_metric": 0.1293, "global_step": 438, "log_history": [{"loss": 20.5, "step": 1}], "memory": 16.5625}`,
			"438", []string{"summary.best_metric", "summary.memory"}},
	} {
		r := parse(t, tc.profile, tc.line)
		step := ""
		if r.HasStep {
			step = strconv.FormatFloat(r.Step, 'g', -1, 64)
		}
		if step != tc.step || !slices.Equal(names(r), tc.names) {
			t.Errorf("%s %s: step %q names %q, want step %q names %q", tc.profile, tc.line, step, names(r), tc.step, tc.names)
		}
	}
}

// TestRulesDropShape: a record the rules renamed no longer has the names
// its Shape stands for, even when the parser read it through a template.
func TestRulesDropShape(t *testing.T) {
	p, _ := Lookup("mmengine")
	parser := record.NewParser(p.ParserOptions(record.DefaultOptions()))
	rules := NewRules(p)
	var r record.Record
	shaped := false
	for range 20 {
		if err := parser.Parse([]byte(`{"accuracy/top1":43.1,"data_time":0.09,"step":1}`), &r); err != nil {
			t.Fatal(err)
		}
		shaped = shaped || r.Shape != 0
		rules.Apply(&r)
		if r.Shape != 0 || string(r.Metrics[0].Name) != "val.accuracy.top1" {
			t.Fatalf("after Apply: shape %d, names %q", r.Shape, names(r))
		}
	}
	if !shaped {
		t.Error("the parser never gave the line a Shape: the test checks nothing")
	}
	if NewRules(Generic) != nil {
		t.Error("the generic profile has record rules")
	}
}

// TestForHead: the names two producers share are told apart by the
// file's first bytes, and a file too short to tell waits.
func TestForHead(t *testing.T) {
	sacred := "{\n  \"training.loss\": {\n    \"steps\": [\n      1\n"
	for _, tc := range []struct {
		path, head string
		more       bool
		want       string // "" for no profile; "wait" when it cannot tell yet
	}{
		{"/runs/3/metrics.json", sacred, false, "sacred"},
		{"/runs/3/metrics.json", `{"training.loss": {"steps": [1], "timestamps": [`, false, "sacred"},
		{"/runs/3/metrics.json", `{"loss": {"values": [1]}}`, false, "sacred"},
		{"/runs/3/metrics.json", "\xEF\xBB\xBF{\n", false, "sacred"},
		{"/out/r50/metrics.json", `{"data_time": 0.0035, "iteration": 19, "total_loss": 1.378}` + "\n", false, "detectron2"},
		{"/out/r50/metrics.json", `{"metrics": {"loss": 1}, "step": 1}` + "\n", false, "detectron2"}, // a nested container is no Sacred column
		{"/out/r50/metrics.json", `not json`, false, "detectron2"},
		{"/out/r50/metrics.json", ``, false, "wait"}, // detectron2 creates it empty
		{"/out/r50/metrics.json", ` `, false, "wait"},
		{"/out/r50/metrics.json", `{`, false, "wait"},
		{"/out/r50/metrics.json", `{"data_ti`, false, "wait"},
		{"/out/r50/metrics.json", `{"data_ti`, true, "detectron2"}, // a name longer than HeadSize: decide
		{"/out/r50/metrics.json", `{"training.loss": `, false, "wait"},
		{"/out/r50/metrics.json", `{"training.loss": {`, false, "wait"},
		// Sacred writes {} at its first heartbeat, before a metric is
		// logged: nothing tells yet.
		{"/runs/3/metrics.json", `{}`, false, "wait"},
		{"/runs/3/metrics.json", "{ }\n", false, "wait"},
		{"/runs/3/metrics.json", "\xEF\xBB\xBF { }\n", false, "wait"},
		{"/runs/3/metrics.json", "\xEF\xBB", false, "wait"}, // the start of a BOM
		{"/runs/3/metrics.json", "{\n}\n", false, "sacred"}, // over two lines: no JSON Lines
		{"/runs/3/metrics.json", `{}`, true, "detectron2"},
		{"/out/r50/metrics.json", "{}\n" + `{"iteration": 19, "total_loss": 1.378}` + "\n", false, "detectron2"},
		{"/mnist/result/log", "[\n    {\n        \"epoch\": 1,\n", false, "chainer"},
		{"/mnist/result/log", `{"step": 1, "loss": 2}`, false, ""},
		{"/mnist/result/log", "", false, "wait"},
		{"/mnist/result/log.txt", "[", false, ""},
		{"/x/trainer_state.json", "", false, "hf-trainer"},
		{"/x/training_statistics.json", "", false, "ludwig"},
		{"/x/metrics.jsonl", "{\n", false, ""},
	} {
		p, ok := ForHead(tc.path, []byte(tc.head), tc.more)
		got := "wait"
		if ok {
			got = ""
			if p != nil {
				got = p.Name
			}
		}
		if got != tc.want {
			t.Errorf("ForHead(%s, %q, %v) = %q, want %q", tc.path, tc.head, tc.more, got, tc.want)
		}
		if NeedsHead(tc.path) != (tc.path == "/mnist/result/log" || strings.HasSuffix(tc.path, "/metrics.json")) {
			t.Errorf("NeedsHead(%s) = %v", tc.path, NeedsHead(tc.path))
		}
	}
}

// TestIsDocument: every file of a document producer is a document but
// Hugging Face's JSON Lines; line producers have none.
func TestIsDocument(t *testing.T) {
	for _, tc := range []struct {
		profile, path string
		want          bool
	}{
		{"hf-trainer", "/o/checkpoint-500/trainer_state.json", true},
		{"hf-trainer", "/o/logs/metrics.jsonl", false},
		{"chainer", "/m/result/log", true},
		{"sacred", "/runs/1/metrics.json", true},
		{"ludwig", "/results/experiment_run/training_statistics.json", true},
		{"detectron2", "/out/metrics.json", false},
		{"generic", "/out/metrics.json", false},
	} {
		p, _ := Lookup(tc.profile)
		if got := p.IsDocument(tc.path); got != tc.want {
			t.Errorf("%s: IsDocument(%s) = %v", tc.profile, tc.path, got)
		}
	}
	for _, p := range All() {
		if p.DocumentCopies && p.Document == nil {
			t.Errorf("%s: copies of a document it does not read", p.Name)
		}
	}
}
