// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package deploy_test checks the compose stack, its Prometheus and Grafana
// configuration and the Dockerfile statically: no container is started.
package deploy_test

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/compose-spec/compose-go/v2/types"
)

// variants are the ways the stack is started in docs/stack.md.
func variants(t *testing.T) []struct {
	name     string
	env      map[string]string
	profiles []string
	services []string
} {
	return []struct {
		name     string
		env      map[string]string
		profiles []string
		services []string
	}{
		{"defaults", nil, nil, []string{"alertmanager", "exporter", "grafana", "prometheus"}},
		{"own runs", map[string]string{"RUNS_DIR": t.TempDir()}, nil, []string{"alertmanager", "exporter", "grafana", "prometheus"}},
		{"demo profile", nil, []string{"demo"}, []string{"alertmanager", "demo", "exporter", "grafana", "prometheus"}},
		{"everything set", allSettings(t), []string{"demo"}, []string{"alertmanager", "demo", "exporter", "grafana", "prometheus"}},
		{"victoriametrics profile", allSettings(t), []string{"victoriametrics"}, []string{"alertmanager", "exporter", "grafana", "prometheus", "victoriametrics"}},
	}
}

// allSettings sets every variable docs/stack.md documents.
func allSettings(t *testing.T) map[string]string {
	return map[string]string{
		"RUNS_DIR":                  t.TempDir(),
		"GRAFANA_ADMIN_PASSWORD":    "not-in-the-file",
		"GRAFANA_PORT":              "3300",
		"PROMETHEUS_PORT":           "9300",
		"EXPORTER_PORT":             "9400",
		"PROMETHEUS_RETENTION":      "90d",
		"EXPORTER_USER":             "1000:1000",
		"ALERTMANAGER_PORT":         "9393",
		"REMOTE_WRITE_URL":          "http://victoriametrics:8428/api/v1/write",
		"VICTORIAMETRICS_PORT":      "8400",
		"VICTORIAMETRICS_RETENTION": "2y",
	}
}

// TestComposeInvariants checks what must hold for every service in every
// way of starting the stack.
func TestComposeInvariants(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			p := loadProject(t, v.env, v.profiles...)
			if got := serviceNames(p.Services); !slices.Equal(got, v.services) {
				t.Errorf("services = %v, want %v", got, v.services)
			}
			for _, name := range serviceNames(p.Services) {
				s := p.Services[name]
				t.Run(name, func(t *testing.T) {
					checkImage(t, s)
					checkRestart(t, s)
					checkMounts(t, p, s, v.env["RUNS_DIR"])
					checkPorts(t, s)
				})
			}
		})
	}
}

// checkImage: a pulled image has a fixed version; a built one is the
// exporter, built from the repository's Dockerfile (and never pulled).
func checkImage(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	if s.Build == nil {
		if !pinnedRef(s.Image) {
			t.Errorf("image %q is not pinned to a version", s.Image)
		}
		return
	}
	if s.Image != "" {
		t.Errorf("built service also names image %q: compose would try to pull it", s.Image)
	}
	if s.Build.Context != abs(t, repoRoot) {
		t.Errorf("build context = %s, want the repository root %s", s.Build.Context, abs(t, repoRoot))
	}
	if s.Build.Dockerfile != "Dockerfile" {
		t.Errorf("dockerfile = %q, want Dockerfile", s.Build.Dockerfile)
	}
}

func checkRestart(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	if s.Restart == "" || s.Restart == types.RestartPolicyNo {
		t.Errorf("restart = %q, want a restart policy", s.Restart)
	}
}

// checkMounts: bind mounts are read-only and come from the repository (or
// from RUNS_DIR), named volumes are declared.
func checkMounts(t *testing.T, p *types.Project, s types.ServiceConfig, runsDir string) {
	t.Helper()
	root := abs(t, repoRoot)
	for _, m := range s.Volumes {
		switch m.Type {
		case types.VolumeTypeBind:
			if !m.ReadOnly {
				t.Errorf("bind mount %s -> %s is writable", m.Source, m.Target)
			}
			if runsDir != "" && m.Target == "/runs" {
				if m.Source != runsDir {
					t.Errorf("/runs comes from %s, want RUNS_DIR %s", m.Source, runsDir)
				}
				continue
			}
			if rel, err := filepath.Rel(root, m.Source); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("bind mount source %s is outside the repository", m.Source)
			}
			if _, err := os.Stat(m.Source); err != nil {
				t.Errorf("bind mount source %s: %v", m.Source, err)
			}
			if m.Bind != nil && m.Bind.CreateHostPath {
				t.Errorf("bind mount %s would be created empty when missing; use the long syntax", m.Source)
			}
		case types.VolumeTypeVolume:
			if _, ok := p.Volumes[m.Source]; !ok {
				t.Errorf("volume %q is not declared under volumes:", m.Source)
			}
		default:
			t.Errorf("mount %s -> %s has type %q; want bind or volume", m.Source, m.Target, m.Type)
		}
	}
}

