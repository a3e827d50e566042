// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package engine

import (
	pathpkg "path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/jsonl-exporter/jsonl-exporter/internal/store"
)

// genericStems are file names that say nothing about the run.
var genericStems = map[string]bool{
	"metrics": true, "metric": true, "log": true, "logs": true, "events": true,
	"train": true, "training": true, "history": true, "progress": true,
	"scalars": true, "stats": true, "output": true, "trainer_state": true,
	"wandb-history": true,
	// Fixed names that tools write into each run's folder: LLaMA-Factory,
	// ms-swift, Ludwig.
	"trainer_log": true, "logging": true, "training_statistics": true,
	// CSV logs: Ultralytics' results.csv, timm's summary.csv, Flair's
	// loss.tsv (Lightning's metrics.csv and Keras' history.csv above).
	"results": true, "summary": true, "loss": true,
	"result": true, // Ray Tune's <experiment>/<trial>/result.json
}

// genericDirs are folders skipped on the way up to the run folder: they
// hold the logs of a run rather than name one.
var genericDirs = map[string]bool{
	"logs": true, "log": true, "checkpoint": true, "checkpoints": true,
	"output": true, "outputs": true, "metrics": true,
	"vis_data": true, // mmengine's <config>/<timestamp>/vis_data/scalars.json
	"files":    true, // W&B's <run folder>/files/
	"result":   true, // Chainer's default output folder, <experiment>/result/log
	// Lightning's <save_dir>/lightning_logs/version_0/, Ultralytics'
	// runs/detect/train/.
	"lightning_logs": true, "runs": true,
	"wandb": true, // W&B's folder of runs, or of one run's files
}

var (
	// checkpointDir is a Hugging Face checkpoint folder, checkpoint-500.
	checkpointDir = regexp.MustCompile(`^checkpoint[-_]\d+$`)
	// timestampName is the launch time OpenMMLab names files and folders
	// by, 20240101_120000.
	timestampName = regexp.MustCompile(`^\d{8}_\d{6}$`)
	// weakDir is a folder name that only tells runs of one experiment
	// apart (a seed, a version, a launch time, Ultralytics' train,
	// train2, ...): it keeps its parent.
	weakDir = regexp.MustCompile(`^(\d+|seed[-_]?\d+|version[-_]?\d+|\d{8}_\d{6}|train\d*)$`)
)

func isGenericDir(name string) bool {
	name = strings.ToLower(name)
	return genericDirs[name] || checkpointDir.MatchString(name)
}

func isGenericStem(stem string) bool {
	return genericStems[strings.ToLower(stem)] || timestampName.MatchString(stem)
}

// logSuffixes are stripped from a file name to find its stem, in order.
var logSuffixes = []string{".gz", ".jsonl", ".ndjson", ".json", ".log", ".txt", ".csv", ".tsv"}

func stemOf(base string) string {
	for _, s := range logSuffixes {
		if t, ok := strings.CutSuffix(base, s); ok && t != "" {
			base = t
		}
	}
	return base
}

// runFromPath derives the run label from a file path: a generic file name
// takes the name of the nearest non-generic folder, any other file its
// stem. A folder that only tells runs of one experiment apart (a seed
// "1", a launch time) is qualified by its parent: "dreamer/1".
func runFromPath(path string) string {
	path = filepath.Clean(path)
	stem := stemOf(filepath.Base(path))
	if !isGenericStem(stem) {
		return store.LabelValue(stem)
	}
	name := ""
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		base := filepath.Base(dir)
		if base == "/" || base == "." || base == "" || dir == filepath.Dir(dir) {
			break
		}
		if isGenericDir(base) {
			continue
		}
		if name != "" {
			return store.LabelValue(base + "/" + name)
		}
		name = base
		if !weakDir.MatchString(base) {
			break
		}
	}
	if name == "" {
		return store.LabelValue(stem)
	}
	return store.LabelValue(name)
}

// runFromGlob derives the run label from the part of path that the
// wildcards of glob matched, without generic folders and file names:
// /data/**/logs/metrics.jsonl gives /data/team/bert/logs/metrics.jsonl the
// label team/bert. It returns "" when the wildcards matched nothing that
// names a run, or glob has none.
func runFromGlob(glob, path string) string {
	base, pattern := doublestar.SplitPattern(filepath.ToSlash(filepath.Clean(glob)))
	if !hasMeta(pattern) {
		return ""
	}
	rel := filepath.ToSlash(filepath.Clean(path))
	switch base {
	case "/":
		rel = strings.TrimPrefix(rel, "/")
	case ".":
	default:
		var ok bool
		if rel, ok = strings.CutPrefix(rel, base+"/"); !ok {
			return ""
		}
	}
	pats, segs := strings.Split(pattern, "/"), strings.Split(rel, "/")
	withFile := true // segs still ends with the file name
	// Literal segments at the end of the pattern name no run.
	for len(pats) > 0 && len(segs) > 0 && !hasMeta(pats[len(pats)-1]) && pats[len(pats)-1] == segs[len(segs)-1] {
		pats, segs, withFile = pats[:len(pats)-1], segs[:len(segs)-1], false
	}
	var parts []string
	for i, seg := range segs {
		switch {
		case withFile && i == len(segs)-1:
			if stem := stemOf(seg); !isGenericStem(stem) {
				parts = append(parts, stem)
			}
		case !isGenericDir(seg):
			parts = append(parts, seg)
		}
	}
	// A lone number or seed keeps the folder above it, as in runFromPath:
	// my_runs/*/metrics.json gives Sacred's my_runs/3/metrics.json the
	// label my_runs/3, not 3.
	if len(parts) == 1 && weakDir.MatchString(parts[0]) && base != "/" && base != "." {
		if above := pathpkg.Base(base); !isGenericDir(above) {
			parts = []string{above, parts[0]}
		}
	}
	return store.LabelValue(strings.Join(parts, "/"))
}

func hasMeta(pattern string) bool { return strings.ContainsAny(pattern, "*?[{") }

// runNamer derives run labels for one input.
type runNamer struct {
	glob  string
	re    *regexp.Regexp
	group int
}

func newRunNamer(glob, expr string) *runNamer {
	n := &runNamer{glob: glob}
	if expr != "" {
		n.re = regexp.MustCompile(expr) // validated with the config
		n.group = n.re.SubexpIndex("run")
	}
	return n
}

// name uses the input's regular expression when it matches with a
// non-empty run group (reporting true), else what the glob's wildcards
// matched, else the path rules.
func (n *runNamer) name(path string) (string, bool) {
	if n.re != nil {
		if m := n.re.FindStringSubmatch(path); m != nil && m[n.group] != "" {
			return store.LabelValue(m[n.group]), true
		}
	}
	if name := runFromGlob(n.glob, path); name != "" {
		return name, false
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // the folders above a relative path name runs too
	}
	return runFromPath(path), false
}
