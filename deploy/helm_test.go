// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// chartValues is what the tests read of an option set's values (the
// chart's defaults filled in by hand where a test needs them).
type chartValues struct {
	Runs struct {
		MountPath string `json:"mountPath"`
	} `json:"runs"`
	RemoteWrite struct {
		Endpoints []struct {
			URL       string            `json:"url"`
			Headers   map[string]string `json:"headers"`
			BasicAuth *struct {
				SecretName  string `json:"secretName"`
				UsernameKey string `json:"usernameKey"`
				PasswordKey string `json:"passwordKey"`
			} `json:"basicAuth"`
			BearerToken *struct {
				SecretName string `json:"secretName"`
				Key        string `json:"key"`
			} `json:"bearerToken"`
			TLS *struct {
				SecretName string `json:"secretName"`
				CAKey      string `json:"caKey"`
			} `json:"tls"`
		} `json:"endpoints"`
	} `json:"remoteWrite"`
	WebConfig struct {
		TLS struct {
			Enabled    bool   `json:"enabled"`
			SecretName string `json:"secretName"`
			Config     struct {
				ClientAuthType string `json:"client_auth_type"`
			} `json:"config"`
		} `json:"tls"`
		BasicAuth struct {
			Enabled bool              `json:"enabled"`
			Users   map[string]string `json:"users"`
		} `json:"basicAuth"`
		ExistingSecret string `json:"existingSecret"`
	} `json:"webConfig"`
	Monitor struct {
		Enabled   bool            `json:"enabled"`
		Kind      string          `json:"kind"`
		TLSConfig json.RawMessage `json:"tlsConfig"`
	} `json:"monitor"`
	PrometheusRule struct {
		Enabled bool `json:"enabled"`
	} `json:"prometheusRule"`
	Dashboards struct {
		Enabled *bool `json:"enabled"`
	} `json:"dashboards"`
}

// readValues reads the chart's values.yaml, then the option set over it
// (lists and scalars replace, as in Helm).
func readValues(t *testing.T, valuesFile string) chartValues {
	t.Helper()
	var v chartValues
	for _, path := range []string{filepath.Join(chartDir, "values.yaml"), valuesFile} {
		if path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return v
}

// TestChart renders the chart with its defaults and with each option set of
// ci/, decodes every object strictly into its API type, and checks what
// the objects must do together.
func TestChart(t *testing.T) {
	promtest.Binary(t, "helm")
	exporter := promtest.BuildExporter(t, repoRoot, t.TempDir())
	for _, file := range optionSets(t) {
		t.Run(setName(file), func(t *testing.T) {
			r := render(t, file)
			v := readValues(t, file)
			t.Run("labels", func(t *testing.T) { checkLabels(t, r) })
			t.Run("security", func(t *testing.T) { checkSecurity(t, r) })
			t.Run("volumes", func(t *testing.T) { checkVolumes(t, r, v) })
			t.Run("probes", func(t *testing.T) { checkProbes(t, r, v) })
			t.Run("service", func(t *testing.T) { checkService(t, r) })
			t.Run("monitor", func(t *testing.T) { checkMonitor(t, r, v) })
			t.Run("rules", func(t *testing.T) { checkRules(t, r, v) })
			t.Run("dashboards", func(t *testing.T) { checkDashboards(t, r, v) })
			t.Run("remote-write", func(t *testing.T) { checkRemoteWrite(t, r, v) })
			t.Run("web-config", func(t *testing.T) { checkWebConfig(t, r, v) })
			t.Run("config-loads", func(t *testing.T) { checkConfigLoads(t, r, exporter) })
		})
	}
}

// checkLabels: every object carries the chart's labels, in the release's
// namespace unless it is one that values may place elsewhere.
func checkLabels(t *testing.T, r *rendered) {
	var metas []struct {
		kind string
		name string
		ns   string
		lbl  map[string]string
	}
	add := func(kind, name, ns string, lbl map[string]string) {
		metas = append(metas, struct {
			kind string
			name string
			ns   string
			lbl  map[string]string
		}{kind, name, ns, lbl})
	}
	for _, o := range r.deployments {
		add("Deployment", o.Name, o.Namespace, o.Labels)
	}
	for _, o := range r.services {
		add("Service", o.Name, o.Namespace, o.Labels)
	}
	for _, o := range r.configMaps {
		add("ConfigMap", o.Name, o.Namespace, o.Labels)
	}
	for _, o := range r.secrets {
		add("Secret", o.Name, o.Namespace, o.Labels)
	}
	for _, o := range r.serviceAccounts {
		add("ServiceAccount", o.Name, o.Namespace, o.Labels)
	}
	for _, o := range r.serviceMonitors {
		add("ServiceMonitor", o.Name, o.Namespace, o.Labels)
	}
	for _, o := range r.podMonitors {
		add("PodMonitor", o.Name, o.Namespace, o.Labels)
	}
	for _, o := range r.rules {
		add("PrometheusRule", o.Name, o.Namespace, o.Labels)
	}
	for _, m := range metas {
		for _, k := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "helm.sh/chart"} {
			if m.lbl[k] == "" {
				t.Errorf("%s %s has no label %s", m.kind, m.name, k)
			}
		}
		if m.lbl["app.kubernetes.io/instance"] != releaseName {
			t.Errorf("%s %s: instance label %q, want the release %q", m.kind, m.name, m.lbl["app.kubernetes.io/instance"], releaseName)
		}
		if m.ns == "" {
			t.Errorf("%s %s has no namespace", m.kind, m.name)
		}
		if len(m.name) > 63 {
			t.Errorf("%s %s: name longer than 63 characters", m.kind, m.name)
		}
	}
}

