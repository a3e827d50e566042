// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package hparams

import (
	"errors"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FromYAML reads the first document of a YAML file: Lightning's
// hparams.yaml, Ultralytics' args.yaml, LLaMA-Factory's
// training_args.yaml, detectron2's config.yaml, W&B's files/config.yaml.
// An empty document is an empty set. Numbers keep the text they were
// written with; Python tags (!!python/tuple) are read as what they tag.
func FromYAML(data []byte) (Set, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Set{}, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return Set{}, nil
	}
	b := yamlBuilder{budget: maxNodes}
	root := b.node(doc.Content[0], 0)
	switch root.kind {
	case kObject:
		return flatten(root), nil
	case kNull:
		return Set{}, nil
	}
	return Set{}, errors.New("not a YAML mapping")
}

type yamlBuilder struct{ budget int }

func (b *yamlBuilder) node(y *yaml.Node, depth int) *node {
	if b.budget--; b.budget < 0 {
		return &node{kind: kOther, text: "past the document's limit of " + strconv.Itoa(maxNodes) + " values"}
	}
	for y.Kind == yaml.AliasNode && y.Alias != nil {
		y = y.Alias
	}
	switch y.Kind {
	case yaml.MappingNode:
		n := &node{kind: kObject}
		if depth > MaxDepth {
			n.keys, n.vals = []string{""}, []*node{{kind: kNull}}
			return n
		}
		b.members(n, y, depth)
		return n
	case yaml.SequenceNode:
		n := &node{kind: kList}
		if len(y.Content) > MaxListLen {
			n.vals = make([]*node, len(y.Content))
			return n
		}
		for _, c := range y.Content {
			n.vals = append(n.vals, b.node(c, depth+1))
		}
		return n
	case yaml.ScalarNode:
		return yamlScalar(y)
	}
	return &node{kind: kNull}
}

// members adds the members of mapping y to n, with the "<<" merge key's
// mappings first.
func (b *yamlBuilder) members(n *node, y *yaml.Node, depth int) {
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			continue // a mapping or list as key: no name to give it
		}
		if k.Tag == "!!merge" {
			merged := b.node(v, depth)
			if merged.kind == kObject {
				n.keys = append(n.keys, merged.keys...)
				n.vals = append(n.vals, merged.vals...)
			}
			for _, m := range merged.vals {
				if merged.kind == kList && m != nil && m.kind == kObject {
					n.keys = append(n.keys, m.keys...)
					n.vals = append(n.vals, m.vals...)
				}
			}
			continue
		}
		n.keys = append(n.keys, k.Value)
		n.vals = append(n.vals, b.node(v, depth+1))
	}
}

func yamlScalar(y *yaml.Node) *node {
	switch y.ShortTag() {
	case "!!null":
		return &node{kind: kNull}
	case "!!bool":
		if v, err := strconv.ParseBool(strings.ToLower(y.Value)); err == nil {
			n := &node{kind: kBool, text: y.Value}
			if v {
				n.num = 1
			}
			return n
		}
	case "!!int", "!!float":
		if f, ok := number(y.Value); ok {
			return &node{kind: kNumber, text: y.Value, num: f}
		}
	}
	// PyYAML writes a class or function as !!python/name:torch.optim.Adam
	// with an empty value: the name is what the user chose.
	if name, ok := strings.CutPrefix(y.ShortTag(), "!!python/name:"); ok && y.Value == "" {
		return &node{kind: kString, text: name}
	}
	return &node{kind: kString, text: y.Value}
}
