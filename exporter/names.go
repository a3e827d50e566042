package exporter

import (
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"
)

// appendSanitized appends name in the Prometheus metric name charset:
// every byte outside [a-zA-Z0-9_] becomes '_'. Colons are replaced too:
// they are reserved for recording rules.
func appendSanitized(dst []byte, name []byte) []byte {
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			dst = append(dst, c)
		default:
			dst = append(dst, '_')
		}
	}
	return dst
}

// seriesName builds "<namespace>_<prefix><sanitized name>".
func seriesName(namespace, prefix string, name []byte) string {
	b := make([]byte, 0, len(namespace)+1+len(prefix)+len(name)+1)
	if namespace != "" {
		b = append(b, namespace...)
		b = append(b, '_')
	}
	b = append(b, prefix...)
	if len(b) == 0 && len(name) > 0 && name[0] >= '0' && name[0] <= '9' {
		b = append(b, '_')
	}
	b = appendSanitized(b, name)
	return string(b)
}

// labelValue makes any string safe as a label value.
func labelValue(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// genericStems are file names that say nothing about the run.
var genericStems = map[string]bool{
	"metrics": true, "metric": true, "log": true, "logs": true, "events": true,
	"train": true, "training": true, "history": true, "progress": true,
	"scalars": true, "stats": true, "output": true, "trainer_state": true,
}

// genericDirs are folders skipped on the way up to the run folder.
var genericDirs = map[string]bool{
	"logs": true, "log": true, "checkpoint": true, "checkpoints": true,
	"output": true, "outputs": true, "metrics": true,
}

// logSuffixes are stripped from a file name to find its stem, in order.
var logSuffixes = []string{".gz", ".jsonl", ".ndjson", ".json", ".log", ".txt"}

// runFromPath derives the run label from a file path: a generic file name
// takes the name of the nearest non-generic folder, any other file its stem.
func runFromPath(path string) string {
	path = filepath.Clean(path)
	stem := filepath.Base(path)
	for _, s := range logSuffixes {
		if t, ok := strings.CutSuffix(stem, s); ok && t != "" {
			stem = t
		}
	}
	if !genericStems[strings.ToLower(stem)] {
		return labelValue(stem)
	}
	dir := filepath.Dir(path)
	for {
		base := filepath.Base(dir)
		if base == "/" || base == "." || base == "" || dir == filepath.Dir(dir) {
			return labelValue(stem)
		}
		if !genericDirs[strings.ToLower(base)] {
			return labelValue(base)
		}
		dir = filepath.Dir(dir)
	}
}

// runNamer derives run labels for one input.
type runNamer struct {
	re    *regexp.Regexp
	group int
}

func newRunNamer(expr string) *runNamer {
	if expr == "" {
		return &runNamer{}
	}
	re := regexp.MustCompile(expr) // validated with the config
	return &runNamer{re: re, group: re.SubexpIndex("run")}
}

// name uses the input's regular expression when it matches with a
// non-empty run group (reporting true), else the path rules.
func (n *runNamer) name(path string) (string, bool) {
	if n.re != nil {
		if m := n.re.FindStringSubmatch(path); m != nil && m[n.group] != "" {
			return labelValue(m[n.group]), true
		}
	}
	return runFromPath(path), false
}
