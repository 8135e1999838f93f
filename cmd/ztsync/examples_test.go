package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamplesWalkthrough runs the README's walkthrough on every example:
// validate, plan against its live.json (which plan must not change), plan
// --out, apply the file, and plan again: "No changes.". It keeps the
// examples valid and the first README command working.
func TestExamplesWalkthrough(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("../../examples/*/live.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 2 {
		t.Fatalf("found %d examples with a live.json, want quickstart and multi-account", len(dirs))
	}
	for _, live := range dirs {
		dir := filepath.Dir(live)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			if code, _, stderr := runCLI(t, nil, "validate", "--dir", dir); code != ExitOK {
				t.Fatalf("validate: exit %d\n%s", code, stderr)
			}

			tracked, err := os.ReadFile(live)
			if err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, nil, "plan", "--dir", dir, "--emulator", live, "--detailed-exitcode")
			if code != ExitChanges {
				t.Fatalf("plan of the example: exit %d, want %d (the example shows changes)\n%s%s", code, ExitChanges, stdout, stderr)
			}
			if after, _ := os.ReadFile(live); !bytes.Equal(after, tracked) {
				t.Fatalf("plan changed %s", live)
			}

			state := filepath.Join(t.TempDir(), "live.json")
			writeFile(t, state, string(tracked))
			planFile := filepath.Join(t.TempDir(), "plan.json")
			if code, _, stderr := runCLI(t, nil, "plan", "--dir", dir, "--emulator", state, "--out", planFile); code != ExitOK {
				t.Fatalf("plan --out: exit %d\n%s", code, stderr)
			}
			code, stdout, stderr = runCLI(t, nil, "apply", planFile, "--emulator", state, "--max-change-percent", "100")
			if code != ExitOK {
				t.Fatalf("apply: exit %d\n%s%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, "Apply complete:") || !strings.Contains(stdout, " 0 failed") {
				t.Errorf("apply report:\n%s", stdout)
			}
			code, stdout, stderr = runCLI(t, nil, "plan", "--dir", dir, "--emulator", state, "--detailed-exitcode")
			if code != ExitOK || !strings.Contains(stdout, "No changes.") {
				t.Fatalf("plan after apply: exit %d, want 0 and No changes.\n%s%s", code, stdout, stderr)
			}
		})
	}
}
