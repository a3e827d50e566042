// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package record

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// csvOutcome is what a CSV reader makes of one line: "header", "empty",
// "seen", "error <reason>: <message>" or the record's summary.
func csvOutcome(c *CSV, line string) string { return csvOutcomeOf(c, []byte(line)) }

// csvOutcomeOf is csvOutcome of a line in a buffer that may go on.
func csvOutcomeOf(c *CSV, line []byte) string {
	var r Record
	switch err := c.Parse(line, &r); {
	case errors.Is(err, ErrHeader):
		return "header"
	case errors.Is(err, ErrEmpty):
		return "empty"
	case errors.Is(err, ErrSeen):
		return "seen"
	case err != nil:
		var e *Error
		if !errors.As(err, &e) {
			return fmt.Sprintf("error of type %T: %v", err, err)
		}
		return "error " + e.Reason + ": " + e.Msg
	}
	s := summarize(&r).String()
	for _, ig := range r.Ignored {
		s += fmt.Sprintf("\n  ignored %s: %s", ig.Key, ig.What)
	}
	return s
}

// csvOutcomes reads lines with one reader, as a file is read.
func csvOutcomes(opts Options, lines ...string) []string {
	c := NewCSV(opts)
	var out []string
	for _, l := range lines {
		out = append(out, csvOutcome(c, l))
	}
	return out
}

