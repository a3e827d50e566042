package main

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/jsonl-exporter/jsonl-exporter/exporter"
	"github.com/jsonl-exporter/jsonl-exporter/exporter/profile"
)

// envPrefix prefixes the environment variable of every key:
// web.listen-address is JSONL_EXPORTER_WEB_LISTEN_ADDRESS.
const envPrefix = "JSONL_EXPORTER"

// options is everything the serve and demo commands are configured with.
type options struct {
	exporter.Config `mapstructure:",squash"`
	Web             webOptions  `mapstructure:"web"`
	Log             logOptions  `mapstructure:"log"`
	Demo            demoOptions `mapstructure:"demo"`
}

type webOptions struct {
	ListenAddress          string `mapstructure:"listen-address"`
	TelemetryPath          string `mapstructure:"telemetry-path"`
	DisableExporterMetrics bool   `mapstructure:"disable-exporter-metrics"`
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
var cliOnly = map[string]bool{"config.file": true, "config.check": true}

// newFlagSet declares every flag with its default. demo adds the demo
// flags.
func newFlagSet(name string, demo bool) *pflag.FlagSet {
	d := exporter.DefaultConfig()
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringArray("input", nil, "Glob of JSONL files to follow (repeatable; ** matches any folders; .jsonl.gz files are read once).")
	fs.String("web.listen-address", ":9478", "Address to listen on for the web interface and telemetry.")
	fs.String("web.telemetry-path", "/metrics", "Path under which to expose metrics.")
	fs.String("web.config.file", "", "Path to a web configuration file for TLS and basic auth (exporter-toolkit format).")
	fs.Bool("web.disable-exporter-metrics", false, "Exclude the exporter's own metrics (jsonl_exporter_*, go_*, process_*) from /metrics.")
	fs.String("config.file", "", "YAML configuration file; every flag is also a key there (env JSONL_EXPORTER_CONFIG_FILE).")
	fs.Bool("config.check", false, "Check the configuration, print \"configuration OK\" and exit.")
	fs.String("namespace", d.Namespace, "Prefix of the series made from logs.")
	fs.Int("max-series", d.MaxSeries, "Most series created from metric keys, over all runs; more are refused and counted.")
	fs.Duration("discovery.interval", d.Discovery.Interval, "How often the input globs are evaluated again to find new files.")
	fs.Bool("tail.poll", d.Tail.Poll, "Poll files for changes instead of using inotify (safer in containers and on network file systems).")
	fs.Duration("tail.poll-interval", d.Tail.PollInterval, "Polling period, and the period of the file identity check that backs up inotify.")
	fs.Int("tail.max-line-size", d.Tail.MaxLineSize, "Longest line in bytes; longer lines are skipped and counted.")
	fs.Duration("run.expiry", d.Run.Expiry, "Remove a run after this long without a new record (0 keeps runs).")
	fs.Duration("run.deleted-grace", d.Run.DeletedGrace, "Keep the run of a deleted file this long before removing its series.")
	fs.StringSlice("parser.step-keys", d.Parser.StepKeys, "Keys holding the step; the first present wins.")
	fs.StringSlice("parser.epoch-keys", d.Parser.EpochKeys, "Keys holding the epoch.")
	fs.StringSlice("parser.time-keys", d.Parser.TimeKeys, "Keys holding the record time (used when the value is a plausible Unix time).")
	fs.StringSlice("parser.type-keys", d.Parser.TypeKeys, "Keys holding the record type (e.g. mode for mmdetection).")
	fs.StringSlice("parser.prefix-keys", d.Parser.PrefixKeys, "Keys holding a prefix for the record's metric names.")
	fs.StringSlice("parser.container-keys", d.Parser.ContainerKeys, "Keys whose object value holds metrics.")
	fs.Int("parser.max-keys", d.Parser.MaxKeys, "Most keys in one record; larger records are skipped and counted.")
	fs.Int("parser.max-array-len", d.Parser.MaxArrayLen, "Longest numeric array exported element-wise (<name>_0, <name>_1, ...); longer ones are counted; 0 exports no arrays.")
	fs.String("parser.profile", d.Parser.Profile, "Producer of the logs (docs/formats.md): auto detects it per file; or "+strings.Join(profile.Names()[1:], ", ")+".")
	fs.String("best.minimize", d.Best.Minimize, "Regular expression of metric names (as logged) whose lowest value so far is exported as <series>_best and <series>_best_step.")
	fs.String("best.maximize", d.Best.Maximize, "Regular expression of metric names whose highest value so far is exported likewise (minimize wins when both match).")
	fs.String("watch.metrics", d.Watch.Metrics, "Regular expression of metric names (as logged) that get a smoothed <series>_ema and spike detection.")
	fs.Float64("watch.ema-weight", d.Watch.EMAWeight, "Smoothing weight of <series>_ema, as TensorBoard's smoothing slider (0 = raw).")
	fs.Float64("spike.weight", d.Spike.Weight, "Weight of the moving mean and variance the spike detector compares each record with.")
	fs.Float64("spike.sigma", d.Spike.Sigma, "A spike is a value more than this many standard deviations above the moving mean...")
	fs.Float64("spike.min-jump", d.Spike.MinJump, "... and more than this fraction of the mean above it (0.5 = 50 % higher).")
	fs.Int("spike.warmup", d.Spike.Warmup, "Records of a metric read before a spike can count.")
	fs.String("log.level", "info", "Only log messages with the given severity or above: debug, info, warn, error.")
	fs.String("log.format", "logfmt", "Output format of log messages: logfmt or json.")
	if demo {
		fs.String("demo.dir", "", "Folder the simulated runs are written to (default: a new temporary folder, removed on exit).")
		fs.Int("demo.runs", 3, "Number of runs trained at the same time.")
		fs.Duration("demo.interval", 200*time.Millisecond, "Wall time between two training steps.")
	}
	return fs
}

// loader reads the configuration again on each call: flags (parsed
// once) > environment > config file > defaults.
type loader struct {
	fs     *pflag.FlagSet
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
	if file := l.configFile(); file != "" {
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return o, usagef("config.file: %s", oneLine(err.Error()))
		}
	}
	if err := v.UnmarshalExact(&o); err != nil {
		return o, usagef("%s", decodeError(err))
	}
	if l.adjust != nil {
		l.adjust(&o)
	}
	if err := o.validate(); err != nil {
		return o, usageError{err.Error()}
	}
	return o, nil
}

// validate checks what the exporter library does not know about.
func (o *options) validate() error {
	if err := promslog.NewLevel().Set(o.Log.Level); err != nil {
		return fmt.Errorf("log.level: %v", err)
	}
	if err := promslog.NewFormat().Set(o.Log.Format); err != nil {
		return fmt.Errorf("log.format: %v", err)
	}
	if !strings.HasPrefix(o.Web.TelemetryPath, "/") {
		return fmt.Errorf("web.telemetry-path: must start with /, got %q", o.Web.TelemetryPath)
	}
	if o.Web.ListenAddress == "" {
		return fmt.Errorf("web.listen-address: must not be empty")
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
)

func oneLine(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// decodeError turns mapstructure's multi-line report into one line that
// names the key.
func decodeError(err error) string {
	s := oneLine(err.Error())
	s = strings.TrimPrefix(s, "decoding failed due to the following error(s): ")
	if m := invalidKey.FindStringSubmatch(s); m != nil {
		if m[1] == "" {
			return "config: unknown key " + m[2]
		}
		return "config: unknown key " + m[1] + "." + m[2]
	}
	return "config: " + s
}
