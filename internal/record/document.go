// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import "fmt"

// A DocumentReader reads the records of a file that is one JSON document,
// rewritten as a whole rather than appended to. It checks the whole
// document first: one cut short (being written) or of another shape is an
// error, and then nothing is yielded. Else it yields the text of each
// record, in the order the records were written, for Parse; a text is
// only valid during its call. Records are yielded in the same order at
// every read, new ones after the old, so that a reader of the file can
// tell which it had.
type DocumentReader func(doc []byte, yield func(text []byte)) error

// ArrayMember reads documents whose records are the elements of the
// array under key in the top-level object: Hugging Face's
// trainer_state.json ("log_history").
func ArrayMember(key string) DocumentReader {
	return func(doc []byte, yield func([]byte)) error {
		elems, err := DocumentArray(doc, key)
		if err != nil {
			return err
		}
		for _, e := range elems {
			yield(e)
		}
		return nil
	}
}

// TopArray reads documents that are an array of records: Chainer's
// LogReport (result/log), rewritten with every record at each report. It
// walks the document twice, to check it and then to yield its records,
// rather than keep a slice per record of a document of tens of MB.
func TopArray(doc []byte, yield func([]byte)) error {
	for _, f := range []func([]byte){func([]byte) {}, yield} {
		w := newDocWalker(doc)
		w.space()
		if w.peek() != '[' {
			return w.errorf("the document is not an array")
		}
		if err := w.eachElement(f); err != nil {
			return err
		}
		w.i++ // ']'
		if w.space(); w.i != len(doc) {
			return w.errorf("text after the array")
		}
	}
	return nil
}

// DocumentArray returns the elements of the array under key in the
// object that doc holds, each as the text of one JSON value, for files
// that are one document rather than lines, such as Hugging Face's
// trainer_state.json ("log_history"). Each element is then parsed as a
// line: Parse takes the newlines of pretty-printed JSON as whitespace.
//
// It checks only the structure it walks (strings, nesting, separators);
// the elements are checked by Parse. A document cut short, as one being
// written, is an error, and so is a document without the key.
func DocumentArray(doc []byte, key string) ([][]byte, error) {
	w := newDocWalker(doc)
	if !w.expect('{') {
		return nil, w.errorf("the document is not an object")
	}
	for first := true; ; first = false {
		w.space()
		if w.peek() == '}' {
			return nil, fmt.Errorf("record: no %q array in the document", key)
		}
		if !first && !w.expect(',') {
			return nil, w.errorf("expected ',' between members")
		}
		w.space()
		k, esc, ok := w.str()
		if !ok || !w.expect(':') {
			return nil, w.errorf("expected a member name and ':'")
		}
		if !esc && string(k) == key {
			w.space()
			if w.peek() == '[' {
				return w.elements()
			}
		}
		if !w.value() {
			return nil, w.errorf("unreadable value")
		}
	}
}

// docWalker finds the extent of JSON values without decoding them.
type docWalker struct {
	b []byte
	i int
}

// newDocWalker walks doc from its start, after a UTF-8 byte order mark.
func newDocWalker(doc []byte) docWalker {
	w := docWalker{b: doc}
	if len(doc) >= 3 && doc[0] == 0xEF && doc[1] == 0xBB && doc[2] == 0xBF {
		w.i = 3
	}
	return w
}

func (w *docWalker) errorf(format string, args ...any) error {
	return fmt.Errorf("record: document at byte %d: "+format, append([]any{w.i}, args...)...)
}

func (w *docWalker) space() { w.i = skipSpace(w.b, w.i) }

func (w *docWalker) peek() byte {
	if w.i < len(w.b) {
		return w.b[w.i]
	}
	return 0
}

func (w *docWalker) expect(c byte) bool {
	w.space()
	if w.peek() != c {
		return false
	}
	w.i++
	return true
}

// str reads a string at w.i and returns its body, still escaped.
func (w *docWalker) str() (body []byte, esc, ok bool) {
	if w.peek() != '"' {
		return nil, false, false
	}
	start := w.i + 1
	for j := start; j < len(w.b); j++ {
		switch w.b[j] {
		case '\\':
			esc = true
			j++
		case '"':
			w.i = j + 1
			return w.b[start:j], esc, true
		}
	}
	return nil, false, false
}

// value skips one value of any kind.
func (w *docWalker) value() bool {
	w.space()
	depth := 0
	for w.i < len(w.b) {
		switch c := w.b[w.i]; c {
		case '"':
			if _, _, ok := w.str(); !ok {
				return false
			}
			if depth == 0 {
				return true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return true // the end of the enclosing container: a scalar ended
			}
			if depth--; depth == 0 {
				w.i++
				return true
			}
		case ',':
			if depth == 0 {
				return true
			}
		}
		w.i++
	}
	return false
}

// elements reads the array at w.i.
func (w *docWalker) elements() ([][]byte, error) {
	var out [][]byte
	if err := w.eachElement(func(e []byte) { out = append(out, e) }); err != nil {
		return nil, err
	}
	return out, nil
}

// eachElement walks the array at w.i, calling f with each element, and
// leaves w at its ']'.
func (w *docWalker) eachElement(f func([]byte)) error {
	w.i++ // '['
	w.space()
	if w.peek() == ']' {
		return nil
	}
	for {
		w.space()
		start := w.i
		if !w.value() {
			return w.errorf("unreadable array element")
		}
		f(w.b[start:w.i])
		w.space()
		switch w.peek() {
		case ',':
			w.i++
		case ']':
			return nil
		default:
			return w.errorf("expected ',' or ']' in the array")
		}
	}
}
