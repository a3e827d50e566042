// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jsonl-exporter/jsonl-exporter/internal/record"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
	"github.com/jsonl-exporter/jsonl-exporter/internal/tailer"
)

// Reasons of jsonl_exporter_parse_errors_total: the parser's plus lines
// skipped for their length.
const reasonLineTooLong = "line_too_long"

var parseErrorReasons = []string{
	record.ReasonInvalidJSON, record.ReasonNotObject, record.ReasonTooManyKeys,
	record.ReasonTooDeep, record.ReasonInvalidUTF8, record.ReasonInvalidCSV, reasonLineTooLong,
}

// Reasons of jsonl_exporter_file_errors_total.
const (
	fileErrPermission = "permission"
	fileErrNotRegular = "not_regular"
	fileErrRead       = "read"
	fileErrGlob       = "glob"
)

// selfMetrics are the exporter's own health series. They outlive config
// reloads, so they are created once per process.
type SelfMetrics struct {
	linesRead     prometheus.Counter
	bytesRead     prometheus.Counter
	parseErrors   *prometheus.CounterVec
	seriesDropped *prometheus.CounterVec
	rotations     prometheus.Counter
	truncations   prometheus.Counter
	fileErrors    *prometheus.CounterVec
	runConflicts  prometheus.Counter
	longArrays    prometheus.Counter
	// hparamFileErrors: hyperparameter files beside a log (hparamfiles.go).
	hparamFileErrors prometheus.Counter
	fileCloses       prometheus.Counter
	fileReopens      prometheus.Counter
	// slots are the current engine's: a reload replaces them.
	slots     atomic.Pointer[tailer.Slots]
	openFiles prometheus.GaugeFunc
	openLimit prometheus.GaugeFunc
}

// NewSelfMetrics registers the jsonl_exporter_* counters on reg.
func NewSelfMetrics(reg prometheus.Registerer) *SelfMetrics {
	m := &SelfMetrics{
		linesRead: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jsonl_exporter_lines_read_total", Help: "Lines read from all files, including lines that failed to parse.",
		}),
		bytesRead: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jsonl_exporter_bytes_read_total", Help: "Bytes read from all files (uncompressed).",
		}),
		parseErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jsonl_exporter_parse_errors_total", Help: "Lines skipped because they could not be used, by reason.",
		}, []string{"reason"}),
		seriesDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jsonl_exporter_series_dropped_total", Help: "Series refused (max_series, reserved_name) or removed (run_expired, file_deleted), by reason.",
		}, []string{"reason"}),
		rotations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jsonl_exporter_file_rotations_total", Help: "Times a followed path was found to name a new file (rename and create).",
		}),
		truncations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jsonl_exporter_file_truncations_total", Help: "Times a followed file was truncated or rewritten and read again from its start.",
		}),
		fileErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jsonl_exporter_file_errors_total", Help: "Files that matched an input but could not be read, by reason.",
		}, []string{"reason"}),
		runConflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jsonl_exporter_run_name_conflicts_total", Help: "Files whose run label was already taken by another file and was made unique.",
		}),
		longArrays: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jsonl_exporter_long_arrays_total", Help: "Numeric arrays in records that were not exported for being longer than parser.max-array-len.",
		}),
		hparamFileErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jsonl_exporter_hparam_file_errors_total", Help: "Reads of a hyperparameter file beside a log (hparams.yaml, args.yaml, config.yaml, ...) that failed: not valid YAML, JSON or Python config, or unreadable.",
		}),
		fileCloses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jsonl_exporter_file_closes_total", Help: "Times a file read to its end was closed, idle for tail.idle-close or to make room under tail.max-open-files.",
		}),
		fileReopens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jsonl_exporter_file_reopens_total", Help: "Times a closed file was opened again because it changed.",
		}),
	}
	m.openFiles = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "jsonl_exporter_open_files", Help: "Log files open now.",
	}, func() float64 { return float64(m.slots.Load().Open()) })
	m.openLimit = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "jsonl_exporter_open_files_limit", Help: "Most log files open at once (tail.max-open-files).",
	}, func() float64 { return float64(m.slots.Load().Limit()) })
	for _, r := range parseErrorReasons {
		m.parseErrors.WithLabelValues(r)
	}
	for _, r := range store.DropReasons {
		m.seriesDropped.WithLabelValues(r)
	}
	for _, r := range []string{fileErrPermission, fileErrNotRegular, fileErrRead, fileErrGlob} {
		m.fileErrors.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.linesRead, m.bytesRead, m.parseErrors, m.seriesDropped,
			m.rotations, m.truncations, m.fileErrors, m.runConflicts, m.longArrays,
			m.fileCloses, m.fileReopens, m.openFiles, m.openLimit, m.hparamFileErrors)
	}
	return m
}
