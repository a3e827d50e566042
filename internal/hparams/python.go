// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package hparams

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// FromPythonConfig reads the config mmengine dumps as Python
// (vis_data/config.py): top-level assignments "name = literal" of
// dict(...), {...}, [...], (...), numbers, strings, True, False and
// None. It is no Python interpreter: any other statement is skipped, and
// a value that is no literal (a call, a name, an expression) is left out
// with that reason, the rest of the file still read. Only a file that is
// not text fails.
func FromPythonConfig(data []byte) (Set, error) {
	if !utf8.Valid(data) {
		return Set{}, errors.New("not UTF-8 text")
	}
	p := pyParser{src: string(data), budget: maxNodes}
	root := &node{kind: kObject}
	for p.pos < len(p.src) {
		start := p.pos
		name, ok := p.assignment()
		if !ok {
			p.pos = start
			p.skipStatement()
			continue
		}
		p.skipBlanks()
		at := p.pos
		v := p.literal(0)
		p.skipBlanks()
		if v == nil || p.pos < len(p.src) && strings.IndexByte("\n#;", p.src[p.pos]) < 0 {
			v, p.pos = notLiteral, at
		}
		root.keys = append(root.keys, name)
		root.vals = append(root.vals, v)
		p.skipStatement()
	}
	return flatten(root), nil
}

type pyParser struct {
	src    string
	pos    int
	budget int
}

// maxPyDepth bounds the nesting the parser follows (by recursion).
const maxPyDepth = 64

// assignment reads "name =" at the start of a line, not "name ==".
func (p *pyParser) assignment() (string, bool) {
	name := p.ident()
	if name == "" {
		return "", false
	}
	p.skipBlanks()
	if !strings.HasPrefix(p.src[p.pos:], "=") || strings.HasPrefix(p.src[p.pos:], "==") {
		return "", false
	}
	p.pos++
	return name, true
}

// skipStatement moves to the start of the next line that is not inside
// brackets or a string.
func (p *pyParser) skipStatement() {
	depth := 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
			continue
		case c == '\'' || c == '"':
			p.str()
			continue
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
		case c == '\\' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '\n':
			p.pos += 2
			continue
		case c == '\n' && depth == 0:
			p.pos++
			return
		}
		p.pos++
	}
}

// skipSpace skips white space, newlines and comments (inside brackets,
// where lines continue).
func (p *pyParser) skipSpace() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			p.pos++
		case c == '\\' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '\n':
			p.pos += 2
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

// skipBlanks skips spaces on the line.
func (p *pyParser) skipBlanks() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *pyParser) ident() string {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || p.pos > start && '0' <= c && c <= '9' {
			p.pos++
			continue
		}
		break
	}
	return p.src[start:p.pos]
}

var notLiteral = &node{kind: kOther, text: "not a literal"}

// value reads one literal; on anything else it skips to the ',' or
// closing bracket that ends the value and returns notLiteral.
func (p *pyParser) value(depth int) *node {
	p.skipSpace()
	if p.budget--; p.budget < 0 || depth > maxPyDepth {
		p.skipValue()
		return notLiteral
	}
	start := p.pos
	v := p.literal(depth)
	p.skipSpace()
	if v == nil || p.pos < len(p.src) && !strings.ContainsRune(",)]}:\n#;", rune(p.src[p.pos])) {
		p.pos = start
		p.skipValue()
		return notLiteral
	}
	return v
}

// skipValue moves to the ',' or closing bracket after the current value
// at its level, or to the end of the line outside brackets.
func (p *pyParser) skipValue() {
	depth := 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\'' || c == '"':
			p.str()
			continue
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
			continue
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			if depth == 0 {
				return
			}
			depth--
		case c == ',' && depth == 0:
			return
		case c == '\n' && depth == 0:
			return
		}
		p.pos++
	}
}

func (p *pyParser) literal(depth int) *node {
	if p.pos >= len(p.src) {
		return nil
	}
	c := p.src[p.pos]
	switch {
	case c == '{':
		p.pos++
		return p.dictBody(depth)
	case c == '[':
		p.pos++
		if s := p.items(']', depth); s != nil {
			return &s.node
		}
		return nil
	case c == '(':
		p.pos++
		n := p.items(')', depth)
		if n != nil && !n.tuple {
			if len(n.vals) == 1 {
				return n.vals[0] // (x) is x
			}
		}
		if n != nil {
			return &n.node
		}
		return nil
	case c == '\'' || c == '"':
		return p.strings()
	case c == '-' || c == '+' || c == '.' || '0' <= c && c <= '9':
		return p.number()
	}
	id := p.ident()
	switch id {
	case "True":
		return &node{kind: kBool, text: id, num: 1}
	case "False":
		return &node{kind: kBool, text: id}
	case "None":
		return &node{kind: kNull}
	case "dict":
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == '(' {
			p.pos++
			return p.kwargs(depth)
		}
	case "":
	default:
		// r'..', b'..', f'..' and the like are strings with a prefix.
		if len(id) <= 2 && p.pos < len(p.src) && (p.src[p.pos] == '\'' || p.src[p.pos] == '"') && strings.Trim(strings.ToLower(id), "rbuf") == "" {
			p.pos -= len(id)
			return p.strings()
		}
	}
	return nil
}

