// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package sidecar_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// pod is what the kubelet would give the Job's pod: its downward API
// values, by field path.
var pod = map[string]string{
	"metadata.name":      "bert-base-lr3e-4-0-x7k2p",
	"metadata.namespace": "ml",
	"spec.nodeName":      "gpu-node-7",
	"metadata.labels['batch.kubernetes.io/job-name']":             "bert-base-lr3e-4",
	"metadata.labels['batch.kubernetes.io/job-completion-index']": "0",
}

// sidecarArgs returns the arguments of the Job's exporter container as
// the kubelet runs them ($(VAR) expanded from the container's downward
// API variables), with each volume's mount path moved to a folder of
// mounts and the remote-write URL set to url.
func sidecarArgs(t *testing.T, c *corev1.Container, mounts map[string]string, url string) []string {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil {
			env[e.Name] = e.Value
			continue
		}
		v, ok := pod[e.ValueFrom.FieldRef.FieldPath]
		if !ok {
			t.Fatalf("$(%s): the test has no value for %s", e.Name, e.ValueFrom.FieldRef.FieldPath)
		}
		env[e.Name] = v
	}
	var args []string
	for _, a := range c.Args {
		a = varRef.ReplaceAllStringFunc(a, func(ref string) string {
			if v, ok := env[varRef.FindStringSubmatch(ref)[1]]; ok {
				return v
			}
			return ref // the kubelet leaves an unknown variable as it is
		})
		if strings.Contains(a, "$(") {
			t.Fatalf("argument %q: a variable the container does not define", a)
		}
		name, value, _ := strings.Cut(a, "=")
		if name == "--remote-write.url" {
			a = name + "=" + url
		}
		for _, m := range c.VolumeMounts {
			if rest, ok := strings.CutPrefix(value, m.MountPath); ok && (rest == "" || rest[0] == '/') {
				a = name + "=" + mounts[m.Name] + rest
			}
		}
		args = append(args, a)
	}
	return args
}

// built is the exporter, built once for the tests that run it.
var built struct {
	once sync.Once
	dir  string
	bin  string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// exporterBinary builds cmd/jsonl-exporter once.
func exporterBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "jsonl-exporter-sidecar-")
		if err != nil {
			t.Fatal(err)
		}
		built.dir = dir
		built.bin = promtest.BuildExporter(t, repoRoot, dir)
	})
	if built.bin == "" {
		t.Fatal("the exporter did not build")
	}
	return built.bin
}

// exporterOf returns the exporter's container in the Job's pod.
func exporterOf(t *testing.T, spec *corev1.PodSpec) *corev1.Container {
	t.Helper()
	for i := range spec.InitContainers {
		if spec.InitContainers[i].Name == exporterName {
			return &spec.InitContainers[i]
		}
	}
	t.Fatalf("no init container %s", exporterName)
	return nil
}

// TestManifestArgsParse: the exporter takes the arguments of both examples.
func TestManifestArgsParse(t *testing.T) {
	bin := exporterBinary(t)
	job := readJob(t)
	pt := readPyTorchJob(t)
	for name, spec := range map[string]*corev1.PodSpec{
		"job.yaml":               &job.Spec.Template.Spec,
		"pytorchjob.yaml Master": &pt.Spec.PyTorchReplicaSpecs["Master"].Template.Spec,
	} {
		c := exporterOf(t, spec)
		var args []string
		for _, a := range c.Args {
			args = append(args, varRef.ReplaceAllString(a, "x"))
		}
		out, err := exec.Command(bin, append(args, "--config.check")...).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "configuration OK" {
			t.Errorf("%s: jsonl-exporter %s --config.check: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
}

// receiverConfig is a Prometheus that scrapes nothing: the receiver.
const receiverConfig = "global:\n  scrape_interval: 15s\n"

// exporter is the sidecar's process.
type exporter struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	exited chan struct{}
	err    error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startExporter(t *testing.T, bin string, args []string) *exporter {
	t.Helper()
	p := &exporter{cmd: exec.Command(bin, args...), stderr: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("exporter log:\n%s", p.stderr.String())
		}
	})
	return p
}

// terminate sends SIGTERM as the kubelet does and returns how long the
// exporter took to exit; it fails the test when the exporter outlives the
// grace period (the kubelet's SIGKILL) or exits with an error.
func (p *exporter) terminate(t *testing.T, grace time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(grace):
		t.Fatalf("the exporter still runs %s after SIGTERM: the kubelet kills it there", grace)
	}
	took := time.Since(start)
	if p.err != nil {
		t.Errorf("exit after SIGTERM: %v, want exit code 0", p.err)
	}
	return took
}

