package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBinaryDoesNotLinkTesting: the ztsync binary carries no test
// framework. Package testing registers its -test.* flags and brings code
// that only tests need; a helper taking testing.TB in a package the binary
// imports is enough to link it.
func TestBinaryDoesNotLinkTesting(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 || !slices.Contains(deps, module+"/pipeline") {
		t.Fatalf("go list -deps gave %d packages, not the binary's: %v", len(deps), deps)
	}
	for _, d := range deps {
		if d == "testing" {
			t.Errorf("cmd/ztsync links package testing; find the importer with: go list -f '{{.ImportPath}} {{.Imports}}' -deps ./cmd/ztsync | grep ' testing'")
		}
	}
}