// seq is a list or tuple being read.
type seq struct {
	node
	tuple bool // a comma made it a tuple: (x,) is not x
}

func (p *pyParser) items(closer byte, depth int) *seq {
	s := &seq{node: node{kind: kList}}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil
		}
		if p.src[p.pos] == closer {
			p.pos++
			if len(s.vals) != 1 {
				s.tuple = true
			}
			return s
		}
		s.vals = append(s.vals, p.value(depth+1))
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			s.tuple = true
			continue
		}
		if p.pos >= len(p.src) || p.src[p.pos] != closer {
			return nil
		}
	}
}

// kwargs reads the arguments of dict(...) after its '('.
func (p *pyParser) kwargs(depth int) *node {
	n := &node{kind: kObject}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil
		}
		if p.src[p.pos] == ')' {
			p.pos++
			return n
		}
		key := p.ident()
		p.skipSpace()
		if key == "" || p.pos >= len(p.src) || p.src[p.pos] != '=' {
			return nil // dict(other) or dict(**other): no literal
		}
		p.pos++
		n.keys = append(n.keys, key)
		n.vals = append(n.vals, p.value(depth+1))
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
		}
	}
}

// dictBody reads {key: value, ...} after its '{'; keys are strings or
// numbers.
func (p *pyParser) dictBody(depth int) *node {
	n := &node{kind: kObject}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil
		}
		if p.src[p.pos] == '}' {
			p.pos++
			return n
		}
		if c := p.src[p.pos]; c == '{' || c == '[' || c == '(' {
			return nil // no container as key: and no recursion outside value's bound
		}
		k := p.literal(depth + 1)
		if k == nil || k.kind == kObject || k.kind == kList {
			return nil
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil // a set, or no literal
		}
		p.pos++
		key := k.text
		if k.kind == kNull {
			key = "None"
		}
		n.keys = append(n.keys, key)
		n.vals = append(n.vals, p.value(depth+1))
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
		}
	}
}

func (p *pyParser) number() *node {
	start := p.pos
	if c := p.src[p.pos]; c == '-' || c == '+' {
		p.pos++
		p.skipBlanks()
	}
	digits := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if '0' <= c && c <= '9' || c == '.' || c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			p.pos++
			if (c == 'e' || c == 'E') && p.pos < len(p.src) && (p.src[p.pos] == '-' || p.src[p.pos] == '+') &&
				!strings.HasPrefix(strings.ToLower(p.src[digits:]), "0x") {
				p.pos++
			}
			continue
		}
		break
	}
	text := p.src[start:digits] + p.src[digits:p.pos]
	text = strings.ReplaceAll(text, " ", "")
	f, ok := number(text)
	if !ok || p.pos == digits {
		return nil
	}
	return &node{kind: kNumber, text: text, num: f}
}

// strings reads one string literal or several written side by side
// ('a' 'b' is 'ab').
func (p *pyParser) strings() *node {
	var b strings.Builder
	for {
		s, ok := p.str()
		if !ok {
			return nil
		}
		b.WriteString(s)
		save := p.pos
		p.skipSpace()
		if p.pos < len(p.src) && (p.src[p.pos] == '\'' || p.src[p.pos] == '"') {
			continue
		}
		p.pos = save
		return &node{kind: kString, text: b.String()}
	}
}

// str reads one string literal with its prefix, if any.
func (p *pyParser) str() (string, bool) {
	raw := false
	for p.pos < len(p.src) && strings.IndexByte("rRbBuUfF", p.src[p.pos]) >= 0 {
		raw = raw || p.src[p.pos] == 'r' || p.src[p.pos] == 'R'
		p.pos++
	}
	if p.pos >= len(p.src) {
		return "", false
	}
	q := p.src[p.pos]
	if q != '\'' && q != '"' {
		return "", false
	}
	delim := string(q)
	if strings.HasPrefix(p.src[p.pos:], strings.Repeat(delim, 3)) {
		delim = strings.Repeat(delim, 3)
	}
	p.pos += len(delim)
	var b strings.Builder
	for p.pos < len(p.src) {
		if strings.HasPrefix(p.src[p.pos:], delim) {
			p.pos += len(delim)
			return b.String(), true
		}
		c := p.src[p.pos]
		if c == '\n' && len(delim) == 1 {
			return "", false
		}
		if c == '\\' && p.pos+1 < len(p.src) {
			e := p.src[p.pos+1]
			p.pos += 2
			if raw {
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case '\n':
			case '\\', '\'', '"':
				b.WriteByte(e)
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			continue
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", false
}
