// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package hparams

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// FromJSON reads a JSON object: a config record's "config", Ray Tune's
// nested config, Hugging Face's training_args.json. Numbers keep the
// text they were written with.
func FromJSON(data []byte) (Set, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return Set{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Set{}, errors.New("more after the JSON value")
	}
	b := jsonBuilder{budget: maxNodes}
	root := b.node(v, 0)
	if root.kind != kObject {
		return Set{}, errors.New("not a JSON object")
	}
	return flatten(root), nil
}

type jsonBuilder struct{ budget int }

func (b *jsonBuilder) node(v any, depth int) *node {
	if b.budget--; b.budget < 0 {
		return &node{kind: kOther, text: "past the document's limit of " + strconv.Itoa(maxNodes) + " values"}
	}
	switch v := v.(type) {
	case map[string]any:
		n := &node{kind: kObject}
		if depth > MaxDepth {
			// flatten stops above: keep the object, not its content.
			n.keys, n.vals = []string{""}, []*node{{kind: kNull}}
			return n
		}
		for _, k := range sortedMapKeys(v) {
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, b.node(v[k], depth+1))
		}
		return n
	case []any:
		n := &node{kind: kList}
		if len(v) > MaxListLen {
			n.vals = make([]*node, len(v)) // only the length counts
			return n
		}
		for _, x := range v {
			n.vals = append(n.vals, b.node(x, depth+1))
		}
		return n
	case json.Number:
		f, _ := number(string(v))
		return &node{kind: kNumber, text: string(v), num: f}
	case string:
		return &node{kind: kString, text: v}
	case bool:
		if v {
			return &node{kind: kBool, text: "true", num: 1}
		}
		return &node{kind: kBool, text: "false"}
	}
	return &node{kind: kNull}
}
