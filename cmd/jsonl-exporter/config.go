// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/jsonl-exporter/jsonl-exporter/internal/engine"
	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
)

// envPrefix prefixes the environment variable of every key:
// web.listen-address is JSONL_EXPORTER_WEB_LISTEN_ADDRESS.
const envPrefix = "JSONL_EXPORTER"

// options is everything the serve and demo commands are configured with:
// the keys as read, and the engine's configuration made of them.
type options struct {
	configKeys `mapstructure:",squash"`
	Web        webOptions  `mapstructure:"web"`
	Log        logOptions  `mapstructure:"log"`
	Demo       demoOptions `mapstructure:"demo"`

	RemoteWrite remoteWriteOptions `mapstructure:"remote-write"`
	State       stateOptions       `mapstructure:"state"`

	Config engine.Config `mapstructure:"-"`
}

type webOptions struct {
	ListenAddresses        []string `mapstructure:"listen-address"`
	SystemdSocket          bool     `mapstructure:"systemd-socket"`
	EnableLifecycle        bool     `mapstructure:"enable-lifecycle"`
	TelemetryPath          string   `mapstructure:"telemetry-path"`
	DisableExporterMetrics bool     `mapstructure:"disable-exporter-metrics"`
	DisableRunMetrics      bool     `mapstructure:"disable-run-metrics"`
	EnablePprof            bool     `mapstructure:"enable-pprof"`
	Config                 struct {
		File string `mapstructure:"file"`
	} `mapstructure:"config"`
}

type logOptions struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"`
}

type demoOptions struct {
	Dir      string        `mapstructure:"dir"`
	Runs     int           `mapstructure:"runs"`
	Interval time.Duration `mapstructure:"interval"`
}

// cliOnly flags are not config keys: they say where the config is.
var cliOnly = map[string]bool{"config.file": true, "config.check": true, "version": true}

// command names the flag set of a subcommand.
type command int

const (
	cmdServe command = iota
	cmdDemo
	cmdInspect
	cmdBackfill
	cmdPlot
	cmdWatch
)

