package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreCommitHook runs the real pre-commit (Debian's package) against this
// repository's .pre-commit-hooks.yaml: `pre-commit try-repo` builds ztsync
// the way users' machines will, then runs the hook on a temporary
// repository holding a valid configuration (passes) and then an invalid one
// (fails, naming the file and line). .ci/run installs pre-commit, so CI
// never skips this; under CI=true a missing pre-commit fails the test.
func TestPreCommitHook(t *testing.T) {
	t.Parallel()
	preCommit := requireTool(t, "pre-commit", "apt-get install pre-commit")
	hookRepo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(hookRepo, ".git")); err != nil {
		t.Fatalf("try-repo needs the ztsync git checkout at %s: %v", hookRepo, err)
	}

	work := t.TempDir()
	gomodcache := strings.TrimSpace(goEnv(t, "GOMODCACHE"))
	environ := append(os.Environ(),
		"PRE_COMMIT_HOME="+filepath.Join(t.TempDir(), "pre-commit-home"),
		"GOMODCACHE="+gomodcache, // reuse the module cache instead of pre-commit's empty GOPATH
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
	)
	runIn := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = work
		cmd.Env = environ
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	mustRun := func(name string, args ...string) {
		t.Helper()
		if out, err := runIn(name, args...); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	mustRun("git", "init", "-q")
	good := `accounts: prod: {
	id: "699d98642c564d2e855e9661899b7252"
	organization: session_duration: "24h"
}
`
	writeFile(t, filepath.Join(work, "org.cue"), good)
	mustRun("git", "add", "-A")

	out, err := runIn(preCommit, "try-repo", hookRepo, "ztsync-validate", "--all-files", "--verbose")
	if err != nil {
		t.Fatalf("hook failed on a valid configuration: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Passed") {
		t.Fatalf("hook output does not say Passed:\n%s", out)
	}

	bad := `accounts: prod: {
	id: "699d98642c564d2e855e9661899b7252"
	organization: session_duration: "12 hours"
}
`
	writeFile(t, filepath.Join(work, "org.cue"), bad)
	mustRun("git", "add", "-A")
	out, err = runIn(preCommit, "try-repo", hookRepo, "ztsync-validate", "--all-files", "--verbose")
	if err == nil {
		t.Fatalf("hook passed on an invalid configuration:\n%s", out)
	}
	for _, want := range []string{"Failed", "org.cue:3:", "session_duration", "exit 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("hook output lacks %q:\n%s", want, out)
		}
	}
}

func goEnv(t *testing.T, key string) string {
	t.Helper()
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", key, err)
	}
	return string(out)
}
