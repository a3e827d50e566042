// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jsonl-exporter/jsonl-exporter/internal/profile"
	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// TestMetricsDocListsEverySeries: every fixed series of the exporter and
// every jsonl_exporter_* series appears in docs/metrics.md.
func TestMetricsDocListsEverySeries(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range store.FixedSeries() {
		names = append(names, "ml_"+f)
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

// formatsSection is one sample of a profile's section of docs/formats.md:
// its lines and the series it says they give. A section may hold several
// samples (the csv profile's producers), each with its "Series:" line.
type formatsSection struct {
	profile, title, lang, sample string
	series                       map[string]string // name -> value as written
}

var (
	fence      = regexp.MustCompile("(?s)```(jsonl|json|csv|tsv)\n(.*?)```")
	seriesItem = regexp.MustCompile("`(ml_[A-Za-z0-9_]+)` ([^,.]+(?:\\.[0-9][^,]*)?)")
)

func formatsSections(t *testing.T) []formatsSection {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "formats.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []formatsSection
	for _, part := range strings.Split(string(doc), "\n## ")[1:] {
		name, body, _ := strings.Cut(part, "\n")
		if _, ok := profile.Lookup(name); !ok {
			continue
		}
		fences := fence.FindAllStringSubmatchIndex(body, -1)
		if len(fences) == 0 {
			t.Errorf("docs/formats.md, %s: no sample lines", name)
		}
		for k, m := range fences {
			rest := body[m[1]:]
			if k+1 < len(fences) {
				rest = body[m[1]:fences[k+1][0]]
			}
			_, list, ok := strings.Cut(rest, "\nSeries: ")
			if !ok {
				t.Errorf("docs/formats.md, %s: sample %d has no Series: line", name, k+1)
				continue
			}
			list, _, _ = strings.Cut(list, "\n")
			title := strconv.Itoa(k + 1)
			if i := strings.LastIndex(body[:m[0]], "\n### "); i >= 0 {
				title, _, _ = strings.Cut(body[i+5:], "\n")
			}
			s := formatsSection{profile: name, title: title, lang: body[m[2]:m[3]], sample: body[m[4]:m[5]], series: map[string]string{}}
			for _, item := range seriesItem.FindAllStringSubmatch(list, -1) {
				s.series[item[1]] = strings.TrimSuffix(strings.TrimSpace(item[2]), ".")
			}
			out = append(out, s)
		}
	}
	return out
}

// sampleNames are the file names the samples of each language are
// written to.
var sampleNames = map[string]string{"jsonl": "metrics.jsonl", "json": "trainer_state.json", "csv": "results.csv", "tsv": "loss.tsv"}

// TestFormatsDoc reads the sample lines of every profile in
// docs/formats.md with that profile and checks the series the section
// lists, with their values.
func TestFormatsDoc(t *testing.T) {
	sections := formatsSections(t)
	seen := map[string]bool{}
	for _, s := range sections {
		seen[s.profile] = true
		t.Run(s.profile+"/"+s.title, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), sampleNames[s.lang])
			if err := os.WriteFile(path, []byte(s.sample), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := DefaultConfig()
			cfg.Parser.Profile = s.profile
			fr, err := Inspect(path, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(fr.Problems) > 0 {
				t.Errorf("problems: %q", fr.Problems)
			}
			got := map[string]string{}
			for _, l := range fr.Series {
				if strings.Contains(l.Sample, "metric=") {
					continue
				}
				got[l.Sample[:strings.IndexByte(l.Sample, '{')]] = l.Sample[strings.LastIndexByte(l.Sample, ' ')+1:]
			}
			if len(s.series) < 5 {
				t.Errorf("only %d series listed", len(s.series))
			}
			for name, want := range s.series {
				v, ok := got[name]
				if !ok {
					t.Errorf("%s is listed but not served; served: %v", name, got)
					continue
				}
				w, err1 := strconv.ParseFloat(want, 64)
				g, err2 := strconv.ParseFloat(v, 64)
				if err1 != nil || err2 != nil || w != g {
					t.Errorf("%s = %s, the doc says %s", name, v, want)
				}
			}
		})
	}
	for _, p := range profile.All() {
		if !seen[p.Name] {
			t.Errorf("docs/formats.md has no section for profile %s", p.Name)
		}
	}
}
