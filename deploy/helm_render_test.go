// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// The chart, and the release it is rendered as in the tests.
const (
	chartDir         = "helm/jsonl-exporter"
	releaseName      = "jx"
	releaseNamespace = "training"
)

// rendered is what `helm template` made of the chart, each object decoded
// strictly into its API type.
type rendered struct {
	deployments     []appsv1.Deployment
	services        []corev1.Service
	configMaps      []corev1.ConfigMap
	secrets         []corev1.Secret
	serviceAccounts []corev1.ServiceAccount
	serviceMonitors []monitoringv1.ServiceMonitor
	podMonitors     []monitoringv1.PodMonitor
	rules           []monitoringv1.PrometheusRule
	sizes           map[string]int // bytes of each object's JSON, by kind/name
}

// optionSets are the values files of chart-testing's ci/ folder, and ""
// for the chart's defaults.
func optionSets(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(chartDir, "ci", "*-values.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no option sets in %s/ci: %v", chartDir, err)
	}
	return append([]string{""}, files...)
}

func setName(valuesFile string) string {
	if valuesFile == "" {
		return "defaults"
	}
	return strings.TrimSuffix(filepath.Base(valuesFile), "-values.yaml")
}

// helmTemplate runs helm template on the chart with the values files and
// --set arguments given; it returns the output and helm's error output.
func helmTemplate(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	helm := promtest.Binary(t, "helm")
	cmd := exec.Command(helm, append([]string{"template", releaseName, chartDir, "--namespace", releaseNamespace}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// render renders the chart with one option set and decodes every object.
func render(t *testing.T, valuesFile string) *rendered {
	t.Helper()
	var args []string
	if valuesFile != "" {
		args = append(args, "--values", valuesFile)
	}
	return renderWith(t, args...)
}

// renderWith renders the chart with helm template's args and decodes
// every object.
func renderWith(t *testing.T, args ...string) *rendered {
	t.Helper()
	out, errOut, err := helmTemplate(t, args...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", args, err, errOut)
	}
	r := &rendered{sizes: map[string]int{}}
	for i, doc := range splitYAML(out) {
		if err := r.add(doc); err != nil {
			t.Fatalf("document %d of helm template %v: %v\n%s", i, args, err, doc)
		}
	}
	return r
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// splitYAML splits a multi-document stream, leaving out documents that
// hold only comments.
func splitYAML(s string) []string {
	var docs []string
	for _, doc := range docSeparator.Split(s, -1) {
		empty := true
		for line := range strings.SplitSeq(doc, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				empty = false
				break
			}
		}
		if !empty {
			docs = append(docs, doc)
		}
	}
	return docs
}

// strictJSON decodes data into out, refusing fields out does not have.
func strictJSON(data []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one value")
	}
	return nil
}

// add decodes one document into the type its apiVersion and kind name;
// a kind the chart is not known to render is an error.
func (r *rendered) add(doc string) error {
	data, err := yaml.YAMLToJSONStrict([]byte(doc))
	if err != nil {
		return err
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return err
	}
	key := head.Kind + "/" + head.Metadata.Name
	if _, ok := r.sizes[key]; ok {
		return fmt.Errorf("%s rendered twice", key)
	}
	r.sizes[key] = len(data)
	switch head.APIVersion + " " + head.Kind {
	case "apps/v1 Deployment":
		return appendStrict(&r.deployments, data)
	case "v1 Service":
		return appendStrict(&r.services, data)
	case "v1 ConfigMap":
		return appendStrict(&r.configMaps, data)
	case "v1 Secret":
		return appendStrict(&r.secrets, data)
	case "v1 ServiceAccount":
		return appendStrict(&r.serviceAccounts, data)
	case "monitoring.coreos.com/v1 ServiceMonitor":
		return appendStrict(&r.serviceMonitors, data)
	case "monitoring.coreos.com/v1 PodMonitor":
		return appendStrict(&r.podMonitors, data)
	case "monitoring.coreos.com/v1 PrometheusRule":
		return appendStrict(&r.rules, data)
	}
	return fmt.Errorf("kind %s %s: not a kind the chart renders (add it to the test)", head.APIVersion, head.Kind)
}

// appendStrict decodes data strictly into a new element of list.
func appendStrict[T any](list *[]T, data []byte) error {
	var one T
	if err := strictJSON(data, &one); err != nil {
		return err
	}
	*list = append(*list, one)
	return nil
}

// deployment is the one Deployment, and its exporter container.
func (r *rendered) deployment(t *testing.T) (*appsv1.Deployment, *corev1.Container) {
	t.Helper()
	if len(r.deployments) != 1 {
		t.Fatalf("%d Deployments, want 1", len(r.deployments))
	}
	d := &r.deployments[0]
	if n := len(d.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("%d containers, want the exporter alone", n)
	}
	return d, &d.Spec.Template.Spec.Containers[0]
}

func (r *rendered) configMap(name string) *corev1.ConfigMap {
	for i := range r.configMaps {
		if r.configMaps[i].Name == name {
			return &r.configMaps[i]
		}
	}
	return nil
}

func (r *rendered) secret(name string) *corev1.Secret {
	for i := range r.secrets {
		if r.secrets[i].Name == name {
			return &r.secrets[i]
		}
	}
	return nil
}

// mount is a volume mount of the exporter with the volume it mounts.
type mount struct {
	corev1.VolumeMount
	volume corev1.Volume
}

// mounts lists the exporter's mounts, deepest path first, failing on a
// mount of a volume the pod does not have.
func mounts(t *testing.T, d *appsv1.Deployment, c *corev1.Container) []mount {
	t.Helper()
	volumes := map[string]corev1.Volume{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		if _, dup := volumes[v.Name]; dup {
			t.Errorf("volume %s twice", v.Name)
		}
		volumes[v.Name] = v
	}
	var out []mount
	for _, m := range c.VolumeMounts {
		v, ok := volumes[m.Name]
		if !ok {
			t.Fatalf("mount %s at %s: no such volume", m.Name, m.MountPath)
		}
		out = append(out, mount{VolumeMount: m, volume: v})
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i].MountPath) > len(out[j].MountPath) })
	return out
}

