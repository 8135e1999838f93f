package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/planner"
)

// cliResult is one run of the command line.
type cliResult struct {
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// runEnv runs the whole command line in-process, as main does, with e's
// stdin, getenv and isTerminal (stdout and stderr are replaced by
// buffers).
func runEnv(ctx context.Context, e *env, args ...string) cliResult {
	var stdout, stderr bytes.Buffer
	e.stdout, e.stderr = &stdout, &stderr
	if e.stdin == nil {
		e.stdin = strings.NewReader("")
	}
	if e.getenv == nil {
		e.getenv = func(string) string { return "" }
	}
	code := run(ctx, args, e)
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// runCLI runs the command line with empty stdin and environ as the
// environment (nil: empty). It returns the exit code, stdout and stderr.
func runCLI(t *testing.T, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	r := runEnv(context.Background(), &env{getenv: func(k string) string { return environ[k] }}, args...)
	return r.code, r.stdout, r.stderr
}

// writeFile writes content to path, making its directory. Every test
// that puts a configuration, a state file or a plan file on disk writes
// it with this (configDir for a fresh directory of them).
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// configDir writes files (slash-separated name -> content) under a new
// temporary directory and returns it.
func configDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), data)
	}
	return dir
}

// gitCommit commits everything in the git repository at repo, making the
// repository on first use. Git is needed (under CI=true its absence fails
// the test).
func gitCommit(t *testing.T, repo, msg string) {
	t.Helper()
	requireTool(t, "git", "apt-get install git")
	if _, err := os.Stat(filepath.Join(repo, ".git")); err != nil {
		gitRun(t, repo, "init", "-q", "-b", "main")
	}
	gitRun(t, repo, "add", "-A")
	gitRun(t, repo, "commit", "-q", "-m", msg)
}

// gitRun runs git in dir with a fixed identity and no user or system
// configuration.
func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// readPlan reads the plan file at path as apply does.
func readPlan(t *testing.T, path string) *planner.Plan {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.ReadPlan(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

// editPlan rewrites the plan file at path through f, as a tamperer would;
// with refingerprint the fingerprint is recomputed so the file reads as
// valid.
func editPlan(t *testing.T, path string, refingerprint bool, f func(p *planner.Plan)) {
	t.Helper()
	p := readPlan(t, path)
	f(p)
	if refingerprint {
		p.Fingerprint = planner.Fingerprint(p)
	}
	var buf bytes.Buffer
	if err := planner.WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, buf.String())
}
