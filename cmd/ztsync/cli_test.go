package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// configDir writes files (slash-separated name -> content) under a new
// temporary directory and returns it. Every test that needs a
// configuration or a state file on disk writes it with this.
func configDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
