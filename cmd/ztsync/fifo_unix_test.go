//go:build unix

package main

import (
	"syscall"
	"testing"
)

// mkfifo makes a named pipe at path: opening it for reading blocks until
// something opens it for writing.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}
