package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// requireTool returns the path of the program name. When it is missing, the
// test is skipped on a developer's machine but fails under CI=true: CI
// (.ci/run) installs every tool the tests use, so a skip there would hide a
// test that never ran.
func requireTool(t *testing.T, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed, and under CI=true a test never passes by skipping: %s (.ci/run does)", name, install)
	}
	t.Skipf("%s is not installed (%s); under CI=true this fails", name, install)
	return ""
}

// buildZtsync builds this package into a temporary directory with the extra
// go build flags and returns the binary's path.
func buildZtsync(t *testing.T, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ztsync")
	args := append([]string{"build", "-o", bin}, flags...)
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
