package exporter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetricsDocListsEverySeries: every fixed series of the exporter and
// every jsonl_exporter_* series appears in docs/metrics.md.
func TestMetricsDocListsEverySeries(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fixedSeries {
		names = append(names, "ml_"+f.name)
	}
	reg := prometheus.NewRegistry()
	NewService(reg, nil)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	names = append(names, "jsonl_exporter_build_info")
	if len(names) < 20 {
		t.Fatalf("only %d names found", len(names))
	}
	for _, n := range names {
		if !strings.Contains(string(doc), "`"+n) {
			t.Errorf("docs/metrics.md does not list %s", n)
		}
	}
}
