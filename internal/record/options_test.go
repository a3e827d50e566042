// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestArrays(t *testing.T) {
	short := Options{MaxArrayLen: 3}
	runRuleCases(t, []ruleCase{
		{"numbers by element", Options{}, `{"epoch":0,"test_coco_eval_bbox":[0.38,0.59,0.4]}`,
			summary{Epoch: "0", Metrics: ms("test_coco_eval_bbox.0=0.38", "test_coco_eval_bbox.1=0.59", "test_coco_eval_bbox.2=0.4")}},
		{"at the length limit", short, `{"a":[1,2,3]}`, summary{Metrics: ms("a.0=1", "a.1=2", "a.2=3")}},
		{"over the length limit", short, `{"a":[1,2,3,4],"b":1}`, summary{Metrics: ms("b=1"), LongArrays: 1}},
		{"default limit is 16", Options{}, `{"a":[` + strings.Repeat("1,", 16) + `1]}`, summary{LongArrays: 1}},
		{"never with a negative limit", Options{MaxArrayLen: -1}, `{"a":[1],"metrics":{"b":[2]}}`, summary{}},
		{"not all numbers", Options{}, `{"a":[1,"x"],"b":[1,null],"c":[1,[2]],"d":[{"e":1}]}`, summary{}},
		{"empty", Options{}, `{"a":[]}`, summary{}},
		{"booleans and non-finite", Options{}, `{"a":[true,false,NaN]}`, summary{Metrics: ms("a.0=1", "a.1=0", "a.2=NaN")}},
		{"in a container", Options{}, `{"metrics":{"h":[1,2]}}`, summary{Metrics: ms("h.0=1", "h.1=2")}},
		{"in a split", Options{}, `{"val":{"coco":{"ap":[0.3]}}}`, summary{Metrics: ms("val.coco.ap.0=0.3")}},
		{"prefixed", Options{}, `{"prefix":"test","ap":[0.3,0.5]}`, summary{Prefix: `"test"`, Metrics: ms("test.ap.0=0.3", "test.ap.1=0.5")}},
		{"slashed name", Options{}, `{"bbox/ap":[1]}`, summary{Metrics: ms("bbox.ap.0=1")}},
		{"under a step key", Options{}, `{"step":[1],"a":1}`, summary{Metrics: ms("a=1")}},
		{"under a container's step key", Options{}, `{"metrics":{"step":[1],"a":1}}`, summary{Metrics: ms("a=1")}},
		{"not in meta records", Options{}, `{"_type":"meta","gpus":[0,1],"n":2}`, summary{Kind: KindMeta, Metrics: ms("n=2")}},
		{"epoch_end", Options{}, `{"_type":"epoch_end","ap":[1,2]}`, summary{Kind: KindEpochEnd, Metrics: ms("ap.0=1", "ap.1=2")}},
		{"an element name equal to a key", Options{}, `{"a.0":5,"a":[1]}`, summary{Metrics: ms("a.0=1")}},
	})
}

