package record

import "strconv"

// Kind says what a record is, taken from its type key.
type Kind uint8

// Record kinds. KindMetric is the default when a line has no type key.
const (
	KindMetric Kind = iota
	KindEpochEnd
	KindRunStart
	KindConfig
	KindMeta
	KindArtifact
)

var kindNames = [...]string{"metric", "epoch_end", "run_start", "config", "meta", "artifact"}

// String returns the type value that selects k, e.g. "epoch_end".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Metric is one named value of a record.
type Metric struct {
	Name  []byte  // canonical name: key path joined by '.', every '/' replaced by '.'
	Value float64 // may be NaN, +Inf or -Inf
}

// Field is a string field of a run_start or meta record.
type Field struct{ Key, Value []byte }

// Record is one parsed line. Its slices point into the Parser's arena and
// are valid until the next call of Parse on the same Parser.
type Record struct {
	Kind     Kind
	Step     float64
	HasStep  bool
	Epoch    float64
	HasEpoch bool
	Time     float64 // Unix seconds (fractional), only for plausible wall-clock values
	HasTime  bool
	RunName  []byte // value of "run_name", nil if absent
	Metrics  []Metric
	Info     []Field
	// Shape, when not 0, says that Metrics names the same metrics in the
	// same order as in every other record of this Shape, whichever Parser
	// read it, so a consumer may reuse what it looked up for them.
	Shape uint64
}

// MaxNameLen bounds the length of a metric name in bytes. Longer names are
// not metrics; the bound keeps the arena linear in the line length even for
// deeply nested containers under long keys.
const MaxNameLen = 1024

// Options selects which keys carry a record's structure.
type Options struct {
	StepKeys      []string // default: step, global_step, iteration, iter (first present in this order wins)
	EpochKeys     []string // default: epoch
	TimeKeys      []string // default: time, timestamp, ts
	TypeKeys      []string // default: _type (mmdetection users configure "mode")
	PrefixKeys    []string // default: prefix
	ContainerKeys []string // default: metrics
	MaxKeys       int      // default 10000: keys at all nesting levels; more refuses the record
	MaxDepth      int      // default 64: nesting depth of objects and arrays; deeper refuses the record
}

// DefaultOptions returns the options used for zero or empty fields.
func DefaultOptions() Options {
	return Options{
		StepKeys:      []string{"step", "global_step", "iteration", "iter"},
		EpochKeys:     []string{"epoch"},
		TimeKeys:      []string{"time", "timestamp", "ts"},
		TypeKeys:      []string{"_type"},
		PrefixKeys:    []string{"prefix"},
		ContainerKeys: []string{"metrics"},
		MaxKeys:       10000,
		MaxDepth:      64,
	}
}

// withDefaults returns a copy of o with zero or empty fields set to defaults.
// The slices are copied so later changes by the caller do not leak in.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	pick := func(v, def []string) []string {
		if len(v) == 0 {
			return def
		}
		return append([]string(nil), v...)
	}
	o.StepKeys = pick(o.StepKeys, d.StepKeys)
	o.EpochKeys = pick(o.EpochKeys, d.EpochKeys)
	o.TimeKeys = pick(o.TimeKeys, d.TimeKeys)
	o.TypeKeys = pick(o.TypeKeys, d.TypeKeys)
	o.PrefixKeys = pick(o.PrefixKeys, d.PrefixKeys)
	o.ContainerKeys = pick(o.ContainerKeys, d.ContainerKeys)
	if o.MaxKeys <= 0 {
		o.MaxKeys = d.MaxKeys
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = d.MaxDepth
	}
	return o
}