// checkSecurity: non-root as the image's user, read-only root, no
// privilege escalation, no capabilities, the runtime's seccomp profile,
// no service account token, one replica replaced by Recreate.
func checkSecurity(t *testing.T, r *rendered) {
	d, c := r.deployment(t)
	pod := d.Spec.Template.Spec
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas %v, want 1: one exporter per volume", d.Spec.Replicas)
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("strategy %q, want Recreate (single-writer state, no two exporters at once)", d.Spec.Strategy.Type)
	}
	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil || sc == nil {
		t.Fatal("no pod or container security context")
	}
	isTrue := func(b *bool) bool { return b != nil && *b }
	if !isTrue(sc.RunAsNonRoot) || !isTrue(psc.RunAsNonRoot) {
		t.Error("runAsNonRoot is not set on the pod and the container")
	}
	if sc.RunAsUser == nil || *sc.RunAsUser != imageUID(t) || psc.RunAsUser == nil || *psc.RunAsUser != imageUID(t) {
		t.Errorf("runAsUser pod %v container %v, want the image's USER %d", psc.RunAsUser, sc.RunAsUser, imageUID(t))
	}
	if psc.FSGroup != nil {
		t.Error("fsGroup is set: the kubelet would change the group of every file on the shared runs volume")
	}
	if !isTrue(sc.ReadOnlyRootFilesystem) {
		t.Error("readOnlyRootFilesystem is not true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		t.Errorf("capabilities %+v, want drop ALL and nothing added", sc.Capabilities)
	}
	for _, s := range []*corev1.SeccompProfile{psc.SeccompProfile, sc.SeccompProfile} {
		if s == nil || s.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("seccompProfile %+v, want RuntimeDefault", s)
		}
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the pod mounts a service account token; the exporter calls no API")
	}
	for _, sa := range r.serviceAccounts {
		if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			t.Errorf("ServiceAccount %s automounts its token", sa.Name)
		}
		if sa.Name != pod.ServiceAccountName {
			t.Errorf("ServiceAccount %s is not the pod's (%s)", sa.Name, pod.ServiceAccountName)
		}
	}
	if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() || c.Resources.Requests.Cpu().IsZero() {
		t.Errorf("resources %+v: want memory requests and limits and a CPU request", c.Resources)
	}
	if c.Resources.Limits.Memory().Cmp(*c.Resources.Requests.Memory()) < 0 {
		t.Error("memory limit below its request")
	}
	if !strings.HasPrefix(c.Image, "ghcr.io/jsonl-exporter/jsonl-exporter:") {
		t.Errorf("image %s", c.Image)
	}
	if len(c.Command) != 1 || c.Command[0] != imageEntrypoint(t) {
		t.Errorf("command %q, want the image's ENTRYPOINT %s", c.Command, imageEntrypoint(t))
	}
}

