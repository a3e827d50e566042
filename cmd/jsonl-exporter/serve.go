// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/spf13/pflag"

	"github.com/jsonl-exporter/jsonl-exporter/internal/demo"
	"github.com/jsonl-exporter/jsonl-exporter/internal/engine"
	"github.com/jsonl-exporter/jsonl-exporter/internal/remotewrite"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// runServe is the serve command, and with demo set the demo command: it
// writes simulated runs to a folder and serves them.
func runServe(args []string, stdout, stderr io.Writer, isDemo bool) error {
	name, cmd := "serve", cmdServe
	if isDemo {
		name, cmd = "demo", cmdDemo
	}
	fs := newFlagSet(programName+" "+name, cmd)
	if err := parseFlags(fs, args, stdout, "Usage: "+programName+" "+name+" [flags]"); err != nil {
		return err
	}
	if v, _ := fs.GetBool("version"); v {
		fmt.Fprintln(stdout, version.Print(programName))
		return nil
	}
	if fs.NArg() > 0 {
		return extraArguments(fs)
	}
	l := &loader{fs: fs, cmd: cmd, getenv: os.Getenv}
	var demoDir string
	if isDemo {
		l.adjust = func(o *options) {
			if o.Demo.Dir == "" {
				o.Demo.Dir = demoDir
			}
			if len(o.Input) == 0 && len(o.Inputs) == 0 {
				o.Input = []string{filepath.Join(o.Demo.Dir, "**", "*.jsonl")}
			}
			if o.Discovery.Interval == engine.DefaultConfig().Discovery.Interval {
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
	check, err := l.configCheck()
	if err != nil {
		return err
	}
	if check {
		fmt.Fprintln(stdout, "configuration OK")
		return nil
	}
	logger := newLogger(opts.Log, stderr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var demoFailed <-chan error
	if isDemo {
		demoDone := make(chan error, 1)
		go func() {
			demoDone <- demo.Simulate(ctx, demo.Options{Dir: opts.Demo.Dir, Runs: opts.Demo.Runs, Interval: opts.Demo.Interval})
		}()
		defer func() {
			cancel()
			select {
			case <-demoDone:
			case <-time.After(opts.RemoteWrite.ShutdownTimeout):
			}
		}()
		demoFailed = demoDone
		logger.Info("demo: writing simulated training runs", "dir", opts.Demo.Dir)
	}
	return serve(ctx, l, opts, logger, demoFailed)
}

// parseFlags parses args, printing the usage and the flags wrapped to a
// terminal's width on --help.
func parseFlags(fs *pflag.FlagSet, args []string, stdout io.Writer, usage string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		fmt.Fprintf(stdout, "%s\n\nFlags:\n%s", usage, fs.FlagUsagesWrapped(helpWidth))
		return err
	}
	if err != nil {
		return flagError(fs, err)
	}
	return nil
}

// helpWidth is the width --help wraps its flag descriptions to.
const helpWidth = 100

func newLogger(o logOptions, w io.Writer) *slog.Logger {
	cfg := &promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat(), Writer: w}
	_ = cfg.Level.Set(o.Level) // validated with the config
	_ = cfg.Format.Set(o.Format)
	return promslog.New(cfg)
}

// serve runs the exporter until SIGINT or SIGTERM, reloading on SIGHUP.
// A value from failed (the demo's writer stopping) ends it with that error.
func serve(ctx context.Context, l *loader, opts options, logger *slog.Logger, failed <-chan error) error {
	selfReg := prometheus.NewRegistry()
	svc := engine.NewService(selfReg, logger)
	selfReg.MustRegister(
		versioncollector.NewCollector("jsonl_exporter"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	writer, err := startWriter(opts, selfReg, logger)
	if err != nil {
		return err
	}
	rw := &remoteWriteInForce{writer: writer, RemoteWrite: opts.RemoteWrite, State: opts.State}
	// One deadline for the whole stop, from the signal on: closing the web
	// server, reading the logs to their end, sending what they held.
	stopBy := &stopDeadline{timeout: func() time.Duration { return rw.RemoteWrite.ShutdownTimeout }}
	if writer != nil {
		svc.Deliver(writer)
		defer flushWriter(writer, stopBy, logger) // after the engine stopped
	}
	if err := svc.Start(opts.Config); err != nil {
		return usageError{err.Error()}
	}
	defer svc.Stop() // unless Finish stopped it
	if writer != nil {
		// What a trainer wrote last, after the exporter's last look (a
		// sidecar's trainer exits just before the exporter's SIGTERM), is
		// read and sent too. Readers wait for room in the queues meanwhile:
		// the deadline stops them.
		defer func() {
			ctx, cancel := stopBy.context()
			defer cancel()
			svc.Finish(ctx)
		}()
	}

	var self prometheus.Gatherer = selfReg
	if opts.Web.DisableExporterMetrics {
		self = nil
	}
	mux := http.NewServeMux()
	metrics := svc.Handler(self, logger)
	if opts.Web.DisableRunMetrics {
		metrics = store.Handler(func() *store.Store { return nil }, self, logger)
	}
	mux.Handle(opts.Web.TelemetryPath, promhttp.InstrumentMetricHandler(selfReg, metrics))
	profiling := "false"
	if opts.Web.EnablePprof {
		profiling = "true"
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	}
	if opts.Web.TelemetryPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        programName,
			Description: "Prometheus exporter for ML training metrics in JSON Lines logs",
			Version:     version.Info(),
			Links:       []web.LandingLinks{{Address: opts.Web.TelemetryPath, Text: "Metrics"}},
			Profiling:   profiling,
		})
		if err != nil {
			return err
		}
		mux.Handle("/", landing)
	}

	reloads := make(chan chan error)
	lifecycle(mux, svc, opts.Web.EnableLifecycle, reloads)

	// net/http's own messages (TLS handshake errors) in the configured format.
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	webFlags := &web.FlagConfig{
		WebListenAddresses: &opts.Web.ListenAddresses,
		WebSystemdSocket:   &opts.Web.SystemdSocket,
		WebConfigFile:      &opts.Web.Config.File,
	}
	// exporter-toolkit reads the web configuration file at every request
	// and logs a broken one each time: once per minute is enough.
	webLogger := slog.New(newRepeatFilter(logger.Handler(), time.Minute))
	served := make(chan error, 1)
	if opts.Web.SystemdSocket {
		logger.Info("listening on systemd activated sockets", "telemetry_path", opts.Web.TelemetryPath, "version", version.Info())
		go func() { served <- web.ListenAndServe(server, webFlags, webLogger) }()
	} else {
		// Listening here, not in exporter-toolkit, makes an address in use
		// a usage error at start and logs the address a :0 port got.
		var listeners []net.Listener
		for _, addr := range opts.Web.ListenAddresses {
			l, err := net.Listen("tcp", addr)
			if err != nil {
				for _, open := range listeners {
					open.Close()
				}
				return usagef("web.listen-address: %v", err)
			}
			listeners = append(listeners, l)
			logger.Info("listening", "address", l.Addr().String(), "telemetry_path", opts.Web.TelemetryPath,
				"inputs", len(opts.Config.AllInputs()), "version", version.Info())
		}
		go func() { served <- web.ServeMultiple(listeners, server, webFlags, webLogger) }()
	}

	hup, term, stopSignals := signals()
	defer stopSignals()
	for {
		select {
		case err := <-served:
			return fmt.Errorf("web server: %w", err)
		case err := <-failed:
			logger.Error("demo: writing simulated runs stopped", "err", err)
			_ = shutdown(server, stopBy)
			return fmt.Errorf("demo: %w", err)
		case <-ctx.Done():
			return shutdown(server, stopBy)
		case sig := <-term:
			logger.Info("shutting down", "signal", sig.String())
			return shutdown(server, stopBy)
		case <-hup:
			if sig, _ := reloadUntil(ctx, term, func(ctx context.Context) error { return reload(ctx, l, svc, opts, rw, logger) }); sig != nil {
				logger.Info("shutting down", "signal", sig.String())
				return shutdown(server, stopBy)
			}
		case done := <-reloads:
			sig, err := reloadUntil(ctx, term, func(ctx context.Context) error { return reload(ctx, l, svc, opts, rw, logger) })
			done <- err
			if sig != nil {
				logger.Info("shutting down", "signal", sig.String())
				return shutdown(server, stopBy)
			}
		}
	}
}

// reloadUntil runs a reload whose context a SIGINT or SIGTERM ends, and
// returns that signal (nil: none came) with the reload's error: a reload waits up to 30 s for its new engine to
// read the logs (longer than a pod's grace period when the receiver is
// down), and the stop must not wait for it.
func reloadUntil(ctx context.Context, term <-chan os.Signal, reload func(context.Context) error) (os.Signal, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan os.Signal, 1)
	reloaded := make(chan struct{})
	go func() {
		defer close(got)
		select {
		case sig := <-term:
			got <- sig
			cancel()
		case <-reloaded:
		}
	}()
	err := reload(ctx)
	close(reloaded)
	return <-got, err
}

