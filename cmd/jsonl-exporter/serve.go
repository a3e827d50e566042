package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/spf13/pflag"

	"github.com/jsonl-exporter/jsonl-exporter/exporter"
	"github.com/jsonl-exporter/jsonl-exporter/exporter/demo"
)

// shutdownTimeout bounds a graceful stop.
const shutdownTimeout = 4 * time.Second

// runServe is the serve command, and with demo set the demo command: it
// writes simulated runs to a folder and serves them.
func runServe(args []string, stdout, stderr io.Writer, isDemo bool) error {
	name := "serve"
	if isDemo {
		name = "demo"
	}
	fs := newFlagSet(programName+" "+name, isDemo)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage of %s %s:\n%s", programName, name, fs.FlagUsages())
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	l := &loader{fs: fs, getenv: os.Getenv}
	var demoDir string
	if isDemo {
		l.adjust = func(o *options) {
			if o.Demo.Dir == "" {
				o.Demo.Dir = demoDir
			}
			if len(o.Input) == 0 && len(o.Inputs) == 0 {
				o.Input = []string{filepath.Join(o.Demo.Dir, "**", "*.jsonl")}
			}
			if o.Discovery.Interval == exporter.DefaultConfig().Discovery.Interval {
				// Runs start and finish all the time in the demo.
				o.Discovery.Interval = time.Second
			}
		}
		dir, err := os.MkdirTemp("", "jsonl-exporter-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		demoDir = dir
	}
	opts, err := l.load()
	if err != nil {
		return err
	}
	if fs.Lookup("config.check").Value.String() == "true" {
		fmt.Fprintln(stdout, "configuration OK")
		return nil
	}
	logger := newLogger(opts.Log, stderr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if isDemo {
		demoDone := make(chan error, 1)
		go func() {
			demoDone <- demo.Run(ctx, demo.Options{Dir: opts.Demo.Dir, Runs: opts.Demo.Runs, Interval: opts.Demo.Interval})
		}()
		defer func() { cancel(); <-demoDone }()
		logger.Info("demo: writing simulated training runs", "dir", opts.Demo.Dir)
	}
	return serve(ctx, l, opts, logger, stdout)
}

func newLogger(o logOptions, w io.Writer) *slog.Logger {
	cfg := &promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat(), Writer: w}
	_ = cfg.Level.Set(o.Level) // validated with the config
	_ = cfg.Format.Set(o.Format)
	return promslog.New(cfg)
}

// serve runs the exporter until SIGINT or SIGTERM, reloading on SIGHUP.
func serve(ctx context.Context, l *loader, opts options, logger *slog.Logger, stdout io.Writer) error {
	selfReg := prometheus.NewRegistry()
	svc := exporter.NewService(selfReg, logger)
	selfReg.MustRegister(
		versioncollector.NewCollector("jsonl_exporter"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if err := svc.Start(opts.Config); err != nil {
		return usageError{err.Error()}
	}
	defer svc.Stop()

	var self prometheus.Gatherer = selfReg
	if opts.Web.DisableExporterMetrics {
		self = nil
	}
	mux := http.NewServeMux()
	mux.Handle(opts.Web.TelemetryPath, promhttp.InstrumentMetricHandler(selfReg, svc.Handler(self, logger)))
	if opts.Web.TelemetryPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        programName,
			Description: "Prometheus exporter for ML training metrics in JSON Lines logs",
			Version:     version.Info(),
			Links:       []web.LandingLinks{{Address: opts.Web.TelemetryPath, Text: "Metrics"}},
		})
		if err != nil {
			return err
		}
		mux.Handle("/", landing)
	}

	listener, err := net.Listen("tcp", opts.Web.ListenAddress)
	if err != nil {
		return usagef("web.listen-address: %v", err)
	}
	logger.Info("listening", "address", listener.Addr().String(), "telemetry_path", opts.Web.TelemetryPath,
		"inputs", len(opts.AllInputs()), "version", version.Info())
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	webFlags := &web.FlagConfig{
		WebListenAddresses: &[]string{opts.Web.ListenAddress},
		WebSystemdSocket:   new(bool),
		WebConfigFile:      &opts.Web.Config.File,
	}
	served := make(chan error, 1)
	go func() { served <- web.Serve(listener, server, webFlags, logger) }()

	hup, term, stopSignals := signals()
	defer stopSignals()
	for {
		select {
		case err := <-served:
			return fmt.Errorf("web server: %w", err)
		case <-ctx.Done():
			return shutdown(server)
		case sig := <-term:
			logger.Info("shutting down", "signal", sig.String())
			return shutdown(server)
		case <-hup:
			reload(ctx, l, svc, opts, logger)
		}
	}
}

// reload loads the configuration again and swaps the engine; a broken
// configuration keeps the running one.
func reload(ctx context.Context, l *loader, svc *exporter.Service, running options, logger *slog.Logger) {
	next, err := l.load()
	if err != nil {
		svc.ReloadFailed()
		logger.Error("reload failed; keeping the running configuration", "err", err)
		return
	}
	if next.Web != running.Web || next.Log != running.Log {
		logger.Warn("web and log settings change only on restart")
	}
	if err := svc.Reload(ctx, next.Config); err != nil {
		logger.Error("reload failed; keeping the running configuration", "err", err)
		return
	}
	logger.Info("configuration reloaded")
}

func shutdown(server *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