// checkVolumes: the runs volume is mounted read-only where the inputs
// point, the only writable mount is the state folder, and every file the
// configuration names is in a mount.
func checkVolumes(t *testing.T, r *rendered, v chartValues) {
	d, c := r.deployment(t)
	ms := mounts(t, d, c)
	cfg := r.exporterConfig(t)
	var runs *mount
	for i := range ms {
		if ms[i].Name == "runs" {
			runs = &ms[i]
		}
		if !ms[i].ReadOnly && ms[i].MountPath != "/var/lib/jsonl-exporter" {
			t.Errorf("%s is mounted writable at %s; the exporter writes its state folder only", ms[i].Name, ms[i].MountPath)
		}
	}
	if runs == nil {
		t.Fatal("no runs mount")
	}
	if runs.MountPath != v.Runs.MountPath {
		t.Errorf("runs mounted at %s, want runs.mountPath %s", runs.MountPath, v.Runs.MountPath)
	}
	src := runs.volume.VolumeSource
	switch {
	case src.PersistentVolumeClaim != nil && !src.PersistentVolumeClaim.ReadOnly,
		src.NFS != nil && !src.NFS.ReadOnly:
		t.Error("the runs volume is not read-only at its source")
	case src.HostPath != nil && (src.HostPath.Type == nil || *src.HostPath.Type != corev1.HostPathDirectory):
		t.Errorf("hostPath type %v, want Directory (never created by the kubelet)", src.HostPath.Type)
	}
	globs := inputGlobs(cfg)
	if len(globs) == 0 {
		t.Fatal("the configuration has no input")
	}
	for _, g := range globs {
		if m := mountOf(ms, literalPrefix(g)); m == nil || m.Name != "runs" {
			t.Errorf("input %s is not below the runs mount %s", g, runs.MountPath)
		}
	}
	files := map[string]string{}
	fileKeys(cfg, "", files)
	for key, path := range files {
		m := mountOf(ms, path)
		switch {
		case m == nil:
			t.Errorf("%s: %s is in no mount of the pod", key, path)
		case key == "state.file":
			if m.ReadOnly || (m.volume.EmptyDir == nil && m.volume.PersistentVolumeClaim == nil) {
				t.Errorf("state.file %s: in %s, want a writable emptyDir or claim", path, m.Name)
			}
		case m.volume.Secret == nil:
			t.Errorf("%s: %s is in volume %s, not a Secret", key, path, m.Name)
		}
	}
	if slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil }) {
		t.Error("a secret reaches the exporter through its environment; mount it as a file")
	}
}

// checkProbes: liveness on /-/healthy, readiness on /-/ready, on the
// container's port, over HTTPS when TLS is on; TCP under basic auth or
// client certificates, which a kubelet cannot pass.
func checkProbes(t *testing.T, r *rendered, v chartValues) {
	_, c := r.deployment(t)
	if len(c.Ports) != 1 {
		t.Fatalf("ports %+v, want one", c.Ports)
	}
	port := c.Ports[0]
	cfg := r.exporterConfig(t)
	if addr, _ := dig(cfg, "web", "listen-address").([]any); len(addr) != 1 || addr[0] != ":"+strconv.Itoa(int(port.ContainerPort)) {
		t.Errorf("web.listen-address %v, want :%d, the container port", addr, port.ContainerPort)
	}
	scheme := corev1.URISchemeHTTP
	if v.WebConfig.TLS.Enabled {
		scheme = corev1.URISchemeHTTPS
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", c.LivenessProbe, "/-/healthy"}, {"readiness", c.ReadinessProbe, "/-/ready"}} {
		if p.probe == nil {
			t.Errorf("no %s probe", p.name)
			continue
		}
		if v.WebConfig.BasicAuth.Enabled || strings.HasPrefix(v.WebConfig.TLS.Config.ClientAuthType, "Require") {
			if p.probe.TCPSocket == nil || p.probe.TCPSocket.Port.String() != port.Name || p.probe.HTTPGet != nil {
				t.Errorf("%s probe %+v: want a TCP check of port %s under basic auth", p.name, p.probe.ProbeHandler, port.Name)
			}
			continue
		}
		g := p.probe.HTTPGet
		if g == nil {
			t.Errorf("%s probe is not an HTTP GET", p.name)
			continue
		}
		if g.Path != p.path || g.Port.String() != port.Name || g.Scheme != scheme {
			t.Errorf("%s probe GET %s %s port %s, want %s %s port %s", p.name, g.Scheme, g.Path, g.Port.String(), scheme, p.path, port.Name)
		}
	}
}

