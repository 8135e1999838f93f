package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs the whole command line in-process, as main does, with empty
// stdin, buffers for stdout and stderr, and environ as the environment
// (nil: empty). It returns the exit code, stdout and stderr.
func runCLI(t *testing.T, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{
		stdin:  strings.NewReader(""),
		stdout: &stdout,
		stderr: &stderr,
		getenv: func(k string) string { return environ[k] },
	}
	code := run(context.Background(), args, e)
	return code, stdout.String(), stderr.String()
}