func checkPorts(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	for _, port := range s.Ports {
		if port.HostIP != "127.0.0.1" {
			t.Errorf("port %s:%d is published on %q, want 127.0.0.1", port.Published, port.Target, port.HostIP)
		}
	}
}

// TestComposeDefaults pins what a newcomer gets with no variable set.
func TestComposeDefaults(t *testing.T) {
	p := loadProject(t, nil)
	published := map[string]string{}
	for _, name := range serviceNames(p.Services) {
		for _, port := range p.Services[name].Ports {
			published[name] = port.Published + "->" + strconv.Itoa(int(port.Target))
		}
	}
	want := map[string]string{"exporter": "9478->9478", "prometheus": "9090->9090", "grafana": "3000->3000"}
	for name, w := range want {
		if published[name] != w {
			t.Errorf("%s publishes %q, want %q", name, published[name], w)
		}
	}
	runs := mountAt(t, service(t, p, "exporter"), "/runs")
	if runs.Source != abs(t, "runs") || !isDir(runs.Source) {
		t.Errorf("/runs comes from %s, want the folder deploy/runs", runs.Source)
	}
	if !slices.Contains(service(t, p, "prometheus").Command, "--storage.tsdb.retention.time=30d") {
		t.Errorf("prometheus command %v lacks the default retention", service(t, p, "prometheus").Command)
	}
	if _, ok := p.DisabledServices["demo"]; !ok {
		t.Error("demo runs without --profile demo")
	}
}

// TestComposeSettings: the variables of docs/stack.md change what they say.
func TestComposeSettings(t *testing.T) {
	env := allSettings(t)
	p := loadProject(t, env, "demo")
	for svc, variable := range map[string]string{"grafana": "GRAFANA_PORT", "prometheus": "PROMETHEUS_PORT", "exporter": "EXPORTER_PORT"} {
		ports := service(t, p, svc).Ports
		if len(ports) != 1 || ports[0].Published != env[variable] {
			t.Errorf("%s ports = %+v, want published %s from %s", svc, ports, env[variable], variable)
		}
	}
	if !slices.Contains(service(t, p, "prometheus").Command, "--storage.tsdb.retention.time=90d") {
		t.Errorf("PROMETHEUS_RETENTION not applied: %v", service(t, p, "prometheus").Command)
	}
	if got := service(t, p, "exporter").User; got != "1000:1000" {
		t.Errorf("exporter user = %q, want EXPORTER_USER", got)
	}
}

// TestComposeExporter: the exporter runs locked down, polls, and reads the
// file kinds of the README.
func TestComposeExporter(t *testing.T) {
	p := loadProject(t, nil, "demo")
	for _, name := range []string{"exporter", "demo"} {
		s := service(t, p, name)
		t.Run(name, func(t *testing.T) {
			uid, _, _ := strings.Cut(s.User, ":")
			if n, err := strconv.Atoi(uid); err != nil || n == 0 {
				t.Errorf("user = %q, want a numeric non-root uid", s.User)
			}
			if !s.ReadOnly {
				t.Error("root file system is writable")
			}
			if !slices.Contains(s.Tmpfs, "/tmp") {
				t.Errorf("tmpfs = %v, want /tmp (the demo writes a temporary folder)", s.Tmpfs)
			}
			if !slices.Contains(s.CapDrop, "ALL") {
				t.Errorf("cap_drop = %v, want ALL", s.CapDrop)
			}
			if s.HealthCheck != nil && !s.HealthCheck.Disable {
				t.Errorf("healthcheck %v cannot run: the image has no shell or HTTP client", s.HealthCheck.Test)
			}
		})
	}
	cmd := service(t, p, "exporter").Command
	for _, want := range []string{
		"--input=/runs/**/logs/*.jsonl", "--input=/runs/**/logs/*.jsonl.gz", "--input=/runs/**/*metrics*.jsonl",
		"--input=/runs/**/*metrics*.jsonl.gz", "--input=/runs/**/wandb-history.jsonl", "--input=/runs/**/trainer_log.jsonl",
		"--input=/runs/**/logging.jsonl", "--input=/runs/**/metrics.json",
		"--input=/runs/**/scalars.json", "--input=/runs/**/*.log.json", "--input=/runs/**/trainer_state.json",
		"--input=/runs/**/result/log", "--input=/runs/**/training_statistics.json",
		"--input=/demo/**/*.jsonl", "--tail.poll",
	} {
		if !slices.Contains(cmd, want) {
			t.Errorf("exporter command %v lacks %s", cmd, want)
		}
	}
}