func TestNumericStrings(t *testing.T) {
	on := Options{NumericStrings: true}
	runRuleCases(t, []ruleCase{
		{"off by default", Options{}, `{"loss":"20.714","a":1}`, summary{Metrics: ms("a=1")}},
		{"fairseq values", Options{NumericStrings: true, StepKeys: []string{"num_updates"}},
			`{"epoch": 1, "update": 0.001, "loss": "20.714", "ppl": "1.72e+06", "lr": "5e-06", "gnorm": "6.953", "num_updates": "1"}`,
			summary{Step: "1", Epoch: "1", Metrics: ms("update=0.001", "loss=20.714", "ppl=1.72e+06", "lr=5e-06", "gnorm=6.953")}},
		{"Python's nan and inf", on, `{"a":"nan","b":"inf","c":"-inf","d":"Infinity","e":"NaN"}`,
			summary{Metrics: ms("a=NaN", "b=+Inf", "c=-Inf", "d=+Inf", "e=NaN")}},
		{"not one number", on, `{"a":"1.0 ","b":"0x10","c":"1_000","d":"","e":"abc","f":".","g":"e5","h":"1,5","i":"--1"}`, summary{}},
		{"a non-finite step is no step", on, `{"step":"nan","a":"2"}`, summary{Metrics: ms("a=2")}},
		{"nested", on, `{"metrics":{"train":{"loss":"1.5"}}}`, summary{Metrics: ms("train.loss=1.5")}},
		{"strings with a role stay strings", on, `{"_type":"meta","run_name":"123","host":"node-7","n":"8"}`,
			summary{Kind: KindMeta, Run: `"123"`, Metrics: ms("n=8"), Info: ms(`host="node-7"`)}},
		{"escaped strings stay strings", on, `{"a":"\u0031"}`, summary{}},
		{"a time string", on, `{"time":"1764115200.5","loss":"1"}`, summary{Time: "1764115200.5", Metrics: ms("loss=1")}},
	})
}

func TestProgressStrings(t *testing.T) {
	on := Options{ProgressStrings: true}
	llamaFactory := Options{ProgressStrings: true, StepKeys: []string{"current_steps"}}
	swift := Options{ProgressStrings: true, StepKeys: []string{"global_step/max_steps", "global_step"}}
	runRuleCases(t, []ruleCase{
		{"off by default", Options{}, `{"elapsed_time":"0:01:03","percentage":"2.28%","a":1}`, summary{Metrics: ms("a=1")}},
		{"LLaMA-Factory", llamaFactory,
			`{"current_steps": 20, "total_steps": 6750, "loss": 2.1827, "lr": 2.8e-06, "epoch": 0.0089, "percentage": 0.3, "elapsed_time": "0:01:03", "remaining_time": "5:53:59"}`,
			summary{Step: "20", Epoch: "0.0089", Metrics: ms("total_steps=6750", "loss=2.1827", "lr=2.8e-06", "percentage=0.3", "elapsed_time=63", "remaining_time=21239")}},
		{"LLaMA-Factory days", llamaFactory, `{"current_steps": 5, "elapsed_time": "1 day, 0:03:02", "remaining_time": "9 days, 21:39:23"}`,
			summary{Step: "5", Metrics: ms("elapsed_time=86582", "remaining_time=855563")}},
		{"ms-swift", swift,
			`{"loss": 3.94745, "epoch": 0.02287675, "global_step/max_steps": "10/438", "percentage": "2.28%", "elapsed_time": "51s", "remaining_time": "36m 53s", "memory(GiB)": 16.38}`,
			summary{Step: "10", Epoch: "0.02287675", Metrics: ms("loss=3.94745", "percentage=2.28", "elapsed_time=51", "remaining_time=2213", "memory(GiB)=16.38")}},
		{"ms-swift hours and days", on, `{"a":"1h 2m 3s","b":"2d 0h 5m 1s","c":"0s","d":"100.00%","e":"7m 0s"}`,
			summary{Metrics: ms("a=3723", "b=173101", "c=0", "d=100", "e=420")}},
		{"timedelta forms", on, `{"a":"0:00:05.250000","b":"-1 day, 23:59:59","c":"1 day, 2:03:04","d":"123:00:00","e":"-12.5%"}`,
			summary{Metrics: ms("a=5.25", "b=-1", "c=93784", "d=442800", "e=-12.5")}},
		{"not a duration", on, `{"a":"1:2:3","b":"0:60:00","c":"0:00:60","d":"1 days 2:03:04","e":"1 day,2:03:04","f":"3s 2m","g":"5",` +
			`"h":"1h  2m","i":"1x","j":"m","k":"1s ","l":" 1s","m":"%","n":"5 %","o":"0:01:03 ","p":"1 week, 0:00:00","q":"0:00:05.","r":"1m1s","s":"1 day, ","t":"d"}`,
			summary{}},
		{"text stays text", on, `{"host":"node-7","status":"done","loss":1}`, summary{Metrics: ms("loss=1")}},
		{"nested", on, `{"metrics":{"eval":{"runtime":"1m 30s"}}}`, summary{Metrics: ms("eval.runtime=90")}},
		{"strings with a role stay strings", on, `{"_type":"meta","run_name":"5s","prefix":"1h","host":"node-7","uptime":"1h 2m 3s"}`,
			summary{Kind: KindMeta, Run: `"5s"`, Metrics: ms("uptime=3723"), Info: ms(`prefix="1h"`, `host="node-7"`)}},
		{"escaped strings stay strings", on, `{"a":"5\u0073"}`, summary{}},
		{"with numeric strings", Options{ProgressStrings: true, NumericStrings: true}, `{"a":"5","b":"5s","c":"5%"}`,
			summary{Metrics: ms("a=5", "b=5", "c=5")}},
		{"a duration under a time key is no time", on, `{"time":"0:00:02","loss":1}`, summary{Metrics: ms("time=2", "loss=1")}},
		{"too long", on, `{"a":"` + strings.Repeat("0", 62) + `5s","b":"` + strings.Repeat("0", 63) + `5s"}`, summary{Metrics: ms("a=5")}},
	})
}

