// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// appendRecords appends train loss records to a run's log in one write.
func appendRecords(t *testing.T, path string, firstStep int, losses ...float64) {
	t.Helper()
	var b strings.Builder
	for i, loss := range losses {
		fmt.Fprintf(&b, `{"step":%d,"epoch":0,"train/loss":%g}`+"\n", firstStep+i, loss)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
}

// healthy is a noisy but healthy loss around 2.
func healthy(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 2 + 0.05*float64(i%5-2)
	}
	return v
}

// TestSpikeBetweenScrapesFiresAlert: a one-record loss spike written and
// overwritten between two scrapes never shows in the scraped gauge, yet
// the exporter counts it and the TrainingLossSpike rule of the stack fires
// for that run, and for no other.
func TestSpikeBetweenScrapesFiresAlert(t *testing.T) {
	promBin := promtest.Binary(t, "prometheus")
	tmp := t.TempDir()
	exporterBin := promtest.BuildExporter(t, "..", tmp)
	spiky := filepath.Join(tmp, "runs", "spiky", "logs", "metrics.jsonl")
	calm := filepath.Join(tmp, "runs", "calm", "logs", "metrics.jsonl")
	appendRecords(t, spiky, 0, healthy(40)...)
	appendRecords(t, calm, 0, healthy(40)...)

	exporterAddr := promtest.FreeAddr(t)
	promtest.Start(t, exporterBin, "--input", filepath.Join(tmp, "runs", "**", "*.jsonl"),
		"--web.listen-address", exporterAddr, "--discovery.interval", "200ms")
	if err := promtest.Eventually(20*time.Second, func() error {
		body, err := promtest.HTTPGet("http://" + exporterAddr + "/metrics")
		if err == nil && !strings.Contains(string(body), `ml_spikes_total{metric="ml_train_loss",run="spiky"} 0`) {
			err = fmt.Errorf("runs not on /metrics yet")
		}
		return err
	}); err != nil {
		t.Fatalf("exporter: %v", err)
	}

	promAddr := promtest.FreeAddr(t)
	cfg := promtest.LocalConfig(t, filepath.Join("prometheus", "prometheus.yml"), exporterAddr, promAddr)
	api := promtest.StartPrometheus(t, promBin, cfg, promAddr)
	if err := promtest.Eventually(30*time.Second, func() error {
		n, err := api.InstantValue(`count_over_time(ml_spikes_total{run="spiky"}[1m])`)
		if err == nil && n < 3 {
			err = fmt.Errorf("%v scrapes", n)
		}
		return err
	}); err != nil {
		t.Fatalf("prometheus has not scraped the runs: %v", err)
	}

	// One write: the spike is followed at once by healthy records, so every
	// scrape sees a healthy gauge.
	appendRecords(t, spiky, 40, append(append(healthy(5), 12), healthy(10)...)...)
	appendRecords(t, calm, 40, healthy(16)...)

	var alerts []promtest.Alert
	if err := promtest.Eventually(30*time.Second, func() error {
		var err error
		alerts, err = api.Alerts()
		if err != nil {
			return err
		}
		for _, a := range alerts {
			if a.Labels["alertname"] == "TrainingLossSpike" && a.Labels["run"] == "spiky" && a.State == "firing" {
				return nil
			}
		}
		return fmt.Errorf("TrainingLossSpike for run spiky not firing; alerts: %+v", alerts)
	}); err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		if a.Labels["run"] != "spiky" || a.Labels["alertname"] != "TrainingLossSpike" {
			t.Errorf("unexpected alert %+v", a)
		}
		if a.Labels["metric"] != "ml_train_loss" || a.Labels["severity"] != "warning" {
			t.Errorf("alert labels %v", a.Labels)
		}
	}
	peak, err := api.InstantValue(`max_over_time(ml_train_loss{run="spiky"}[5m])`)
	if err != nil {
		t.Fatal(err)
	}
	if peak > 3 {
		t.Errorf("the spike (12) was scraped (max %v): the test no longer proves that scraping misses it", peak)
	}
}
