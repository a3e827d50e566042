// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	k8syaml "sigs.k8s.io/yaml"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// stage is the instructions from one FROM to the next.
type stage struct {
	name, image string
	body        []instruction
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// readDockerfile splits the repository's Dockerfile into stages.
func readDockerfile(t *testing.T) []stage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var stages []stage
	var logical strings.Builder
	for line := range strings.SplitSeq(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && logical.Len() == 0) {
			continue
		}
		if body, more := strings.CutSuffix(trimmed, `\`); more {
			logical.WriteString(body + " ")
			continue
		}
		logical.WriteString(trimmed)
		cmd, args, _ := strings.Cut(strings.TrimSpace(logical.String()), " ")
		logical.Reset()
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			stages = append(stages, parseFrom(t, in.args))
			continue
		}
		if len(stages) == 0 {
			if in.cmd != "ARG" {
				t.Fatalf("%s before the first FROM", in.cmd)
			}
			continue
		}
		stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a runtime stage", len(stages))
	}
	return stages
}

// parseFrom reads "[--platform=...] image [AS name]".
func parseFrom(t *testing.T, args string) stage {
	t.Helper()
	var words []string
	for _, w := range strings.Fields(args) {
		if !strings.HasPrefix(w, "--") {
			words = append(words, w)
		}
	}
	switch {
	case len(words) == 1:
		return stage{image: words[0]}
	case len(words) == 3 && strings.EqualFold(words[1], "AS"):
		return stage{image: words[0], name: words[2]}
	}
	t.Fatalf("cannot read FROM %s", args)
	return stage{}
}

// TestDockerfileBaseImages: every base image is pinned, and the Go image is
// the Go release of go.mod.
func TestDockerfileBaseImages(t *testing.T) {
	stages := readDockerfile(t)
	var names []string
	for _, s := range stages {
		if slices.Contains(names, s.image) {
			continue // FROM an earlier stage
		}
		if !pinnedRef(s.image) {
			t.Errorf("FROM %s is not pinned to a version", s.image)
		}
		if name, ok := strings.CutPrefix(s.image, "golang:"); ok {
			tag, _, _ := strings.Cut(name, "-")
			if want := goRelease(t); tag != want {
				t.Errorf("FROM %s: want Go %s as in go.mod", s.image, want)
			}
		}
		names = append(names, s.name)
	}
	if !strings.HasPrefix(stages[0].image, "golang:") {
		t.Errorf("the build stage is FROM %s, want the official golang image", stages[0].image)
	}
}

// goRelease is the Go release go.mod asks for (toolchain line, else go line).
func goRelease(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^toolchain go(\S+)`).FindSubmatch(data); m != nil {
		return string(m[1])
	}
	if m := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(data); m != nil {
		return string(m[1])
	}
	t.Fatal("go.mod has no go line")
	return ""
}

// TestDockerfileBuild: a static, reproducible binary that knows its version.
func TestDockerfileBuild(t *testing.T) {
	build := readDockerfile(t)[0]
	var goBuild string
	for _, run := range build.all("RUN") {
		if strings.Contains(run.args, "go build") {
			goBuild = run.args
		}
	}
	if goBuild == "" {
		t.Fatal("the build stage runs no go build")
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/jsonl-exporter"} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("go build lacks %s: %s", want, goBuild)
		}
	}
	var args []string
	for _, a := range build.all("ARG") {
		name, _, _ := strings.Cut(a.args, "=")
		args = append(args, name)
	}
	for _, v := range []string{"Version", "Revision", "Branch", "BuildDate"} {
		m := regexp.MustCompile(`-X github\.com/prometheus/common/version\.` + v + `=\$\{?(\w+)\}?`).FindStringSubmatch(goBuild)
		if m == nil {
			t.Errorf("ldflags do not set version.%s", v)
			continue
		}
		if !slices.Contains(args, m[1]) {
			t.Errorf("version.%s comes from %s, which is not an ARG of the build stage", v, m[1])
		}
	}
}

// TestDockerfileRuntime: non-root, the exporter's port, the binary as the
// entry point, and no health check the image could not run.
func TestDockerfileRuntime(t *testing.T) {
	stages := readDockerfile(t)
	final := stages[len(stages)-1]
	users := final.all("USER")
	if len(users) == 0 {
		t.Error("the runtime stage sets no USER")
	} else {
		user := users[len(users)-1].args
		uid, _, _ := strings.Cut(user, ":")
		if n, err := strconv.Atoi(uid); err != nil || n == 0 {
			t.Errorf("USER %s, want a numeric non-root uid", user)
		}
	}
	var exposed []string
	for _, e := range final.all("EXPOSE") {
		exposed = append(exposed, strings.Fields(e.args)...)
	}
	if !slices.Contains(exposed, "9478") {
		t.Errorf("EXPOSE %v, want 9478", exposed)
	}
	for _, hc := range final.all("HEALTHCHECK") {
		if hc.args != "NONE" {
			t.Errorf("HEALTHCHECK %s: distroless has no shell or HTTP client to run it", hc.args)
		}
	}
	entry := final.all("ENTRYPOINT")
	if len(entry) != 1 {
		t.Fatalf("want one ENTRYPOINT, got %d", len(entry))
	}
	var argv []string
	if err := json.Unmarshal([]byte(entry[0].args), &argv); err != nil || len(argv) == 0 {
		t.Fatalf("ENTRYPOINT %s: want the exec form (a JSON array): %v", entry[0].args, err)
	}
	copied := false
	for _, c := range final.all("COPY") {
		f := strings.Fields(c.args)
		copied = copied || f[len(f)-1] == argv[0]
	}
	if !copied {
		t.Errorf("ENTRYPOINT %s is not a file the runtime stage copies in", argv[0])
	}
}

