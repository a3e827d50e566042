// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package hparams

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// show renders a set as one line per param and left-out key, so that a
// table test states all of it.
func show(s Set) string {
	var b strings.Builder
	for _, p := range s.Params {
		if p.Numeric {
			fmt.Fprintf(&b, "%s = %s (%g)\n", p.Name, p.Text, p.Value)
		} else if strings.HasPrefix(p.Text, "[") {
			fmt.Fprintf(&b, "%s = %s\n", p.Name, p.Text) // a list
		} else {
			fmt.Fprintf(&b, "%s = %q\n", p.Name, p.Text)
		}
	}
	for _, l := range s.LeftOut {
		fmt.Fprintf(&b, "- %s: %s\n", l.Name, l.Why)
	}
	return b.String()
}

func TestFromJSON(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"seed config record", `{"lr":3e-4,"batch_size":64,"model":"bert-small","layers":12}`,
			"batch_size = 64 (64)\nlayers = 12 (12)\nlr = 3e-4 (0.0003)\nmodel = \"bert-small\"\n"},
		{"nested and lists", `{"optimizer":{"name":"adam","betas":[0.9,0.999],"eps":1e-8},"amp":true,"tags":["a","b"],"seed":null}`,
			"amp = true (1)\noptimizer.betas = [0.9, 0.999]\noptimizer.eps = 1e-8 (1e-08)\noptimizer.name = \"adam\"\ntags = [\"a\", \"b\"]\n- seed: null\n"},
		{"long list and list of objects", `{"milestones":[1,2,3,4,5,6,7,8,9],"sched":[{"a":1}],"empty":[],"obj":{}}`,
			"empty = []\n- milestones: list of 9 values (more than 8)\n- sched: list holding an object\n"},
		{"deep", `{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}},"x":2}}}}}`,
			"a.b.c.d.x = 2 (2)\n- a.b.c.d.e.f: object nested deeper than 6 levels\n"},
		{"ray tune config with false", `{"lr":0.01,"use_gae":false,"model":{"fcnet_hiddens":[256,256]}}`,
			"lr = 0.01 (0.01)\nmodel.fcnet_hiddens = [256, 256]\nuse_gae = false (0)\n"},
		{"wandb value unwrapped", `{"wandb_version":1,"_wandb":{"value":{"cli_version":"0.16"}},"lr":{"desc":null,"value":0.001}}`,
			"lr = 0.001 (0.001)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := FromJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := show(s); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestFromJSONErrors(t *testing.T) {
	for _, in := range []string{`[1,2]`, `{"a":`, `{"a":1} {"b":2}`, `"x"`, ``} {
		if _, err := FromJSON([]byte(in)); err == nil {
			t.Errorf("FromJSON(%q): no error", in)
		}
	}
}