// newFlagSet declares every flag of a command with its default: serve's,
// demo's (serve's and the demo's own), or inspect's (how logs are read).
func newFlagSet(name string, cmd command) *pflag.FlagSet {
	d := engine.DefaultConfig()
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	serves := cmd != cmdInspect && cmd != cmdBackfill && cmd != cmdPlot && cmd != cmdWatch
	if serves {
		fs.StringArray("input", nil, "Glob of log files to follow (repeatable; ** matches any folders, {a,b} either; .gz files are read once).")
		fs.StringArray("web.listen-address", []string{":9478"}, "Address to listen on for the web interface and telemetry (repeatable).")
		fs.Bool("web.systemd-socket", false, "Use systemd socket activation listeners instead of port listeners (Linux only).")
		fs.String("web.telemetry-path", "/metrics", "Path under which to expose metrics.")
		fs.String("web.config.file", "", "Path to a web configuration file for TLS and basic auth (exporter-toolkit format).")
		fs.Bool("web.disable-exporter-metrics", false, "Exclude the exporter's own metrics (jsonl_exporter_*, go_*, process_*) from /metrics.")
		fs.Bool("web.disable-run-metrics", false, "Exclude the runs' series from /metrics: they reach storage by remote write (push mode).")
		fs.Bool("web.enable-pprof", false, "Serve Go's profiles under /debug/pprof/ (CPU and memory use of the exporter).")
		fs.Bool("web.enable-lifecycle", false, "Reload the configuration on POST /-/reload, as on SIGHUP.")
	}
	fs.String("config.file", "", "YAML configuration file; every flag is also a key there (env JSONL_EXPORTER_CONFIG_FILE).")
	if serves {
		fs.Bool("version", false, "Print the version and exit.")
		fs.Bool("config.check", false, "Check the configuration, print \"configuration OK\" and exit (env JSONL_EXPORTER_CONFIG_CHECK).")
	}
	fs.String("namespace", d.Namespace, "Prefix of the series made from logs.")
	if cmd == cmdPlot {
		plotFlags(fs)
		addParserFlags(fs, d)
		fs.Int("tail.max-line-size", d.Tail.MaxLineSize, "Longest line in bytes; longer lines are skipped and counted.")
		return fs
	}
	if cmd == cmdWatch {
		watchFlags(fs)
		addParserFlags(fs, d)
		fs.Int("tail.max-line-size", d.Tail.MaxLineSize, "Longest line in bytes; longer lines are skipped and counted.")
		return fs
	}
	if cmd == cmdInspect || cmd == cmdBackfill {
		addParserFlags(fs, d)
		fs.Int("tail.max-line-size", d.Tail.MaxLineSize, "Longest line in bytes; longer lines are skipped and counted.")
		addDetectorFlags(fs, d)
		if cmd == cmdBackfill {
			fs.String("out", "", "Write the samples as OpenMetrics to "+backfillFile+" in this folder, for promtool tsdb create-blocks-from openmetrics, instead of remote write.")
			addRemoteWriteFlags(fs, false)
			fs.String("log.level", "warn", "Only log messages with the given severity or above: debug, info, warn, error.")
		}
		return fs
	}
	fs.Int("max-series", d.MaxSeries, "Most series created from metric keys, over all runs; more are refused and counted.")
	fs.Duration("discovery.interval", d.Discovery.Interval, "How often the input globs are evaluated again to find new files.")
	fs.Duration("discovery.max-age", d.Discovery.MaxAge, "Pass over files not modified for this long, to export only runs active within that window (0 reads every file).")
	fs.Bool("tail.poll", d.Tail.Poll, "Poll files for changes instead of using inotify (safer in containers and on network file systems).")
	fs.Duration("tail.poll-interval", d.Tail.PollInterval, "Polling period, and the period of the file identity check that backs up inotify.")
	fs.Int("tail.max-line-size", d.Tail.MaxLineSize, "Longest line in bytes; longer lines are skipped and counted.")
	fs.Int("tail.max-open-files", d.Tail.MaxOpenFiles, "Most log files open at once (0: the descriptor limit less "+strconv.Itoa(engine.ReservedFiles)+" for the server); idle files are closed to make room.")
	fs.Duration("tail.idle-close", d.Tail.IdleClose, "Close a file read to its end that has not grown for this long, and look at it again at each discovery scan (0 keeps files open).")
	fs.Duration("run.expiry", d.Run.Expiry, "Remove a run after this long without a new record (0 keeps runs).")
	fs.Duration("run.deleted-grace", d.Run.DeletedGrace, "Keep the run of a deleted file this long before removing its series.")
	addParserFlags(fs, d)
	addDetectorFlags(fs, d)
	addRemoteWriteFlags(fs, true)
	fs.String("log.level", "info", "Only log messages with the given severity or above: debug, info, warn, error.")
	fs.String("log.format", "logfmt", "Output format of log messages: logfmt or json.")
	if cmd == cmdDemo {
		fs.String("demo.dir", "", "Folder the simulated runs are written to (default: a new temporary folder, removed on exit).")
		fs.Int("demo.runs", 3, "Number of runs trained at the same time.")
		fs.Duration("demo.interval", 200*time.Millisecond, "Wall time between two training steps.")
	}
	return fs
}

// addParserFlags declares how records are read.
func addParserFlags(fs *pflag.FlagSet, d engine.Config) {
	fs.StringSlice("parser.step-keys", d.Parser.StepKeys, "Keys holding the step; the first present wins.")
	fs.StringSlice("parser.epoch-keys", d.Parser.EpochKeys, "Keys holding the epoch.")
	fs.StringSlice("parser.time-keys", d.Parser.TimeKeys, "Keys holding the record time (used when the value is a plausible Unix time).")
	fs.StringSlice("parser.type-keys", d.Parser.TypeKeys, "Keys holding the record type (e.g. mode for mmdetection).")
	fs.StringSlice("parser.prefix-keys", d.Parser.PrefixKeys, "Keys holding a prefix for the record's metric names.")
	fs.StringSlice("parser.container-keys", d.Parser.ContainerKeys, "Keys whose object value holds metrics.")
	fs.Int("parser.max-keys", d.Parser.MaxKeys, "Most keys in one record; larger records are skipped and counted.")
	fs.Int("parser.max-array-len", d.Parser.MaxArrayLen, "Longest numeric array exported element-wise (<name>_0, <name>_1, ...); longer ones are counted; 0 exports no arrays.")
	fs.String("parser.profile", d.Parser.Profile, "Producer of the logs (docs/formats.md): auto detects it per file; or "+strings.Join(profile.Names()[1:], ", ")+".")
}