// TestComposeInputsMatchLogsNotData: the exporter's inputs, applied to a
// folder of runs, match the logs of every layout docs/stack.md names and
// none of the datasets and predictions beside them.
func TestComposeInputsMatchLogsNotData(t *testing.T) {
	logs := []string{
		"bert-lr3e-4/checkpoint/logs/metrics.jsonl", "gpt2/logs/gpt2-small.jsonl", "old/logs/metrics.jsonl.gz",
		"dreamer/walker/1/metrics.jsonl", "exp/eval_metrics.jsonl",
		"wandb/run-20240101_120000-abc/files/wandb-history.jsonl",
		"saves/qwen/lora/sft/trainer_log.jsonl", "output/v0-20260124-040114/logging.jsonl",
		"output/r50/metrics.json", "work_dirs/mask/20240101_120000/vis_data/scalars.json",
		"work_dirs/frcnn/20240101_120000.log.json", "out/bert/checkpoint-500/trainer_state.json",
	}
	data := []string{
		"bert-lr3e-4/data/train.jsonl", "bert-lr3e-4/train.jsonl", "gpt2/predictions.jsonl",
		"saves/qwen/lora/sft/generated_predictions.jsonl", "data/alpaca.jsonl", "output/v0-20260124-040114/val_dataset.jsonl",
	}
	root := t.TempDir()
	for _, f := range append(append([]string(nil), logs...), data...) {
		path := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	matched := map[string]bool{}
	for _, arg := range service(t, loadProject(t, nil), "exporter").Command {
		glob, ok := strings.CutPrefix(arg, "--input=/runs/")
		if !ok {
			continue
		}
		found, err := doublestar.Glob(os.DirFS(root), glob)
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		for _, f := range found {
			matched[f] = true
		}
	}
	for _, f := range logs {
		if !matched[f] {
			t.Errorf("no input matches the log %s", f)
		}
	}
	for _, f := range data {
		if matched[f] {
			t.Errorf("an input matches %s, which is no log", f)
		}
	}
}

// TestComposeDemo: the demo writes into a volume the exporter follows, so
// Prometheus scrapes one target in both modes.
func TestComposeDemo(t *testing.T) {
	p := loadProject(t, nil, "demo")
	demo, exporter := service(t, p, "demo"), service(t, p, "exporter")
	if len(demo.Command) == 0 || demo.Command[0] != "demo" || !slices.Contains(demo.Command, "--demo.dir=/demo") {
		t.Errorf("demo command = %v, want demo --demo.dir=/demo", demo.Command)
	}
	written, read := mountAt(t, demo, "/demo"), mountAt(t, exporter, "/demo")
	if written.Type != types.VolumeTypeVolume || written.Source != read.Source {
		t.Errorf("demo writes %s %q, exporter reads %s %q: want the same named volume", written.Type, written.Source, read.Type, read.Source)
	}
	if written.ReadOnly || !read.ReadOnly {
		t.Errorf("demo volume read-only: writer %v, reader %v; want false, true", written.ReadOnly, read.ReadOnly)
	}
	vol := p.Volumes[written.Source]
	uid, _, _ := strings.Cut(demo.User, ":")
	if vol.DriverOpts["type"] != "tmpfs" || !strings.Contains(vol.DriverOpts["o"], "uid="+uid+",") {
		t.Errorf("volume %s opts = %v, want a tmpfs owned by the demo's uid %s", written.Source, vol.DriverOpts, uid)
	}
	if len(demo.Ports) != 0 {
		t.Errorf("demo publishes %v; the exporter serves its runs", demo.Ports)
	}
}

// TestComposeGrafanaAdminPassword: no password in the file; the one given
// in GRAFANA_ADMIN_PASSWORD reaches Grafana; without it, a random one.
func TestComposeGrafanaAdminPassword(t *testing.T) {
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	// Every assignment of an admin password takes its value from a variable.
	for _, m := range regexp.MustCompile(`ADMIN_PASSWORD(?:__FILE)?\s*[:=]\s*(\S*)`).FindAllSubmatch(raw, -1) {
		if v := strings.TrimPrefix(string(m[1]), `"`); !strings.HasPrefix(v, "$") {
			t.Errorf("%s: a password written in the file", m[0])
		}
	}
	for _, m := range regexp.MustCompile(`\$\{GRAFANA_ADMIN_PASSWORD([^}]*)\}`).FindAllSubmatch(raw, -1) {
		if mod := string(m[1]); mod != "" && mod != ":-" && mod != "-" && !strings.HasPrefix(mod, ":?") && !strings.HasPrefix(mod, "?") {
			t.Errorf("%s gives the admin password a default", m[0])
		}
	}

	for _, tc := range []struct{ name, password string }{{"unset", ""}, {"set", "from-the-environment"}} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			if tc.password != "" {
				env["GRAFANA_ADMIN_PASSWORD"] = tc.password
			}
			g := service(t, loadProject(t, env), "grafana")
			for k, v := range g.Environment {
				if strings.Contains(k, "PASSWORD") && k != "GRAFANA_ADMIN_PASSWORD" {
					t.Errorf("environment sets %s", k)
				}
				if k == "GRAFANA_ADMIN_PASSWORD" && (v == nil || *v != tc.password) {
					t.Errorf("GRAFANA_ADMIN_PASSWORD reaches the container as %q, want %q", deref(v), tc.password)
				}
			}
			if _, ok := g.Environment["GRAFANA_ADMIN_PASSWORD"]; !ok {
				t.Error("GRAFANA_ADMIN_PASSWORD is not passed to the container")
			}
			script := strings.Join(g.Entrypoint, " ")
			if tc.password != "" && strings.Contains(script, tc.password) {
				t.Error("the password was interpolated into the entrypoint (escape $ as $$)")
			}
			for _, want := range []string{
				`if [ -z "${GRAFANA_ADMIN_PASSWORD}" ]`, "/dev/urandom",
				`GF_SECURITY_ADMIN_PASSWORD="${GRAFANA_ADMIN_PASSWORD}"`, "export GF_SECURITY_ADMIN_PASSWORD",
				"exec /run.sh",
			} {
				if !strings.Contains(script, want) {
					t.Errorf("entrypoint lacks %q:\n%s", want, script)
				}
			}
		})
	}
}

