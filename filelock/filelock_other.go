//go:build !unix

package filelock

import (
	"errors"
	"fmt"
	"os"
)

type handle = *os.File

// tryLock creates the lock file exclusively; an existing one is busy.
func tryLock(path string) (h handle, busy bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, false, nil
}

func unlock(path string, f handle) error {
	f.Close()
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("unlock %s: %w", path, err)
	}
	return nil
}
