// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// chainerLog is result/log as Chainer's LogReport writes it (json.dump,
// indent=4), a NaN included.
const chainerLog = `[
    {
        "epoch": 1,
        "iteration": 600,
        "main/accuracy": 0.9420833363384008,
        "elapsed_time": 23.108562707901,
        "main/loss": 0.19249046281600993,
        "validation/main/loss": 0.09709950844640844,
        "validation/main/accuracy": 0.9687000060081482
    },
    {
        "epoch": 2,
        "iteration": 1200,
        "main/accuracy": 0.9777833435932796,
        "elapsed_time": 47.978503942489624,
        "main/loss": NaN,
        "lr": 0.01
    }
]`

// sacredMetrics is metrics.json as Sacred's FileStorageObserver writes it
// (json.dump, sort_keys, indent=2): training.loss by explicit step,
// validation.accuracy logged after steps 2 and 3 by epoch, a time
// without microseconds, and lr's timestamp lost.
const sacredMetrics = `{
  "lr": {
    "steps": [
      1
    ],
    "timestamps": [
      "not a time"
    ],
    "values": [
      [0.01]
    ]
  },
  "training.loss": {
    "steps": [
      1,
      2,
      3
    ],
    "timestamps": [
      "2024-02-12T15:21:43.083436",
      "2024-02-12T15:21:44",
      "2024-02-12T15:21:45.5"
    ],
    "values": [
      0.367,
      NaN,
      0.21
    ]
  },
  "validation.accuracy": {
    "steps": [
      0,
      1
    ],
    "timestamps": [
      "2024-02-12T15:21:44.5",
      "2024-02-12T15:21:46"
    ],
    "values": [
      0.81,
      0.85
    ]
  }
}`

// ludwigStatistics is training_statistics.json as Ludwig writes it.
const ludwigStatistics = `{
    "evaluation_frequency": {
        "frequency": 1,
        "period": "epoch"
    },
    "test": {
        "combined": {
            "loss": [
                3.1,
                2.9
            ]
        }
    },
    "training": {
        "combined": {
            "loss": [
                3.57,
                2.18,
                1.5
            ]
        },
        "label": {
            "accuracy": [
                0.61,
                0.72,
                0.8
            ],
            "hits_at_k": [
                0.9,
                0.95,
                0.97
            ]
        }
    },
    "validation": {
        "combined": {
            "loss": [
                3.2,
                2.5,
                2.0
            ]
        },
        "label": {
            "accuracy": [
                0.55,
                0.66,
                0.7
            ]
        }
    }
}`

// read returns what a reader yields, as texts, or its error.
func read(r DocumentReader, doc string) ([]string, error) {
	var out []string
	err := r([]byte(doc), func(text []byte) { out = append(out, string(text)) })
	return out, err
}