// TestComposeGrafanaAnonymous: the dashboards open without a login, read-only.
func TestComposeGrafanaAnonymous(t *testing.T) {
	env := service(t, loadProject(t, nil), "grafana").Environment
	for k, want := range map[string]string{
		"GF_AUTH_ANONYMOUS_ENABLED":  "true",
		"GF_AUTH_ANONYMOUS_ORG_ROLE": "Viewer",
		"GF_USERS_ALLOW_SIGN_UP":     "false",
	} {
		if v := env[k]; v == nil || *v != want {
			t.Errorf("%s = %q, want %s", k, deref(v), want)
		}
	}
}

// TestComposeHealthChecks: the images with wget check their readiness
// endpoint, and Grafana waits for a ready Prometheus.
func TestComposeHealthChecks(t *testing.T) {
	p := loadProject(t, nil)
	for name, url := range map[string]string{
		"prometheus": "http://127.0.0.1:9090/-/ready",
		"grafana":    "http://127.0.0.1:3000/api/health",
	} {
		hc := service(t, p, name).HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] != "CMD" || hc.Test[1] != "wget" || hc.Test[len(hc.Test)-1] != url {
			t.Errorf("%s healthcheck = %+v, want CMD wget ... %s", name, hc, url)
		}
	}
	dep, ok := service(t, p, "grafana").DependsOn["prometheus"]
	if !ok || dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("grafana depends_on prometheus = %+v, want service_healthy", dep)
	}
}

// mountAt returns the service's mount at a container path.
func mountAt(t *testing.T, s types.ServiceConfig, target string) types.ServiceVolumeConfig {
	t.Helper()
	for _, m := range s.Volumes {
		if m.Target == target {
			return m
		}
	}
	t.Fatalf("%s mounts nothing at %s", s.Name, target)
	return types.ServiceVolumeConfig{}
}

// deref shows an unset variable as "<unset>".
func deref(v *string) string {
	if v == nil {
		return "<unset>"
	}
	return *v
}

