package emulator

import (
	"sync"
	"testing"
	"time"
)

// stepClock is a clock the test moves by hand.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestBudgetAndBlock: within the budget answers carry the remaining count
// and the policy; the request over it gets 429 with Retry-After for the
// whole window, and so does every request of the same user until the
// block ends, even after the window would have slid; other users are
// not affected; blocked requests are not counted.
func TestBudgetAndBlock(t *testing.T) {
	t.Parallel()
	clock := &stepClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := NewServer(t, Options{Clock: clock.Now, Limit: Limit{Requests: 3, Window: time.Minute}})
	seed(s)
	path := orgPath("account", acct)
	alice := map[string]string{"Authorization": "Bearer alice"}
	bob := map[string]string{"X-Auth-Email": "bob@example.com", "X-Auth-Key": "bob-key"}

	for i, want := range []string{`"default";r=2;t=60`, `"default";r=1;t=50`, `"default";r=0;t=40`} {
		a := sendWith(t, s, "GET", path, "", alice)
		if a.status != 200 {
			t.Fatalf("request %d: status %d, want 200", i+1, a.status)
		}
		if got := a.header.Get("Ratelimit"); got != want {
			t.Errorf("request %d: Ratelimit %q, want %q", i+1, got, want)
		}
		if got := a.header.Get("Ratelimit-Policy"); got != `"default";q=3;w=60` {
			t.Errorf("request %d: Ratelimit-Policy %q", i+1, got)
		}
		clock.advance(10 * time.Second)
	}
	// 30s in: the fourth request exceeds the budget and starts a block of
	// a whole minute.
	a := sendWith(t, s, "GET", path, "", alice)
	if a.status != 429 || a.header.Get("Retry-After") != "60" || a.header.Get("Ratelimit") != `"default";r=0;t=60` {
		t.Fatalf("over the budget: status %d, Retry-After %q, Ratelimit %q; want 429, 60", a.status, a.header.Get("Retry-After"), a.header.Get("Ratelimit"))
	}
	if got := a.errs(); len(got) != 1 || got[0] != "971 Please wait and consider throttling your request speed" {
		t.Errorf("429 errors %v", got)
	}
	// Another user has a budget of their own.
	if a := sendWith(t, s, "GET", path, "", bob); a.status != 200 || a.header.Get("Ratelimit") != `"default";r=2;t=60` {
		t.Errorf("other user: status %d, Ratelimit %q; want 200 with a full budget", a.status, a.header.Get("Ratelimit"))
	}
	// 70s in, the first requests have left the window, but the block
	// lasts until 90s.
	clock.advance(40 * time.Second)
	if a := sendWith(t, s, "GET", path, "", alice); a.status != 429 || a.header.Get("Retry-After") != "20" {
		t.Errorf("during the block: status %d, Retry-After %q; want 429, 20", a.status, a.header.Get("Retry-After"))
	}
	// At 90s the block is over; the window (30s, 90s] holds only bob's
	// request, as blocked requests do not count.
	clock.advance(20 * time.Second)
	if a := sendWith(t, s, "GET", path, "", alice); a.status != 200 || a.header.Get("Ratelimit") != `"default";r=2;t=60` {
		t.Errorf("after the block: status %d, Ratelimit %q; want 200 and r=2", a.status, a.header.Get("Ratelimit"))
	}
	if n := s.Throttled(); n != 2 {
		t.Errorf("Throttled() = %d, want 2", n)
	}
	// The blocked requests are recorded with their status and change nothing.
	reqs := s.Requests()
	if reqs[3].Status != 429 || reqs[5].Status != 429 {
		t.Errorf("recorded statuses %d, %d; want 429", reqs[3].Status, reqs[5].Status)
	}
}

// TestBudgetBlocksWrites: a write over the budget is not applied.
func TestBudgetBlocksWrites(t *testing.T) {
	t.Parallel()
	clock := &stepClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := NewServer(t, Options{Token: token, Clock: clock.Now, Limit: Limit{Requests: 1, Window: time.Minute}})
	seed(s)
	path := orgPath("account", acct)
	if a := send(t, s, "GET", path, ""); a.status != 200 {
		t.Fatalf("GET: %d", a.status)
	}
	if a := send(t, s, "PUT", path, `{"name":"Changed","auth_domain":"x.cloudflareaccess.com"}`); a.status != 429 {
		t.Fatalf("PUT over the budget: %d, want 429", a.status)
	}
	s.SetLimit(Limit{})
	if a := send(t, s, "GET", path, ""); a.result()["name"] == "Changed" || a.header.Get("Ratelimit") != "" {
		t.Errorf("the blocked PUT was applied, or a lifted limit still sends headers: %v %v", a.result()["name"], a.header)
	}
}

// TestNoBudgetNoHeaders: without a Limit nothing is counted or sent.
func TestNoBudgetNoHeaders(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	for range 50 {
		if a := send(t, s, "GET", orgPath("account", acct), ""); a.status != 200 || a.header.Get("Ratelimit") != "" {
			t.Fatalf("status %d, Ratelimit %q", a.status, a.header.Get("Ratelimit"))
		}
	}
}
