// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"sync"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// parserPool keeps the parsers of closed files for the next file of the
// same profile: making one costs about 25 µs, as much as reading 80 lines,
// and a folder of small finished runs makes one per file. A parser's
// results never depend on the lines it read before.
type parserPool struct {
	mu   sync.Mutex
	idle map[*profile.Profile][]*record.Parser
}

// maxIdleParsers bounds the parsers kept per profile.
const maxIdleParsers = 64

func (p *parserPool) get(prof *profile.Profile, base record.Options) *record.Parser {
	p.mu.Lock()
	if list := p.idle[prof]; len(list) > 0 {
		parser := list[len(list)-1]
		list[len(list)-1] = nil
		p.idle[prof] = list[:len(list)-1]
		p.mu.Unlock()
		return parser
	}
	p.mu.Unlock()
	return record.NewParser(prof.ParserOptions(base))
}

func (p *parserPool) put(prof *profile.Profile, parser *record.Parser) {
	parser.Forget()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.idle == nil {
		p.idle = map[*profile.Profile][]*record.Parser{}
	}
	if len(p.idle[prof]) < maxIdleParsers {
		p.idle[prof] = append(p.idle[prof], parser)
	}
}
