package filelock

import (
	"context"
	"time"
)

// pollInterval is how often Acquire tries again while the lock is held.
const pollInterval = 50 * time.Millisecond

// Lock is a held lock. Release it when done.
type Lock struct {
	path string
	h    handle
}

// Path is the lock file's path.
func (l *Lock) Path() string { return l.path }

// Acquire takes the exclusive lock on the lock file at path, creating it.
// When another process holds it, waiting is called once (nil: nothing)
// and Acquire tries again every 50ms until it gets the lock or ctx is done,
// then returns ctx's error.
func Acquire(ctx context.Context, path string, waiting func()) (*Lock, error) {
	said := false
	for {
		h, busy, err := tryLock(path)
		if err != nil {
			return nil, err
		}
		if !busy {
			return &Lock{path: path, h: h}, nil
		}
		if !said && waiting != nil {
			waiting()
			said = true
		}
		t := time.NewTimer(pollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, context.Cause(ctx)
		case <-t.C:
		}
	}
}

// Release removes the lock file and gives up the lock. It is safe to call
// more than once.
func (l *Lock) Release() error {
	if l == nil || l.h == nil {
		return nil
	}
	err := unlock(l.path, l.h)
	l.h = nil
	return err
}