func TestCSVShapes(t *testing.T) {
	explain := Options{Explain: true}
	for _, tc := range []struct {
		name  string
		opts  Options
		lines []string
		want  []string
	}{{
		name: "Ultralytics results.csv: the epoch is the step, time is seconds since the start",
		lines: []string{
			"epoch,time,train/box_loss,train/cls_loss,metrics/precision(B),metrics/mAP50-95(B),val/box_loss,lr/pg0",
			"1,9.91891,1.1267,1.17186,0.65713,0.50016,1.31339,3.334e-05",
			"2,17.6163,1.06919,1.03603,0.85415,0.53833,1.22828,8.27999e-05",
		},
		want: []string{"header",
			"kind=metric step=1 epoch=1\n  metric time=9.91891\n  metric train.box_loss=1.1267\n  metric train.cls_loss=1.17186\n  metric metrics.precision(B)=0.65713\n  metric metrics.mAP50-95(B)=0.50016\n  metric val.box_loss=1.31339\n  metric lr.pg0=3.334e-05",
			"kind=metric step=2 epoch=2\n  metric time=17.6163\n  metric train.box_loss=1.06919\n  metric train.cls_loss=1.03603\n  metric metrics.precision(B)=0.85415\n  metric metrics.mAP50-95(B)=0.53833\n  metric val.box_loss=1.22828\n  metric lr.pg0=8.27999e-05",
		},
	}, {
		name: "Ultralytics 8.0: every header name and cell padded to a fixed width",
		lines: []string{
			"                  epoch,         train/box_loss,   metrics/precision(B),                 lr/pg0",
			"                      1,                 2.6342,                      0,                 0.0001",
			"                     10,                 1.6155,                0.00333,              0.0011274",
		},
		want: []string{"header",
			"kind=metric step=1 epoch=1\n  metric train.box_loss=2.6342\n  metric metrics.precision(B)=0\n  metric lr.pg0=0.0001",
			"kind=metric step=10 epoch=10\n  metric train.box_loss=1.6155\n  metric metrics.precision(B)=0.00333\n  metric lr.pg0=0.0011274",
		},
	}, {
		name: "Lightning metrics.csv: sparse rows, CRLF, step and epoch columns",
		lines: []string{
			"epoch,step,train_loss_step,val_loss,train_loss_epoch\r",
			"0,49,8.620475769042969,,\r",
			"0,286,,6.833683967590332,\r",
			"0,286,,,7.640378952026367\r",
			",299,6.816020488739014,,\r",
		},
		want: []string{"header",
			"kind=metric step=49 epoch=0\n  metric train_loss_step=8.620475769042969",
			"kind=metric step=286 epoch=0\n  metric val_loss=6.833683967590332",
			"kind=metric step=286 epoch=0\n  metric train_loss_epoch=7.640378952026367",
			"kind=metric step=299\n  metric train_loss_step=6.816020488739014",
		},
	}, {
		name: "Keras CSVLogger: epoch from 0",
		lines: []string{
			"epoch,accuracy,learning_rate,loss,val_accuracy,val_loss",
			"0,0.4110209345817566,0.0010000000474974513,1.7160215377807617,0.469490110874176,1.4435802698135376",
		},
		want: []string{"header",
			"kind=metric step=0 epoch=0\n  metric accuracy=0.4110209345817566\n  metric learning_rate=0.0010000000474974513\n  metric loss=1.7160215377807617\n  metric val_accuracy=0.469490110874176\n  metric val_loss=1.4435802698135376",
		},
	}, {
		name: "timm summary.csv",
		lines: []string{
			"epoch,train_loss,eval_loss,eval_top1,eval_top5,lr",
			"4,1.068778628976936,0.45,85.56,99.57,0.004774575140626317",
		},
		want: []string{"header",
			"kind=metric step=4 epoch=4\n  metric train_loss=1.068778628976936\n  metric eval_loss=0.45\n  metric eval_top1=85.56\n  metric eval_top5=99.57\n  metric lr=0.004774575140626317",
		},
	}, {
		name: "Flair loss.tsv: tabs, upper-case names, a time of day that is no time",
		opts: explain,
		lines: []string{
			"EPOCH\tTIMESTAMP\tLEARNING_RATE\tTRAIN_LOSS\tDEV_LOSS\tDEV_ACCURACY",
			"1\t12:33:21\t0.1000\t0.3592169054972083\t0.17636922001838684\t0.9072",
		},
		want: []string{"header",
			"kind=metric step=1 epoch=1\n  metric LEARNING_RATE=0.1\n  metric TRAIN_LOSS=0.3592169054972083\n  metric DEV_LOSS=0.17636922001838684\n  metric DEV_ACCURACY=0.9072\n  ignored TIMESTAMP: string under a time key, not a time",
		},
	}, {
		name: "Keras with separator=\";\": semicolons, and NA for a value it did not have",
		opts: explain,
		lines: []string{
			"epoch;loss;val_loss",
			"0;0.36;NA",
		},
		want: []string{"header",
			"kind=metric step=0 epoch=0\n  metric loss=0.36\n  ignored val_loss: string",
		},
	}, {
		name: "quoted names and cells, spaces around them",
		lines: []string{
			`"step", "a,b" ,"say ""hi""",c`,
			`1,"2.5", "3",  4  `,
			`2,"",x,""`,
		},
		want: []string{"header",
			"kind=metric step=1\n  metric a,b=2.5\n  metric say \"hi\"=3\n  metric c=4",
			"kind=metric step=2",
		},
	}, {
		name: "Python's tokens, booleans, forms JSON has not",
		lines: []string{
			"step,a,b,c,d,e,f,g,h,i",
			"1,nan,NaN,inf,-inf,Infinity,+inf,True,false,1e400",
			"2,+1.5,.5,5.,01,-0,1E-3, 7 ,0x10,1_000",
			"3,\t4\t,+nan,-nan,++1,+-1,e5,1e,-,.",
		},
		want: []string{"header",
			"kind=metric step=1\n  metric a=NaN\n  metric b=NaN\n  metric c=+Inf\n  metric d=-Inf\n  metric e=+Inf\n  metric f=+Inf\n  metric g=1\n  metric h=0\n  metric i=+Inf",
			"kind=metric step=2\n  metric a=1.5\n  metric b=0.5\n  metric c=5\n  metric d=1\n  metric e=-0\n  metric f=0.001\n  metric g=7",
			"kind=metric step=3\n  metric a=4",
		},
	}, {
		name: "a time column: wall-clock seconds, milliseconds, RFC 3339; any other number is a metric",
		lines: []string{
			"step,time,loss",
			"1,1764115200.5,2",
			"2,1764115201500,2",
			"3,2025-11-26T00:00:00Z,2",
			"4,0.356,2",
		},
		want: []string{"header",
			"kind=metric step=1 time=1764115200.5\n  metric loss=2",
			"kind=metric step=2 time=1764115201.5\n  metric loss=2",
			"kind=metric step=3 time=1764115200\n  metric loss=2",
			"kind=metric step=4\n  metric time=0.356\n  metric loss=2",
		},
	}, {
		name: "the first step key in key order wins; step and epoch columns are no metrics",
		lines: []string{
			"iteration,Global_Step,epoch,loss",
			"10,110,1,2",
			"10,,1,2",
			",,1,2",
		},
		want: []string{"header",
			"kind=metric step=110 epoch=1\n  metric loss=2",
			"kind=metric step=10 epoch=1\n  metric loss=2",
			"kind=metric epoch=1\n  metric loss=2",
		},
	}, {
		name: "rows with the wrong number of cells are errors; the next row is read",
		lines: []string{
			"epoch,loss",
			"1,2,3",
			"2",
			`3,"2`,
			`4,"2"x`,
			"5,2",
		},
		want: []string{"header",
			"error invalid_csv: more cells than the header has columns",
			"error invalid_csv: fewer cells than the header has columns",
			"error invalid_csv: unterminated quote",
			"error invalid_csv: text after a quoted cell",
			"kind=metric step=5 epoch=5\n  metric loss=2",
		},
	}, {
		name: "blank lines, a BOM, a first line that names nothing",
		lines: []string{
			"",
			"1,2",
			"\xEF\xBB\xBFepoch,loss",
			"  ",
			",",
			"1,2",
		},
		want: []string{"empty",
			"error invalid_csv: the first line names no column: a CSV log needs a header",
			"header", "empty", "empty",
			"kind=metric step=1 epoch=1\n  metric loss=2",
		},
	}, {
		name: "a repeated header is a header, and may bring new columns",
		lines: []string{
			"epoch,loss",
			"1,2",
			"epoch,loss",
			"epoch,loss,acc",
			"2,1.5,0.5",
		},
		want: []string{"header",
			"kind=metric step=1 epoch=1\n  metric loss=2",
			"header", "header",
			"kind=metric step=2 epoch=2\n  metric loss=1.5\n  metric acc=0.5",
		},
	}, {
		name: "columns without a name, ignored and repeated names, text cells",
		opts: Options{Explain: true, IgnoreKeys: []string{"_runtime"}},
		lines: []string{
			",epoch,_RUNTIME,loss,train/acc,train.acc,loss",
			"0,1,12.5,9,0.1,0.2,3",
			"1,2,13,9,0.1,0.2,n/a",
		},
		want: []string{"header",
			"kind=metric step=1 epoch=1\n  metric train.acc=0.2\n  metric loss=3\n  ignored : column without a name\n  ignored _RUNTIME: ignored key\n  ignored loss: a later column has the same name\n  ignored train/acc: a later column has the same name",
			"kind=metric step=2 epoch=2\n  metric train.acc=0.2\n  ignored : column without a name\n  ignored _RUNTIME: ignored key\n  ignored loss: a later column has the same name\n  ignored train/acc: a later column has the same name\n  ignored loss: string",
		},
	}, {
		name: "unusable steps and epochs",
		opts: explain,
		lines: []string{
			"step,epoch,loss",
			"nan,x,1",
			"True,inf,1",
		},
		want: []string{"header",
			"kind=metric\n  metric loss=1\n  ignored step: non-finite number under a step key\n  ignored epoch: string under an epoch key",
			"kind=metric\n  metric loss=1\n  ignored step: boolean under a step key\n  ignored epoch: non-finite number under an epoch key",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := csvOutcomes(tc.opts, tc.lines...)
			for i := range max(len(got), len(tc.want)) {
				g, w := "(none)", "(none)"
				if i < len(got) {
					g = got[i]
				}
				if i < len(tc.want) {
					w = tc.want[i]
				}
				if g != w {
					t.Errorf("line %d %q:\ngot  %s\nwant %s", i+1, tc.lines[min(i, len(tc.lines)-1)], g, w)
				}
			}
		})
	}
}

