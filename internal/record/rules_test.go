// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"reflect"
	"strings"
	"testing"
)

type ruleCase struct {
	name string
	opts Options
	line string
	want summary
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := parseSummary(t, tc.opts, tc.line)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%s)\n got: %s\nwant: %s", tc.line, got, tc.want)
			}
		})
	}
}

func ms(s ...string) []string { return s }

var modeOpts = Options{TypeKeys: []string{"mode"}}

func TestContractExamples(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"run_start", Options{}, `{"_type":"run_start","run_name":"bert-base-lr3e-4","time":1764115200.1}`,
			summary{Kind: KindRunStart, Time: "1764115200.1", Run: `"bert-base-lr3e-4"`}},
		{"config", Options{}, `{"_type":"config","time":1764115200.2,"config":{"lr":0.0003,"batch_size":64}}`,
			summary{Kind: KindConfig, Time: "1764115200.2"}},
		{"meta", Options{}, `{"_type":"meta","host":"gpu-node-7","user":"alice","world_size":8}`,
			summary{Kind: KindMeta, Metrics: ms("world_size=8"), Info: ms(`host="gpu-node-7"`, `user="alice"`)}},
		{"slashed and dotted aliases", Options{}, `{"_type":"metric","time":1764115201.5,"epoch":0,"step":10,"train/loss":2.31,"train/avg_loss":2.5,"train.loss":2.31,"train.avg_loss":2.5}`,
			summary{Step: "10", Epoch: "0", Time: "1764115201.5", Metrics: ms("train.loss=2.31", "train.avg_loss=2.5")}},
		{"prefix and container", Options{}, `{"step":20,"epoch":0,"prefix":"train","metrics":{"loss":2.2,"lr":0.0001,"throughput":5120.5,"grad_norm":1.7}}`,
			summary{Prefix: `"train"`, Step: "20", Epoch: "0", Metrics: ms("train.loss=2.2", "train.lr=0.0001", "train.throughput=5120.5", "train.grad_norm=1.7")}},
		{"nested container", Options{}, `{"step":20,"metrics":{"train":{"loss":2.2},"val":{"loss":2.4,"mlm_acc":0.41}}}`,
			summary{Step: "20", Metrics: ms("train.loss=2.2", "val.loss=2.4", "val.mlm_acc=0.41")}},
		{"val aliases", Options{}, `{"_type":"metric","time":1764115300.0,"epoch":1,"step":999,"val/loss":2.05,"val.loss":2.05,"val.batches":50}`,
			summary{Step: "999", Epoch: "1", Time: "1764115300", Metrics: ms("val.loss=2.05", "val.batches=50")}},
		{"epoch_end", Options{}, `{"_type":"epoch_end","time":1764115300.1,"epoch":1,"step":999,"data.truncation_rate":0.02}`,
			summary{Kind: KindEpochEnd, Step: "999", Epoch: "1", Time: "1764115300.1", Metrics: ms("data.truncation_rate=0.02")}},
		{"long form", Options{}, `{"timestamp":3.0,"step":3,"metric":"loss","value":1.1}`,
			summary{Step: "3", Metrics: ms("loss=1.1")}},
		{"detectron2", Options{}, `{"iteration":19,"total_loss":2.16,"lr":1.6e-05,"fast_rcnn/cls_accuracy":0.48,"time":0.356,"data_time":0.004}`,
			summary{Step: "19", Metrics: ms("total_loss=2.16", "lr=1.6e-05", "fast_rcnn.cls_accuracy=0.48", "time=0.356", "data_time=0.004")}},
		{"python tokens", Options{}, `{"step":30,"train.loss":NaN,"train.grad_norm":Infinity}`,
			summary{Step: "30", Metrics: ms("train.loss=NaN", "train.grad_norm=+Inf")}},
		{"mmdetection mode", modeOpts, `{"mode":"train","epoch":1,"iter":50,"lr":0.02,"loss":1.2}`,
			summary{Prefix: `"train"`, Step: "50", Epoch: "1", Metrics: ms("train.lr=0.02", "train.loss=1.2")}},
	})
}

