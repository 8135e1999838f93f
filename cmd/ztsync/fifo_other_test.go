//go:build !unix

package main

import "testing"

// mkfifo: named pipes are a unix hostile case.
func mkfifo(t *testing.T, path string) {
	t.Skip("named pipes need a unix system")
}
