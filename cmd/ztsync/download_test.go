package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestActionDownloadsRelease runs action.yml's download step
// (.github/action/download-release.sh) against a local release server: at
// a release tag it installs the archive's binary after checking its
// SHA-256; a tampered archive fails the step and installs nothing; a ref
// without a release, or that is not a release tag, falls back to building
// from source (downloaded=false).
func TestActionDownloadsRelease(t *testing.T) {
	t.Parallel()
	requireTool(t, "bash", "apt-get install bash")
	requireTool(t, "curl", "apt-get install curl")
	script, err := filepath.Abs(filepath.Join(repoRoot, ".github", "action", "download-release.sh"))
	if err != nil {
		t.Fatal(err)
	}
	action, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(action), `run: bash "$ACTION_PATH/.github/action/download-release.sh"`) {
		t.Fatal("action.yml does not run .github/action/download-release.sh")
	}

	archive := tarGz(t, map[string]string{"ztsync": "#!/bin/sh\necho released ztsync\n", "README.md": "readme"})
	sum := sha256.Sum256(archive)
	good := hex.EncodeToString(sum[:]) + "  ztsync_1.2.3_linux_amd64.tar.gz\n" +
		strings.Repeat("0", 64) + "  ztsync_1.2.3_darwin_arm64.tar.gz\n"
	var requests atomic.Int32
	files := map[string][]byte{
		"/v1.2.3/checksums.txt":                   []byte(good),
		"/v1.2.3/ztsync_1.2.3_linux_amd64.tar.gz": archive,
		"/v2.0.0/checksums.txt":                   []byte(strings.ReplaceAll(good, "1.2.3", "2.0.0")),
		"/v2.0.0/ztsync_2.0.0_linux_amd64.tar.gz": append(bytes.Clone(archive), 0), // tampered
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		data, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	defer srv.Close()

	run := func(ref string) (downloaded string, bin string, out string, err error) {
		tmp := t.TempDir()
		output := filepath.Join(tmp, "output")
		cmd := exec.Command("bash", script)
		cmd.Env = append(os.Environ(), "ACTION_REF="+ref, "RUNNER_OS=Linux", "RUNNER_ARCH=X64",
			"RUNNER_TEMP="+tmp, "GITHUB_OUTPUT="+output, "ZTSYNC_RELEASES_URL="+srv.URL)
		o, err := cmd.CombinedOutput()
		got, _ := os.ReadFile(output)
		return strings.TrimSpace(string(got)), filepath.Join(tmp, "ztsync-bin", "ztsync"), string(o), err
	}

	// A release tag: downloaded, verified, runnable.
	d, bin, out, err := run("v1.2.3")
	if err != nil || d != "downloaded=true" {
		t.Fatalf("v1.2.3: %v, %q\n%s", err, d, out)
	}
	if res, err := exec.Command(bin).Output(); err != nil || string(res) != "released ztsync\n" {
		t.Errorf("installed binary: %v %q", err, res)
	}

	// A tampered archive: the step fails and installs nothing.
	d, bin, out, err = run("v2.0.0")
	if err == nil || d != "" || !strings.Contains(out, "does not match its checksums.txt") {
		t.Errorf("tampered archive: err %v, output %q\n%s", err, d, out)
	}
	if _, err := os.Stat(bin); err == nil {
		t.Errorf("a binary was installed from a tampered archive")
	}

	// No such release: build from source.
	d, _, out, err = run("v9.9.9")
	if err != nil || d != "downloaded=false" || !strings.Contains(out, "building ztsync from source") {
		t.Errorf("missing release: %v, %q\n%s", err, d, out)
	}

	// Not a release tag: build from source, without asking the server.
	before := requests.Load()
	for _, ref := range []string{"main", "v0", "", "0123456789abcdef0123456789abcdef01234567"} {
		d, _, out, err = run(ref)
		if err != nil || d != "downloaded=false" {
			t.Errorf("ref %q: %v, %q\n%s", ref, err, d, out)
		}
	}
	if requests.Load() != before {
		t.Errorf("refs that are not release tags made requests")
	}
}

// tarGz builds a .tar.gz holding files.
func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(content))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(content))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}