func TestType(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"absent is metric", Options{}, `{"loss":1}`, summary{Metrics: ms("loss=1")}},
		{"metric", Options{}, `{"_type":"metric","loss":1}`, summary{Metrics: ms("loss=1")}},
		{"metrics", Options{}, `{"_type":"metrics","loss":1}`, summary{Metrics: ms("loss=1")}},
		{"empty value", Options{}, `{"_type":"","loss":1}`, summary{Metrics: ms("loss=1")}},
		{"artifact", Options{}, `{"_type":"artifact","step":5,"size":100,"path":"x.pt","run_name":"r"}`,
			summary{Kind: KindArtifact, Step: "5", Run: `"r"`}},
		{"split eval", Options{}, `{"_type":"eval","loss":1,"eval/acc":0.5}`, summary{Prefix: `"eval"`, Metrics: ms("eval.loss=1", "eval.acc=0.5")}},
		{"split with slash", Options{}, `{"_type":"val/sub","loss":1}`, summary{Prefix: `"val.sub"`, Metrics: ms("val.sub.loss=1")}},
		{"type key after metrics", Options{}, `{"loss":1,"_type":"val"}`, summary{Prefix: `"val"`, Metrics: ms("val.loss=1")}},
		{"escaped type value", Options{}, `{"_type":"\u0065poch_end","loss":1}`, summary{Kind: KindEpochEnd, Metrics: ms("loss=1")}},
		{"non-string type is ignored and no metric", Options{}, `{"_type":1,"loss":1}`, summary{Metrics: ms("loss=1")}},
		{"case sensitive", Options{}, `{"_type":"Meta","loss":1}`, summary{Prefix: `"Meta"`, Metrics: ms("Meta.loss=1")}},
		{"first type key in option order", Options{TypeKeys: []string{"mode", "_type"}}, `{"_type":"meta","mode":"val","loss":1}`,
			summary{Prefix: `"val"`, Metrics: ms("val.loss=1")}},
		{"later type key when first is not a string", Options{TypeKeys: []string{"mode", "_type"}}, `{"mode":3,"_type":"epoch_end","loss":1}`,
			summary{Kind: KindEpochEnd, Metrics: ms("loss=1")}},
		{"_type is plain with mode configured", modeOpts, `{"_type":"meta","mode":"val","loss":1}`,
			summary{Prefix: `"val"`, Metrics: ms("val.loss=1")}},
		{"duplicate type key last wins", Options{}, `{"_type":"meta","_type":"config","n":1}`, summary{Kind: KindConfig}},
		// A split type does not rename a key that names its split.
		{"validation type, val key", Options{}, `{"_type":"validation","val/loss":2.1}`, summary{Prefix: `"validation"`, Metrics: ms("val.loss=2.1")}},
		{"validation type, plain key", Options{}, `{"_type":"validation","loss":2.1,"val/acc":0.5}`,
			summary{Prefix: `"validation"`, Metrics: ms("validation.loss=2.1", "val.acc=0.5")}},
		{"train type, val key", Options{}, `{"_type":"train","step":3,"loss":1,"val/loss":2,"eval.acc":0.5,"test/x":1,"valid/y":2}`,
			summary{Step: "3", Prefix: `"train"`, Metrics: ms("train.loss=1", "val.loss=2", "eval.acc=0.5", "test.x=1", "valid.y=2")}},
		{"split type, alias of the prefixed name", Options{}, `{"_type":"val","loss":1,"val/loss":2}`, summary{Prefix: `"val"`, Metrics: ms("val.loss=2")}},
		{"split type, split names only as first segment", Options{}, `{"_type":"val","a/val/b":1,"validation_loss":2,"val":3}`,
			summary{Prefix: `"val"`, Metrics: ms("val.a.val.b=1", "val.validation_loss=2", "val.val=3")}},
		{"split type, split container", Options{}, `{"_type":"eval","train":{"loss":1}}`, summary{Prefix: `"eval"`, Metrics: ms("train.loss=1")}},
		{"split type is case-sensitive", Options{}, `{"_type":"Val","val/loss":1}`, summary{Prefix: `"Val"`, Metrics: ms("Val.val.loss=1")}},
		{"other type renames split keys", Options{}, `{"_type":"rollout","val/loss":1}`, summary{Prefix: `"rollout"`, Metrics: ms("rollout.val.loss=1")}},
		{"split type in mmdetection's mode", modeOpts, `{"mode":"val","iter":10,"val/bbox_mAP":0.3,"bbox_mAP_50":0.5}`,
			summary{Step: "10", Prefix: `"val"`, Metrics: ms("val.bbox_mAP=0.3", "val.bbox_mAP_50=0.5")}},
	})
}