// The shapes of the files trainers write, from real ones (see
// docs/formats.md): Lightning, Ultralytics, LLaMA-Factory, detectron2,
// W&B.
func TestFromYAML(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"lightning hparams.yaml", "folder: out\n\nnum_hiddens: 128\ncommitment_cost: 0.25\nnb_examples: null\nlr: 0.0005\nepochs: 300\n",
			"commitment_cost = 0.25 (0.25)\nepochs = 300 (300)\nfolder = \"out\"\nlr = 0.0005 (0.0005)\nnum_hiddens = 128 (128)\n- nb_examples: null\n"},
		{"lightning python tuple", "betas: !!python/tuple\n- 0.9\n- 0.999\nmodel: resnet\n",
			"betas = [0.9, 0.999]\nmodel = \"resnet\"\n"},
		{"lightning python objects", "args: !!python/object:argparse.Namespace\n  lr: 0.001\noptimizer: !!python/name:torch.optim.adam.Adam ''\n",
			"args.lr = 0.001 (0.001)\noptimizer = \"torch.optim.adam.Adam\"\n"},
		{"ultralytics args.yaml", "task: detect\nmode: train\ndata: C://data//x.v1i.yolov11//data.yaml\nepochs: 10\ntime: null\nsave: true\nfraction: 1.0\nlr0: 0.01\nsave_dir: runs\\detect\\train\n",
			"data = \"C://data//x.v1i.yolov11//data.yaml\"\nepochs = 10 (10)\nfraction = 1.0 (1)\nlr0 = 0.01 (0.01)\nmode = \"train\"\nsave = true (1)\nsave_dir = \"runs\\\\detect\\\\train\"\ntask = \"detect\"\n- time: null\n"},
		{"llama-factory training_args.yaml", "bf16: true\ndataset: tcm,mdk,NLI\nlearning_rate: 5.0e-05\nnum_train_epochs: 3.0\nlora_target: all\n",
			"bf16 = true (1)\ndataset = \"tcm,mdk,NLI\"\nlearning_rate = 5.0e-05 (5e-05)\nlora_target = \"all\"\nnum_train_epochs = 3.0 (3)\n"},
		{"detectron2 config.yaml", "MODEL:\n  META_ARCHITECTURE: GeneralizedRCNN\n  RESNETS:\n    DEPTH: 50\n    OUT_FEATURES:\n    - res2\n    - res3\n  PIXEL_MEAN:\n  - 103.53\n  - 116.28\n  - 123.675\nSOLVER:\n  BASE_LR: 0.02\n  MAX_ITER: 90000\n  STEPS:\n  - 60000\n  - 80000\nVERSION: 2\n",
			"MODEL.META_ARCHITECTURE = \"GeneralizedRCNN\"\nMODEL.PIXEL_MEAN = [103.53, 116.28, 123.675]\nMODEL.RESNETS.DEPTH = 50 (50)\nMODEL.RESNETS.OUT_FEATURES = [\"res2\", \"res3\"]\nSOLVER.BASE_LR = 0.02 (0.02)\nSOLVER.MAX_ITER = 90000 (90000)\nSOLVER.STEPS = [60000, 80000]\nVERSION = 2 (2)\n"},
		{"wandb files/config.yaml", "wandb_version: 1\n\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.16.0\n    python_version: 3.10.12\nlr:\n  desc: null\n  value: 0.001\nBATCH_SIZE:\n  desc: Mini-batch size\n  value: 256\noptimizer:\n  desc: null\n  value:\n    name: adam\n    betas: [0.9, 0.999]\n",
			"BATCH_SIZE = 256 (256)\nlr = 0.001 (0.001)\noptimizer.betas = [0.9, 0.999]\noptimizer.name = \"adam\"\n"},
		{"empty", "", ""},
		{"comment only", "# nothing\n", ""},
		{"anchors and merge", "base: &b\n  lr: 0.1\n  wd: 0.01\nrun:\n  <<: *b\n  lr: 0.2\n",
			"base.lr = 0.1 (0.1)\nbase.wd = 0.01 (0.01)\nrun.lr = 0.2 (0.2)\nrun.wd = 0.01 (0.01)\n"},
		{"yaml specials", "a: .inf\nb: 0x1F\nc: '0.5'\nd: 1_000\n",
			"a = .inf (+Inf)\nb = 0x1F (31)\nc = \"0.5\"\nd = 1_000 (1000)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := FromYAML([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := show(s); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestFromYAMLErrors(t *testing.T) {
	for _, in := range []string{"a: [1, 2\n", "- 1\n- 2\n", "a: b: c\n", "\tlr: 1\n", "just text"} {
		if _, err := FromYAML([]byte(in)); err == nil {
			t.Errorf("FromYAML(%q): no error", in)
		}
	}
}

// An mmengine dump, in the shape of vis_data/config.py.
const mmengineConfig = `model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet',
        depth=50,
        out_indices=(3, ),
        style='pytorch'),
    head=dict(
        type='LinearClsHead',
        num_classes=30,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))
data_preprocessor = dict(
    mean=[123.675, 116.28, 103.53],
    to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs')
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
val_cfg = dict()
randomness = dict(seed=None, deterministic=False)
import os  # not an assignment
work_dir = './work_dirs/resnet50_8xb32_in1k'
lr_fn = lambda e: 0.1 * e
scale = 1 + 2
mapping = {'a': 1, 2: "two", 'nested': {'x': -1.5e-3}}
if True:
    ignored = 1
launcher = "pytorch"  # a comment
act = dict(type=nn.ReLU, inplace=True)
`

