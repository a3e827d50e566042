// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"strconv"
)

// LudwigStatistics reads Ludwig's training_statistics.json: split ->
// output feature -> metric -> one value per evaluation,
//
//	{"training": {"combined": {"loss": [3.57, 2.18]}, "label": {"accuracy": [0.6, 0.7]}},
//	 "validation": {...}, "test": {...}, "evaluation_frequency": {"frequency": 1, "period": "epoch"}}
//
// The i-th values of all the lists make one record, named split.feature.metric:
// {"epoch":1,"training.combined.loss":3.57,"training.label.accuracy":0.6,...}.
// Ludwig evaluates after every epoch unless evaluation_frequency says
// otherwise, and numbers the i-th value epoch i+1 when it reads old
// statistics itself; with a period of "step", the i-th values are those
// of step (i+1) x frequency. Any other shape (another program's file of
// that name) is an error.
func LudwigStatistics(doc []byte, yield func([]byte)) error {
	cols, freq, err := ludwigColumns(doc)
	if err != nil {
		return err
	}
	key := `{"epoch":`
	if freq.step {
		key = `{"step":`
	}
	var buf []byte
	for i := 1; ; i++ {
		buf = strconv.AppendFloat(append(buf[:0], key...), float64(i)*freq.every, 'f', -1, 64)
		n := 0
		for c := range cols {
			if v, ok := cols[c].values.next(); ok {
				buf = append(append(append(append(buf, ','), cols[c].name...), ':'), v...)
				n++
			}
		}
		if n == 0 {
			return nil
		}
		yield(append(buf, '}'))
	}
}

type ludwigColumn struct {
	name   []byte // "split.feature.metric", quoted
	values arrayCursor
}

type ludwigFrequency struct {
	every float64 // epochs or steps between evaluations
	step  bool    // counted in steps
}

// ludwigColumns checks training_statistics.json and returns its lists in
// document order, with the evaluation frequency.
func ludwigColumns(doc []byte) ([]ludwigColumn, ludwigFrequency, error) {
	freq := ludwigFrequency{every: 1}
	w := newDocWalker(doc)
	if !w.expect('{') {
		return nil, freq, w.errorf("the document is not an object")
	}
	var cols []ludwigColumn
	object := func(what string, name []byte, f func(name []byte) error) error {
		if w.peek() != '{' {
			return w.errorf("%s %s is not an object: not Ludwig's training statistics", what, name)
		}
		w.i++
		return w.members(f)
	}
	err := w.members(func(split []byte) error {
		if string(split) == `"evaluation_frequency"` {
			return object("member", split, func(key []byte) error {
				start := w.i
				if !w.value() {
					return w.errorf("unreadable value")
				}
				v := w.b[start:trimSpaceEnd(w.b, start, w.i)]
				switch string(key) {
				case `"frequency"`:
					if f, err := strconv.ParseFloat(string(v), 64); err == nil && f > 0 {
						freq.every = f
					}
				case `"period"`:
					freq.step = string(v) == `"step"`
				}
				return nil
			})
		}
		return object("split", split, func(feature []byte) error {
			return object("output feature", feature, func(metric []byte) error {
				if w.peek() != '[' {
					return w.errorf("metric %s of %s is not a list: not Ludwig's training statistics", metric, feature)
				}
				name := make([]byte, 0, len(split)+len(feature)+len(metric)-2)
				name = append(name, split[:len(split)-1]...)
				name = append(append(name, '.'), feature[1:len(feature)-1]...)
				name = append(append(name, '.'), metric[1:]...)
				cols = append(cols, ludwigColumn{name: name, values: arrayCursor{w: docWalker{b: doc, i: w.i + 1}}})
				if !w.value() {
					return w.errorf("unreadable list")
				}
				return nil
			})
		})
	})
	if err != nil {
		return nil, freq, err
	}
	if w.space(); w.i != len(doc) {
		return nil, freq, w.errorf("text after the document")
	}
	return cols, freq, nil
}