func TestStepEpoch(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"option order not line order", Options{}, `{"iter":5,"step":7,"loss":1}`, summary{Step: "7", Metrics: ms("loss=1")}},
		{"global_step before iteration", Options{}, `{"iteration":4,"global_step":3}`, summary{Step: "3"}},
		{"all step keys excluded", Options{}, `{"step":1,"global_step":2,"iteration":3,"iter":4}`, summary{Step: "1"}},
		{"non-numeric first key", Options{}, `{"step":"x","iteration":4}`, summary{Step: "4"}},
		{"NaN step is no step", Options{}, `{"step":NaN,"loss":1}`, summary{Metrics: ms("loss=1")}},
		{"bool step is no step", Options{}, `{"step":true}`, summary{}},
		{"fractional epoch", Options{}, `{"loss":0.5,"learning_rate":5e-05,"epoch":0.5,"step":10}`,
			summary{Step: "10", Epoch: "0.5", Metrics: ms("loss=0.5", "learning_rate=5e-05")}},
		{"negative and exponent", Options{}, `{"step":1e3,"epoch":-0}`, summary{Step: "1000", Epoch: "-0"}},
		{"custom keys", Options{StepKeys: []string{"it"}, EpochKeys: []string{"ep"}}, `{"it":9,"ep":2,"step":4}`,
			summary{Step: "9", Epoch: "2", Metrics: ms("step=4")}},
		{"step inside container", Options{}, `{"metrics":{"step":5,"epoch":1,"loss":1}}`,
			summary{Step: "5", Epoch: "1", Metrics: ms("loss=1")}},
		{"top-level step wins over container", Options{}, `{"metrics":{"step":5},"iter":2}`, summary{Step: "2"}},
		{"step deeper in container is a metric", Options{}, `{"metrics":{"train":{"step":5}}}`, summary{Metrics: ms("train.step=5")}},
		{"duplicate step last wins", Options{}, `{"step":1,"step":null}`, summary{}},
		{"step object", Options{}, `{"step":{"a":1}}`, summary{}},
		// A string under a step key that holds a count is that step.
		{"count of a total", Options{StepKeys: []string{"global_step/max_steps"}}, `{"loss":1,"global_step/max_steps":"10/438"}`,
			summary{Step: "10", Metrics: ms("loss=1")}},
		{"count string", Options{}, `{"step":"12","loss":1}`, summary{Step: "12", Metrics: ms("loss=1")}},
		{"count string in a container", Options{}, `{"metrics":{"step":"7/9","loss":1}}`, summary{Step: "7", Metrics: ms("loss=1")}},
		{"count string first in option order", Options{}, `{"iteration":4,"step":"2/8"}`, summary{Step: "2"}},
		{"not a count", Options{}, `{"step":"10/","global_step":"/438","iteration":"1.5/2","iter":"-1","loss":1}`, summary{Metrics: ms("loss=1")}},
		{"not a count either", Options{}, `{"step":"10 / 438","global_step":"10/438/1","iteration":"1e3","iter":" 1","loss":1}`, summary{Metrics: ms("loss=1")}},
		{"escaped count is text", Options{}, `{"step":"1\/2","loss":1}`, summary{Metrics: ms("loss=1")}},
		{"huge count", Options{}, `{"step":"` + strings.Repeat("9", 400) + `"}`, summary{}},
	})
}

