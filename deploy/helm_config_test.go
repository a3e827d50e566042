// Copyright 2026 The jsonl-exporter Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// podRoot lays out, below a temporary folder, the files the exporter's
// container sees: the rendered ConfigMaps and Secrets where they are
// mounted, stand-ins for the Secrets the user brings (a certificate and
// key for TLS files, a word for a password), and empty folders for the
// runs and the state. Paths in the configuration and the web
// configuration are moved below the folder. It returns the folder and
// the container's arguments, moved likewise.
func podRoot(t *testing.T, r *rendered) (root string, args []string) {
	t.Helper()
	d, c := r.deployment(t)
	ms := mounts(t, d, c)
	root = t.TempDir()
	move := func(s string) string {
		if m := mountOf(ms, s); m != nil {
			return root + s
		}
		return s
	}
	certPEM, keyPEM := selfSignedCert(t)
	// referenced lists the files the configuration names, for the
	// Secrets that are not rendered.
	referenced := map[string]string{}
	fileKeys(r.exporterConfig(t), "", referenced)
	write := func(path string, data []byte) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range ms {
		dir := root + m.MountPath
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case m.volume.ConfigMap != nil:
			cm := r.configMap(m.volume.ConfigMap.Name)
			if cm == nil {
				t.Fatalf("volume %s: ConfigMap %s is not rendered", m.Name, m.volume.ConfigMap.Name)
			}
			for name, content := range cm.Data {
				write(filepath.Join(dir, name), []byte(moveStrings(t, content, move)))
			}
		case m.volume.Secret != nil:
			if s := r.secret(m.volume.Secret.SecretName); s != nil {
				for name, content := range s.StringData {
					write(filepath.Join(dir, name), []byte(moveStrings(t, content, move)))
				}
				for name, content := range s.Data {
					write(filepath.Join(dir, name), content)
				}
				continue
			}
			// A Secret of the user's: what a kubernetes.io/tls Secret holds,
			// a web configuration if one is read from it, and a word for
			// every other file the configuration names in it.
			write(filepath.Join(dir, "tls.crt"), certPEM)
			write(filepath.Join(dir, "ca.crt"), certPEM)
			write(filepath.Join(dir, "tls.key"), keyPEM)
			for _, path := range referenced {
				if !within(path, m.MountPath) {
					continue
				}
				switch {
				case filepath.Base(path) == "web-config.yml":
					web := "tls_server_config:\n  cert_file: " + m.MountPath + "/tls.crt\n  key_file: " + m.MountPath + "/tls.key\n"
					write(root+path, []byte(moveStrings(t, web, move)))
				case strings.HasSuffix(path, ".crt"):
					write(root+path, certPEM)
				case strings.HasSuffix(path, ".key"):
					write(root+path, keyPEM)
				default:
					write(root+path, []byte("fixture-secret\n"))
				}
			}
		}
	}
	for _, a := range c.Args {
		if flag, value, ok := strings.Cut(a, "="); ok {
			args = append(args, flag+"="+move(value))
		} else {
			args = append(args, move(a))
		}
	}
	return root, args
}

// moveStrings rewrites every string of a YAML document through move.
func moveStrings(t *testing.T, doc string, move func(string) string) string {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case string:
			return move(v)
		case []any:
			for i := range v {
				v[i] = walk(v[i])
			}
		case map[string]any:
			for k := range v {
				v[k] = walk(v[k])
			}
		}
		return v
	}
	out, err := yaml.Marshal(walk(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// checkConfigLoads runs the exporter on the container's command line in
// a copy of the pod's files, with --config.check: the exporter loads the
// rendered configuration file strictly, as at start in the pod, and
// refuses an unknown key, a bad value, an unreadable certificate.
func checkConfigLoads(t *testing.T, r *rendered, exporter string) {
	_, c := r.deployment(t)
	root, args := podRoot(t, r)
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("args %q, want serve first", args)
	}
	cmd := exec.Command(exporter, append(args, "--config.check")...)
	cmd.Dir = root
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "JSONL_EXPORTER_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "configuration OK") {
		cfg, _ := os.ReadFile(filepath.Join(root, "etc", "jsonl-exporter", "config", "config.yml"))
		t.Errorf("jsonl-exporter %q --config.check: %v\n%s\nconfig.yml:\n%s", args, err, out, cfg)
	}
}

// selfSignedCert is a certificate for localhost, its own CA, and its key.
func selfSignedCert(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "jsonl-exporter test"},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}