// mountOf is the mount a path of the pod is in, or nil.
func mountOf(ms []mount, path string) *mount {
	for i := range ms {
		if within(path, ms[i].MountPath) {
			return &ms[i]
		}
	}
	return nil
}

// within says whether path is dir or below it.
func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

// exporterConfig is the configuration file the chart rendered, decoded.
func (r *rendered) exporterConfig(t *testing.T) map[string]any {
	t.Helper()
	cm := r.configMap(releaseName + "-jsonl-exporter")
	if cm == nil {
		cm = r.configMap("exporter") // all-off.yaml's fullnameOverride
	}
	if cm == nil || cm.Data["config.yml"] == "" {
		t.Fatal("no ConfigMap holds config.yml")
	}
	var c map[string]any
	if err := yaml.Unmarshal([]byte(cm.Data["config.yml"]), &c); err != nil {
		t.Fatalf("config.yml: %v", err)
	}
	return c
}

// dig returns the value at a path of keys in a decoded YAML document.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// inputGlobs lists the globs of input and inputs (a path or a map with one).
func inputGlobs(c map[string]any) []string {
	var globs []string
	for _, key := range []string{"input", "inputs"} {
		list, _ := c[key].([]any)
		for _, in := range list {
			switch in := in.(type) {
			case string:
				globs = append(globs, in)
			case map[string]any:
				p, _ := in["path"].(string)
				globs = append(globs, p)
			}
		}
	}
	return globs
}

// literalPrefix is the folder part of a glob before its first wildcard.
func literalPrefix(glob string) string {
	i := strings.IndexAny(glob, "*?[{")
	if i < 0 {
		return filepath.Dir(glob)
	}
	return filepath.Dir(glob[:i] + "x")
}

// fileKeys lists the paths of a decoded configuration held by keys that
// name a file (password_file, ca-file, web.config.file, state.file).
func fileKeys(v any, at string, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			key := k
			if at != "" {
				key = at + "." + k
			}
			if s, ok := x.(string); ok && s != "" && (strings.HasSuffix(k, "_file") || strings.HasSuffix(k, "-file") || strings.HasSuffix(key, "config.file") || strings.HasSuffix(key, "state.file")) {
				out[key] = s
				continue
			}
			fileKeys(x, key, out)
		}
	case []any:
		for i, x := range v {
			fileKeys(x, fmt.Sprintf("%s[%d]", at, i), out)
		}
	}
}