func TestTime(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"seconds", Options{}, `{"time":1764115200}`, summary{Time: "1764115200"}},
		{"milliseconds", Options{}, `{"ts":1764115200123}`, summary{Time: "1764115200.123"}},
		{"lowest plausible", Options{}, `{"time":946684800}`, summary{Time: "946684800"}},
		{"below range is a metric", Options{}, `{"time":946684799}`, summary{Metrics: ms("time=9.46684799e+08")}},
		{"end of range is a metric", Options{}, `{"time":4102444800}`, summary{Metrics: ms("time=4.1024448e+09")}},
		{"seconds per iteration", Options{}, `{"time":0.356}`, summary{Metrics: ms("time=0.356")}},
		{"NaN time is a metric", Options{}, `{"time":NaN}`, summary{Metrics: ms("time=NaN")}},
		{"option order", Options{}, `{"ts":1764115200,"timestamp":1764115300,"time":0.5}`,
			summary{Time: "1764115300", Metrics: ms("time=0.5")}},
		{"second plausible key is not a metric", Options{}, `{"time":1764115200,"timestamp":1764115300}`, summary{Time: "1764115200"}},
		{"rfc3339 Z", Options{}, `{"timestamp":"2025-11-26T00:00:00Z"}`, summary{Time: "1764115200"}},
		{"rfc3339 fraction and offset", Options{}, `{"time":"2025-11-26T01:00:00.25+01:00"}`, summary{Time: "1764115200.25"}},
		{"rfc3339 negative offset", Options{}, `{"time":"2025-11-25T19:00:00-05:00"}`, summary{Time: "1764115200"}},
		{"other string is nothing", Options{}, `{"time":"yesterday","_type":"meta","host":"h"}`, summary{Kind: KindMeta, Info: ms(`host="h"`)}},
		{"duplicate time key, plausible last", Options{}, `{"time":0.3,"time":1764115200}`, summary{Time: "1764115200"}},
		{"duplicate time key, implausible last", Options{}, `{"time":1764115200,"time":0.3}`, summary{Metrics: ms("time=0.3")}},
	})
}

func TestNamesAndValues(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"slashes become dots", Options{}, `{"a/b/c":1}`, summary{Metrics: ms("a.b.c=1")}},
		{"alias last value wins", Options{}, `{"train/loss":1,"train.loss":2}`, summary{Metrics: ms("train.loss=2")}},
		{"duplicate key keeps first position", Options{}, `{"a":1,"b":2,"a":3}`, summary{Metrics: ms("a=3", "b=2")}},
		{"later string hides number", Options{}, `{"loss":1,"loss":"x"}`, summary{}},
		{"later number after null", Options{}, `{"loss":null,"loss":2}`, summary{Metrics: ms("loss=2")}},
		{"no other sanitization", Options{}, `{"loss (avg)-x y":1}`, summary{Metrics: ms("loss (avg)-x y=1")}},
		{"escaped key", Options{}, `{"tr\u0061in\/loss":1}`, summary{Metrics: ms("train.loss=1")}},
		{"lone surrogate key", Options{}, `{"a\ud800":1}`, summary{Metrics: ms("a\uFFFD=1")}},
		{"surrogate pair key", Options{}, `{"\ud83d\ude00":1}`, summary{Metrics: ms("😀=1")}},
		{"empty key is no metric", Options{}, `{"":1,"a":2}`, summary{Metrics: ms("a=2")}},
		{"booleans", Options{}, `{"ok":true,"bad":false}`, summary{Metrics: ms("ok=1", "bad=0")}},
		{"non-metrics", Options{}, `{"s":"x","n":null,"a":[1,"x"],"o":{"x":1},"config":{"lr":1},"args":{"b":2}}`, summary{}},
		{"non-finite", Options{}, `{"a":NaN,"b":Infinity,"c":-Infinity,"d":[NaN,-Infinity]}`,
			summary{Metrics: ms("a=NaN", "b=+Inf", "c=-Inf", "d.0=NaN", "d.1=-Inf")}},
		{"overflow and underflow", Options{}, `{"a":1e400,"b":-1e400,"c":1e-400}`, summary{Metrics: ms("a=+Inf", "b=-Inf", "c=0")}},
		{"number forms", Options{}, `{"a":-0.5,"b":1E+2,"c":123456789012345678901234567890,"d":0.1e-2}`,
			summary{Metrics: ms("a=-0.5", "b=100", "c=1.2345678901234568e+29", "d=0.001")}},
		{"name at the length limit", Options{}, `{"` + strings.Repeat("a", MaxNameLen) + `":1}`,
			summary{Metrics: ms(strings.Repeat("a", MaxNameLen) + "=1")}},
		{"name over the length limit", Options{}, `{"` + strings.Repeat("a", MaxNameLen+1) + `":1,"b":2}`, summary{Metrics: ms("b=2")}},
		{"run_name in a metric record", Options{}, `{"run_name":"r\u00e9","loss":1}`, summary{Run: `"ré"`, Metrics: ms("loss=1")}},
		{"non-string run_name", Options{}, `{"run_name":5,"loss":1}`, summary{Metrics: ms("loss=1")}},
		{"empty run_name is absent", Options{}, `{"run_name":"","loss":1}`, summary{Metrics: ms("loss=1")}},
	})
}

