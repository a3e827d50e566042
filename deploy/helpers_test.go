// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// The tests run in deploy/; the repository is its parent.
const (
	composeFile = "docker-compose.yml"
	repoRoot    = ".."
)

// abs returns the absolute, cleaned form of a path relative to deploy/.
func abs(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// loadProject loads docker-compose.yml the way `docker compose` does, with
// exactly the given variables (none from the environment of the test or a
// .env file) and profiles.
func loadProject(t *testing.T, env map[string]string, profiles ...string) *types.Project {
	t.Helper()
	var vars []string
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{composeFile},
		cli.WithWorkingDirectory(abs(t, ".")),
		cli.WithEnv(vars),
		cli.WithProfiles(profiles),
		cli.WithResolvedPaths(true),
		cli.WithInterpolation(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("%s with env %v and profiles %v: %v", composeFile, vars, profiles, err)
	}
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %s: %v", name, err)
	}
	return s
}

func serviceNames(s types.Services) []string {
	var names []string
	for name := range s {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// hostPath maps a path inside a service's container to the host path it
// comes from through one of the service's bind mounts (the deepest one
// that contains it), or "" when no bind mount does.
func hostPath(s types.ServiceConfig, containerPath string) string {
	best, bestTarget := "", ""
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		rel, err := filepath.Rel(v.Target, containerPath)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			continue
		}
		if len(v.Target) > len(bestTarget) {
			best, bestTarget = filepath.Join(v.Source, rel), v.Target
		}
	}
	return best
}

// pinnedRef says whether an image reference names a fixed version: a digest,
// or a tag other than latest where the tag or the image name carries a
// version number (golang:1.26.8-alpine, distroless/static-debian13:nonroot).
var versionNumber = regexp.MustCompile(`[0-9]`)

func pinnedRef(ref string) bool {
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	slash := strings.LastIndex(ref, "/")
	name, tag, ok := strings.Cut(ref[slash+1:], ":")
	if !ok || tag == "" || tag == "latest" {
		return false
	}
	return versionNumber.MatchString(tag) || versionNumber.MatchString(name)
}

// readYAML decodes a YAML file into out.
func readYAML(t *testing.T, path string, out any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