func TestTextPrefix(t *testing.T) {
	fairseq := Options{TextPrefix: true, NumericStrings: true, StepKeys: []string{"num_updates"},
		TagTypes: map[string]string{"train": "epoch_end", "train_inner": "metric", "valid": "metric"}}
	// Python's logging writes the local time: the machine's zone.
	local := func(s string, ms int) string {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, time.Local)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatFloat(float64(tm.Unix())+float64(ms)/1000, 'f', -1, 64)
	}
	runRuleCases(t, []ruleCase{
		{"train_inner", fairseq,
			`2021-08-13 14:59:32 | INFO | train_inner | {"epoch": 1, "update": 0.001, "loss": "20.714", "num_updates": "1"}`,
			summary{Step: "1", Epoch: "1", Time: local("2021-08-13 14:59:32", 0), Tag: `"train_inner"`, Metrics: ms("update=0.001", "loss=20.714")}},
		{"valid", fairseq,
			`2021-08-13 15:10:02 | INFO | valid | {"epoch": 1, "valid_loss": "9.5", "valid_ppl": "724", "valid_num_updates": "1000"}`,
			summary{Epoch: "1", Time: local("2021-08-13 15:10:02", 0), Tag: `"valid"`, Metrics: ms("valid_loss=9.5", "valid_ppl=724", "valid_num_updates=1000")}},
		{"train is the epoch's summary", fairseq,
			`2021-08-13 15:10:03 | INFO | train | {"epoch": 1, "train_loss": "10.2"}`,
			summary{Kind: KindEpochEnd, Epoch: "1", Time: local("2021-08-13 15:10:03", 0), Tag: `"train"`, Metrics: ms("train_loss=10.2")}},
		{"logging's milliseconds", fairseq,
			`2021-08-13 15:10:03,250 | INFO | train_inner | {"loss": "1"}`,
			summary{Time: local("2021-08-13 15:10:03", 250), Tag: `"train_inner"`, Metrics: ms("loss=1")}},
		{"a time key wins over the text's", fairseq,
			`2021-08-13 15:10:03 | INFO | train_inner | {"time": 1764115200, "loss": "1"}`,
			summary{Time: "1764115200", Tag: `"train_inner"`, Metrics: ms("loss=1")}},
		{"text that starts with no time", fairseq,
			`2021-13-45 15:10:03 | INFO | train_inner | {"loss": "1"}`,
			summary{Tag: `"train_inner"`, Metrics: ms("loss=1")}},
		{"a tag naming a split", Options{TextPrefix: true, TagTypes: map[string]string{"eval": "val"}},
			`INFO | eval | {"loss": 2}`, summary{Prefix: `"val"`, Tag: `"eval"`, Metrics: ms("val.loss=2")}},
		{"unknown tag", fairseq, `x | y | other | {"loss": 2}`, summary{Tag: `"other"`, Metrics: ms("loss=2")}},
		{"no bars, no tag", Options{TextPrefix: true}, `INFO:root:{"loss": 2}`, summary{Metrics: ms("loss=2")}},
		{"a plain line", fairseq, `{"loss": 2}`, summary{Metrics: ms("loss=2")}},
		{"type key wins over the tag", fairseq, `a | train | {"_type":"metric","loss": 2}`, summary{Tag: `"train"`, Metrics: ms("loss=2")}},
	})
	for _, tc := range []struct {
		name, line string
		opts       Options
		want       error
		reason     string
	}{
		{"text line", "2021-08-13 14:58:00 | INFO | fairseq_cli.train | model: transformer", fairseq, ErrText, ""},
		{"off by default", `2021-08-13 | INFO | train | {"loss": 2}`, Options{}, nil, ReasonInvalidJSON},
		{"quote before the object", `"a" | {"loss": 2}`, fairseq, nil, ReasonInvalidJSON},
		{"bracket before the object", `[1, {"loss": 2}]`, fairseq, nil, ReasonNotObject},
		{"broken object after text", `a | {"loss": }`, fairseq, nil, ReasonInvalidJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Record
			err := NewParser(tc.opts).Parse([]byte(tc.line), &r)
			switch {
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("Parse(%q) = %v, want %v", tc.line, err, tc.want)
			case tc.want == nil && Reason(err) != tc.reason:
				t.Errorf("Parse(%q) = %v, want reason %s", tc.line, err, tc.reason)
			}
		})
	}
}