func TestDocumentReaders(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reader DocumentReader
		doc    string
		opts   Options
		want   []string // the records as Parse reads them
	}{
		{"chainer", TopArray, chainerLog, Options{}, []string{
			"kind=metric step=600 epoch=1\n  metric main.accuracy=0.9420833363384008\n  metric elapsed_time=23.108562707901\n  metric main.loss=0.19249046281600993\n  metric validation.main.loss=0.09709950844640844\n  metric validation.main.accuracy=0.9687000060081482",
			"kind=metric step=1200 epoch=2\n  metric main.accuracy=0.9777833435932796\n  metric elapsed_time=47.978503942489624\n  metric main.loss=NaN\n  metric lr=0.01",
		}},
		{"hf", ArrayMember("log_history"), trainerState, Options{}, []string{
			"kind=metric step=10 epoch=0.02\n  metric grad_norm=NaN\n  metric learning_rate=4.9e-05\n  metric loss=2.4213",
			"kind=metric step=500 epoch=1\n  metric eval_loss=1.873\n  metric eval_runtime=12.41",
		}},
		{"sacred", SacredMetrics, sacredMetrics, Options{StepKeys: []string{SacredStepKey}, TimeKeys: []string{SacredTimeKey}}, []string{
			// No time: first, and with the value of its step logged next
			// (the record has the time of its first value); then by time.
			// validation.accuracy's steps 0 and 1 fall behind
			// training.loss's: they keep no step.
			"kind=metric step=1\n  metric lr.0=0.01\n  metric training.loss=0.367",
			"kind=metric step=2 time=1707751304\n  metric training.loss=NaN",
			"kind=metric time=1707751304.5\n  metric validation.accuracy=0.81",
			"kind=metric step=3 time=1707751305.5\n  metric training.loss=0.21",
			"kind=metric time=1707751306\n  metric validation.accuracy=0.85",
		}},
		{"ludwig", LudwigStatistics, ludwigStatistics, Options{}, []string{
			"kind=metric epoch=1\n  metric test.combined.loss=3.1\n  metric training.combined.loss=3.57\n  metric training.label.accuracy=0.61\n  metric training.label.hits_at_k=0.9\n  metric validation.combined.loss=3.2\n  metric validation.label.accuracy=0.55",
			"kind=metric epoch=2\n  metric test.combined.loss=2.9\n  metric training.combined.loss=2.18\n  metric training.label.accuracy=0.72\n  metric training.label.hits_at_k=0.95\n  metric validation.combined.loss=2.5\n  metric validation.label.accuracy=0.66",
			"kind=metric epoch=3\n  metric training.combined.loss=1.5\n  metric training.label.accuracy=0.8\n  metric training.label.hits_at_k=0.97\n  metric validation.combined.loss=2\n  metric validation.label.accuracy=0.7",
		}},
		{"ludwig by steps", LudwigStatistics, `{"training": {"combined": {"loss": [1, 0.5]}}, "evaluation_frequency": {"frequency": 500, "period": "step"}}`, Options{}, []string{
			"kind=metric step=500\n  metric training.combined.loss=1",
			"kind=metric step=1000\n  metric training.combined.loss=0.5",
		}},
		{"ludwig, twice a epoch", LudwigStatistics, `{"validation": {"combined": {"loss": [1, 0.5]}}, "evaluation_frequency": {"frequency": 0.5, "period": "epoch"}}`, Options{}, []string{
			"kind=metric epoch=0.5\n  metric validation.combined.loss=1",
			"kind=metric epoch=1\n  metric validation.combined.loss=0.5",
		}},
		{"ludwig, old split names", LudwigStatistics, `{"train": {"y": {"loss": [2]}}, "validation": {}, "test": {"y": {}}}`, Options{}, []string{
			"kind=metric epoch=1\n  metric train.y.loss=2",
		}},
		{"empty chainer log", TopArray, "[]\n", Options{}, nil},
		{"empty sacred metrics", SacredMetrics, "{}", Options{}, nil},
		{"escaped names", SacredMetrics, `{"a\"b": {"steps": [1], "timestamps": [], "values": [2]}}`, Options{StepKeys: []string{SacredStepKey}}, []string{
			"kind=metric step=1\n  metric a\"b=2",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			texts, err := read(tc.reader, tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			p := NewParser(tc.opts)
			var got []string
			for _, text := range texts {
				got = append(got, outcome(p, []byte(text)))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("records:\n%s\nwant:\n%s\ntexts:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"), strings.Join(texts, "\n"))
			}
		})
	}
}

