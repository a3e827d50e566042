// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package demo

import (
	"math"
	"testing"
)

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
		{0.0003, "0.0003"},
		{1e-05, "1e-05"},
		{5120.5, "5120.5"},
		{50, "50"},
		{-2.25, "-2.25"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := string(appendFloat(nil, tt.in)); got != tt.want {
				t.Errorf("appendFloat(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLine(t *testing.T) {
	tests := []struct {
		name string
		line *line
		want string
	}{
		{"empty", newLine(), `{}`},
		{
			"keys keep insertion order",
			newLine().str("_type", "metric").unixTime("time", 1764115201.5).int("step", 10).num("train.loss", 2.31),
			`{"_type":"metric","time":1764115201.500,"step":10,"train.loss":2.31}`,
		},
		{
			"nested objects and python tokens",
			newLine().object("metrics", newLine().object("train", newLine().num("loss", math.NaN()).num("grad_norm", math.Inf(1)))),
			`{"metrics":{"train":{"loss":NaN,"grad_norm":Infinity}}}`,
		},
		{"strings are JSON escaped", newLine().str("user", "a\"b\\c\n"), `{"user":"a\"b\\c\n"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.line.bytes()); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestLineBytesDoesNotAliasBuffer(t *testing.T) {
	l := newLine().int("a", 1)
	first := l.bytes()
	l.int("b", 2)
	if got := string(first); got != `{"a":1}` {
		t.Errorf("earlier bytes() changed to %s", got)
	}
}