// lifecycle serves /-/healthy, /-/ready and, when enabled, POST
// /-/reload, whose reload goes through reloads as a SIGHUP's does.
func lifecycle(mux *http.ServeMux, svc *engine.Service, enabled bool, reloads chan<- chan error) {
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, programName+" is Healthy.")
	})
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) {
		if !svc.Ready() {
			http.Error(w, programName+" is not ready: reading the logs found at start.", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, programName+" is Ready.")
	})
	mux.HandleFunc("/-/reload", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !enabled:
			http.Error(w, "Lifecycle API is not enabled (--web.enable-lifecycle).", http.StatusForbidden)
			return
		case r.Method != http.MethodPost && r.Method != http.MethodPut:
			w.Header().Set("Allow", "POST, PUT")
			http.Error(w, "POST or PUT to reload.", http.StatusMethodNotAllowed)
			return
		}
		done := make(chan error, 1)
		select {
		case reloads <- done:
		case <-r.Context().Done():
			return
		}
		if err := <-done; err != nil {
			http.Error(w, "reload failed: "+err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "configuration reloaded")
	})
}

// remoteWriteInForce is the writer and the remote-write settings it runs
// with, which a reload may change in part.
type remoteWriteInForce struct {
	writer      *remotewrite.Writer
	RemoteWrite remoteWriteOptions
	State       stateOptions
}