func TestContainers(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"flat", Options{}, `{"metrics":{"loss":1}}`, summary{Metrics: ms("loss=1")}},
		{"deep", Options{}, `{"metrics":{"a":{"b/c":{"d":1}}}}`, summary{Metrics: ms("a.b.c.d=1")}},
		{"strings inside ignored, arrays by element", Options{}, `{"metrics":{"h":[1,2],"s":"x","n":null,"loss":1}}`,
			summary{Metrics: ms("h.0=1", "h.1=2", "loss=1")}},
		{"objects in arrays ignored", Options{}, `{"metrics":{"h":[{"a":1}]}}`, summary{}},
		{"split keys", Options{}, `{"train":{"loss":1},"val":{"loss":2},"valid":{"a":3},"validation":{"a":4},"eval":{"a":5},"test":{"a":6}}`,
			summary{Metrics: ms("train.loss=1", "val.loss=2", "valid.a=3", "validation.a=4", "eval.a=5", "test.a=6")}},
		{"split key nested", Options{}, `{"val":{"coco":{"bbox/mAP":0.3}}}`, summary{Metrics: ms("val.coco.bbox.mAP=0.3")}},
		{"numeric container key is a metric", Options{}, `{"metrics":5}`, summary{Metrics: ms("metrics=5")}},
		{"container after plain key merges", Options{}, `{"loss":1,"metrics":{"loss":2}}`, summary{Metrics: ms("loss=2")}},
		{"custom container key", Options{ContainerKeys: []string{"scalars"}}, `{"scalars":{"a":1},"metrics":{"b":2}}`,
			summary{Metrics: ms("a=1")}},
		{"metrics inside container is a path", Options{}, `{"metrics":{"metrics":{"a":1}}}`, summary{Metrics: ms("metrics.a=1")}},
		{"empty key segment", Options{}, `{"metrics":{"":{"a":1},"":2}}`, summary{Metrics: ms(".a=1")}},
		{"long path is dropped", Options{}, `{"metrics":{"` + strings.Repeat("k", MaxNameLen) + `":{"a":1},"b":2}}`, summary{Metrics: ms("b=2")}},
	})
}

