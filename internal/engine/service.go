// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// readyTimeout bounds how long a reload waits for the new engine to read
// the existing logs before it takes over anyway.
const readyTimeout = 30 * time.Second

// Service runs one engine at a time and swaps it atomically on reload:
// the new engine reads the logs, and only then replaces the old one, so a
// scrape never sees a half-read state.
type Service struct {
	self   *SelfMetrics
	logger *slog.Logger

	delivery Delivery

	mu      sync.Mutex
	current *Engine
	stop    context.CancelFunc
	done    chan struct{}

	reloadSuccess     prometheus.Gauge
	reloadSuccessTime prometheus.Gauge
	reloads           *prometheus.CounterVec
}

// NewService registers the self-monitoring series on reg (which may be
// nil) and returns a service with no engine yet.
func NewService(reg prometheus.Registerer, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		self:   NewSelfMetrics(reg),
		logger: logger,
		reloadSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jsonl_exporter_config_last_reload_successful", Help: "Whether the last configuration load succeeded (1) or failed (0).",
		}),
		reloadSuccessTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jsonl_exporter_config_last_reload_success_timestamp_seconds", Help: "Time of the last successful configuration load.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jsonl_exporter_config_reloads_total", Help: "Configuration loads after start-up (SIGHUP), by outcome.",
		}, []string{"outcome"}),
	}
	s.reloads.WithLabelValues("success")
	s.reloads.WithLabelValues("failure")
	if reg != nil {
		reg.MustRegister(s.reloadSuccess, s.reloadSuccessTime, s.reloads, newFileGauges(s),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "jsonl_exporter_runs", Help: "Runs currently exported.",
			}, func() float64 { return s.engineStat(func(e *Engine) int { return len(e.store.RunNames()) }) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "jsonl_exporter_series", Help: "Series created from metric keys, all runs; capped by max-series.",
			}, func() float64 { return s.engineStat(func(e *Engine) int { return int(e.store.SeriesCount()) }) }),
		)
	}
	return s
}

// Deliver hands every record of the engines started from now on to d,
// besides keeping them for /metrics.
func (s *Service) Deliver(d Delivery) { s.delivery = d }

// newEngine builds an engine that delivers its records where the
// service says.
func (s *Service) newEngine(cfg Config) (*Engine, error) {
	e, err := New(cfg, s.self, s.logger)
	if err == nil && s.delivery != nil {
		e.delivery = s.delivery
		e.store.Subscribe(s.delivery.Append)
	}
	return e, err
}

// Start builds and runs the first engine. A bad config is returned and
// nothing runs.
func (s *Service) Start(cfg Config) error {
	e, err := s.newEngine(cfg)
	if err != nil {
		s.reloadSuccess.Set(0)
		return err
	}
	s.swap(e, s.start(e))
	s.reloadSuccess.Set(1)
	s.reloadSuccessTime.SetToCurrentTime()
	return nil
}

// Reload replaces the engine with one built from cfg once it has read
// the existing logs. On error the old engine keeps running.
func (s *Service) Reload(ctx context.Context, cfg Config) error {
	e, err := s.newEngine(cfg)
	if err != nil {
		s.reloadSuccess.Set(0)
		s.reloads.WithLabelValues("failure").Inc()
		return err
	}
	running := s.start(e)
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := e.WaitReady(ctx); err != nil {
		s.logger.Warn("new configuration still reading logs; switching anyway", "err", err)
	}
	s.swap(e, running)
	s.reloadSuccess.Set(1)
	s.reloadSuccessTime.SetToCurrentTime()
	s.reloads.WithLabelValues("success").Inc()
	return nil
}

// ReloadFailed counts a reload whose config could not even be loaded.
func (s *Service) ReloadFailed() {
	s.reloadSuccess.Set(0)
	s.reloads.WithLabelValues("failure").Inc()
}

type running struct {
	stop context.CancelFunc
	done chan struct{}
}

// start runs e in the background.
func (s *Service) start(e *Engine) running {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.Follow(ctx)
	}()
	return running{cancel, done}
}

// swap makes e current and stops the previous engine.
func (s *Service) swap(e *Engine, r running) {
	s.mu.Lock()
	oldStop, oldDone := s.stop, s.done
	s.current, s.stop, s.done = e, r.stop, r.done
	s.mu.Unlock()
	if oldStop != nil {
		oldStop()
		<-oldDone
	}
}

func (s *Service) engineStat(f func(*Engine) int) float64 {
	if e := s.Engine(); e != nil {
		return float64(f(e))
	}
	return 0
}

// fileGauges serves jsonl_exporter_files_watched and _files_set_aside
// from one walk of the engine's files per scrape (Engine.fileCounts),
// under its lock once rather than twice.
type fileGauges struct {
	s                 *Service
	watched, setAside *prometheus.Desc
}

func newFileGauges(s *Service) *fileGauges {
	return &fileGauges{
		s: s,
		watched: prometheus.NewDesc("jsonl_exporter_files_watched",
			"Files currently followed or read.", nil, nil),
		setAside: prometheus.NewDesc("jsonl_exporter_files_set_aside",
			"Files matched by an input whose first records carry no metric (datasets, predictions): no run until a metric record follows.", nil, nil),
	}
}

func (g *fileGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- g.watched
	ch <- g.setAside
}

func (g *fileGauges) Collect(ch chan<- prometheus.Metric) {
	watched, setAside := 0, 0
	if e := g.s.Engine(); e != nil {
		watched, setAside = e.fileCounts()
	}
	ch <- prometheus.MustNewConstMetric(g.watched, prometheus.GaugeValue, float64(watched))
	ch <- prometheus.MustNewConstMetric(g.setAside, prometheus.GaugeValue, float64(setAside))
}

// Engine returns the current engine.
func (s *Service) Engine() *Engine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// Stop stops the current engine and waits for its files to be closed.
func (s *Service) Stop() {
	s.mu.Lock()
	stop, done := s.stop, s.done
	s.stop, s.done = nil, nil
	s.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// Finish stops the current engine once it has read every file to its
// end (Engine.Finish), delivering what it reads, or at once when ctx is
// done first: a shutdown with remote write sends the last records too.
func (s *Service) Finish(ctx context.Context) {
	s.mu.Lock()
	e, stop, done := s.current, s.stop, s.done
	s.stop, s.done = nil, nil
	s.mu.Unlock()
	if stop == nil {
		return
	}
	e.Finish()
	select {
	case <-done:
	case <-ctx.Done():
	}
	stop()
	<-done
}

// Ready reports whether the current engine has read the files it found
// at start to the size they had then (/-/ready).
func (s *Service) Ready() bool {
	e := s.Engine()
	return e != nil && e.Ready()
}