func TestCSVSources(t *testing.T) {
	c := NewCSV(Options{Explain: true})
	var r Record
	if err := c.Parse([]byte(`epoch,train/box_loss,"metrics/mAP50(B)"`), &r); err != ErrHeader {
		t.Fatal(err)
	}
	if err := c.Parse([]byte("1,0.5,0.25"), &r); err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, m := range r.Metrics {
		got = append(got, string(m.Name)+" from "+string(r.Sources[i]))
	}
	if want := "train.box_loss from train/box_loss, metrics.mAP50(B) from metrics/mAP50(B)"; strings.Join(got, ", ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, ", "), want)
	}
}

// TestCSVShape: rows whose values are in the same columns share a Shape;
// others, and the rows of another header, do not.
func TestCSVShape(t *testing.T) {
	c := NewCSV(Options{})
	shape := func(line string) uint64 {
		t.Helper()
		var r Record
		if err := c.Parse([]byte(line), &r); err != nil && err != ErrHeader {
			t.Fatalf("%q: %v", line, err)
		}
		return r.Shape
	}
	shape("epoch,step,train_loss,val_loss,val_acc")
	train := shape("0,10,2.5,,")
	val := shape("0,10,,2.4,0.5")
	if train == 0 || val == 0 || train == val {
		t.Fatalf("train rows %d, validation rows %d: want two shapes", train, val)
	}
	for i := range 3 {
		if s := shape(fmt.Sprintf("%d,%d,2.5,,", i, 20+i)); s != train {
			t.Errorf("train row %d: shape %d, want %d", i, s, train)
		}
		if s := shape(fmt.Sprintf("%d,%d,,2.4,0.5", i, 20+i)); s != val {
			t.Errorf("validation row %d: shape %d, want %d", i, s, val)
		}
	}
	if s := shape("1,30,,2.4,"); s == val || s == train || s == 0 {
		t.Errorf("a row with fewer values: shape %d", s)
	}
	if s := shape("1,30,,,"); s != 0 {
		t.Errorf("a row without metrics: shape %d, want 0", s)
	}
	shape("epoch,step,val_loss,train_loss,val_acc")
	if s := shape("0,10,2.5,,"); s == train || s == val || s == 0 {
		t.Errorf("after a new header, shape %d: names differ, the shape must too", s)
	}
	// Another reader of the same columns gives its own shapes: a Shape
	// promises the same names whichever reader made it, and makes no
	// other promise.
	other := NewCSV(Options{})
	var r Record
	_ = other.Parse([]byte("epoch,step,train_loss,val_loss,val_acc"), &r)
	if err := other.Parse([]byte("0,10,2.5,,"), &r); err != nil || r.Shape == 0 || r.Shape == val {
		t.Errorf("another reader: shape %d, %v", r.Shape, err)
	}
}

