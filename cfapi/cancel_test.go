package cfapi_test

// A call cancelled while it waits ends at once with the cancellation's
// cause, and nothing more reaches the transport: not a request, not an
// attempt counted, not a wait.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ztsync/ztsync/cfapi"
)

// countingTransport counts the requests handed to the transport, sent or
// not, and passes them on to the standard one.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func (c *countingTransport) count() int { return int(c.n.Load()) }

// endsWithin waits for errc and fails the test when the call has not
// ended within a generous real-time bound: a call that should end at
// once and goes on (or spins) fails the test instead of hanging it.
func endsWithin(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not end after its context was cancelled")
		return nil
	}
}

// waitAll waits for wg like endsWithin.
func waitAll(t *testing.T, wg *sync.WaitGroup) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the calls did not end")
	}
}

func TestCancelDuringEachWait(t *testing.T) {
	t.Parallel()
	stop := errors.New("deploy window closed")
	tests := []struct {
		name string
		// answer serves request n (1-based).
		answer func(w http.ResponseWriter, r *http.Request, n int)
		opts   func(*cfapi.Options)
		// first is how many calls succeed before the one cancelled while
		// it waits.
		first int
		// wantSent is how many requests reach the transport in all.
		wantSent int
	}{
		{
			name:     "backoff after a 503",
			answer:   func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 503, err503) },
			wantSent: 1,
		},
		{
			name: "Retry-After of a 429",
			answer: func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Retry-After", "30")
				reply(w, 429, err429)
			},
			wantSent: 1,
		},
		{
			name:     "rate limit",
			answer:   func(w http.ResponseWriter, r *http.Request, n int) { okFor(w, r) },
			opts:     func(o *cfapi.Options) { o.RateLimit = 1 },
			first:    1,
			wantSent: 1,
		},
		{
			name:     "budget",
			answer:   func(w http.ResponseWriter, r *http.Request, n int) { okFor(w, r) },
			opts:     func(o *cfapi.Options) { o.Budget = cfapi.Budget{Requests: 1, Window: time.Minute} },
			first:    1,
			wantSent: 1,
		},
		{
			name: "Cloudflare's remaining count",
			answer: func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Ratelimit", `"default";r=0;t=20`)
				okFor(w, r)
			},
			first:    1,
			wantSent: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.answer)
			var tr countingTransport
			clock := newFakeClock(true)
			client, _ := newClient(t, srv.URL, func(o *cfapi.Options) {
				o.Clock = clock
				o.HTTPClient = &http.Client{Transport: &tr}
				if tt.opts != nil {
					tt.opts(o)
				}
			})
			for i := range tt.first {
				if err := getOrg.do(t.Context(), client); err != nil {
					t.Fatalf("call %d before the cancelled one: %v", i+1, err)
				}
			}
			ctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			errc := make(chan error, 1)
			go func() { errc <- getOrg.do(ctx, client) }()
			clock.waitSleepers(t, 1)
			cancel(stop)
			err := endsWithin(t, errc)
			if !errors.Is(err, stop) {
				t.Errorf("err = %v, want the cancellation's cause", err)
			}
			if want := "GET /accounts/" + account.ID + "/access/organizations: "; err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("err = %v, want it to start with %q", err, want)
			}
			if got := tr.count(); got != tt.wantSent {
				t.Errorf("requests handed to the transport = %d, want %d", got, tt.wantSent)
			}
			if got := client.Stats().Requests["GET"]; got != tt.wantSent {
				t.Errorf("Stats().Requests[GET] = %d, want %d", got, tt.wantSent)
			}
		})
	}
}

// TestCancelledBeforeBackoff: the caller cancels while an attempt is out
// and the answer is a 503; the call ends with the cause without starting
// the backoff (no wait counted, none asked of the clock) and without a
// second attempt.
func TestCancelledBeforeBackoff(t *testing.T) {
	t.Parallel()
	stop := errors.New("deploy window closed")
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	var calls atomic.Int32
	hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		cancel(stop) // while the answer is on its way
		return &http.Response{StatusCode: 503, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})}
	client, clock := newClient(t, "http://127.0.0.1:1", func(o *cfapi.Options) { o.HTTPClient = hc })
	err := getOrg.do(ctx, client)
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want the cancellation's cause", err)
	}
	if calls.Load() != 1 {
		t.Errorf("transport calls = %d, want 1", calls.Load())
	}
	if st := client.Stats(); st.Waits != 0 || st.WaitTime != 0 || len(clock.Slept()) != 0 {
		t.Errorf("Stats = %+v, clock waits %v; want no wait at all", st, clock.Slept())
	}
}

// A nil context is a caller's mistake: an error naming the call, not a
// panic, and nothing sent.
func TestNilContext(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { okFor(w, r) })
	client, _ := newClient(t, srv.URL)
	var ctx context.Context // nil
	for _, c := range []call{getOrg, createOrg, updateDoH, revoke} {
		err := c.do(ctx, client)
		if err == nil || !strings.Contains(err.Error(), "/accounts/") || !strings.Contains(err.Error(), "nil Context") {
			t.Errorf("%s: err = %v, want an error naming the call and the nil context", c.name, err)
		}
	}
	if _, err := client.GetDoH(ctx, account); err == nil || !strings.Contains(err.Error(), "GET /accounts/"+account.ID+"/access/organizations/doh: ") {
		t.Errorf("GetDoH: err = %v, want an error naming the call", err)
	}
	if n := srv.requests(); n != 0 {
		t.Errorf("requests = %d, want 0", n)
	}
}