// trainer appends records to a run's log as a trainer does: one JSON
// object a line, written and closed, each with its time.
type trainer struct {
	path  string
	steps int
	last  time.Time
}

func (tr *trainer) write(t *testing.T, n int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(tr.path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for range n {
		// A time of its own in ms, as the record has it: a burst goes
		// ahead of the clock by 1 ms a record.
		ms := max(time.Now().UnixMilli(), tr.last.UnixMilli()+1)
		tr.last = time.UnixMilli(ms)
		fmt.Fprintf(&b, `{"step":%d,"epoch":0,"time":%.3f,"train/loss":%s}`+"\n",
			tr.steps, float64(ms)/1000, lossText(tr.steps))
		tr.steps++
	}
	f, err := os.OpenFile(tr.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func lossText(step int) string { return strconv.FormatFloat(3/(1+0.01*float64(step)), 'g', 6, 64) }

// TestSidecarDeliversEveryRecordAtSIGTERM runs the exporter with the
// Job's own arguments against a real Prometheus receiver. It starts
// before the trainer has created its log folder; the trainer writes for
// a few seconds, then its last records, and, at the very end, a second
// run's log: the signal follows at once, before the exporter's next look
// at the files and its next discovery scan, as when a trainer exits and
// the kubelet stops the sidecar. The exporter must exit with code 0
// within the pod's grace period, and every record must be stored with
// the pod's labels before it exits: Prometheus is asked only afterwards.
func TestSidecarDeliversEveryRecordAtSIGTERM(t *testing.T) {
	prom := promtest.Binary(t, "prometheus")
	tmp := t.TempDir()
	bin := exporterBinary(t)
	promAddr := promtest.FreeAddr(t)
	api := promtest.StartPrometheus(t, prom, []byte(receiverConfig), promAddr, "--web.enable-remote-write-receiver")

	job := readJob(t)
	spec := &job.Spec.Template.Spec
	c := exporterOf(t, spec)
	mounts := map[string]string{}
	for _, v := range spec.Volumes {
		mounts[v.Name] = filepath.Join(tmp, "volumes", v.Name)
		if err := os.MkdirAll(mounts[v.Name], 0o755); err != nil { // an emptyDir exists, empty, at the start
			t.Fatal(err)
		}
	}
	addr := promtest.FreeAddr(t)
	args := append(sidecarArgs(t, c, mounts, "http://"+promAddr+"/api/v1/write"), "--web.listen-address="+addr)
	grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
	p := startExporter(t, bin, args)
	// The startup probe: the trainer starts once the exporter answers.
	if err := promtest.Eventually(20*time.Second, func() error {
		_, err := promtest.HTTPGet("http://" + addr + "/-/healthy")
		return err
	}); err != nil {
		t.Fatal(err)
	}

	logs := mounts["logs"] // the trainer's /logs
	main := &trainer{path: filepath.Join(logs, "bert-base", "logs", "metrics.jsonl")}
	for range 30 { // 3 s of training: the exporter finds the log and sends as it goes
		main.write(t, 40)
		time.Sleep(100 * time.Millisecond)
	}
	// The last moment: the last records of the run, and a second run's log
	// that no scan has seen, then the signal at once.
	main.write(t, 300)
	second := &trainer{path: filepath.Join(logs, "bert-base-finetune", "logs", "metrics.jsonl")}
	second.write(t, 150)
	took := p.terminate(t, grace)
	t.Logf("the exporter exited %s after SIGTERM", took)
	if strings.Contains(p.stderr.String(), "were not sent") {
		t.Errorf("the exporter ran out of time to send:\n%s", p.stderr.String())
	}

	// Every record, with the pod's labels, at its own time. A burst of
	// records written within a millisecond goes 1 ms a record ahead of the
	// clock: ask after the last.
	at := time.Now()
	for _, tr := range []*trainer{main, second} {
		if tr.last.After(at) {
			at = tr.last
		}
	}
	at = at.Add(time.Second)
	labels := fmt.Sprintf(`job="jsonl-exporter",instance=%q,namespace=%q,job_name=%q,rank=%q,node=%q`,
		pod["metadata.name"], pod["metadata.namespace"], pod["metadata.labels['batch.kubernetes.io/job-name']"],
		pod["metadata.labels['batch.kubernetes.io/job-completion-index']"], pod["spec.nodeName"])
	for _, tr := range []*trainer{main, second} {
		run := filepath.Base(filepath.Dir(filepath.Dir(tr.path)))
		sel := fmt.Sprintf(`ml_train_loss{run=%q,%s}`, run, labels)
		got, err := api.InstantValueAt(`count_over_time(`+sel+`[1h])`, at)
		if err != nil || got != float64(tr.steps) {
			t.Errorf("run %s: %v records in Prometheus (%v), want all %d written", run, got, err, tr.steps)
		}
		last, err := api.InstantValueAt(sel, tr.last)
		want, _ := strconv.ParseFloat(lossText(tr.steps-1), 64)
		if err != nil || math.Abs(last-want) > 1e-9 {
			t.Errorf("run %s: the last record's loss in Prometheus = %v (%v), want %v", run, last, err, want)
		}
		steps, err := api.InstantValueAt(`max_over_time(ml_step{run=`+strconv.Quote(run)+`}[1h])`, at)
		if err != nil || steps != float64(tr.steps-1) {
			t.Errorf("run %s: last step in Prometheus = %v (%v), want %d", run, steps, err, tr.steps-1)
		}
	}

	// The state file says each log was acknowledged to its end.
	checkState(t, filepath.Join(mounts["exporter-state"], "state.json"), main.path, second.path)
}

// checkState reads the exporter's state file and checks each log was
// acknowledged to its size.
func checkState(t *testing.T, state string, logs ...string) {
	t.Helper()
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatalf("no state file after SIGTERM: %v", err)
	}
	var st struct {
		Files map[string]struct{ Offset int64 }
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	for _, log := range logs {
		fi, err := os.Stat(log)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Files[log].Offset; got != fi.Size() {
			t.Errorf("state file: %s acknowledged to %d of %d bytes", log, got, fi.Size())
		}
	}
}

// TestSidecarWithoutALogStopsAtOnce: the sidecar of a rank that writes no
// log (the other pods of an Indexed Job) exits at once at SIGTERM.
func TestSidecarWithoutALogStopsAtOnce(t *testing.T) {
	tmp := t.TempDir()
	bin := exporterBinary(t)
	job := readJob(t)
	spec := &job.Spec.Template.Spec
	mounts := map[string]string{}
	for _, v := range spec.Volumes {
		mounts[v.Name] = filepath.Join(tmp, "volumes", v.Name)
		if err := os.MkdirAll(mounts[v.Name], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	addr := promtest.FreeAddr(t)
	// A receiver nobody listens on: nothing is to be sent.
	args := append(sidecarArgs(t, exporterOf(t, spec), mounts, "http://"+promtest.FreeAddr(t)+"/api/v1/write"), "--web.listen-address="+addr)
	p := startExporter(t, bin, args)
	if err := promtest.Eventually(20*time.Second, func() error {
		_, err := promtest.HTTPGet("http://" + addr + "/-/healthy")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if took := p.terminate(t, time.Duration(*spec.TerminationGracePeriodSeconds)*time.Second); took > 3*time.Second {
		t.Errorf("the exporter with nothing to send took %s to exit", took)
	}
}