// TestDockerBuildContext: .dockerignore lets in what the build stage
// copies, and those files alone build the binary.
func TestDockerBuildContext(t *testing.T) {
	var sources []string
	for _, c := range readDockerfile(t)[0].all("COPY") {
		f := strings.Fields(c.args)
		for _, src := range f[:len(f)-1] {
			if !strings.HasPrefix(src, "--") {
				sources = append(sources, strings.TrimSuffix(src, "/"))
			}
		}
	}
	ignore, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for line := range strings.SplitSeq(string(ignore), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, strings.TrimSuffix(line, "/"))
		}
	}
	// The context is an allow list: everything out, then the sources back in,
	// then test files out again (the copy below leaves out the same files).
	want := []string{"*"}
	for _, src := range sources {
		want = append(want, "!"+src)
	}
	want = append(want, "**/*_test.go", "**/testdata")
	if !slices.Equal(patterns, want) {
		t.Errorf(".dockerignore patterns = %q, want %q", patterns, want)
	}

	ctx := t.TempDir()
	for _, src := range sources {
		copyTree(t, filepath.Join(repoRoot, src), filepath.Join(ctx, src))
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "jsonl-exporter"), "./cmd/jsonl-exporter")
	cmd.Dir = ctx
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in the build context %v: %v\n%s", sources, err, out)
	}
}

// copyTree copies a file or folder, leaving out tests and test data as
// .dockerignore does.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if strings.HasSuffix(d.Name(), "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// imageUID is the numeric user of the runtime stage's USER.
func imageUID(t *testing.T) int64 {
	t.Helper()
	stages := readDockerfile(t)
	users := stages[len(stages)-1].all("USER")
	if len(users) == 0 {
		t.Fatal("the runtime stage sets no USER")
	}
	uid, _, _ := strings.Cut(users[len(users)-1].args, ":")
	n, err := strconv.ParseInt(uid, 10, 64)
	if err != nil {
		t.Fatalf("USER %s is not numeric", users[len(users)-1].args)
	}
	return n
}

// imageEntrypoint is the program the runtime stage's ENTRYPOINT runs.
func imageEntrypoint(t *testing.T) string {
	t.Helper()
	stages := readDockerfile(t)
	entry := stages[len(stages)-1].all("ENTRYPOINT")
	var argv []string
	if len(entry) != 1 || json.Unmarshal([]byte(entry[0].args), &argv) != nil || len(argv) == 0 {
		t.Fatal("the runtime stage has no ENTRYPOINT in exec form")
	}
	return argv[0]
}

// TestDockerfileRunsAsTheChartExpects: the image runs as the chart's user
// and group, from the path the chart's command names, and keeps nothing
// it writes in the image: no VOLUME (the chart mounts the state folder
// it writes, and the root file system is read-only).
func TestDockerfileRunsAsTheChartExpects(t *testing.T) {
	stages := readDockerfile(t)
	final := stages[len(stages)-1]
	users := final.all("USER")
	if len(users) == 0 {
		t.Fatal("the runtime stage sets no USER")
	}
	var values struct {
		Pod       struct{ RunAsUser, RunAsGroup int64 } `json:"podSecurityContext"`
		Container struct {
			RunAsUser, RunAsGroup  int64
			ReadOnlyRootFilesystem bool
		} `json:"securityContext"`
	}
	data, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k8syaml.Unmarshal(data, &values); err != nil {
		t.Fatal(err)
	}
	for _, got := range []string{
		fmt.Sprintf("%d:%d", values.Pod.RunAsUser, values.Pod.RunAsGroup),
		fmt.Sprintf("%d:%d", values.Container.RunAsUser, values.Container.RunAsGroup),
	} {
		if want := users[len(users)-1].args; got != want {
			t.Errorf("the chart runs as %s, the image as USER %s", got, want)
		}
	}
	if !values.Container.ReadOnlyRootFilesystem {
		t.Error("the chart's default root file system is writable")
	}
	if v := final.all("VOLUME"); len(v) > 0 {
		t.Errorf("VOLUME %s: the image declares a folder to write; the chart mounts only the state folder", v[0].args)
	}
	if w := final.all("WORKDIR"); len(w) > 0 {
		t.Errorf("WORKDIR %s in the runtime stage: the exporter needs none", w[0].args)
	}
	deployment, err := os.ReadFile(filepath.Join(chartDir, "templates", "deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s+command:\n\s+- (\S+)$`).FindSubmatch(deployment)
	if m == nil {
		t.Fatal("the chart's Deployment names no command")
	}
	if got, want := string(m[1]), imageEntrypoint(t); got != want {
		t.Errorf("the chart runs %s, the image's ENTRYPOINT is %s", got, want)
	}
}
