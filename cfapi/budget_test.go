package cfapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
)

// waitLog collects what Options.OnWait is told.
type waitLog struct {
	mu    sync.Mutex
	waits []cfapi.Wait
}

func (l *waitLog) add(w cfapi.Wait) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits = append(l.waits, w)
}

func (l *waitLog) all() []cfapi.Wait {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]cfapi.Wait(nil), l.waits...)
}

// TestBudgetPacesTheClient: with a budget of 2 per minute, two calls go
// at once and the third waits a minute on the client's clock, reported
// through OnWait; the call sent after the wait counts in the budget like
// any other, so the fifth waits a minute again.
func TestBudgetPacesTheClient(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { okFor(w, r) })
	var log waitLog
	client, clock := newClient(t, srv.URL, func(o *cfapi.Options) {
		o.Budget = cfapi.Budget{Requests: 2, Window: time.Minute}
		o.OnWait = log.add
	})
	getOrgTimes(t, client, 5)
	if diff := cmp.Diff([]time.Duration{time.Minute, time.Minute}, clock.Slept()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	waits := log.all()
	if len(waits) != 2 {
		t.Fatalf("OnWait got %+v, want two 1m budget waits", waits)
	}
	for _, w := range waits {
		if w.Reason != cfapi.WaitBudget || w.Duration != time.Minute {
			t.Errorf("OnWait got %+v, want a 1m budget wait", w)
		}
	}
	if st := client.Stats(); st.BudgetWaits != 2 || st.Requests["GET"] != 5 {
		t.Errorf("Stats = %+v, want 2 budget waits and 5 GETs", st)
	}
}

// TestBudgetObeysRatelimitHeader: an answer saying no request remains
// for 20 s makes the next call wait 20 s, with no budget of its own; a
// reset of exactly Cloudflare's 5-minute window (a window spent at its
// start) is sat out too, though the timeout is shorter.
func TestBudgetObeysRatelimitHeader(t *testing.T) {
	for _, wait := range []time.Duration{20 * time.Second, cfapi.CloudflareWindow} {
		t.Run(wait.String(), func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					w.Header().Set("Ratelimit", fmt.Sprintf(`"default";r=0;t=%d`, int(wait.Seconds())))
				}
				okFor(w, r)
			})
			var log waitLog
			client, clock := newClient(t, srv.URL, func(o *cfapi.Options) { o.Timeout = 30 * time.Second; o.OnWait = log.add })
			getOrgTimes(t, client, 2)
			if diff := cmp.Diff([]time.Duration{wait}, clock.Slept()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if w := log.all(); len(w) != 1 || w[0].Reason != cfapi.WaitRemaining {
				t.Errorf("OnWait got %+v, want one wait for the remaining count", w)
			}
			if srv.requests() != 2 {
				t.Errorf("requests = %d, want 2", srv.requests())
			}
		})
	}
}

// getOrgTimes GETs the organization n times, one after the other; a
// failure ends the test.
func getOrgTimes(t *testing.T, c *cfapi.Client, n int) {
	t.Helper()
	for i := range n {
		if err := getOrg.do(t.Context(), c); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
}

// TestRetryAfterLongerThanTimeout: a 429 asking for a wait longer than the
// timeout fails at once, with no wait and no second attempt, and says
// for how long Cloudflare blocks; one within the timeout is waited for,
// reported through OnWait, and the write is sent exactly twice in all.
func TestRetryAfterLongerThanTimeout(t *testing.T) {
	for _, c := range []call{getOrg, createOrg, updateOrg, revoke} {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Retry-After", "3600")
				reply(w, http.StatusTooManyRequests, err429)
			})
			client, clock := newClient(t, srv.URL, func(o *cfapi.Options) { o.Timeout = 30 * time.Second })
			err := c.do(t.Context(), client)
			var te *cfapi.ThrottledError
			if !errors.As(err, &te) || te.Wait != time.Hour {
				t.Fatalf("error %v, want a ThrottledError of 1h", err)
			}
			var ae *cfapi.APIError
			if !errors.As(err, &ae) || ae.Status != 429 {
				t.Errorf("error does not wrap the 429 APIError: %v", err)
			}
			for _, want := range []string{"1h0m0s", "Retry-After", "30s timeout", "13:00:00 UTC", "429"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if srv.requests() != 1 || len(clock.Slept()) != 0 {
				t.Errorf("requests %d, waits %v; want 1 request and no wait", srv.requests(), clock.Slept())
			}
		})
	}
	t.Run("within the timeout", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After", "240")
				reply(w, http.StatusTooManyRequests, err429)
				return
			}
			okFor(w, r)
		})
		var log waitLog
		client, clock := newClient(t, srv.URL, func(o *cfapi.Options) { o.Timeout = 5 * time.Minute; o.OnWait = log.add })
		if err := updateOrg.do(t.Context(), client); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]time.Duration{4 * time.Minute}, clock.Slept()); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
		w := log.all()
		if len(w) != 1 || w[0].Reason != cfapi.WaitRetryAfter || w[0].Duration != 4*time.Minute || !strings.Contains(w[0].Detail, "429") {
			t.Errorf("OnWait got %+v, want one 4m Retry-After wait naming the 429", w)
		}
		if srv.requests() != 2 {
			t.Errorf("PUT sent %d times, want 2 (the 429, then the write)", srv.requests())
		}
	})
}