func TestIgnoreKeys(t *testing.T) {
	wandb := Options{StepKeys: []string{"_step"}, TimeKeys: []string{"_timestamp"}, IgnoreKeys: []string{"_runtime", "_wandb"}}
	runRuleCases(t, []ruleCase{
		{"W&B history", wandb, `{"_step":3,"_runtime":12.5,"_timestamp":1764115200.5,"train/loss":1.2,"_wandb":{"runtime":12}}`,
			summary{Step: "3", Time: "1764115200.5", Metrics: ms("train.loss=1.2")}},
		{"an ignored key loses its role", Options{IgnoreKeys: []string{"step"}}, `{"step":5,"iter":3,"loss":1}`,
			summary{Step: "3", Metrics: ms("loss=1")}},
		{"ignored arrays", Options{IgnoreKeys: []string{"h"}}, `{"h":[1,2],"a":1}`, summary{Metrics: ms("a=1")}},
	})
}

// explained parses line with Options.Explain and returns the sources of
// its metrics and its ignored keys as "key: what".
func explained(t *testing.T, opts Options, line string) (sources, ignored []string) {
	t.Helper()
	opts.Explain = true
	var r Record
	if err := NewParser(opts).Parse([]byte(line), &r); err != nil {
		t.Fatalf("Parse(%q): %v", line, err)
	}
	if len(r.Sources) != len(r.Metrics) {
		t.Fatalf("Parse(%q): %d sources for %d metrics", line, len(r.Sources), len(r.Metrics))
	}
	for i, m := range r.Metrics {
		sources = append(sources, string(m.Name)+" <- "+string(r.Sources[i]))
	}
	for _, ig := range r.Ignored {
		ignored = append(ignored, string(ig.Key)+": "+ig.What)
	}
	return sources, ignored
}

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		opts                   Options
		line                   string
		wantSources, wantNotes []string
	}{
		{"keys as written", Options{MaxArrayLen: 2},
			`{"bbox/AP-Objects":37.9,"iteration":5,"note":"x","n":null,"cfg":{"a":1},"h":[1,2],"long":[1,2,3],"mixed":[1,"a"],"none":[],"metrics":{"val":{"acc":0.5,"s":"x"}},"step":"a"}`,
			ms("bbox.AP-Objects <- bbox/AP-Objects", "h.0 <- h[0]", "h.1 <- h[1]", "val.acc <- metrics.val.acc"),
			ms("note: string", "n: null", "cfg: object", "long: array of 3 numbers, longer than 2", "mixed: array that is not all numbers",
				"none: empty array", "metrics.val.s: string", "step: string under a step key")},
		{"long form", Options{}, `{"metric":"val/loss","value":2,"other":3}`, ms("val.loss <- val/loss"), nil},
		{"prefix", Options{}, `{"prefix":"train","loss":1,"time":"yesterday"}`,
			ms("train.loss <- loss"), ms("time: string under a time key, not a time")},
		{"aliases", Options{}, `{"train/loss":1,"train.loss":2,"a":1,"a":2}`, ms("train.loss <- train/loss, train.loss", "a <- a"), nil},
		{"no notes for config records", Options{}, `{"_type":"config","config":{"lr":1},"s":"x"}`, nil, nil},
		{"no notes for meta strings", Options{}, `{"_type":"meta","host":"a","n":1}`, ms("n <- n"), nil},
		{"ignored keys", Options{IgnoreKeys: []string{"_runtime"}}, `{"_runtime":3,"a":1}`, ms("a <- a"), ms("_runtime: ignored key")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sources, notes := explained(t, tc.opts, tc.line)
			if !reflect.DeepEqual(sources, tc.wantSources) {
				t.Errorf("sources\n got: %q\nwant: %q", sources, tc.wantSources)
			}
			if !reflect.DeepEqual(notes, tc.wantNotes) {
				t.Errorf("ignored\n got: %q\nwant: %q", notes, tc.wantNotes)
			}
		})
	}
}