// TestComposeVictoriaMetrics: with the victoriametrics profile and
// REMOTE_WRITE_URL, the exporter pushes to the VictoriaMetrics service,
// whose port, retention and Grafana data source match; without
// REMOTE_WRITE_URL the exporter only serves /metrics.
func TestComposeVictoriaMetrics(t *testing.T) {
	env := allSettings(t)
	p := loadProject(t, env, "victoriametrics")
	vm := service(t, p, "victoriametrics")
	if len(vm.Ports) != 1 || vm.Ports[0].Published != "8400" || vm.Ports[0].Target != 8428 {
		t.Errorf("victoriametrics ports = %+v, want 8400 from VICTORIAMETRICS_PORT to 8428", vm.Ports)
	}
	if !slices.Contains(vm.Command, "-retentionPeriod=2y") {
		t.Errorf("VICTORIAMETRICS_RETENTION not applied: %v", vm.Command)
	}
	rw := deref(service(t, p, "exporter").Environment["JSONL_EXPORTER_REMOTE_WRITE_URL"])
	u, err := url.Parse(rw)
	if err != nil || u.Hostname() != "victoriametrics" || u.Port() != "8428" || u.Path != "/api/v1/write" {
		t.Errorf("exporter pushes to %q, want VictoriaMetrics' /api/v1/write", rw)
	}
	if got := deref(service(t, loadProject(t, nil), "exporter").Environment["JSONL_EXPORTER_REMOTE_WRITE_URL"]); got != "" {
		t.Errorf("without REMOTE_WRITE_URL the exporter pushes to %q", got)
	}

	var ds struct {
		Datasources []struct {
			UID, URL  string
			IsDefault bool `yaml:"isDefault"`
		} `yaml:"datasources"`
	}
	readYAML(t, filepath.Join("grafana", "provisioning", "datasources", "victoriametrics.yml"), &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].IsDefault {
		t.Fatalf("want one data source, not the default: %+v", ds)
	}
	du, err := url.Parse(ds.Datasources[0].URL)
	if err != nil || du.Hostname() != "victoriametrics" || du.Port() != "8428" {
		t.Errorf("data source url %q, want the victoriametrics service on 8428", ds.Datasources[0].URL)
	}
}

// TestComposePushSwitch: REMOTE_WRITE_URL alone switches to push mode:
// the exporter pushes there and leaves the runs' series out of /metrics.
func TestComposePushSwitch(t *testing.T) {
	scrape := promScrapeTarget(t)
	for _, tc := range []struct {
		url, disable, labels string
	}{
		{"", "", ""},
		{"http://prometheus:9090/api/v1/write", "true", "job=jsonl-exporter,instance=" + scrape},
	} {
		env := map[string]string{}
		if tc.url != "" {
			env["REMOTE_WRITE_URL"] = tc.url
		}
		e := service(t, loadProject(t, env), "exporter").Environment
		if got := deref(e["JSONL_EXPORTER_REMOTE_WRITE_URL"]); got != tc.url {
			t.Errorf("REMOTE_WRITE_URL=%q: exporter pushes to %q", tc.url, got)
		}
		if got := deref(e["JSONL_EXPORTER_WEB_DISABLE_RUN_METRICS"]); got != tc.disable {
			t.Errorf("REMOTE_WRITE_URL=%q: JSONL_EXPORTER_WEB_DISABLE_RUN_METRICS=%q, want %q", tc.url, got, tc.disable)
		}
		// Pushed runs carry the job and instance of the scrape job, which
		// the dashboards select by.
		if got := deref(e["JSONL_EXPORTER_REMOTE_WRITE_EXTERNAL_LABEL"]); got != tc.labels {
			t.Errorf("REMOTE_WRITE_URL=%q: external labels %q, want %q", tc.url, got, tc.labels)
		}
	}
}

// promScrapeTarget is the target of the jsonl-exporter scrape job of the
// stack's Prometheus.
func promScrapeTarget(t *testing.T) string {
	t.Helper()
	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, filepath.Join("prometheus", "prometheus.yml"), &cfg)
	for _, sc := range cfg.ScrapeConfigs {
		if sc.JobName == "jsonl-exporter" && len(sc.StaticConfigs) == 1 && len(sc.StaticConfigs[0].Targets) == 1 {
			return sc.StaticConfigs[0].Targets[0]
		}
	}
	t.Fatal("no jsonl-exporter job with one target in prometheus.yml")
	return ""
}