// addDetectorFlags declares what is derived from every record.
func addDetectorFlags(fs *pflag.FlagSet, d engine.Config) {
	fs.String("best.minimize", d.Best.Minimize, "Regular expression of metric names (as logged) whose lowest value so far is exported as <series>_best and <series>_best_step.")
	fs.String("best.maximize", d.Best.Maximize, "Regular expression of metric names whose highest value so far is exported likewise (minimize wins when both match).")
	fs.String("watch.metrics", d.Watch.Metrics, "Regular expression of metric names (as logged) that get a smoothed <series>_ema and spike detection.")
	fs.Float64("watch.ema-weight", d.Watch.EMAWeight, "Smoothing weight of <series>_ema, as TensorBoard's smoothing slider (0 = raw).")
	fs.Float64("spike.weight", d.Spike.Weight, "Weight of the moving mean and variance the spike detector compares each record with.")
	fs.Float64("spike.sigma", d.Spike.Sigma, "A spike is a value more than this many standard deviations above the moving mean...")
	fs.Float64("spike.min-jump", d.Spike.MinJump, "... and more than this fraction of the mean above it (0.5 = 50 % higher).")
	fs.Int("spike.warmup", d.Spike.Warmup, "Records of a metric read before a spike can count.")
}

// loader reads the configuration again on each call: flags (parsed
// once) > environment > config file > defaults.
type loader struct {
	fs     *pflag.FlagSet
	cmd    command
	getenv func(string) string
	adjust func(*options) // fills in what a subcommand implies, before validation
}

func envKey(key string) string {
	return envPrefix + "_" + strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToUpper(key))
}

// configFile is the --config.file flag, else its environment variable.
func (l *loader) configFile() string {
	if f := l.fs.Lookup("config.file"); f.Changed {
		return f.Value.String()
	}
	return l.getenv(envKey("config.file"))
}

// configCheck is the --config.check flag, else its environment variable.
func (l *loader) configCheck() (bool, error) {
	if f := l.fs.Lookup("config.check"); f == nil || f.Changed {
		return f != nil && f.Value.String() == "true", nil
	}
	env := l.getenv(envKey("config.check"))
	if env == "" {
		return false, nil
	}
	check, err := strconv.ParseBool(env)
	if err != nil {
		return false, usagef("config.check: %s=%q is not a boolean", envKey("config.check"), env)
	}
	return check, nil
}

func (l *loader) load() (options, error) {
	var o options
	v := viper.New()
	var bindErr error
	l.fs.VisitAll(func(f *pflag.Flag) {
		if cliOnly[f.Name] || bindErr != nil {
			return
		}
		bindErr = v.BindPFlag(f.Name, f)
		if bindErr == nil {
			bindErr = v.BindEnv(f.Name, envKey(f.Name))
		}
	})
	if bindErr != nil {
		return o, bindErr
	}
	file := l.configFile()
	var doc *yaml.Node
	if file != "" {
		b, d, err := readConfigFile(file)
		if err != nil {
			return o, err
		}
		doc = d
		v.SetConfigType("yaml")
		if err := v.ReadConfig(bytes.NewReader(b)); err != nil {
			return o, usagef("config.file: %s", oneLine(err.Error()))
		}
		for _, key := range []string{"config.file", "config.check"} {
			if v.InConfig(key) {
				return o, usagef("%s: is a flag (or %s), not a key of the configuration file", key, envKey(key))
			}
		}
	}
	if err := v.UnmarshalExact(&o, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		durationNeedsUnit, mapstructure.StringToTimeDurationHookFunc(), splitList, inputShorthand))); err != nil {
		key, msg := decodeError(err)
		if strings.Contains(msg, "unknown key") && !strings.Contains(msg, ",") {
			msg += l.knownKey(key)
		}
		// Only the file writes inputs and unknown keys: flags and the
		// environment know only the known keys.
		if line := fileLine(doc, key); line > 0 && (strings.HasPrefix(key, "inputs") || strings.Contains(msg, "unknown key")) {
			return o, usagef("%s (%s:%d)", msg, file, line)
		}
		return o, usagef("%s", msg)
	}
	if l.adjust != nil {
		l.adjust(&o)
	}
	o.Config = o.toEngine()
	if err := o.validate(l.cmd); err != nil {
		return o, usageError{err.Error()}
	}
	return o, nil
}

var durationType = reflect.TypeFor[time.Duration]()

// durationNeedsUnit refuses a bare number for a duration, as flags and
// the environment do: "interval: 5" would otherwise be 5 nanoseconds.
// 0 needs no unit.
func durationNeedsUnit(from, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	switch from.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		if reflect.ValueOf(data).IsZero() {
			return time.Duration(0), nil
		}
		return nil, fmt.Errorf("%v is a number; a duration needs a unit, such as 5s or 250ms", data)
	}
	return data, nil
}

// splitList turns a list written as one string (an environment variable)
// into its elements at the commas that are not inside braces, so that a
// brace glob such as /x/{a,b}/*.jsonl stays whole.
func splitList(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String || to.Kind() != reflect.Slice {
		return data, nil
	}
	raw := data.(string)
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth = max(depth-1, 0)
		case ',':
			if depth == 0 {
				out = append(out, raw[start:i])
				start = i + 1
			}
		}
	}
	if raw != "" {
		out = append(out, raw[start:])
	}
	return out, nil
}

