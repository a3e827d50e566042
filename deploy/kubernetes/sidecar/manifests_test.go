// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package sidecar_test checks the sidecar examples: decoded strictly into
// the Kubernetes API types, each setting the README explains is there,
// and the exporter run with the Job's own arguments delivers every record
// at SIGTERM (shutdown_test.go).
package sidecar_test

import (
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const (
	repoRoot     = "../../.."
	exporterName = "jsonl-exporter"
	imageUser    = 65532 // the Dockerfile's USER
	// stopMargin is what the grace period keeps beyond the exporter's
	// shutdown timeout: the kubelet's signal, the process' exit.
	stopMargin = 5 * time.Second
)

// readStrict decodes a manifest into out; a field the type does not have
// is an error, as a typo in a manifest would be silently dropped.
func readStrict(t *testing.T, file string, out any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, out); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// readJob reads job.yaml as a batch/v1 Job.
func readJob(t *testing.T) *batchv1.Job {
	t.Helper()
	var job batchv1.Job
	readStrict(t, "job.yaml", &job)
	if job.APIVersion != "batch/v1" || job.Kind != "Job" {
		t.Fatalf("job.yaml is %s %s, want batch/v1 Job", job.APIVersion, job.Kind)
	}
	return &job
}

// pyTorchJob mirrors the fields of the training operator's kubeflow.org/v1
// PyTorchJob (pkg/apis/kubeflow.org/v1: pytorch_types.go, common_types.go)
// that the example uses or might: decoding strictly into it refuses any
// other, and each replica's template is a core/v1 PodTemplateSpec, decoded
// strictly too. The operator's module is not imported for a few fields.
type pyTorchJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		RunPolicy struct {
			CleanPodPolicy          *string `json:"cleanPodPolicy,omitempty"`
			TTLSecondsAfterFinished *int32  `json:"ttlSecondsAfterFinished,omitempty"`
			ActiveDeadlineSeconds   *int64  `json:"activeDeadlineSeconds,omitempty"`
			BackoffLimit            *int32  `json:"backoffLimit,omitempty"`
			Suspend                 *bool   `json:"suspend,omitempty"`
		} `json:"runPolicy"`
		PyTorchReplicaSpecs map[string]*replicaSpec `json:"pytorchReplicaSpecs"`
		NprocPerNode        *string                 `json:"nprocPerNode,omitempty"`
	} `json:"spec"`
}

type replicaSpec struct {
	Replicas      *int32                 `json:"replicas,omitempty"`
	Template      corev1.PodTemplateSpec `json:"template,omitempty"`
	RestartPolicy string                 `json:"restartPolicy,omitempty"`
}

func readPyTorchJob(t *testing.T) *pyTorchJob {
	t.Helper()
	var job pyTorchJob
	readStrict(t, "pytorchjob.yaml", &job)
	if job.APIVersion != "kubeflow.org/v1" || job.Kind != "PyTorchJob" {
		t.Fatalf("pytorchjob.yaml is %s %s, want kubeflow.org/v1 PyTorchJob", job.APIVersion, job.Kind)
	}
	return &job
}

// TestManifestsDecodeStrictly: a field misspelt or misplaced in either
// example fails here, as it would be refused (or, worse, dropped) by the
// API server.
func TestManifestsDecodeStrictly(t *testing.T) {
	readJob(t)
	readPyTorchJob(t)
	var job batchv1.Job
	bad := []byte("apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: x\n          restartPolicyy: Always\n")
	if err := yaml.UnmarshalStrict(bad, &job); err == nil || !strings.Contains(err.Error(), "restartPolicyy") {
		t.Errorf("a misspelt field decoded without an error naming it: %v", err)
	}
}

