// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"sync"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
)

// parserPool keeps the JSON Lines parsers of closed files for the next
// file of the same profile: making one costs about 25 µs, as much as
// reading 80 lines, and a folder of small finished runs makes one per
// file. A parser's results never depend on the lines it read before; a
// CSV reader's do (its header), so it stays with its file.
type parserPool struct {
	mu   sync.Mutex
	idle map[*profile.Profile][]*record.Parser
}

// maxIdleParsers bounds the parsers kept per profile.
const maxIdleParsers = 64

func (p *parserPool) get(prof *profile.Profile, base record.Options) record.Reader {
	if prof.Format != "" {
		return prof.NewReader(prof.ParserOptions(base))
	}
	p.mu.Lock()
	if list := p.idle[prof]; len(list) > 0 {
		parser := list[len(list)-1]
		list[len(list)-1] = nil
		p.idle[prof] = list[:len(list)-1]
		p.mu.Unlock()
		return parser
	}
	p.mu.Unlock()
	return prof.NewReader(prof.ParserOptions(base))
}

// put takes the reader of a file going idle, and reports whether the file
// may let go of it: false for a reader that must go on with its file's
// next lines.
func (p *parserPool) put(prof *profile.Profile, r record.Reader) bool {
	r.Forget()
	parser, ok := r.(*record.Parser)
	if !ok {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.idle == nil {
		p.idle = map[*profile.Profile][]*record.Parser{}
	}
	if len(p.idle[prof]) < maxIdleParsers {
		p.idle[prof] = append(p.idle[prof], parser)
	}
	return true
}
