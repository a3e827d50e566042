// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

// Reader turns the lines of one file into Records: Parser reads JSON
// Lines, CSV reads CSV and TSV logs with a header. The file's profile
// picks one; the engine, inspect and everything after them see Records
// only.
type Reader interface {
	// Parse fills r from one line, without its "\n". The slices of r are
	// valid until the next call. It returns ErrEmpty, ErrText, ErrHeader
	// or ErrSeen for a line that holds no record (see NoRecord), an
	// *Error for a line that cannot be read.
	Parse(line []byte, r *Record) error
	// Restart says that the file is read again from its first byte: it
	// was truncated, rewritten or replaced.
	Restart()
	// Forget drops the reader's references to the last line, for a
	// reader kept idle.
	Forget()
}

// Restart does nothing: a JSON line means the same whatever came before.
func (p *Parser) Restart() {}

var (
	_ Reader = (*Parser)(nil)
	_ Reader = (*CSV)(nil)
)
