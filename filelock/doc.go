// Package filelock serialises ztsync processes that work on one file: two
// applies of one plan file, two commands on one --emulator state file.
//
// Acquire takes an exclusive lock on a lock file next to the file it
// guards, waiting while another process holds it, and Release gives it up
// and removes the lock file. On Linux and macOS the lock is flock(2): the
// kernel drops it when the process dies, so a crash never leaves a stale
// lock. Elsewhere (Windows) the lock file is created exclusively; a crash
// there leaves it behind and Acquire says which file to remove.
package filelock