// Lower bounds of the intervals: a value below them is a typo or a unit
// forgotten, and would make the exporter spin.
const (
	minInterval     = 100 * time.Millisecond
	minDemoInterval = time.Millisecond
)

// validate checks what the exporter library does not know about, for the
// command the options are for.
func (o *options) validate(cmd command) error {
	for key, d := range map[string]time.Duration{"discovery.interval": o.Discovery.Interval, "tail.poll-interval": o.Tail.PollInterval} {
		if d < minInterval {
			return fmt.Errorf("%s: must be at least %s, got %s", key, minInterval, d)
		}
	}
	if (cmd == cmdServe || cmd == cmdDemo) && o.RemoteWrite.ShutdownTimeout <= 0 {
		return fmt.Errorf("remote-write.shutdown-timeout: must be positive, got %s", o.RemoteWrite.ShutdownTimeout)
	}
	if o.Run.Expiry != 0 && o.Run.Expiry < time.Second {
		return fmt.Errorf("run.expiry: must be 0 (keep runs) or at least 1s, got %s", o.Run.Expiry)
	}
	if cmd == cmdDemo {
		if err := o.Demo.validate(); err != nil {
			return err
		}
	}
	if err := promslog.NewLevel().Set(o.Log.Level); err != nil {
		return fmt.Errorf("log.level: %v", err)
	}
	if err := promslog.NewFormat().Set(o.Log.Format); err != nil {
		return fmt.Errorf("log.format: %v", err)
	}
	if !strings.HasPrefix(o.Web.TelemetryPath, "/") {
		return fmt.Errorf("web.telemetry-path: must start with /, got %q", o.Web.TelemetryPath)
	}
	if o.Web.DisableRunMetrics && o.Web.DisableExporterMetrics {
		return fmt.Errorf("web.disable-run-metrics and web.disable-exporter-metrics: together they leave %s empty", o.Web.TelemetryPath)
	}
	if len(o.Web.ListenAddresses) == 0 && !o.Web.SystemdSocket {
		return fmt.Errorf("web.listen-address: name at least one address, or set web.systemd-socket")
	}
	for _, a := range o.Web.ListenAddresses {
		if a == "" {
			return fmt.Errorf("web.listen-address: must not be empty")
		}
	}
	if _, err := o.writerOptions(nil, nil); err != nil {
		return err
	}
	if o.Web.Config.File != "" {
		if err := web.Validate(o.Web.Config.File); err != nil {
			return fmt.Errorf("web.config.file: %s", oneLine(err.Error()))
		}
	}
	return o.Config.Validate()
}

var (
	spaces     = regexp.MustCompile(`\s+`)
	invalidKey = regexp.MustCompile(`'([^']*)' has invalid keys: (.*)`)
	badValue   = regexp.MustCompile(`^'([^']+)' (.*)$`)
)

func oneLine(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// decodeError turns mapstructure's multi-line report into one line that
// names the key, and gives the key.
func decodeError(err error) (key, msg string) {
	s := oneLine(err.Error())
	s = strings.TrimPrefix(s, "decoding failed due to the following error(s): ")
	if m := invalidKey.FindStringSubmatch(s); m != nil {
		if m[1] == reflect.TypeFor[options]().String() {
			m[1] = "" // the root: mapstructure names it by its Go type
		}
		key = m[2]
		if m[1] != "" {
			key = m[1] + "." + m[2]
		}
		if strings.Contains(key, ",") {
			return m[1], "config: unknown key " + key
		}
		return key, "config: unknown key " + key
	}
	if m := badValue.FindStringSubmatch(s); m != nil {
		if strings.Contains(m[2], "missing unit in duration") {
			m[2] = "a duration needs a unit, such as 5s or 250ms"
		}
		return m[1], m[1] + ": " + m[2]
	}
	return "", "config: " + s
}

// validate refuses demo options that would leave nothing to serve.
func (d demoOptions) validate() error {
	if d.Runs < 1 {
		return fmt.Errorf("demo.runs: must be at least 1, got %d", d.Runs)
	}
	if d.Interval < minDemoInterval {
		return fmt.Errorf("demo.interval: must be at least %s, got %s", minDemoInterval, d.Interval)
	}
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return fmt.Errorf("demo.dir: %v", err)
	}
	probe, err := os.CreateTemp(d.Dir, ".write-check-")
	if err != nil {
		return fmt.Errorf("demo.dir: cannot write there: %v", err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}