// TestJobExample checks job.yaml's pod and its Job settings.
func TestJobExample(t *testing.T) {
	job := readJob(t)
	spec := &job.Spec.Template.Spec
	if spec.RestartPolicy != corev1.RestartPolicyNever && spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("a Job's pod restartPolicy is %q, want Never or OnFailure", spec.RestartPolicy)
	}
	labels := checkSidecarPod(t, "job.yaml", spec)
	if labels["batch.kubernetes.io/job-completion-index"] &&
		(job.Spec.CompletionMode == nil || *job.Spec.CompletionMode != batchv1.IndexedCompletion) {
		t.Error("the rank is read from batch.kubernetes.io/job-completion-index, which only an Indexed Job's pods have")
	}
	for _, want := range []string{"batch.kubernetes.io/job-name", "batch.kubernetes.io/job-completion-index"} {
		if _, ok := labels[want]; !ok {
			t.Errorf("the exporter's external labels do not use the pod label %s", want)
		}
	}
}

// TestPyTorchJobExample checks pytorchjob.yaml as the training operator
// validates it (pytorch_validation.go: Master and Worker only, a container
// named pytorch with an image in each, one Master) and the Master's pod;
// the Workers carry no sidecar: rank 0, the Master, writes the log.
func TestPyTorchJobExample(t *testing.T) {
	job := readPyTorchJob(t)
	specs := job.Spec.PyTorchReplicaSpecs
	if specs["Master"] == nil || specs["Worker"] == nil {
		t.Fatalf("replica specs %v, want Master and Worker", slices.Sorted(mapsKeys(specs)))
	}
	for typ, rs := range specs {
		if typ != "Master" && typ != "Worker" {
			t.Errorf("replica type %q: the training operator takes Master and Worker", typ)
		}
		if !slices.Contains([]string{"Always", "OnFailure", "Never", "ExitCode"}, rs.RestartPolicy) {
			t.Errorf("%s: restartPolicy %q", typ, rs.RestartPolicy)
		}
		if rs.Template.Spec.RestartPolicy != "" {
			t.Errorf("%s: the pod template's restartPolicy is overwritten by the replica's; leave it out", typ)
		}
		i := slices.IndexFunc(rs.Template.Spec.Containers, func(c corev1.Container) bool { return c.Name == "pytorch" })
		if i < 0 || rs.Template.Spec.Containers[i].Image == "" {
			t.Errorf("%s: no container named pytorch with an image (the operator requires one)", typ)
		}
	}
	if r := specs["Master"].Replicas; r != nil && *r != 1 {
		t.Errorf("Master replicas = %d, the operator allows 1", *r)
	}
	if n := len(specs["Worker"].Template.Spec.InitContainers); n != 0 {
		t.Errorf("the Workers have %d init containers: only rank 0 (the Master) writes the log and needs the sidecar", n)
	}
	labels := checkSidecarPod(t, "pytorchjob.yaml Master", &specs["Master"].Template.Spec)
	for _, want := range []string{"training.kubeflow.org/job-name", "training.kubeflow.org/replica-type", "training.kubeflow.org/replica-index"} {
		if _, ok := labels[want]; !ok {
			t.Errorf("the exporter's external labels do not use the pod label %s", want)
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// varRef is Kubernetes' $(VAR) reference in a container's args.
var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// labelRef is a downward API field path naming a pod label.
var labelRef = regexp.MustCompile(`^metadata\.labels\['([^']+)'\]$`)

// envFields are the field paths the downward API gives environment
// variables (fieldRef).
var envFields = []string{"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
	"spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"}

// checkSidecarPod checks the exporter's sidecar in a pod spec: a native
// sidecar sharing the trainer's log folder through an emptyDir, pushing
// with the pod's labels, run as the image's user without privileges, with
// time to deliver before it is killed. It returns the pod labels its
// external labels read, by label key.
func checkSidecarPod(t *testing.T, name string, spec *corev1.PodSpec) map[string]bool {
	t.Helper()
	i := slices.IndexFunc(spec.InitContainers, func(c corev1.Container) bool { return c.Name == exporterName })
	if i < 0 {
		t.Fatalf("%s: no init container named %s", name, exporterName)
	}
	c := &spec.InitContainers[i]
	if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
		t.Errorf("%s: the exporter is no native sidecar: restartPolicy %v, want Always", name, c.RestartPolicy)
	}
	if len(c.Command) != 0 {
		t.Errorf("%s: command %q replaces the image's entrypoint (/bin/jsonl-exporter)", name, c.Command)
	}
	flags := flagValues(c.Args)

	// The log folder: one emptyDir, written by the trainer, read by the
	// exporter, whose --input matches where the trainer writes.
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	inputs := flags["--input"]
	if len(inputs) == 0 {
		t.Fatalf("%s: the exporter has no --input", name)
	}
	trainers := 0
	for _, tc := range spec.Containers {
		out := argAfter(tc.Command, "--out")
		if out == "" {
			continue
		}
		trainers++
		vm, rel := mountOf(tc.VolumeMounts, out)
		if vm == nil {
			t.Errorf("%s: the trainer %s writes to %s, on no volume", name, tc.Name, out)
			continue
		}
		if v := volumes[vm.Name]; v.EmptyDir == nil {
			t.Errorf("%s: volume %s is no emptyDir", name, vm.Name)
		}
		if vm.ReadOnly {
			t.Errorf("%s: the trainer mounts %s read-only", name, vm.Name)
		}
		em := slices.IndexFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == vm.Name })
		if em < 0 {
			t.Errorf("%s: the exporter does not mount the trainer's volume %s", name, vm.Name)
			continue
		}
		if !c.VolumeMounts[em].ReadOnly {
			t.Errorf("%s: the exporter mounts the trainer's logs writable; it only reads them", name)
		}
		// <out>/<run>/logs/metrics.jsonl, as the exporter sees it.
		log := path.Join(c.VolumeMounts[em].MountPath, rel, "bert-base", "logs", "metrics.jsonl")
		if !slices.ContainsFunc(inputs, func(glob string) bool { ok, _ := doublestar.Match(glob, log); return ok }) {
			t.Errorf("%s: the trainer's log %s matches no --input %q", name, log, inputs)
		}
	}
	if trainers == 0 {
		t.Errorf("%s: no trainer container with --out", name)
	}

	// The state file on a writable emptyDir of the exporter's own.
	if state := flags["--state.file"]; len(state) == 1 {
		vm, _ := mountOf(c.VolumeMounts, state[0])
		switch {
		case vm == nil:
			t.Errorf("%s: the state file %s is on no volume (the root file system is read-only)", name, state[0])
		case vm.ReadOnly:
			t.Errorf("%s: the state file's volume %s is read-only", name, vm.Name)
		case volumes[vm.Name].EmptyDir == nil:
			t.Errorf("%s: the state file's volume %s is no emptyDir", name, vm.Name)
		}
	} else {
		t.Errorf("%s: want one --state.file, got %q", name, state)
	}

	// Push mode, with the pod's labels.
	if len(flags["--remote-write.url"]) == 0 {
		t.Errorf("%s: no --remote-write.url", name)
	}
	if _, ok := flags["--web.disable-run-metrics"]; !ok {
		t.Errorf("%s: push mode serves the runs on /metrics too (--web.disable-run-metrics)", name)
	}
	env := map[string]*corev1.EnvVarSource{}
	for _, e := range c.Env {
		env[e.Name] = e.ValueFrom
	}
	podLabels := map[string]bool{}
	externals := map[string]bool{}
	for _, kv := range flags["--remote-write.external-label"] {
		label, value, _ := strings.Cut(kv, "=")
		externals[label] = true
		for _, m := range varRef.FindAllStringSubmatch(value, -1) {
			src, ok := env[m[1]]
			if !ok || src == nil || src.FieldRef == nil {
				t.Errorf("%s: external label %s reads $(%s), which is no downward API variable of the container", name, label, m[1])
				continue
			}
			fp := src.FieldRef.FieldPath
			if l := labelRef.FindStringSubmatch(fp); l != nil {
				podLabels[l[1]] = true
			} else if !slices.Contains(envFields, fp) {
				t.Errorf("%s: $(%s) reads %s, which the downward API does not give an environment variable", name, m[1], fp)
			}
		}
	}
	for _, want := range []string{"job", "instance", "node"} {
		if !externals[want] {
			t.Errorf("%s: no external label %s", name, want)
		}
	}
	if src := env["NODE_NAME"]; src == nil || src.FieldRef == nil || src.FieldRef.FieldPath != "spec.nodeName" {
		t.Errorf("%s: NODE_NAME is not the pod's spec.nodeName", name)
	}

	// Time to deliver: the grace period covers the exporter's shutdown
	// timeout with a margin.
	timeout := 4 * time.Second // the exporter's default
	if v := flags["--remote-write.shutdown-timeout"]; len(v) == 1 {
		d, err := time.ParseDuration(v[0])
		if err != nil {
			t.Fatalf("%s: --remote-write.shutdown-timeout: %v", name, err)
		}
		timeout = d
	}
	grace := 30 * time.Second // Kubernetes' default
	if spec.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
	}
	if grace < timeout+stopMargin {
		t.Errorf("%s: terminationGracePeriodSeconds %s leaves the exporter less than its shutdown timeout %s and %s", name, grace, timeout, stopMargin)
	}

	// The image's user, a read-only root, no capabilities, no escalation.
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Errorf("%s: the exporter has no securityContext", name)
	default:
		if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Errorf("%s: runAsNonRoot is not true", name)
		}
		if sc.RunAsUser == nil || *sc.RunAsUser != imageUser {
			t.Errorf("%s: runAsUser %v, want the image's %d", name, sc.RunAsUser, imageUser)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: readOnlyRootFilesystem is not true", name)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation is not false", name)
		}
		if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
			t.Errorf("%s: capabilities %v, want ALL dropped and none added", name, sc.Capabilities)
		}
	}

	// Probes on the exporter's own port and paths.
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	for probeName, p := range map[string]*corev1.Probe{"startupProbe": c.StartupProbe, "livenessProbe": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s: no HTTP %s", name, probeName)
			continue
		}
		if p.HTTPGet.Path != "/-/healthy" {
			t.Errorf("%s: %s on %s, want /-/healthy", name, probeName, p.HTTPGet.Path)
		}
		if port := p.HTTPGet.Port.String(); ports[port] != 9478 {
			t.Errorf("%s: %s on port %s, not the exporter's 9478", name, probeName, port)
		}
	}
	return podLabels
}

