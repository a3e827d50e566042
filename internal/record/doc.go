// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package record turns one JSON Lines log line of an ML training run into
// one Record: its kind, step, epoch, wall-clock time, run name, metrics
// and string fields. It is the only parser of the exporter, inspect, plot
// and backfill, and it is built for the hot path: a Parser reuses its
// buffers, so steady-state parsing does not allocate.
//
// # Syntax
//
// A line is one JSON object (RFC 8259), optionally preceded by a UTF-8 BOM
// and surrounded by whitespace; a trailing "\r" is fine. Python's NaN,
// Infinity and -Infinity are accepted as numbers. A blank line returns
// ErrEmpty. Anything else returns an *Error with a reason fit for a metric
// label: invalid_json (including truncated lines and data after the
// object), not_object (the line is an array, string, number, ...),
// invalid_utf8 (checked over the whole line first), too_many_keys (more
// than Options.MaxKeys keys at all levels) and too_deep (more than
// Options.MaxDepth nested objects and arrays). Nesting is tracked on an
// explicit stack, never by recursion. Escapes are decoded as encoding/json
// does, including lone surrogates, which become U+FFFD. A number too large
// for float64 (1e400) reads as ±Inf.
//
// # Keys with a role
//
//   - Type (default "_type"; mmdetection users configure "mode"): the
//     first type key in option order with a string value. "metric",
//     "metrics", "" or no type key give KindMetric; "epoch_end",
//     "run_start", "config", "meta" and "artifact" give that kind
//     (case-sensitive); any other value, such as "train" or "val", gives
//     KindMetric with that value as the prefix of every metric name.
//   - Step (step, global_step, iteration, iter) and epoch (epoch): the
//     first key in option order whose value is a finite number; for a
//     step, also a string that holds a count, "10" or "10/438" (step 10
//     of 438, as ms-swift writes global_step/max_steps). Step and epoch
//     keys are never metrics. Step and epoch keys directly inside a
//     metrics container are used when the top level has none.
//   - Time (time, timestamp, ts): the first key in option order holding
//     Unix seconds in [2000-01-01, 2100-01-01), Unix milliseconds in that
//     range (converted to seconds) or an RFC 3339 string. Any other number
//     under a time key is an ordinary metric: detectron2's "time": 0.356
//     is seconds per iteration.
//   - run_name: a non-empty string sets Record.RunName, in any kind.
//   - Prefix (prefix): the first non-empty string prefix key, else the
//     type-as-split value, is put in front of every metric name of a
//     KindMetric record that does not start with "<prefix>." already.
//     When the prefix is a split (train, val, valid, validation, eval,
//     test), a name whose first segment is a split keeps it:
//     {"_type":"validation","val/loss":2.1} names val.loss, and
//     {"_type":"train","val/loss":2} too.
//   - Long form: a string "metric" and a numeric "value" give exactly one
//     metric named by the string; other numbers of the record are
//     metadata then. "metric" and "value" are never metrics themselves.
//
// # Metrics
//
// Metric values are numbers, NaN, ±Infinity and booleans (1 or 0). An
// array of at most MaxArrayLen of them (default 16; DETR's COCO results)
// is one metric per element, named "<name>.0", "<name>.1", ...; a longer
// array is counted in Record.LongArrays, and an array holding anything
// else is not a metric. Strings and nulls are not metrics (see
// NumericStrings below). An object under a container
// key (default "metrics") or under a split key (train, val, valid,
// validation, eval, test) is flattened recursively; other objects, such as
// "config" or "args", are ignored. The canonical name of a metric is its
// key path joined by '.', with every '/' replaced by '.': "train/loss",
// "train.loss", {"prefix":"train","metrics":{"loss":..}} and
// {"metrics":{"train":{"loss":..}}} all name train.loss. Names are not
// sanitized further. When several values get the same name (aliases or
// duplicate keys), the last one in line order wins, at the position of
// the first; a later string, null, array or object under the same name
// removes the metric, as in encoding/json. Flattened objects under a
// repeated key are merged. Empty names and names longer than MaxNameLen
// bytes are dropped.
//
// # Kinds
//
//   - KindMetric: all metrics, prefixed as above.
//   - KindEpochEnd: all metrics, no prefix.
//   - KindRunStart and KindMeta: top-level numbers are metrics (no
//     prefix, no containers); top-level strings other than the type,
//     run_name and time keys are Info fields, in line order, keys as
//     written.
//   - KindConfig and KindArtifact: no metrics and no Info.
//
// Step, epoch, time and run name are read for every kind.
//
// # Options for other producers
//
// Profiles (package profile) switch these on for the trainers that need
// them; with none set, parsing is as above.
//
//   - IgnoreKeys: top-level keys that are neither metrics nor structure
//     (W&B's "_runtime"); an ignored key loses any other role.
//   - NumericStrings: a string that holds exactly one number, as Python
//     prints it ("20.714", "1.72e+06", "nan", "inf"), is that number
//     (fairseq). Strings under the type, run_name, prefix and long-form
//     name keys stay strings.
//   - ProgressStrings: a string that holds a duration, as Python prints a
//     timedelta ("0:01:03", "1 day, 2:03:04") or as ms-swift prints one
//     ("29s", "20m 51s", "1h 2m 3s"), is that many seconds, and one that
//     holds a percentage ("2.28%") is its number, under the same keys as
//     NumericStrings (LLaMA-Factory, ms-swift).
//   - TextPrefix: text may come before the object, as Python logging
//     writes "2021-08-13 14:59:32 | INFO | train_inner | {...}"; the last
//     '|'-separated field of the text is Record.Tag, and TagTypes gives a
//     tag the meaning of a type value. A date and time that starts the
//     text (Python logging's "2021-08-13 14:59:32", ",123" milliseconds
//     optional) is the record's time, in the local time zone, when no
//     time key gives one. A line without an object is ErrText.
//   - Explain: Record.Sources gives each metric's key as written (aliases
//     joined by ", ") and Record.Ignored the keys that gave no metric, for
//     inspect.
//
// # CSV and TSV
//
// CSV reads the rows of a CSV or TSV log with a header (Ultralytics,
// Lightning, Keras, timm, Flair) into the same Records, one per row: each
// numeric column is a metric named by its header, with '/' read as '.';
// step, epoch and time columns are found among the configured keys
// without regard to case. It keeps its header between lines, and after
// Restart (the file was rewritten) skips the rows it read before when the
// new content starts with them. Parser and CSV are both a Reader.
//
// Record.Prefix is the prefix put in front of the names. A
// DocumentReader splits a file that is one JSON document into the texts
// of its records: the elements of an array (Hugging Face's
// trainer_state.json, Chainer's log), or records made from columns
// (Sacred's metrics.json, Ludwig's training_statistics.json).
//
// # Use
//
//	p := record.NewParser(record.Options{})
//	var r record.Record
//	for each line {
//		if err := p.Parse(line, &r); err != nil {
//			if err != record.ErrEmpty {
//				count(record.Reason(err))
//			}
//			continue
//		}
//		use(&r) // r's slices are valid until the next Parse
//	}
//
// A Parser is meant for the lines of one file: it remembers the previous
// line's keys and, once they repeat, a template of its text, so that a
// line printed by the same format string costs little more than reading
// its numbers. Results never depend on the lines before; a record read
// through a template carries a Shape for consumers that cache by names.
//
// # Reading the code
//
// Read the slow path first: Parse (parser.go) checks UTF-8 and hands the
// object to scan (scan.go), which reads any JSON with an explicit stack;
// resolve.go gives keys their roles and names, values.go turns values
// into metrics. Everything else is a fast path with one contract, kept by
// its tests:
//
//   - scanFlat (flat.go) reads the plain members at the start of the
//     object and leaves the rest to scan: the verdict and the metrics of
//     plain keys that encoding/json and a map walk give
//     (differential_test.go, FuzzParse), and the golden records.
//   - keyMemo (memo.go) takes a key that is the previous line's key at
//     the same place with one comparison: the same role and name as a
//     fresh parser gives (memo_test.go).
//   - the line template (template.go) reads a line printed by the same
//     format string as the one before it, number by number: the Record a
//     fresh parser gives, whether the line fits or not (template_test.go).
//   - package number reads a JSON number: bit for bit what
//     strconv.ParseFloat returns (its fuzz and random tests).
//
// A fast path that cannot take a line says so and the slow path reads it
// from where it stopped; none of them decides anything the slow path
// would decide differently.
package record
