//go:build unix

package main

import "syscall"

// noCoreDumps keeps a crash (which aborts: see hardenProcess) from writing
// a core file, which would hold the credentials in memory.
func noCoreDumps() {
	_ = syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{})
}
