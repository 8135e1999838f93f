package filelock_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ztsync/ztsync/filelock"
)

// TestExclusive: many goroutines taking one lock never overlap, and the
// lock file is gone once the last releases it.
func TestExclusive(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json.lock")
	var mu sync.Mutex
	inside, most := 0, 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			l, err := filelock.Acquire(t.Context(), path, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inside++
			most = max(most, inside)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
			if err := l.Release(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if most != 1 {
		t.Errorf("%d holders at once, want 1", most)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left behind: %v", err)
	}
}

// TestWaitsThenCancels: a held lock makes Acquire say it waits once, and
// give up with the context's error.
func TestWaitsThenCancels(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "plan.json.lock")
	held, err := filelock.Acquire(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	waits := 0
	_, err = filelock.Acquire(ctx, path, func() { waits++ })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the deadline", err)
	}
	if waits != 1 {
		t.Errorf("waiting called %d times, want 1", waits)
	}
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := filelock.Acquire(t.Context(), path, nil)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}
