// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package loggen writes realistic training logs fast, for benchmarks and
// the comparison with other tools (docs/performance.md).
package loggen

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Options shape the generated log.
type Options struct {
	Records       int // records to write
	Metrics       int // metric keys per train record (at least 3)
	StepsPerEpoch int // steps reset to 0 after this many records; 0 never resets
	ValEvery      int // a validation record after every this many train records; 0 never
	Seed          uint64
	StartTime     float64 // Unix seconds of the first record
	// PythonFloats writes metric values as Python's json.dumps prints a
	// float32 loss turned into a float (loss.item()): up to 17 digits,
	// 2.0405521392822266, instead of 7.
	PythonFloats bool
	// CSV writes the same records as a CSV log with a header, one row per
	// record (time, epoch, step, the train metrics, val/loss and
	// val/accuracy), leaving the cells a record does not have empty, as
	// Lightning's CSVLogger does.
	CSV bool
	// NoTime leaves the time out of every record, as detectron2, mmengine
	// and many trainers write them: the exporter estimates it.
	NoTime bool
}

// Defaults give records of about 200 bytes, as real trainers write.
func Defaults() Options {
	return Options{Records: 100000, Metrics: 6, StepsPerEpoch: 1000, ValEvery: 500, Seed: 1, StartTime: 1764115200}
}

// metricNames are keys real trainers log; more are numbered.
var metricNames = []string{"train/loss", "train/lr", "train/grad_norm", "train/throughput", "train/avg_loss", "train/tokens_per_sec", "train/loss_scale", "train/data_time"}

// Write writes opts.Records JSON Lines records (or, with opts.CSV, CSV
// rows after a header) to w and returns the bytes written.
func Write(w io.Writer, opts Options) (int64, error) {
	if opts.Metrics < 3 {
		opts.Metrics = 3
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	rng := rand.New(rand.NewPCG(opts.Seed, 7))
	names := make([]string, opts.Metrics)
	for i := range names {
		if i < len(metricNames) {
			names[i] = metricNames[i]
		} else {
			names[i] = "train/metric_" + strconv.Itoa(i)
		}
	}
	num := shortNum
	if opts.PythonFloats {
		num = pythonFloat32
	}
	var n int64
	buf := make([]byte, 0, 512)
	if opts.CSV {
		if !opts.NoTime {
			buf = append(buf, "time,"...)
		}
		buf = append(buf, "epoch,step"...)
		for _, name := range names {
			buf = append(append(buf, ','), name...)
		}
		buf = append(buf, ",val/loss,val/accuracy\n"...)
		m, err := bw.Write(buf)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	step, epoch := 0, 0
	for i := range opts.Records {
		buf = buf[:0]
		if !opts.CSV {
			buf = append(buf, `{"_type":"metric",`...)
		}
		if t := opts.StartTime + float64(i)*0.25; !opts.NoTime {
			if opts.CSV {
				buf = fmt.Appendf(buf, `%.3f,`, t)
			} else {
				buf = fmt.Appendf(buf, `"time":%.3f,`, t)
			}
		}
		if opts.ValEvery > 0 && i > 0 && i%opts.ValEvery == 0 {
			loss, acc := num(2.5*math.Exp(-float64(i)/5e5)+0.4), num(0.9-0.5*math.Exp(-float64(i)/3e5))
			if opts.CSV {
				buf = fmt.Appendf(buf, `%d,%d%s,%s,%s`, epoch, step, strings.Repeat(",", len(names)), loss, acc)
			} else {
				buf = fmt.Appendf(buf, `"epoch":%d,"step":%d,"val/loss":%s,"val/accuracy":%s}`,
					epoch, step, loss, acc)
			}
		} else {
			loss := (3*math.Exp(-float64(i)/4e5) + 0.5) * (1 + 0.05*rng.NormFloat64())
			if opts.CSV {
				buf = fmt.Appendf(buf, `%d,%d`, epoch, step)
			} else {
				buf = fmt.Appendf(buf, `"epoch":%d,"step":%d`, epoch, step)
			}
			for k, name := range names {
				v := loss
				switch k {
				case 1:
					v = 3e-4 * (1 - float64(i)/float64(opts.Records+1))
				case 2:
					v = 1 + 0.3*rng.Float64()
				case 3:
					v = 5000 + 200*rng.NormFloat64()
				default:
					if k > 3 {
						v = rng.Float64() * 10
					}
				}
				if opts.CSV {
					buf = append(append(buf, ','), num(v)...)
					continue
				}
				buf = append(buf, `,"`...)
				buf = append(buf, name...)
				buf = append(buf, `":`...)
				buf = append(buf, num(v)...)
			}
			if opts.CSV {
				buf = append(buf, ",,"...)
			} else {
				buf = append(buf, '}')
			}
			step++
			if opts.StepsPerEpoch > 0 && step == opts.StepsPerEpoch {
				step, epoch = 0, epoch+1
			}
		}
		buf = append(buf, '\n')
		m, err := bw.Write(buf)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// shortNum formats a value with 7 significant digits, as loggers that
// round (or print float32 values as such) write them.
func shortNum(v float64) string {
	return strconv.FormatFloat(v, 'g', 7, 64)
}

// pythonFloat32 formats v rounded to a float32 as Python's repr prints the
// float it becomes: the shortest digits that read back as that float64,
// in plain notation from 1e-4 to below 1e16, with ".0" if integral.
func pythonFloat32(v float64) string {
	f := float64(float32(v))
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64) // 1e-05, as Python
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