// checkService: the Service sends its named port to the container's port
// and selects the pod.
func checkService(t *testing.T, r *rendered) {
	d, c := r.deployment(t)
	if len(r.services) != 1 {
		t.Fatalf("%d Services, want 1", len(r.services))
	}
	s := r.services[0]
	if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].TargetPort.String() != c.Ports[0].Name || s.Spec.Ports[0].Name != c.Ports[0].Name {
		t.Errorf("service ports %+v, want %s to the container port of that name", s.Spec.Ports, c.Ports[0].Name)
	}
	if !selects(s.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("service selector %v does not select the pod's labels %v", s.Spec.Selector, d.Spec.Template.Labels)
	}
	if !selects(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Error("the Deployment's selector does not select its pods")
	}
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// rulesJob is the job the alert rules select the exporter by.
func rulesJob(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("prometheus", "rules", "exporter.yml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`up\{job="([^"]+)"\}`).FindSubmatch(data)
	if m == nil {
		t.Fatal("exporter.yml selects no up{job=...}")
	}
	return string(m[1])
}

// checkMonitor: the ServiceMonitor scrapes the Service's port, or the
// PodMonitor the container's, at the telemetry path, as the job the rules
// select, over HTTPS with basic auth when they are on.
func checkMonitor(t *testing.T, r *rendered, v chartValues) {
	d, c := r.deployment(t)
	n := len(r.serviceMonitors) + len(r.podMonitors)
	if !v.Monitor.Enabled {
		if n != 0 {
			t.Errorf("%d monitors with monitor.enabled false", n)
		}
		return
	}
	if n != 1 {
		t.Fatalf("%d monitors, want 1", n)
	}
	type endpoint struct {
		port         string
		path, scheme string
		tls          *monitoringv1.SafeTLSConfig
		basicAuth    *monitoringv1.BasicAuth
		relabelings  []monitoringv1.RelabelConfig
	}
	var ep endpoint
	var wantPort string
	switch {
	case len(r.serviceMonitors) == 1:
		sm := r.serviceMonitors[0]
		if v.Monitor.Kind != "ServiceMonitor" {
			t.Errorf("a ServiceMonitor for monitor.kind %s", v.Monitor.Kind)
		}
		if len(sm.Spec.Endpoints) != 1 {
			t.Fatalf("endpoints %+v, want one", sm.Spec.Endpoints)
		}
		e := sm.Spec.Endpoints[0]
		ep = endpoint{port: e.Port, path: e.Path, tls: safeTLS(e.TLSConfig), basicAuth: e.BasicAuth, relabelings: e.RelabelConfigs}
		if e.Scheme != nil {
			ep.scheme = e.Scheme.String()
		}
		wantPort = r.services[0].Spec.Ports[0].Name
		if !selects(sm.Spec.Selector.MatchLabels, r.services[0].Labels) {
			t.Errorf("ServiceMonitor selector %v does not select the Service's labels", sm.Spec.Selector.MatchLabels)
		}
		if sm.Namespace != releaseNamespace && !slices.Equal(sm.Spec.NamespaceSelector.MatchNames, []string{releaseNamespace}) {
			t.Errorf("ServiceMonitor in %s does not select the release namespace", sm.Namespace)
		}
	default:
		pm := r.podMonitors[0]
		if v.Monitor.Kind != "PodMonitor" {
			t.Errorf("a PodMonitor for monitor.kind %s", v.Monitor.Kind)
		}
		if len(pm.Spec.PodMetricsEndpoints) != 1 {
			t.Fatalf("endpoints %+v, want one", pm.Spec.PodMetricsEndpoints)
		}
		e := pm.Spec.PodMetricsEndpoints[0]
		ep = endpoint{path: e.Path, tls: e.TLSConfig, basicAuth: e.BasicAuth, relabelings: e.RelabelConfigs}
		if e.Port != nil {
			ep.port = *e.Port
		}
		if e.Scheme != nil {
			ep.scheme = e.Scheme.String()
		}
		wantPort = c.Ports[0].Name
		if !selects(pm.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
			t.Errorf("PodMonitor selector %v does not select the pod", pm.Spec.Selector.MatchLabels)
		}
		if pm.Namespace != releaseNamespace && !slices.Equal(pm.Spec.NamespaceSelector.MatchNames, []string{releaseNamespace}) {
			t.Errorf("PodMonitor in %s does not select the release namespace", pm.Namespace)
		}
	}
	if ep.port != wantPort {
		t.Errorf("monitor port %q, want %q", ep.port, wantPort)
	}
	path, _ := dig(r.exporterConfig(t), "web", "telemetry-path").(string)
	if path == "" {
		path = "/metrics"
	}
	if ep.path != path {
		t.Errorf("monitor path %q, want the telemetry path %q", ep.path, path)
	}
	wantScheme := "http"
	if v.WebConfig.TLS.Enabled {
		wantScheme = "https"
		var given monitoringv1.SafeTLSConfig
		if len(v.Monitor.TLSConfig) > 2 {
			if err := strictJSON(v.Monitor.TLSConfig, &given); err != nil {
				t.Fatalf("monitor.tlsConfig: %v", err)
			}
		}
		switch {
		case ep.tls == nil:
			t.Error("TLS is on and the monitor has no tlsConfig")
		case len(v.Monitor.TLSConfig) > 2:
			if !reflect.DeepEqual(*ep.tls, given) {
				t.Errorf("tlsConfig %+v, want monitor.tlsConfig %+v", *ep.tls, given)
			}
		case v.WebConfig.TLS.SecretName != "" && v.WebConfig.ExistingSecret == "":
			if ep.tls.CA.Secret == nil || ep.tls.CA.Secret.Name != v.WebConfig.TLS.SecretName || ep.tls.ServerName == nil {
				t.Errorf("tlsConfig %+v: want the CA of %s and the Service's name", ep.tls, v.WebConfig.TLS.SecretName)
			}
		}
	} else if ep.tls != nil {
		t.Error("a tlsConfig while TLS is off")
	}
	if ep.scheme != wantScheme {
		t.Errorf("monitor scheme %q, want %s", ep.scheme, wantScheme)
	}
	if v.WebConfig.BasicAuth.Enabled != (ep.basicAuth != nil) {
		t.Errorf("monitor basicAuth %+v with basic auth %v", ep.basicAuth, v.WebConfig.BasicAuth.Enabled)
	}
	job := ""
	for _, rc := range ep.relabelings {
		if rc.TargetLabel == "job" && len(rc.SourceLabels) == 0 && rc.Replacement != nil {
			job = *rc.Replacement
		}
	}
	if want := rulesJob(t); job != want {
		t.Errorf("the monitor sets job %q; the rules select job=%q", job, want)
	}
}

// safeTLS is the part of a ServiceMonitor's tlsConfig a PodMonitor has too.
func safeTLS(c *monitoringv1.TLSConfig) *monitoringv1.SafeTLSConfig {
	if c == nil {
		return nil
	}
	return &c.SafeTLSConfig
}

// checkRules: the PrometheusRule holds exactly the groups of
// deploy/prometheus/rules, in the order of their files.
func checkRules(t *testing.T, r *rendered, v chartValues) {
	if !v.PrometheusRule.Enabled {
		if len(r.rules) != 0 {
			t.Errorf("%d PrometheusRules with prometheusRule.enabled false", len(r.rules))
		}
		return
	}
	if len(r.rules) != 1 {
		t.Fatalf("%d PrometheusRules, want 1", len(r.rules))
	}
	want := rulesFileGroups(t)
	if got := r.rules[0].Spec.Groups; !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("PrometheusRule groups differ from deploy/prometheus/rules:\n got %s\nwant %s", g, w)
	}
}

// rulesFileGroups decodes deploy/prometheus/rules/*.yml strictly as the
// operator's rule groups.
func rulesFileGroups(t *testing.T) []monitoringv1.RuleGroup {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("prometheus", "rules", "*.yml"))
	var groups []monitoringv1.RuleGroup
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		j, err := yaml.YAMLToJSONStrict(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var spec monitoringv1.PrometheusRuleSpec
		if err := strictJSON(j, &spec); err != nil {
			t.Fatalf("%s as a PrometheusRule's spec: %v", f, err)
		}
		groups = append(groups, spec.Groups...)
	}
	if len(groups) == 0 {
		t.Fatal("no rule groups in deploy/prometheus/rules")
	}
	return groups
}

// clientSideApplyLimit is the most bytes of the annotations of an object:
// kubectl's client-side apply keeps the whole object in one
// (kubectl.kubernetes.io/last-applied-configuration).
const clientSideApplyLimit = 262144

// checkDashboards: one ConfigMap per dashboard of dashboards/grafana,
// labelled and annotated for Grafana's sidecar, holding the file as it is.
func checkDashboards(t *testing.T, r *rendered, v chartValues) {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "dashboards", "grafana", "*.json"))
	if len(files) == 0 {
		t.Fatal("no dashboards in dashboards/grafana")
	}
	found := map[string]bool{}
	for _, cm := range r.configMaps {
		if cm.Labels["grafana_dashboard"] == "" {
			continue
		}
		if cm.Labels["grafana_dashboard"] != "1" || cm.Annotations["grafana_folder"] == "" {
			t.Errorf("ConfigMap %s: label %q, folder %q; want grafana_dashboard=1 and a grafana_folder", cm.Name, cm.Labels["grafana_dashboard"], cm.Annotations["grafana_folder"])
		}
		if len(cm.Data) != 1 {
			t.Errorf("ConfigMap %s holds %d files, want one dashboard", cm.Name, len(cm.Data))
		}
		for name, content := range cm.Data {
			want, err := os.ReadFile(filepath.Join(repoRoot, "dashboards", "grafana", name))
			if err != nil {
				t.Errorf("ConfigMap %s holds %s, not a dashboard of dashboards/grafana", cm.Name, name)
				continue
			}
			if content != string(want) {
				t.Errorf("ConfigMap %s: %s differs from dashboards/grafana/%s", cm.Name, name, name)
			}
			if !json.Valid([]byte(content)) {
				t.Errorf("ConfigMap %s: %s is not JSON", cm.Name, name)
			}
			found[name] = true
		}
		if size := r.sizes["ConfigMap/"+cm.Name]; size >= clientSideApplyLimit {
			t.Errorf("ConfigMap %s is %d bytes: kubectl apply without --server-side cannot keep it in its annotation (%d)", cm.Name, size, clientSideApplyLimit)
		}
	}
	if v.Dashboards.Enabled != nil && !*v.Dashboards.Enabled {
		if len(found) != 0 {
			t.Errorf("dashboards rendered with dashboards.enabled false: %v", found)
		}
		return
	}
	for _, f := range files {
		if !found[filepath.Base(f)] {
			t.Errorf("no ConfigMap holds %s", filepath.Base(f))
		}
	}
}

// checkRemoteWrite: each endpoint of remoteWrite reaches the
// configuration with its headers, and its credentials are files of the
// Secret it names, mounted where the configuration reads them.
func checkRemoteWrite(t *testing.T, r *rendered, v chartValues) {
	d, c := r.deployment(t)
	ms := mounts(t, d, c)
	cfg := r.exporterConfig(t)
	eps, _ := dig(cfg, "remote-write", "endpoints").([]any)
	urls, _ := dig(cfg, "remote-write", "url").([]any)
	state, _ := dig(cfg, "state", "file").(string)
	if (len(eps)+len(urls) > 0) != (state != "") {
		t.Errorf("remote write to %d receivers, state.file %q: want a state file exactly when pushing", len(eps)+len(urls), state)
	}
	// The chart's endpoints come after those written in config.
	eps = eps[len(eps)-len(v.RemoteWrite.Endpoints):]
	secretKey := func(path string) (secret, key string) {
		m := mountOf(ms, path)
		if m == nil || m.volume.Secret == nil {
			return "", ""
		}
		return m.volume.Secret.SecretName, strings.TrimPrefix(path, m.MountPath+"/")
	}
	for i, want := range v.RemoteWrite.Endpoints {
		got := eps[i]
		if dig(got, "url") != want.URL {
			t.Errorf("endpoint %d: url %v, want %s", i, dig(got, "url"), want.URL)
		}
		for name, value := range want.Headers {
			if vals, _ := dig(got, "http_headers", name, "values").([]any); !slices.Equal(vals, []any{value}) {
				t.Errorf("endpoint %d: header %s = %v, want %s", i, name, vals, value)
			}
		}
		type file struct{ path, secret, key string }
		var files []file
		if b := want.BasicAuth; b != nil {
			u, _ := dig(got, "basic_auth", "username_file").(string)
			p, _ := dig(got, "basic_auth", "password_file").(string)
			files = append(files, file{u, b.SecretName, b.UsernameKey}, file{p, b.SecretName, b.PasswordKey})
		}
		if b := want.BearerToken; b != nil {
			p, _ := dig(got, "authorization", "credentials_file").(string)
			files = append(files, file{p, b.SecretName, b.Key})
		}
		if tls := want.TLS; tls != nil && tls.CAKey != "" {
			p, _ := dig(got, "tls_config", "ca_file").(string)
			files = append(files, file{p, tls.SecretName, tls.CAKey})
		}
		for _, f := range files {
			if s, k := secretKey(f.path); s != f.secret || k != f.key {
				t.Errorf("endpoint %d reads %q, which is key %q of Secret %q; want key %q of %q", i, f.path, k, s, f.key, f.secret)
			}
		}
	}
}

// checkWebConfig: with TLS or basic auth on, the exporter reads a web
// configuration file whose certificate is the TLS Secret's and whose users
// are those of the values.
func checkWebConfig(t *testing.T, r *rendered, v chartValues) {
	d, c := r.deployment(t)
	ms := mounts(t, d, c)
	file, _ := dig(r.exporterConfig(t), "web", "config", "file").(string)
	on := v.WebConfig.TLS.Enabled || v.WebConfig.BasicAuth.Enabled || v.WebConfig.ExistingSecret != ""
	if on != (file != "") {
		t.Fatalf("web.config.file %q with TLS %v, basic auth %v", file, v.WebConfig.TLS.Enabled, v.WebConfig.BasicAuth.Enabled)
	}
	if !on {
		if len(r.secrets) != 0 {
			t.Errorf("%d Secrets rendered with no web configuration", len(r.secrets))
		}
		return
	}
	m := mountOf(ms, file)
	if m == nil || m.volume.Secret == nil {
		t.Fatalf("web.config.file %s is not in a Secret's mount", file)
	}
	if v.WebConfig.ExistingSecret != "" {
		if m.volume.Secret.SecretName != v.WebConfig.ExistingSecret {
			t.Errorf("web config from Secret %s, want %s", m.volume.Secret.SecretName, v.WebConfig.ExistingSecret)
		}
		return
	}
	s := r.secret(m.volume.Secret.SecretName)
	if s == nil {
		t.Fatalf("Secret %s of the web configuration is not rendered", m.volume.Secret.SecretName)
	}
	var web struct {
		TLS *struct {
			CertFile string `json:"cert_file"`
			KeyFile  string `json:"key_file"`
		} `json:"tls_server_config"`
		Users map[string]string `json:"basic_auth_users"`
	}
	if err := yaml.Unmarshal([]byte(s.StringData[filepath.Base(file)]), &web); err != nil {
		t.Fatal(err)
	}
	if v.WebConfig.TLS.Enabled != (web.TLS != nil) {
		t.Errorf("tls_server_config %+v with TLS %v", web.TLS, v.WebConfig.TLS.Enabled)
	}
	if web.TLS != nil {
		for _, f := range []string{web.TLS.CertFile, web.TLS.KeyFile} {
			if m := mountOf(ms, f); m == nil || m.volume.Secret == nil || m.volume.Secret.SecretName != v.WebConfig.TLS.SecretName {
				t.Errorf("%s is not a file of Secret %s", f, v.WebConfig.TLS.SecretName)
			}
		}
	}
	if !reflect.DeepEqual(web.Users, v.WebConfig.BasicAuth.Users) && (len(web.Users)+len(v.WebConfig.BasicAuth.Users) > 0) {
		t.Errorf("basic_auth_users %v, want %v", web.Users, v.WebConfig.BasicAuth.Users)
	}
}
