package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestActionWiring: `ztsync action` hands the step's environment and
// streams to package ghaction and exits with its code; the flow itself is
// tested in ghaction.
func TestActionWiring(t *testing.T) {
	t.Parallel()
	dir := configDir(t, map[string]string{
		"zt/main.cue":  "accounts: prod: {id: \"699d98642c564d2e855e9661899b7252\", organization: {name: \"W\", auth_domain: \"w.cloudflareaccess.com\"}}\n",
		"bad/main.cue": "accounts: prod: id: 12\n",
		"event.json":   "{}",
	})
	out := filepath.Join(dir, "output")
	environ := map[string]string{
		"GITHUB_EVENT_NAME": "workflow_dispatch",
		"GITHUB_EVENT_PATH": filepath.Join(dir, "event.json"),
		"GITHUB_OUTPUT":     out,
		"INPUT_COMMAND":     "validate",
		"INPUT_DIRECTORY":   filepath.Join(dir, "zt"),
	}
	code, stdout, stderr := runCLI(t, environ, "action")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), "valid: 1 file") {
		t.Errorf("GITHUB_OUTPUT: %q, %v", b, err)
	}

	environ["INPUT_DIRECTORY"] = filepath.Join(dir, "bad")
	code, stdout, _ = runCLI(t, environ, "action")
	if code != ExitInvalid || !strings.Contains(stdout, "::error ") {
		t.Errorf("exit %d, want %d with annotations:\n%s", code, ExitInvalid, stdout)
	}

	if code, _, stderr := runCLI(t, nil, "action"); code != ExitInvalid || !strings.Contains(stderr, "GITHUB_EVENT_NAME") {
		t.Errorf("outside a step: exit %d\n%s", code, stderr)
	}
	if code, _, _ := runCLI(t, environ, "action", "--no-such-flag"); code != ExitInvalid {
		t.Errorf("a flag: exit %d, want %d", code, ExitInvalid)
	}
}
