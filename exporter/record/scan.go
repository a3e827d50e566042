package record

import "strconv"

// scan reads the top-level object at p.pos. Nesting is tracked on an
// explicit stack bounded by MaxDepth, never by Go recursion.
func (p *Parser) scan() error {
	b := p.line
	p.pos++
	p.stack = append(p.stack[:0], frame{obj: true, top: true})
	for {
		f := &p.stack[len(p.stack)-1]
		p.skipSpace()
		if p.pos >= len(b) {
			return p.unexpectedEnd()
		}
		c := b[p.pos]
		closer := byte(']')
		if f.obj {
			closer = '}'
		}
		if c == closer {
			p.pos++
			p.path = p.path[:f.pathLen]
			p.stack = p.stack[:len(p.stack)-1]
			if len(p.stack) == 0 {
				return nil
			}
			continue
		}
		if f.n > 0 {
			if c != ',' {
				return p.unexpected("after value, expected ',' or '" + string(closer) + "'")
			}
			p.pos++
			p.skipSpace()
			if p.pos >= len(b) {
				return p.unexpectedEnd()
			}
			c = b[p.pos]
		}
		f.n++

		var key []byte
		var keyRef strRef
		if f.obj {
			if c != '"' {
				return p.unexpected("looking for an object key")
			}
			keyOff := p.pos
			ref, err := p.scanString()
			if err != nil {
				return err
			}
			p.keyCount++
			if p.keyCount > p.opts.MaxKeys {
				return p.fail(ReasonTooManyKeys, keyOff, "more keys than the limit of "+strconv.Itoa(p.opts.MaxKeys))
			}
			p.skipSpace()
			if p.pos >= len(b) {
				return p.unexpectedEnd()
			}
			if b[p.pos] != ':' {
				return p.unexpected("after object key, expected ':'")
			}
			p.pos++
			p.skipSpace()
			if p.pos >= len(b) {
				return p.unexpectedEnd()
			}
			c = b[p.pos]
			if f.top || f.collect {
				key, keyRef = p.keyBytes(ref), ref
			}
		}

		if c == '{' || c == '[' {
			if len(p.stack) >= p.opts.MaxDepth {
				return p.fail(ReasonTooDeep, p.pos, "nesting deeper than the limit of "+strconv.Itoa(p.opts.MaxDepth))
			}
			child := frame{obj: c == '{', pathLen: len(p.path)}
			switch {
			case f.top:
				p.openTop(&child, key, keyRef)
			case f.collect && f.obj:
				p.openNested(&child, f, key)
			}
			p.pos++
			p.stack = append(p.stack, child)
			continue
		}

		v, err := p.scanScalar(c)
		if err != nil {
			return err
		}
		switch {
		case f.top:
			p.topValue(key, keyRef, v)
		case f.collect && f.obj:
			p.nestedValue(f, key, v)
		}
	}
}

// keyBytes returns the decoded key; it is valid until the next key.
func (p *Parser) keyBytes(ref strRef) []byte {
	if !ref.esc {
		return p.line[ref.start:ref.end]
	}
	p.keyBuf = appendUnescaped(p.keyBuf[:0], p.line[ref.start:ref.end])
	return p.keyBuf
}