// TestBudgetAgainstEmulator: against the emulator enforcing 5 requests a
// minute, a client without a budget of its own reads the Ratelimit
// header and waits for the window instead of earning a 429; so does a
// client whose budget is above the emulator's, and one whose budget is
// below it never needs the header. Both sides run on one fake clock: no
// test sleeps.
func TestBudgetAgainstEmulator(t *testing.T) {
	for _, b := range []cfapi.Budget{{}, {Requests: 100, Window: time.Minute}, {Requests: 4, Window: time.Minute}} {
		t.Run(b.String(), func(t *testing.T) {
			srv, clock := limitedEmulator(t, emulator.Limit{Requests: 5, Window: time.Minute})
			c, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Clock = clock; o.Budget = b })
			start := clock.Now()
			getConcurrently(t, clock, c, 1, 12)
			noThrottling(t, srv, c, 12)
			// 12 requests at 5 (or 4) a minute span at least two slides.
			per := 5
			if b.Requests == 4 {
				per = 4
			}
			if elapsed, least := clock.Now().Sub(start), time.Duration((12-1)/per)*time.Minute; elapsed < least {
				t.Errorf("12 requests took %s of clock time, want at least %s", elapsed, least)
			}
		})
	}
}

// TestRemainingLongerThanTimeout: when Cloudflare's header says nothing
// is left for longer than the timeout and than Cloudflare's 5-minute
// window, the next call fails at once without sending.
func TestRemainingLongerThanTimeout(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Ratelimit", `"default";r=0;t=600`)
		okFor(w, r)
	})
	client, clock := newClient(t, srv.URL, func(o *cfapi.Options) { o.Timeout = 30 * time.Second })
	getOrgTimes(t, client, 1)
	err := getOrg.do(t.Context(), client)
	var te *cfapi.ThrottledError
	if !errors.As(err, &te) || te.Wait != 10*time.Minute || te.Err != nil {
		t.Fatalf("error %v, want a ThrottledError of 10m from the header", err)
	}
	// The call is named once, at the start.
	if want := "GET /accounts/" + account.ID + "/access/organizations: Cloudflare's Ratelimit header"; !strings.HasPrefix(err.Error(), want) || strings.Count(err.Error(), "/access/organizations") != 1 {
		t.Errorf("error %q, want it to start with %q and name the call once", err, want)
	}
	for _, want := range []string{"10m0s", "5m0s timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if srv.requests() != 1 || len(clock.Slept()) != 0 {
		t.Errorf("requests %d, waits %v; want 1 request and no wait", srv.requests(), clock.Slept())
	}
}

// TestBudgetConcurrentAgainstEmulator: 8 workers, 120 requests, against
// the emulator allowing 30 a minute, with no budget of the client's own:
// the Ratelimit header alone keeps every request of concurrent workers
// inside the limit, and the run takes no longer than the limit needs.
// One fake clock for both sides, driven so that it never moves while a
// request is out; no test sleeps.
func TestBudgetConcurrentAgainstEmulator(t *testing.T) {
	srv, clock := limitedEmulator(t, emulator.Limit{Requests: 30, Window: time.Minute})
	c, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Clock = clock; o.MaxRetries = 0 })
	start := clock.Now()
	getConcurrently(t, clock, c, 8, 15)
	noThrottling(t, srv, c, 120)
	// 30 a minute: the last 30 of 120 go three minutes after the first
	// at the soonest. Waiting for answers after each reset costs a minute
	// or two more, depending on the order the workers run in; not more.
	if elapsed := clock.Now().Sub(start); elapsed < 3*time.Minute || elapsed > 6*time.Minute {
		t.Errorf("120 requests took %s of clock time, want 3m to 6m", elapsed)
	}
}

// TestFreshClientSharedLimitNearlySpent: another tool of the same user
// (same token) spent 3 of the emulator's 4 requests per 15s; a fresh
// client with 8 workers and the default budget knows nothing of that
// until its first answer, so that request goes alone and its Ratelimit
// header paces the rest: not one 429. One fake clock; no test sleeps.
func TestFreshClientSharedLimitNearlySpent(t *testing.T) {
	srv, clock := limitedEmulator(t, emulator.Limit{Requests: 4, Window: 15 * time.Second})
	other, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Clock = clock })
	getConcurrently(t, clock, other, 1, 3)
	c, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Clock = clock; o.Budget = cfapi.DefaultBudget() })
	getConcurrently(t, clock, c, 8, 2)
	noThrottling(t, srv, c, 16)
}

// limitedEmulator is the emulator enforcing limit per user on a manual
// fake clock, with the account's organization set.
func limitedEmulator(t *testing.T, limit emulator.Limit) (*emulator.Server, *fakeClock) {
	t.Helper()
	clock := newFakeClock(true)
	srv := emulator.NewServer(t, emulator.Options{Token: testToken, Clock: clock.Now, Limit: limit})
	srv.SetOrganization(account.Kind, account.ID, orgBody)
	return srv, clock
}

// getConcurrently has workers goroutines each GET the organization n
// times through c, driving clock (fakeClock.runWorkers); every failure
// fails the test.
func getConcurrently(t *testing.T, clock *fakeClock, c *cfapi.Client, workers, n int) {
	t.Helper()
	clock.runWorkers(t, workers, func() {
		for range n {
			if _, err := c.GetOrganization(t.Context(), account); err != nil {
				t.Error(err)
			}
		}
	})
}

// noThrottling fails the test unless the emulator answered no 429 and c
// sent exactly gets GETs, each once.
func noThrottling(t *testing.T, srv *emulator.Server, c *cfapi.Client, gets int) {
	t.Helper()
	if n := srv.Throttled(); n != 0 {
		t.Errorf("the emulator answered %d 429s", n)
	}
	if st := c.Stats(); st.Requests["GET"] != gets || st.Throttled != 0 || st.Retries != 0 {
		t.Errorf("Stats = %+v, want %d GETs, no 429 and no retry", st, gets)
	}
}