// TestDocumentReadersRefuse: a document cut anywhere, as one read while
// it is written, is an error and yields nothing; so is a document of
// another shape.
func TestDocumentReadersRefuse(t *testing.T) {
	readers := []struct {
		name   string
		reader DocumentReader
		doc    string
	}{
		{"chainer", TopArray, chainerLog},
		{"hf", ArrayMember("log_history"), trainerState},
		{"sacred", SacredMetrics, sacredMetrics},
		{"ludwig", LudwigStatistics, ludwigStatistics},
	}
	for _, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			whole, err := read(r.reader, r.doc)
			if err != nil {
				t.Fatal(err)
			}
			end := len(strings.TrimRight(r.doc, " \n"))
			for cut := range end {
				// trainer_state.json cut after log_history has all of it.
				texts, err := read(r.reader, r.doc[:cut])
				if (err == nil || len(texts) > 0) && !(err == nil && slices.Equal(texts, whole)) {
					t.Fatalf("cut at %d of %d: %d records, error %v", cut, len(r.doc), len(texts), err)
				}
			}
		})
	}
	for _, tc := range []struct {
		name   string
		reader DocumentReader
		doc    string
	}{
		{"chainer: an object", TopArray, `{"epoch": 1}`},
		{"chainer: JSON Lines", TopArray, "[1]\n[2]\n"},
		{"sacred: detectron2's line", SacredMetrics, `{"iteration": 19, "total_loss": 1.3}`},
		{"sacred: a pretty flat object", SacredMetrics, "{\n  \"accuracy\": 0.9\n}"},
		{"sacred: an array", SacredMetrics, `[{"a": 1}]`},
		{"sacred: two documents", SacredMetrics, `{} {}`},
		{"ludwig: another program's statistics", LudwigStatistics, `{"total_rows": 7621352, "splits": {"test": 1}}`},
		{"ludwig: Keras history", LudwigStatistics, `{"training_history": {"accuracy": [0.79, 0.93]}}`},
		{"ludwig: a list of runs", LudwigStatistics, `[[{"All AUC": [0.5]}]]`},
		{"ludwig: a metric that is no list", LudwigStatistics, `{"training": {"combined": {"loss": 1.5}}}`},
	} {
		if texts, err := read(tc.reader, tc.doc); err == nil || len(texts) > 0 {
			t.Errorf("%s: %d records, error %v", tc.name, len(texts), err)
		}
	}
}

