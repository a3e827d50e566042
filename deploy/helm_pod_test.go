// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jsonl-exporter/jsonl-exporter/internal/promtest"
)

// TestChartPodWritesOnlyItsState runs the exporter as the chart's pod
// would, pushing to a receiver on this machine: with the pod's files laid
// out below a folder, it reads a run, pushes it, writes its state file and
// stops on SIGTERM, and in all that writes nothing but the state folder
// the chart mounts writable (the root file system is read-only in the
// pod): not in the working folder, $HOME or $TMPDIR either.
func TestChartPodWritesOnlyItsState(t *testing.T) {
	promtest.Binary(t, "helm")
	var pushes atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		pushes.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	port := freePort(t)
	out, errOut, err := helmTemplate(t,
		"--set", "containerPort="+strconv.Itoa(port),
		"--set", "remoteWrite.endpoints[0].url="+receiver.URL+"/api/v1/write",
		"--set", "remoteWrite.endpoints[0].name=local",
		"--set", "config.remote-write.flush-interval=100ms")
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, errOut)
	}
	r := &rendered{sizes: map[string]int{}}
	for _, doc := range splitYAML(out) {
		if err := r.add(doc); err != nil {
			t.Fatal(err)
		}
	}
	root, args := podRoot(t, r)
	run := filepath.Join(root, "runs", "bert", "logs", "metrics.jsonl")
	if err := os.MkdirAll(filepath.Dir(run), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(run, []byte(`{"step":1,"train/loss":2.5}`+"\n"+`{"step":2,"train/loss":2.4}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := listFiles(t, root)

	exporter := promtest.BuildExporter(t, repoRoot, t.TempDir())
	work, home, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	cmd := exec.Command(exporter, args...)
	cmd.Dir = work
	cmd.Env = []string{"HOME=" + home, "TMPDIR=" + tmp, "PATH=" + os.Getenv("PATH")}
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	state := filepath.Join(root, "var", "lib", "jsonl-exporter", "state.json")
	err = promtest.Eventually(30*time.Second, func() error {
		if _, err := promtest.HTTPGet("http://127.0.0.1:" + strconv.Itoa(port) + "/-/ready"); err != nil {
			return err
		}
		if pushes.Load() == 0 {
			return os.ErrNotExist
		}
		_, err := os.Stat(state)
		return err
	})
	if err != nil {
		t.Fatalf("ready, pushed (%d requests) and the state file written: %v\n%s", pushes.Load(), err, logs.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20 s after SIGTERM\n%s", logs.String())
	}

	for _, dir := range []string{work, home, tmp} {
		if files := listFiles(t, dir); len(files) > 0 {
			t.Errorf("the exporter wrote %v in %s", files, dir)
		}
	}
	stateDir := "/var/lib/jsonl-exporter"
	for path, mtime := range listFiles(t, root) {
		if was, ok := before[path]; (!ok || !was.Equal(mtime)) && !within(path, stateDir) {
			t.Errorf("the exporter wrote %s, outside its state folder %s", path, stateDir)
		}
	}
}

// freePort is a TCP port free on this machine a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// listFiles lists every file and folder below dir, by its path from dir
// ("/runs/..."), with its modification time.
func listFiles(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	files := map[string]time.Time{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files[strings.TrimPrefix(path, dir)] = info.ModTime()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
