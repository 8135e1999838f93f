package cfapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/schema"
)

const (
	testToken = "tok-SECRET-3f9a7c1e5b"
	testKey   = "key-SECRET-8d2e6a4c0f"
	testEmail = "ops@example.com"
)

var (
	account = schema.Scope{Kind: schema.KindAccount, Name: "prod", ID: "0123456789abcdef0123456789abcdef"}
	zone    = schema.Scope{Kind: schema.KindZone, Name: "shop", ID: "fedcba9876543210fedcba9876543210"}
)

// fakeClock is a Clock whose time moves only when someone sleeps (auto) or
// when the test calls Advance (manual).
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	manual  bool
	slept   []time.Duration
	waiters map[*fakeWaiter]struct{}
}

type fakeWaiter struct {
	until time.Time
	ch    chan struct{}
}

func newFakeClock(manual bool) *fakeClock {
	return &fakeClock{
		now:     time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		manual:  manual,
		waiters: map[*fakeWaiter]struct{}{},
	}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.slept = append(f.slept, d)
	if !f.manual {
		f.now = f.now.Add(d)
		f.mu.Unlock()
		return context.Cause(ctx)
	}
	w := &fakeWaiter{until: f.now.Add(d), ch: make(chan struct{})}
	f.waiters[w] = struct{}{}
	f.mu.Unlock()
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		f.mu.Lock()
		delete(f.waiters, w)
		f.mu.Unlock()
		return context.Cause(ctx)
	}
}

// Advance moves time on and wakes the sleepers whose time has come.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(d)
}

func (f *fakeClock) advance(d time.Duration) {
	f.now = f.now.Add(d)
	for w := range f.waiters {
		if !w.until.After(f.now) {
			close(w.ch)
			delete(f.waiters, w)
		}
	}
}

// Slept returns every wait asked of the clock, in order.
func (f *fakeClock) Slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.slept...)
}

// sleepers returns the wake-up times of the goroutines asleep now.
func (f *fakeClock) sleepers() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ts []time.Time
	for w := range f.waiters {
		ts = append(ts, w.until)
	}
	return ts
}

// waitSleepers polls (in real time, not asserting on it) until n
// goroutines sleep on the clock.
func (f *fakeClock) waitSleepers(t *testing.T, n int) []time.Time {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ts := f.sleepers(); len(ts) == n {
			return ts
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d sleepers, have %d", n, len(f.sleepers()))
		}
		time.Sleep(time.Millisecond)
	}
}

// runWorkers runs work in n goroutines at once on a manual clock and
// drives the clock: whenever every worker still running sleeps on it,
// time jumps to the earliest wake-up. Time never moves while a worker is
// busy, a request in flight included, as if the network took no time:
// the run is the same whatever the scheduling. (An automatic clock moved
// on by every sleeper would run ahead while others' requests are out.)
func (f *fakeClock) runWorkers(t *testing.T, n int, work func()) {
	t.Helper()
	if !f.manual {
		t.Fatal("runWorkers needs a manual clock")
	}
	var running atomic.Int32
	running.Store(int32(n))
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			defer running.Add(-1)
			work()
		})
	}
	go func() { wg.Wait(); close(done) }()
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-done:
			return
		case <-time.After(100 * time.Microsecond):
		}
		f.mu.Lock()
		if n := len(f.waiters); n > 0 && n == int(running.Load()) {
			next := time.Time{}
			for w := range f.waiters {
				if next.IsZero() || w.until.Before(next) {
					next = w.until
				}
			}
			f.advance(next.Sub(f.now))
		}
		f.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("workers still running after a minute; %d asleep on the clock", len(f.sleepers()))
		}
	}
}

// server is an httptest server whose handler gets the 1-based number of
// the request it serves.
type server struct {
	*httptest.Server
	n atomic.Int32
}

func newServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request, n int)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r, int(s.n.Add(1)))
	}))
	t.Cleanup(s.Close)
	return s
}

// requests is how many requests the server has seen.
func (s *server) requests() int { return int(s.n.Load()) }

// reply writes status and body as JSON.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// drop closes the connection without an answer.
func drop(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

const (
	okOrg    = `{"success":true,"errors":[],"messages":[],"result":{"name":"Acme","auth_domain":"acme.cloudflareaccess.com"}}`
	okRevoke = `{"result":true,"success":true}`
	err503   = `{"success":false,"errors":[{"code":10001,"message":"service unavailable"}],"messages":[],"result":null}`
	err429   = `{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}],"messages":[],"result":null}`
)

// newClient returns a token client for url with a fake auto clock, no
// jitter and MaxRetries 4; opts may change any of it.
func newClient(t *testing.T, url string, opts ...func(*cfapi.Options)) (*cfapi.Client, *fakeClock) {
	t.Helper()
	clock := newFakeClock(false)
	o := cfapi.Options{
		BaseURL:    url,
		Token:      testToken,
		MaxRetries: 4,
		Clock:      clock,
		Rand:       func() float64 { return 0 },
	}
	for _, f := range opts {
		f(&o)
	}
	if fc, ok := o.Clock.(*fakeClock); ok {
		clock = fc
	}
	c, err := cfapi.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// The tests run on fake clocks and take milliseconds. One still
	// running after hangLimit of real time hangs (a wait that never ends,
	// a retry loop that spins): end the test binary with a message
	// instead of holding it until go test's timeout.
	hang := time.AfterFunc(hangLimit, func() {
		panic(fmt.Sprintf("%s: still running after %s of real time: a call hangs", t.Name(), hangLimit))
	})
	t.Cleanup(func() { hang.Stop() })
	return c, clock
}

const hangLimit = 30 * time.Second