func TestFromPythonConfig(t *testing.T) {
	s, err := FromPythonConfig([]byte(mmengineConfig))
	if err != nil {
		t.Fatal(err)
	}
	want := `act.inplace = True (1)
data_preprocessor.mean = [123.675, 116.28, 103.53]
data_preprocessor.to_rgb = True (1)
launcher = "pytorch"
mapping.2 = "two"
mapping.a = 1 (1)
mapping.nested.x = -1.5e-3 (-0.0015)
model.backbone.depth = 50 (50)
model.backbone.out_indices = [3]
model.backbone.style = "pytorch"
model.backbone.type = "ResNet"
model.head.loss.loss_weight = 1.0 (1)
model.head.loss.type = "CrossEntropyLoss"
model.head.num_classes = 30 (30)
model.head.topk = [1]
model.head.type = "LinearClsHead"
model.type = "ImageClassifier"
optim_wrapper.optimizer.lr = 0.02 (0.02)
optim_wrapper.optimizer.momentum = 0.9 (0.9)
optim_wrapper.optimizer.type = "SGD"
optim_wrapper.optimizer.weight_decay = 0.0001 (0.0001)
param_scheduler.by_epoch = True (1)
param_scheduler.gamma = 0.1 (0.1)
param_scheduler.milestones = [30, 60, 90]
param_scheduler.type = "MultiStepLR"
randomness.deterministic = False (0)
train_cfg.by_epoch = True (1)
train_cfg.max_epochs = 100 (100)
train_cfg.val_interval = 1 (1)
work_dir = "./work_dirs/resnet50_8xb32_in1k"
- act.type: not a literal
- lr_fn: not a literal
- randomness.seed: null
- scale: not a literal
- train_pipeline: list holding an object
`
	if got := show(s); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFromPythonConfigOdd(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"strings", `a = 'x' "y"` + "\nb = r'\\d+'\nc = '''multi\nline'''\nd = (1)\ne = ()\n",
			"a = \"xy\"\nb = \"\\\\d+\"\nc = \"multi\\nline\"\nd = 1 (1)\ne = []\n"},
		{"unfinished", "a = dict(b=1,\n", "- a: not a literal\n"},
		{"comparison is no assignment", "a == 1\nb = 2\n", "b = 2 (2)\n"},
		{"negative and hex", "a = -3\nb = 0x10\nc = 1_000\n", "a = -3 (-3)\nb = 0x10 (16)\nc = 1_000 (1000)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := FromPythonConfig([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := show(s); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	if _, err := FromPythonConfig([]byte("a = '\xff'")); err == nil {
		t.Error("invalid UTF-8: no error")
	}
}

func TestLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 150 {
		fmt.Fprintf(&b, `"k%03d":%d,`, i, i)
	}
	long := strings.Repeat("é", 150) // 300 bytes
	fmt.Fprintf(&b, `"%s":1,"v":"%s"}`, strings.Repeat("n", 200), long)
	s, err := FromJSON([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Params) != MaxParams {
		t.Fatalf("%d params, want %d", len(s.Params), MaxParams)
	}
	if s.Params[0].Name != "k000" || s.Params[MaxParams-1].Name != "k099" {
		t.Errorf("not the first by name: %s .. %s", s.Params[0].Name, s.Params[MaxParams-1].Name)
	}
	var past int
	for _, l := range s.LeftOut {
		if strings.HasPrefix(l.Why, "past the limit") {
			past++
		}
	}
	if past != 52 {
		t.Errorf("%d left out past the limit, want 52", past)
	}

	s, err = FromJSON([]byte(fmt.Sprintf(`{"%s":1,"v":"%s"}`, strings.Repeat("n", 200), long)))
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Params[0].Name; len(n) != MaxNameBytes {
		t.Errorf("name of %d bytes, want %d", len(n), MaxNameBytes)
	}
	if v := s.Params[1].Text; len(v) != MaxValueBytes || !utf8.ValidString(v) {
		t.Errorf("value of %d bytes (valid %v), want %d", len(v), utf8.ValidString(v), MaxValueBytes)
	}
}

