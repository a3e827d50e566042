// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/crypto/bcrypt"
)

// The endpoints locked with --web.config.file, the flags, and a graceful
// stop under load. A broken config on SIGHUP keeping the running one is
// TestReloadOnSIGHUP in main_test.go.

// selfSignedCert writes a certificate for 127.0.0.1 and its key, and
// returns their paths and a pool that trusts the certificate.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "jsonl-exporter test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func randomPassword(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestTLSWithBasicAuth(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "r1", "metrics.jsonl"), `{"step":1,"train.loss":2}`+"\n")
	certFile, keyFile, pool := selfSignedCert(t, dir)
	password := randomPassword(t)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webCfg := filepath.Join(dir, "web.yml")
	writeFile(t, webCfg, fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prometheus: %s\n", certFile, keyFile, hash))
	p := startExporter(t, "--input", filepath.Join(dir, "*", "metrics.jsonl"), "--web.config.file", webCfg)

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	fetch := func(url, user, pass string) (int, string, error) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), nil
	}
	metricsURL := "https://" + p.addr + "/metrics"

	// The right password, once the file is read.
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body, err := fetch(metricsURL, "prometheus", password)
		if err == nil && status == http.StatusOK && strings.Contains(body, `ml_train_loss{run="r1"} 2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("right password over HTTPS: status %d, err %v, body:\n%s", status, err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}

	for _, tt := range []struct {
		name, url, user, pass string
		want                  int
	}{
		{"wrong password", metricsURL, "prometheus", "wrong", http.StatusUnauthorized},
		{"unknown user", metricsURL, "alice", password, http.StatusUnauthorized},
		{"no password", metricsURL, "", "", http.StatusUnauthorized},
		{"landing page without password", "https://" + p.addr + "/", "", "", http.StatusUnauthorized},
		{"landing page", "https://" + p.addr + "/", "prometheus", password, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := fetch(tt.url, tt.user, tt.pass)
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.want {
				t.Errorf("status %d, want %d", status, tt.want)
			}
			if tt.want != http.StatusOK && strings.Contains(body, "ml_") {
				t.Errorf("metrics served with status %d:\n%s", status, body)
			}
			if strings.Contains(body, password) || strings.Contains(body, string(hash)) {
				t.Errorf("the response shows a credential:\n%s", body)
			}
		})
	}

	t.Run("plain HTTP to the TLS port", func(t *testing.T) {
		resp, err := http.Get("http://" + p.addr + "/metrics")
		if err != nil {
			return // refused outright: fine
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		t.Logf("plain HTTP: status %d", resp.StatusCode)
		if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(body), "ml_") {
			t.Errorf("plain HTTP: status %d, want 400 and no metrics; body:\n%s", resp.StatusCode, body)
		}
	})

	t.Run("TLS handshake errors in the log's format", func(t *testing.T) {
		conn, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = conn.Write([]byte("\x16\x03\x01\x00\x05\x00\x00\x00\x00\x00garbage"))
		_, _ = io.ReadAll(conn)
		conn.Close()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(p.stderr.String(), "TLS handshake error") {
			if time.Now().After(deadline) {
				t.Fatalf("no handshake error logged:\n%s", p.stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		for _, line := range strings.Split(p.stderr.String(), "\n") {
			if strings.Contains(line, "TLS handshake error") && !strings.HasPrefix(line, "time=") {
				t.Errorf("handshake error outside the log format: %q", line)
			}
		}
	})

	if log := p.stderr.String(); strings.Contains(log, password) || strings.Contains(log, string(hash)) {
		t.Errorf("a credential appears in the log:\n%s", log)
	}
}

// TestPprofOnlyWhenEnabled: the landing page offers profiles, and
// /debug/pprof/ serves them, only with --web.enable-pprof.
func TestPprofOnlyWhenEnabled(t *testing.T) {
	dir := t.TempDir()
	for _, enabled := range []bool{false, true} {
		args := []string{"--input", filepath.Join(dir, "*.jsonl")}
		if enabled {
			args = append(args, "--web.enable-pprof")
		}
		p := startExporter(t, args...)
		_, landing := get(t, "http://"+p.addr+"/", "", "")
		status, _ := get(t, "http://"+p.addr+"/debug/pprof/", "", "")
		if strings.Contains(landing, "debug/pprof") != enabled || (status == http.StatusOK) != enabled {
			t.Errorf("enabled=%v: landing links to pprof: %v, /debug/pprof/ status %d", enabled, strings.Contains(landing, "debug/pprof"), status)
		}
	}
}

// TestNoFlagTakesACredential: flags are visible to every user in ps, so
// secrets only ever come from files (--web.config.file,
// --remote-write.password-file): a flag that names one takes a file.
func TestNoFlagTakesACredential(t *testing.T) {
	credential := regexp.MustCompile(`(?i)pass|token|secret|credential|api.?key|bearer|auth`)
	for _, cmd := range []command{cmdServe, cmdDemo, cmdInspect} {
		newFlagSet("jsonl-exporter", cmd).VisitAll(func(f *pflag.Flag) {
			if credential.MatchString(f.Name) && !strings.HasSuffix(f.Name, "-file") {
				t.Errorf("flag --%s looks like it takes a credential", f.Name)
			}
		})
	}
}

// TestSIGTERMWhileBusy stops the exporter while it reads a large log and
// trainers keep writing.
func TestSIGTERMWhileBusy(t *testing.T) {
	dir := t.TempDir()
	var big strings.Builder
	for i := range 400000 {
		fmt.Fprintf(&big, `{"step":%d,"epoch":%d,"train.loss":%g,"lr":0.0001}`+"\n", i, i/1000, 1/float64(i+1))
	}
	writeFile(t, filepath.Join(dir, "big", "logs", "metrics.jsonl"), big.String())

	done := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(done); wg.Wait() }()
	for w := range 4 {
		path := filepath.Join(dir, fmt.Sprintf("busy-%d", w), "logs", "metrics.jsonl")
		writeFile(t, path, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				panic(err)
			}
			defer f.Close()
			for step := 0; ; step++ {
				select {
				case <-done:
					return
				default:
				}
				fmt.Fprintf(f, `{"step":%d,"train.loss":%g}`+"\n", step, 1/float64(step+1))
				time.Sleep(time.Millisecond) // paces the writer
			}
		}()
	}

	p := startExporter(t, "--input", filepath.Join(dir, "**", "metrics.jsonl"), "--discovery.interval", "100ms")
	body := waitFor(t, "http://"+p.addr+"/metrics", `ml_train_loss{run="busy-0"}`, `ml_train_loss{run="busy-3"}`)
	t.Logf("at SIGTERM: %s of 399999 (the large log)", regexp.MustCompile(`ml_step\{run="big"\} \S+`).FindString(body))
	terminate(t, p)
}
