package exporter

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestInspectGolden inspects the log of every producer in
// testdata/profiles and compares the reports with testdata/inspect/.
func TestInspectGolden(t *testing.T) {
	dir := copyTestdata(t, "testdata/profiles")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no test logs: %v", err)
	}
	for _, path := range files {
		rel, _ := filepath.Rel(dir, path)
		name := strings.NewReplacer("/", "_", ".", "_").Replace(rel) + ".golden"
		t.Run(rel, func(t *testing.T) {
			fr, err := Inspect(path, DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			WriteReport(&b, fr)
			got := strings.ReplaceAll(b.String(), dir, "testdata/profiles")
			golden := filepath.Join("testdata", "inspect", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("report differs from %s (go test ./exporter -run TestInspectGolden -update):\n%s", golden, got)
			}
		})
	}
}

// TestInspectListsWhatMetricsServes: for every producer's log, the series
// inspect lists are the samples an exporter following the file serves.
func TestInspectListsWhatMetricsServes(t *testing.T) {
	dir := copyTestdata(t, "testdata/profiles")
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		t.Run(rel, func(t *testing.T) {
			fr, err := Inspect(path, DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var listed []string
			for _, s := range fr.Series {
				listed = append(listed, s.Sample)
			}
			cfg := DefaultConfig()
			cfg.Input = []string{path}
			e, _ := startEngine(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := e.WaitReady(ctx); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := e.Store().WriteText(bufio.NewWriter(&buf)); err != nil {
				t.Fatal(err)
			}
			var served []string
			for _, l := range strings.Split(buf.String(), "\n") {
				if l != "" && !strings.HasPrefix(l, "#") {
					served = append(served, l)
				}
			}
			if !slices.Equal(listed, served) {
				t.Errorf("inspect lists:\n%s\n/metrics serves:\n%s", strings.Join(listed, "\n"), strings.Join(served, "\n"))
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