// TestExplainChangesNothing: an explaining parser reads every corpus line
// as the ordinary one does.
func TestExplainChangesNothing(t *testing.T) {
	for _, file := range corpusFiles(t) {
		opts := corpusOptions[strings.TrimPrefix(file, "testdata/")]
		plain := NewParser(opts)
		opts.Explain = true
		explaining := NewParser(opts)
		for _, line := range corpusLines(t, file) {
			if got, want := outcome(explaining, line), outcome(plain, line); got != want {
				t.Errorf("%s: %s\nexplaining: %s\nplain: %s", file, line, got, want)
			}
		}
	}
}

func TestRecordPrefix(t *testing.T) {
	for _, tc := range []struct {
		opts       Options
		line, want string
	}{
		{Options{}, `{"loss":1}`, ""},
		{Options{}, `{"prefix":"train/x","loss":1}`, "train.x"},
		{modeOpts, `{"mode":"val","iter":3,"bbox_mAP":0.3}`, "val"},
		{Options{TextPrefix: true, TagTypes: map[string]string{"eval": "val"}}, `a | eval | {"loss":1}`, "val"},
		{Options{}, `{"_type":"epoch_end","prefix":"train","loss":1}`, ""},
		// Prefixes that leave every name as it is: the record still says
		// which split it is, also once its lines are read by template.
		{Options{}, `{"prefix":"train","step":1,"train/loss":2}`, "train"},
		{Options{}, `{"_type":"validation","step":1,"val/loss":2}`, "validation"},
		{modeOpts, `{"mode":"val","iter":3,"val/bbox_mAP":0.3}`, "val"},
	} {
		p := NewParser(tc.opts)
		for i := range 4 {
			var r Record
			if err := p.Parse([]byte(tc.line), &r); err != nil {
				t.Fatal(err)
			}
			if string(r.Prefix) != tc.want {
				t.Errorf("Parse(%s).Prefix = %q at the %d. reading, want %q", tc.line, r.Prefix, i+1, tc.want)
			}
		}
	}
}