// reload loads the configuration again and swaps the engine; a broken
// configuration keeps the running one. New client settings of the same
// receivers (credentials, TLS, headers) take effect at once, for the
// records still waiting too; other remote-write changes need a restart.
func reload(ctx context.Context, l *loader, svc *engine.Service, running options, rw *remoteWriteInForce, logger *slog.Logger) error {
	next, err := l.load()
	if err != nil {
		svc.ReloadFailed()
		logger.Error("reload failed; keeping the running configuration", "err", err)
		return err
	}
	if !reflect.DeepEqual(next.Web, running.Web) || next.Log != running.Log {
		logger.Warn("web and log settings change only on restart")
	}
	// The shutdown timeout is read at the stop: a reload sets it as it is.
	sameTimeout := next.RemoteWrite
	sameTimeout.ShutdownTimeout = rw.RemoteWrite.ShutdownTimeout
	var wopts *remotewrite.Options
	if !reflect.DeepEqual(sameTimeout, rw.RemoteWrite) || next.State != rw.State {
		wopts, _ = next.writerOptions(nil, logger) // checked by load
		if rw.writer == nil || wopts == nil {
			logger.Warn("remote write is switched on or off only on restart")
			wopts = nil
		}
	}
	if err := svc.Reload(ctx, next.Config); err != nil {
		logger.Error("reload failed; keeping the running configuration", "err", err)
		return err
	}
	if wopts != nil {
		if err := rw.writer.Reconfigure(*wopts); err != nil {
			logger.Warn("remote write: keeping the running settings", "err", err)
		} else {
			rw.RemoteWrite, rw.State = next.RemoteWrite, next.State
			logger.Info("remote write: the receivers' client settings were reloaded")
		}
	}
	rw.RemoteWrite.ShutdownTimeout = next.RemoteWrite.ShutdownTimeout
	logger.Info("configuration reloaded")
	return nil
}

// startWriter starts the remote-write writer when receivers are
// configured.
func startWriter(opts options, reg prometheus.Registerer, logger *slog.Logger) (*remotewrite.Writer, error) {
	wopts, err := opts.writerOptions(reg, logger)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	if wopts == nil {
		return nil, nil
	}
	w, err := remotewrite.New(*wopts)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	w.Start()
	for _, ep := range wopts.Endpoints {
		logger.Info("remote write: sending every record's samples", "remote", ep.URL)
	}
	return w, nil
}

// flushWriter sends what is queued until the stop's deadline, and writes
// the state file.
func flushWriter(w *remotewrite.Writer, stopBy *stopDeadline, logger *slog.Logger) {
	ctx, cancel := stopBy.context()
	defer cancel()
	if err := w.Close(ctx); err != nil {
		logger.Error("remote write: cannot write the state file", "err", err)
	}
}

// stopDeadline is the end of the time the exporter gives itself to stop
// (remote-write.shutdown-timeout), set when the stop begins.
type stopDeadline struct {
	timeout func() time.Duration
	at      time.Time
}

// context returns a context that ends at the deadline, which is set now
// when the stop has not begun yet.
func (d *stopDeadline) context() (context.Context, context.CancelFunc) {
	if d.at.IsZero() {
		d.at = time.Now().Add(d.timeout())
	}
	return context.WithDeadline(context.Background(), d.at)
}

func shutdown(server *http.Server, stopBy *stopDeadline) error {
	ctx, cancel := stopBy.context()
	defer cancel()
	if err := server.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