func TestPrefix(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"prefix applies", Options{}, `{"prefix":"train","loss":1}`, summary{Prefix: `"train"`, Metrics: ms("train.loss=1")}},
		{"already prefixed", Options{}, `{"prefix":"train","train/loss":1,"train.acc":2}`, summary{Prefix: `"train"`, Metrics: ms("train.loss=1", "train.acc=2")}},
		{"prefix after metrics", Options{}, `{"metrics":{"loss":1},"prefix":"val"}`, summary{Prefix: `"val"`, Metrics: ms("val.loss=1")}},
		{"prefix is canonicalised", Options{}, `{"prefix":"a/b","loss":1,"a/b/x":2}`, summary{Prefix: `"a.b"`, Metrics: ms("a.b.loss=1", "a.b.x=2")}},
		{"name equal to prefix", Options{}, `{"prefix":"train","train":1}`, summary{Prefix: `"train"`, Metrics: ms("train.train=1")}},
		{"prefix merges aliases", Options{}, `{"prefix":"train","loss":1,"train/loss":2}`, summary{Prefix: `"train"`, Metrics: ms("train.loss=2")}},
		// A split prefix leaves a name that names its split already.
		{"split container under a split prefix", Options{}, `{"prefix":"train","val":{"loss":1}}`, summary{Prefix: `"train"`, Metrics: ms("val.loss=1")}},
		{"split container under another prefix", Options{}, `{"prefix":"rollout","val":{"loss":1}}`, summary{Prefix: `"rollout"`, Metrics: ms("rollout.val.loss=1")}},
		{"non-string prefix ignored", Options{}, `{"prefix":1,"loss":1}`, summary{Metrics: ms("loss=1")}},
		{"empty prefix ignored", Options{}, `{"prefix":"","_type":"val","loss":1}`, summary{Prefix: `"val"`, Metrics: ms("val.loss=1")}},
		{"prefix beats split", modeOpts, `{"mode":"val","prefix":"train","loss":1}`, summary{Prefix: `"train"`, Metrics: ms("train.loss=1")}},
		{"custom prefix key", Options{PrefixKeys: []string{"split"}}, `{"split":"test","acc":1,"prefix":"x"}`, summary{Prefix: `"test"`, Metrics: ms("test.acc=1")}},
		{"no prefix for epoch_end", Options{}, `{"_type":"epoch_end","prefix":"train","loss":1}`, summary{Kind: KindEpochEnd, Metrics: ms("loss=1")}},
	})
}

func TestLongForm(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"only the named metric", Options{}, `{"metric":"val/loss","value":2,"other":3,"time":0.5}`, summary{Metrics: ms("val.loss=2")}},
		{"prefix applies", Options{}, `{"prefix":"train","metric":"loss","value":1}`, summary{Prefix: `"train"`, Metrics: ms("train.loss=1")}},
		{"already prefixed", Options{}, `{"prefix":"train","metric":"train/loss","value":1}`, summary{Prefix: `"train"`, Metrics: ms("train.loss=1")}},
		{"NaN value", Options{}, `{"value":NaN,"metric":"loss"}`, summary{Metrics: ms("loss=NaN")}},
		{"bool value", Options{}, `{"metric":"ok","value":true}`, summary{Metrics: ms("ok=1")}},
		{"string value is no long form", Options{}, `{"metric":"loss","value":"x","other":3}`, summary{Metrics: ms("other=3")}},
		{"non-string name is no long form", Options{}, `{"metric":1,"value":2,"other":3}`, summary{Metrics: ms("other=3")}},
		{"value alone is no metric", Options{}, `{"value":3}`, summary{}},
		{"empty name yields nothing", Options{}, `{"metric":"","value":3,"other":4}`, summary{}},
		{"epoch_end without prefix", Options{}, `{"_type":"epoch_end","prefix":"p","metric":"acc","value":0.9}`,
			summary{Kind: KindEpochEnd, Metrics: ms("acc=0.9")}},
		{"meta ignores long form", Options{}, `{"_type":"meta","metric":"acc","value":0.9,"n":1}`,
			summary{Kind: KindMeta, Metrics: ms("n=1"), Info: ms(`metric="acc"`)}},
	})
}

