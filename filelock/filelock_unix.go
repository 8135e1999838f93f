//go:build unix

package filelock

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

type handle = *os.File

// tryLock opens (creating) the lock file and tries flock(LOCK_EX|LOCK_NB).
// The holder removes the file before unlocking, so a lock taken on a file
// that is no longer the one at path (same device and inode) is dropped and
// reported busy, to be tried again on the new file.
func tryLock(path string) (h handle, busy bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) || errors.Is(err, unix.EAGAIN) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
	held, err1 := f.Stat()
	now, err2 := os.Stat(path)
	if err1 != nil || err2 != nil || !os.SameFile(held, now) {
		f.Close() // the holder removed it meanwhile: try the new one
		return nil, true, nil
	}
	return f, false, nil
}

func unlock(path string, f handle) error {
	rmErr := os.Remove(path)
	if err := f.Close(); err != nil { // closing drops the flock
		return fmt.Errorf("unlock %s: %w", path, err)
	}
	if rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
		return fmt.Errorf("unlock %s: %w", path, rmErr)
	}
	return nil
}