// TestSacredHeartbeatsAppend: each heartbeat rewrites metrics.json with
// more values. The records of a rewrite are those of the previous one,
// the last of them with more values at its end when the heartbeat came
// between two values of its step, and then new ones: what a reader had
// stays where it was.
func TestSacredHeartbeatsAppend(t *testing.T) {
	metric := func(steps, times, values string) string {
		return `{"steps": [` + steps + `], "timestamps": [` + times + `], "values": [` + values + `]}`
	}
	before := `{"acc": ` + metric(`4`, `"2024-02-12T15:21:42.000002"`, `0.7`) +
		`, "loss": ` + metric(`4, 5`, `"2024-02-12T15:21:42", "2024-02-12T15:21:43.000001"`, `0.5, 0.4`) + `}`
	after := `{"acc": ` + metric(`4, 5, 6`, `"2024-02-12T15:21:42.000002", "2024-02-12T15:21:43.000002", "2024-02-12T15:21:44.000002"`, `0.7, 0.8, 0.9`) +
		`, "loss": ` + metric(`4, 5, 6`, `"2024-02-12T15:21:42", "2024-02-12T15:21:43.000001", "2024-02-12T15:21:44.000001"`, `0.5, 0.4, 0.3`) + `}`
	old, err := read(SacredMetrics, before)
	if err != nil {
		t.Fatal(err)
	}
	all, err := read(SacredMetrics, after)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"_step":4,"_timestamp":1707751302,"loss":0.5,"acc":0.7}`,
		`{"_step":5,"_timestamp":1707751303.000001,"loss":0.4,"acc":0.8}`,
		`{"_step":6,"_timestamp":1707751304.000001,"loss":0.3,"acc":0.9}`,
	}
	if !slices.Equal(all, want) || len(old) != 2 || old[0] != all[0] || !strings.HasPrefix(all[1], strings.TrimSuffix(old[1], "}")+",") {
		t.Errorf("records before:\n%s\nafter:\n%s\nwant after:\n%s", strings.Join(old, "\n"), strings.Join(all, "\n"), strings.Join(want, "\n"))
	}
	// A metric logged twice in one step starts a record again.
	twice, err := read(SacredMetrics, `{"loss": `+metric(`1, 1`, `"2024-02-12T15:21:42", "2024-02-12T15:21:43"`, `0.5, 0.4`)+`}`)
	if err != nil || len(twice) != 2 {
		t.Errorf("a metric twice in a step: %q, %v", twice, err)
	}
}

// bigDocuments returns documents of about 20 MB as their producers write
// them: Sacred's metrics.json (4 metrics, indent=2, one element a line),
// Chainer's log (indent=4) and Ludwig's statistics.
func bigDocuments(tb testing.TB) map[string][]byte {
	tb.Helper()
	var sacred strings.Builder
	sacred.WriteString("{")
	const steps = 50000
	for m, name := range []string{"grad_norm", "loss", "lr", "validation.accuracy"} {
		if m > 0 {
			sacred.WriteString(",")
		}
		fmt.Fprintf(&sacred, "\n  %q: {\n    \"steps\": [", name)
		for s := range steps {
			fmt.Fprintf(&sacred, "%s\n      %d", map[bool]string{true: ",", false: ""}[s > 0], s)
		}
		sacred.WriteString("\n    ],\n    \"timestamps\": [")
		for s := range steps {
			fmt.Fprintf(&sacred, "%s\n      \"2024-02-12T%02d:%02d:%02d.%06d\"", map[bool]string{true: ",", false: ""}[s > 0], s/3600%24, s/60%60, s%60, s*7%1000000)
		}
		sacred.WriteString("\n    ],\n    \"values\": [")
		for s := range steps {
			fmt.Fprintf(&sacred, "%s\n      %v", map[bool]string{true: ",", false: ""}[s > 0], 1/float64(s+1)+float64(m))
		}
		sacred.WriteString("\n    ]\n  }")
	}
	sacred.WriteString("\n}")
	var chainer strings.Builder
	chainer.WriteString("[")
	for i := range 60000 {
		if i > 0 {
			chainer.WriteString(",")
		}
		fmt.Fprintf(&chainer, "\n    {\n        \"epoch\": %d,\n        \"iteration\": %d,\n        \"main/loss\": %v,\n        \"main/accuracy\": %v,\n        \"validation/main/loss\": %v,\n        \"validation/main/accuracy\": %v,\n        \"elapsed_time\": %v\n    }",
			i/100, i, 1/float64(i+1), 1-1/float64(i+2), 1.5/float64(i+1), 1-1.5/float64(i+2), float64(i)*0.37)
	}
	chainer.WriteString("\n]")
	var ludwig strings.Builder
	ludwig.WriteString(`{"evaluation_frequency": {"frequency": 1, "period": "epoch"}`)
	for _, split := range []string{"test", "training", "validation"} {
		fmt.Fprintf(&ludwig, ",\n    %q: {", split)
		for f, feature := range []string{"combined", "label"} {
			if f > 0 {
				ludwig.WriteString(",")
			}
			fmt.Fprintf(&ludwig, "\n        %q: {", feature)
			for m, metric := range []string{"accuracy", "hits_at_k", "loss", "roc_auc"} {
				if m > 0 {
					ludwig.WriteString(",")
				}
				fmt.Fprintf(&ludwig, "\n            %q: [", metric)
				for e := range 60000 {
					fmt.Fprintf(&ludwig, "%s\n                %v", map[bool]string{true: ",", false: ""}[e > 0], 1/float64(e+1))
				}
				ludwig.WriteString("\n            ]")
			}
			ludwig.WriteString("\n        }")
		}
		ludwig.WriteString("\n    }")
	}
	ludwig.WriteString("\n}")
	return map[string][]byte{"sacred": []byte(sacred.String()), "chainer": []byte(chainer.String()), "ludwig": []byte(ludwig.String())}
}

// BenchmarkDocumentReaders reads and parses each record of documents of
// about 20 MB, as the engine does at every rewrite.
//
//	go test ./internal/record -run '^$' -bench DocumentReaders -benchmem
func BenchmarkDocumentReaders(b *testing.B) {
	docs := bigDocuments(b)
	readers := map[string]DocumentReader{"sacred": SacredMetrics, "chainer": TopArray, "ludwig": LudwigStatistics}
	opts := map[string]Options{"sacred": {StepKeys: []string{SacredStepKey}, TimeKeys: []string{SacredTimeKey}}}
	for _, name := range []string{"chainer", "sacred", "ludwig"} {
		b.Run(name, func(b *testing.B) {
			doc := docs[name]
			p := NewParser(opts[name])
			var r Record
			records := 0
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				records = 0
				err := readers[name](doc, func(text []byte) {
					records++
					if err := p.Parse(text, &r); err != nil {
						b.Fatal(err)
					}
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(records), "records/doc")
			b.ReportMetric(float64(len(doc))/1e6, "MB/doc")
		})
	}
}