func TestKinds(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"run_start info and metrics", Options{}, `{"_type":"run_start","run_name":"r","time":"2025-11-26T00:00:00Z","host":"h","gpus":8,"a/b":"x","cfg":{"lr":1},"metrics":{"x":1},"train":{"y":2},"tags":["a"]}`,
			summary{Kind: KindRunStart, Time: "1764115200", Run: `"r"`, Metrics: ms("gpus=8"), Info: ms(`host="h"`, `a/b="x"`)}},
		{"meta string under structural keys", Options{}, `{"_type":"meta","step":"warmup","prefix":"p","epoch":1,"value":"v"}`,
			summary{Kind: KindMeta, Epoch: "1", Info: ms(`step="warmup"`, `prefix="p"`, `value="v"`)}},
		{"meta escaped info", Options{}, `{"_type":"meta","k\u00e9y":"a\"b\\c\n"}`,
			summary{Kind: KindMeta, Info: ms(`kéy="a\"b\\c\n"`)}},
		{"meta duplicate field last wins", Options{}, `{"_type":"meta","host":"a","user":"u","host":"b"}`,
			summary{Kind: KindMeta, Info: ms(`host="b"`, `user="u"`)}},
		{"meta number then string", Options{}, `{"_type":"meta","n":1,"n":"one"}`, summary{Kind: KindMeta, Info: ms(`n="one"`)}},
		{"meta bool", Options{}, `{"_type":"meta","distributed":true}`, summary{Kind: KindMeta, Metrics: ms("distributed=1")}},
		{"meta no prefix", Options{}, `{"_type":"meta","prefix":"train","n":1}`, summary{Kind: KindMeta, Metrics: ms("n=1"), Info: ms(`prefix="train"`)}},
		{"config drops everything but structure", Options{}, `{"_type":"config","step":0,"epoch":0,"run_name":"r","lr":0.1,"name":"x","metrics":{"a":1}}`,
			summary{Kind: KindConfig, Step: "0", Epoch: "0", Run: `"r"`}},
		{"epoch_end with containers", Options{}, `{"_type":"epoch_end","epoch":2,"metrics":{"val/acc":0.9},"val":{"loss":1},"note":"x"}`,
			summary{Kind: KindEpochEnd, Epoch: "2", Metrics: ms("val.acc=0.9", "val.loss=1")}},
	})
}

func TestWhitespaceAndEmpty(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"surrounding whitespace", Options{}, " \t{ \"loss\" : 1 , \"step\" :2 }\r", summary{Step: "2", Metrics: ms("loss=1")}},
		{"trailing newline", Options{}, "{\"loss\":1}\r\n", summary{Metrics: ms("loss=1")}},
		{"BOM", Options{}, "\xEF\xBB\xBF{\"loss\":1}", summary{Metrics: ms("loss=1")}},
		{"empty object", Options{}, `{}`, summary{}},
	})
	p := NewParser(Options{})
	for _, line := range []string{"", " ", "\r", "\r\n", "\t \n", "\xEF\xBB\xBF", "\xEF\xBB\xBF  "} {
		t.Run("empty "+strings.ReplaceAll(line, "\xEF\xBB\xBF", "BOM"), func(t *testing.T) {
			var r Record
			if err := p.Parse([]byte(line), &r); err != ErrEmpty {
				t.Fatalf("Parse(%q) = %v, want ErrEmpty", line, err)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	want := map[Kind]string{KindMetric: "metric", KindEpochEnd: "epoch_end", KindRunStart: "run_start",
		KindConfig: "config", KindMeta: "meta", KindArtifact: "artifact", Kind(42): "Kind(42)"}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), s)
		}
	}
}

// TestSplitNames: isSplit and startsWithSplit know exactly splitKeys.
func TestSplitNames(t *testing.T) {
	for _, k := range splitKeys {
		if !isSplit([]byte(k)) || !startsWithSplit([]byte(k+".loss")) || startsWithSplit([]byte(k)) {
			t.Errorf("split %q not known", k)
		}
	}
	for _, name := range []string{"", "v", "va", "vali", "Val", "evals", "tests", "training", "validations", "trains.x", "x.val.y", ".val", "val_loss", "vals.loss"} {
		if isSplit([]byte(name)) || startsWithSplit([]byte(name)) || startsWithSplit([]byte(name+".a")) && !isSplit([]byte(name)) {
			t.Errorf("%q taken for a split", name)
		}
	}
}