// flagValues collects --name=value arguments by name; a flag without a
// value maps to an empty list.
func flagValues(args []string) map[string][]string {
	out := map[string][]string{}
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok {
			out[a] = out[a][:0:0]
			continue
		}
		out[name] = append(out[name], value)
	}
	return out
}

// argAfter returns the argument that follows flag in args.
func argAfter(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// mountOf returns the mount that holds p, and p relative to it.
func mountOf(mounts []corev1.VolumeMount, p string) (*corev1.VolumeMount, string) {
	var best *corev1.VolumeMount
	rel := ""
	for i, m := range mounts {
		r, ok := strings.CutPrefix(p, strings.TrimSuffix(m.MountPath, "/"))
		if !ok || r != "" && !strings.HasPrefix(r, "/") {
			continue
		}
		if best == nil || len(m.MountPath) > len(best.MountPath) {
			best, rel = &mounts[i], strings.TrimPrefix(r, "/")
		}
	}
	return best, rel
}

// TestManifestsNameTheirTests: the Go test files and tests the manifests
// and README.md point the reader to exist.
func TestManifestsNameTheirTests(t *testing.T) {
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var sources strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f.Name(), "_test.go") {
			data, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			sources.Write(data)
		}
	}
	for _, doc := range []string{"job.yaml", "pytorchjob.yaml", "README.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range regexp.MustCompile(`\b\w+_test\.go\b`).FindAllString(string(data), -1) {
			if _, err := os.Stat(name); err != nil {
				t.Errorf("%s names %s, which does not exist", doc, name)
			}
		}
		for _, name := range regexp.MustCompile("`(Test\\w+)`").FindAllStringSubmatch(string(data), -1) {
			if !strings.Contains(sources.String(), "func "+name[1]+"(") {
				t.Errorf("%s names %s, which is no test here", doc, name[1])
			}
		}
	}
}