// TestCSVManyShapes: rows of more shapes than the reader remembers still
// get shapes that match their names.
func TestCSVManyShapes(t *testing.T) {
	c := NewCSV(Options{})
	var r Record
	header := "step"
	for k := range 20 {
		header += fmt.Sprintf(",m%d", k)
	}
	_ = c.Parse([]byte(header), &r)
	names := map[uint64]string{}
	for round := range 3 {
		for k := range 20 {
			row := fmt.Sprint(round) + strings.Repeat(",", k) + ",1" + strings.Repeat(",", 19-k)
			if err := c.Parse([]byte(row), &r); err != nil {
				t.Fatal(err)
			}
			got := string(r.Metrics[0].Name)
			if prev, ok := names[r.Shape]; ok && prev != got {
				t.Fatalf("shape %d names %s and %s", r.Shape, prev, got)
			}
			names[r.Shape] = got
		}
	}
}

// TestCSVRestart: after Restart, the header is read again, and a file
// rewritten with the rows read before (Lightning, adding a column) gives
// each of them once, while new content (Keras, starting a new fit) is
// read as a whole.
func TestCSVRestart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string // "|" restarts
		want  string
	}{{
		name: "rewritten with a new column: rows read before are seen",
		lines: []string{"epoch,step,loss", "0,10,2", "0,20,1.5", "|",
			"epoch,step,acc,loss", "0,10,,2", "0,20,,1.5", "0,20,0.5,", "1,30,,1"},
		want: "header | step=10 loss=2 | step=20 loss=1.5 | header | seen | seen | step=20 acc=0.5 | step=30 loss=1",
	}, {
		name: "rewritten in another column order",
		lines: []string{"epoch,step,loss,acc", "0,10,2,0.5", "0,20,1.5,0.6", "|",
			"acc,epoch,loss,step,val_loss", "0.5,0,2,10,", "0.6,0,1.5,20,", ",0,,20,3"},
		want: "header | step=10 loss=2 acc=0.5 | step=20 loss=1.5 acc=0.6 | header | seen | seen | step=20 val_loss=3",
	}, {
		name: "overwritten by a new fit: every row is new",
		lines: []string{"epoch,loss", "0,2", "1,1.5", "2,1.2", "|",
			"epoch,loss", "0,2.1", "1,1.4"},
		want: "header | step=0 loss=2 | step=1 loss=1.5 | step=2 loss=1.2 | header | step=0 loss=2.1 | step=1 loss=1.4",
	}, {
		name: "the header and no row yet, then the rows",
		lines: []string{"epoch,loss", "0,2", "1,1.5", "|", "epoch,loss,acc", "|",
			"epoch,loss,acc", "0,2,", "1,1.5,", "2,1.2,0.5"},
		want: "header | step=0 loss=2 | step=1 loss=1.5 | header | header | seen | seen | step=2 loss=1.2 acc=0.5",
	}, {
		name: "rewritten again before the old rows were all back",
		lines: []string{"epoch,loss", "0,2", "1,1.5", "2,1.2", "|", "epoch,loss,a", "0,2,", "|",
			"epoch,loss,a,b", "0,2,,", "1,1.5,,", "2,1.2,,", "3,1,,"},
		want: "header | step=0 loss=2 | step=1 loss=1.5 | step=2 loss=1.2 | header | seen | header | seen | seen | seen | step=3 loss=1",
	}, {
		name:  "a bad first row counts as itself",
		lines: []string{"epoch,loss", "0,2,9", "1,1.5", "|", "epoch,loss", "0,2,9", "1,1.5", "2,1"},
		want:  "header | error | step=1 loss=1.5 | header | seen | seen | step=2 loss=1",
	}, {
		name:  "one row read before",
		lines: []string{"epoch,loss", "0,2", "|", "epoch,loss", "0,2", "1,1.5"},
		want:  "header | step=0 loss=2 | header | seen | step=1 loss=1.5",
	}, {
		name:  "blank lines are no rows",
		lines: []string{"epoch,loss", "", "0,2", "1,1.5", "|", "epoch,loss", "0,2", "", "1,1.5", "", "2,1"},
		want:  "header | empty | step=0 loss=2 | step=1 loss=1.5 | header | seen | empty | seen | empty | step=2 loss=1",
	}, {
		name:  "a restart before any row",
		lines: []string{"|", "epoch,loss", "0,2", "|", "epoch,loss", "0,2"},
		want:  "header | step=0 loss=2 | header | seen",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCSV(Options{})
			var got []string
			for _, l := range tc.lines {
				if l == "|" {
					c.Restart()
					continue
				}
				var r Record
				switch err := c.Parse([]byte(l), &r); {
				case err == ErrHeader:
					got = append(got, "header")
				case err == ErrSeen:
					got = append(got, "seen")
				case err == ErrEmpty:
					got = append(got, "empty")
				case err != nil:
					got = append(got, "error")
				default:
					s := fmt.Sprintf("step=%g", r.Step)
					for _, m := range r.Metrics {
						s += fmt.Sprintf(" %s=%g", m.Name, m.Value)
					}
					got = append(got, s)
				}
			}
			if g := strings.Join(got, " | "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

// TestCSVForget: a reader that forgot its buffers reads the next rows
// under the header it had, and knows the rows it read for a Restart.
func TestCSVForget(t *testing.T) {
	c := NewCSV(Options{Explain: true})
	for _, l := range []string{"epoch,loss,acc", "0,2,0.1", "1,1.5,0.2"} {
		csvOutcome(c, l)
	}
	c.Forget()
	if got, want := csvOutcome(c, "2,1.2,x"), "kind=metric step=2 epoch=2\n  metric loss=1.2\n  ignored acc: string"; got != want {
		t.Errorf("after Forget: %q, want %q", got, want)
	}
	c.Forget()
	c.Restart()
	var got []string
	for _, l := range []string{"epoch,loss,acc,lr", "0,2,0.1,", "1,1.5,0.2,", "2,1.2,x,", "3,1,0.3,0.01"} {
		got = append(got, strings.SplitN(csvOutcome(c, l), "\n", 2)[0])
	}
	if want := "header seen seen seen kind=metric step=3 epoch=3"; strings.Join(got, " ") != want {
		t.Errorf("after Forget and Restart: %q, want %q", got, want)
	}
}

// TestCSVHeader: what a header names, with the configured keys in any
// case, for the engine to tell a log from a dataset's table.
func TestCSVHeader(t *testing.T) {
	opts := DefaultOptions()
	custom := DefaultOptions()
	custom.StepKeys = []string{"Iteration"}
	for _, tc := range []struct {
		opts  Options
		lines []string
		want  CSVHeader
	}{
		{opts, nil, CSVHeader{}},
		{opts, []string{"epoch,time,train/box_loss"}, CSVHeader{Read: true, Step: true, Time: true}},
		{opts, []string{"EPOCH\tTIMESTAMP\tTRAIN_LOSS"}, CSVHeader{Read: true, Step: true, Time: true}},
		{opts, []string{"epoch,lr-Adam,step,train_loss_step"}, CSVHeader{Read: true, Step: true}},
		{opts, []string{"global_step,loss"}, CSVHeader{Read: true, Step: true}},
		{opts, []string{"id,text,label,score"}, CSVHeader{Read: true}},
		{opts, []string{"timestamp,value"}, CSVHeader{Read: true, Time: true}},
		{opts, []string{"Iteration,AverageReturn"}, CSVHeader{Read: true, Step: true}},
		{custom, []string{"Iteration,AverageReturn"}, CSVHeader{Read: true, Step: true}},
		{custom, []string{"iter,loss"}, CSVHeader{Read: true}},
		// A header that fails, and one that follows rows (two files
		// concatenated): the last one read counts.
		{opts, []string{"1,2,3"}, CSVHeader{}},
		{opts, []string{"id,text", "1,a", "epoch,loss,x"}, CSVHeader{Read: true, Step: true}},
	} {
		c := NewCSV(tc.opts)
		for _, l := range tc.lines {
			var r Record
			_ = c.Parse([]byte(l), &r)
		}
		if got := c.Header(); got != tc.want {
			t.Errorf("%q (step keys %q): %+v, want %+v", tc.lines, tc.opts.StepKeys, got, tc.want)
		}
		c.Restart()
		if got := c.Header(); got != (CSVHeader{}) {
			t.Errorf("%q: %+v after Restart", tc.lines, got)
		}
	}
}