func TestMerge(t *testing.T) {
	file := Set{Params: []Param{{Name: "lr", Text: "0.1", Value: 0.1, Numeric: true}, {Name: "model", Text: "a"}},
		LeftOut: []LeftOut{{"seed", "null"}, {"sched", "list holding an object"}}}
	log := Set{Params: []Param{{Name: "lr", Text: "0.2", Value: 0.2, Numeric: true}, {Name: "seed", Text: "1", Value: 1, Numeric: true}}}
	params, left := Merge(file, log)
	got := show(Set{Params: params, LeftOut: left})
	want := "lr = 0.2 (0.2)\nmodel = \"a\"\nseed = 1 (1)\n- sched: list holding an object\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestMergeShares: a run whose only source has params keeps one slice of
// them, not a copy; anything else is merged into a new slice.
func TestMergeShares(t *testing.T) {
	a := Param{Name: "a", Text: "1", Value: 1, Numeric: true}
	b := Param{Name: "b", Text: "x"}
	for _, tc := range []struct {
		name  string
		sets  []Set
		share bool // params is the one set's slice
		want  []Param
	}{
		{"one set", []Set{{Params: []Param{a, b}}}, true, []Param{a, b}},
		{"beside empty ones", []Set{{}, {Params: []Param{a, b}, LeftOut: []LeftOut{{"c", "null"}}}, {}}, true, []Param{a, b}},
		{"unsorted", []Set{{Params: []Param{b, a}}}, false, []Param{a, b}},
		{"a name twice", []Set{{Params: []Param{a, a}}}, false, []Param{a}},
		{"two sets", []Set{{Params: []Param{a}}, {Params: []Param{b}}}, false, []Param{a, b}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in []Param
			for _, s := range tc.sets {
				if len(s.Params) > 0 {
					in = s.Params
				}
			}
			got, _ := Merge(tc.sets...)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("params %v, want %v", got, tc.want)
			}
			if shared := &got[0] == &in[0]; shared != tc.share {
				t.Errorf("shares the set's slice: %v, want %v", shared, tc.share)
			}
			if cap(got) != len(got) {
				t.Errorf("cap %d, len %d: room no one uses", cap(got), len(got))
			}
		})
	}
}

func TestYAMLAliasBomb(t *testing.T) {
	in := "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d {a: *c, b: *c, c: *c}\n"
	s, err := FromYAML([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Params) != 1 {
		t.Errorf("got %s", show(s))
	}
	_ = math.Inf
}

// TestMergeCountsWhatWasCut: sets already cut to maxLeftOut keys, merged
// again (a file beside the log and the log's config records), keep the
// count of the keys each cut.
func TestMergeCountsWhatWasCut(t *testing.T) {
	cut := func(prefix string) Set {
		var left []LeftOut
		for i := range 150 {
			left = append(left, LeftOut{fmt.Sprintf("%s%03d", prefix, i), "null"})
		}
		return Set{LeftOut: boundLeftOut(left)}
	}
	a, b := cut("a"), cut("b")
	if n := len(a.LeftOut); n != maxLeftOut+1 || a.LeftOut[n-1] != (LeftOut{"…", "50 more keys left out"}) {
		t.Fatalf("one set: %d entries ending %v", n, a.LeftOut[n-1])
	}
	_, left := Merge(a, b)
	if n := len(left); n != maxLeftOut+1 || left[n-1] != (LeftOut{"…", "200 more keys left out"}) {
		t.Errorf("merged: %d entries ending %v, want %d ending with 200 more", n, left[n-1], maxLeftOut+1)
	}
}
