package cfapi_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/schema"
)

var orgBody = schema.Object{"name": "Acme", "auth_domain": "acme.cloudflareaccess.com"}

// call names one client method, for tables.
type call struct {
	name string
	do   func(context.Context, *cfapi.Client) error
}

var (
	getOrg = call{"GET org", func(ctx context.Context, c *cfapi.Client) error {
		_, err := c.GetOrganization(ctx, account)
		return err
	}}
	createOrg = call{"POST create", func(ctx context.Context, c *cfapi.Client) error {
		_, err := c.CreateOrganization(ctx, account, orgBody)
		return err
	}}
	updateOrg = call{"PUT org", func(ctx context.Context, c *cfapi.Client) error {
		_, err := c.UpdateOrganization(ctx, zone, orgBody)
		return err
	}}
	updateDoH = call{"PUT DoH", func(ctx context.Context, c *cfapi.Client) error {
		_, err := c.UpdateDoH(ctx, account, schema.Object{"doh_jwt_duration": "800h"})
		return err
	}}
	revoke = call{"POST revoke", func(ctx context.Context, c *cfapi.Client) error {
		return c.RevokeUser(ctx, account, schema.Object{"email": "a@example.com"})
	}}
)

// okFor answers a successful call of r's kind.
func okFor(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/revoke_user") {
		reply(w, 200, okRevoke)
		return
	}
	reply(w, 200, okOrg)
}

func TestRetryAfter(t *testing.T) {
	now := newFakeClock(false).Now()
	tests := []struct {
		name       string
		retryAfter string
		want       []time.Duration // waits on the clock
		// reported are the waits OnWait is told of: every pause after a
		// 429 (Retry-After, else the backoff), but not a zero one.
		reported []time.Duration
	}{
		{"seconds", "3", []time.Duration{3 * time.Second}, []time.Duration{3 * time.Second}},
		{"zero", "0", nil, nil},
		{"fraction", "1.5", []time.Duration{1500 * time.Millisecond}, []time.Duration{1500 * time.Millisecond}},
		{"HTTP date", now.Add(5 * time.Second).Format(http.TimeFormat), []time.Duration{5 * time.Second}, []time.Duration{5 * time.Second}},
		{"HTTP date in the past", now.Add(-time.Hour).Format(http.TimeFormat), nil, nil},
		// No cap: a block lasts what Cloudflare says (within the timeout,
		// which the client options below raise to two hours).
		{"a whole block", "300", []time.Duration{5 * time.Minute}, []time.Duration{5 * time.Minute}},
		{"date an hour on", now.Add(time.Hour).Format(http.TimeFormat), []time.Duration{time.Hour}, []time.Duration{time.Hour}},
		{"absent: backoff", "", []time.Duration{time.Second}, []time.Duration{time.Second}},
		{"garbage: backoff", "soon", []time.Duration{time.Second}, []time.Duration{time.Second}},
		{"negative: backoff", "-4", []time.Duration{time.Second}, []time.Duration{time.Second}},
	}
	for _, tt := range tests {
		for _, c := range []call{getOrg, createOrg, revoke} {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
					if n == 1 {
						if tt.retryAfter != "" {
							w.Header().Set("Retry-After", tt.retryAfter)
						}
						reply(w, http.StatusTooManyRequests, err429)
						return
					}
					okFor(w, r)
				})
				var log waitLog
				client, clock := newClient(t, srv.URL, func(o *cfapi.Options) { o.Timeout = 2 * time.Hour; o.OnWait = log.add })
				if err := c.do(t.Context(), client); err != nil {
					t.Fatalf("call: %v", err)
				}
				var reported []time.Duration
				for _, w := range log.all() {
					if w.Reason != cfapi.WaitRetryAfter || !w.Until.Equal(now.Add(w.Duration)) {
						t.Errorf("OnWait got %+v, want a Retry-After wait from now", w)
					}
					reported = append(reported, w.Duration)
				}
				if diff := cmp.Diff(tt.reported, reported); diff != "" {
					t.Errorf("waits told to OnWait (-want +got):\n%s", diff)
				}
				if got := srv.requests(); got != 2 {
					t.Errorf("attempts = %d, want 2", got)
				}
				if diff := cmp.Diff(tt.want, clock.Slept()); diff != "" {
					t.Errorf("waits mismatch (-want +got):\n%s", diff)
				}
				st := client.Stats()
				if st.Throttled != 1 || st.Retries != 1 {
					t.Errorf("Stats = %+v, want Throttled 1, Retries 1", st)
				}
			})
		}
	}
}

func TestRetryServerErrorsAndDrops(t *testing.T) {
	fail503 := func(t *testing.T, w http.ResponseWriter) { reply(w, 503, err503) }
	failHTML := func(t *testing.T, w http.ResponseWriter) {
		w.WriteHeader(502)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	}
	tests := []struct {
		name string
		fail func(*testing.T, http.ResponseWriter)
		call call
	}{
		{"503 GET", fail503, getOrg},
		{"503 PUT", fail503, updateOrg},
		{"503 DoH PUT", fail503, updateDoH},
		{"503 revoke", fail503, revoke},
		{"HTML 502 GET", failHTML, getOrg},
		{"drop GET", drop, getOrg},
		{"drop revoke", drop, revoke},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n <= 2 {
					tt.fail(t, w)
					return
				}
				okFor(w, r)
			})
			client, clock := newClient(t, srv.URL)
			if err := tt.call.do(t.Context(), client); err != nil {
				t.Fatalf("call: %v", err)
			}
			if got := srv.requests(); got != 3 {
				t.Errorf("attempts = %d, want 3", got)
			}
			// Exponential backoff, no jitter (Rand returns 0).
			if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, clock.Slept()); diff != "" {
				t.Errorf("waits mismatch (-want +got):\n%s", diff)
			}
			if st := client.Stats(); st.Retries != 2 || st.Throttled != 0 {
				t.Errorf("Stats = %+v, want Retries 2, Throttled 0", st)
			}
		})
	}
}

func TestBackoffJitterAndCap(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 500, err503) })
	client, clock := newClient(t, srv.URL, func(o *cfapi.Options) {
		o.MaxRetries = 7
		o.Rand = func() float64 { return 1 } // the most jitter: 25% less
	})
	err := getOrg.do(t.Context(), client)
	var apiErr *cfapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 500 {
		t.Fatalf("err = %v, want an *APIError with status 500", err)
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	want := []time.Duration{ms(750), ms(1500), ms(3000), ms(6000), ms(12000), ms(22500), ms(22500)}
	if diff := cmp.Diff(want, clock.Slept()); diff != "" {
		t.Errorf("waits mismatch (-want +got):\n%s", diff)
	}
	if got := srv.requests(); got != 8 {
		t.Errorf("attempts = %d, want 8", got)
	}
}

func TestMaxRetries(t *testing.T) {
	for _, max := range []int{0, 1, 4} {
		for _, c := range []call{getOrg, updateOrg, revoke} {
			t.Run(c.name, func(t *testing.T) {
				srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 503, err503) })
				client, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.MaxRetries = max })
				err := c.do(t.Context(), client)
				if got := srv.requests(); got != max+1 {
					t.Errorf("MaxRetries %d: attempts = %d, want %d", max, got, max+1)
				}
				var apiErr *cfapi.APIError
				if !errors.As(err, &apiErr) || apiErr.Status != 503 {
					t.Fatalf("err = %v, want an *APIError with status 503", err)
				}
				if max > 0 && !strings.Contains(err.Error(), "gave up after") {
					t.Errorf("err = %q, want it to say it gave up", err)
				}
				if got := client.Stats().Requests[apiErr.Method]; got != max+1 {
					t.Errorf("Stats().Requests[%s] = %d, want %d", apiErr.Method, got, max+1)
				}
			})
		}
	}
}

func TestCreateNotRetriedWhenAmbiguous(t *testing.T) {
	tests := []struct {
		name string
		fail func(*testing.T, http.ResponseWriter)
	}{
		{"503", func(t *testing.T, w http.ResponseWriter) { reply(w, 503, err503) }},
		{"500 HTML", func(t *testing.T, w http.ResponseWriter) { w.WriteHeader(500) }},
		{"dropped", drop},
		{"201 truncated", func(t *testing.T, w http.ResponseWriter) { reply(w, 201, `{"success":true,"result":{"na`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { tt.fail(t, w) })
			client, _ := newClient(t, srv.URL)
			err := createOrg.do(t.Context(), client)
			if !errors.Is(err, cfapi.ErrAmbiguous) {
				t.Fatalf("err = %v, want ErrAmbiguous", err)
			}
			if got := srv.requests(); got != 1 {
				t.Errorf("attempts = %d, want 1", got)
			}
			if !strings.HasPrefix(err.Error(), "POST /accounts/"+account.ID+"/access/organizations: ") {
				t.Errorf("err = %q, want it to name the method and path", err)
			}
		})
	}
}

// TestLostPutNotResent: a PUT that reached the server and lost its answer
// may have been applied; sending it again could write over a change made
// in between, so it is ErrAmbiguous after one attempt and the caller reads
// before writing again.
func TestLostPutNotResent(t *testing.T) {
	for _, c := range []call{updateOrg, updateDoH} {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { drop(t, w) })
			client, _ := newClient(t, srv.URL)
			err := c.do(t.Context(), client)
			if !errors.Is(err, cfapi.ErrAmbiguous) {
				t.Fatalf("err = %v, want ErrAmbiguous", err)
			}
			if got := srv.requests(); got != 1 {
				t.Errorf("attempts = %d, want 1", got)
			}
		})
	}
}

func TestCreateRefusalIsNotAmbiguous(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 409, `{"success":false,"errors":[{"code":12005,"message":"access.api.error.conflict"}],"result":null}`)
	})
	client, _ := newClient(t, srv.URL)
	err := createOrg.do(t.Context(), client)
	if err == nil || errors.Is(err, cfapi.ErrAmbiguous) {
		t.Fatalf("err = %v, want a plain 409 error", err)
	}
	if got := srv.requests(); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
}

func TestCreateRetriedWhenNotSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // now every dial is refused
	client, clock := newClient(t, "http://"+addr, func(o *cfapi.Options) { o.MaxRetries = 2 })
	err = createOrg.do(t.Context(), client)
	if err == nil || errors.Is(err, cfapi.ErrAmbiguous) {
		t.Fatalf("err = %v, want a connection error that is not ambiguous", err)
	}
	if got := client.Stats().Requests["POST"]; got != 3 {
		t.Errorf("POST attempts = %d, want 3", got)
	}
	if got := len(clock.Slept()); got != 2 {
		t.Errorf("waits = %d, want 2", got)
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	for _, c := range []call{getOrg, createOrg} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					select { // hang until the client gives up
					case <-r.Context().Done():
					case <-release:
					}
					return
				}
				reply(w, 201, okOrg)
			})
			t.Cleanup(func() { close(release) }) // before srv.Close, which waits for the handler
			// Long enough for the second attempt's answer on a loaded
			// machine: only the first one may time out.
			client, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Timeout = 250 * time.Millisecond })
			err := c.do(t.Context(), client)
			if c.name == createOrg.name {
				if !errors.Is(err, cfapi.ErrAmbiguous) || !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want ErrAmbiguous wrapping a deadline", err)
				}
				if got := srv.requests(); got != 1 {
					t.Errorf("attempts = %d, want 1", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if got := srv.requests(); got != 2 {
				t.Errorf("attempts = %d, want 2", got)
			}
		})
	}
}

func TestCancelDuringWait(t *testing.T) {
	for _, status := range []int{503, 429} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Retry-After", "30")
				reply(w, status, err503)
			})
			clock := newFakeClock(true)
			client, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Clock = clock })
			ctx, cancel := context.WithCancel(t.Context())
			errc := make(chan error)
			go func() { errc <- getOrg.do(ctx, client) }()
			clock.waitSleepers(t, 1)
			cancel()
			err := endsWithin(t, errc)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if got := srv.requests(); got != 1 {
				t.Errorf("attempts = %d, want 1", got)
			}
		})
	}
}

func TestCancelledBeforeCall(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { okFor(w, r) })
	client, _ := newClient(t, srv.URL)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := getOrg.do(ctx, client); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got := srv.requests(); got != 0 {
		t.Errorf("attempts = %d, want 0", got)
	}
}

// TestSharedPause: after one goroutine sees a 429, another goroutine's
// call waits for the same Retry-After before it sends anything.
func TestSharedPause(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "7")
			reply(w, 429, err429)
			return
		}
		okFor(w, r)
	})
	clock := newFakeClock(true)
	client, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Clock = clock })
	start := clock.Now()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = getOrg.do(t.Context(), client) })
	clock.waitSleepers(t, 1) // the first call got its 429 and pauses

	wg.Go(func() { errs[1] = updateOrg.do(t.Context(), client) })
	wakeups := clock.waitSleepers(t, 2)
	for _, w := range wakeups {
		if got := w.Sub(start); got != 7*time.Second {
			t.Errorf("a goroutine sleeps until +%s, want +7s", got)
		}
	}
	if got := srv.requests(); got != 1 {
		t.Errorf("requests during the pause = %d, want 1", got)
	}
	clock.Advance(7 * time.Second)
	waitAll(t, &wg)
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if got := srv.requests(); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
}

func TestRateLimit(t *testing.T) {
	tests := []struct {
		limit     float64
		wantWaits []time.Duration
	}{
		{0, nil},
		{2, []time.Duration{500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond}},
		{0.25, []time.Duration{4 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}},
	}
	for _, tt := range tests {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { okFor(w, r) })
		client, clock := newClient(t, srv.URL, func(o *cfapi.Options) { o.RateLimit = tt.limit })
		for range 5 {
			if err := getOrg.do(t.Context(), client); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(tt.wantWaits, clock.Slept()); diff != "" {
			t.Errorf("RateLimit %v: waits mismatch (-want +got):\n%s", tt.limit, diff)
		}
		if st := client.Stats(); st.Waits != len(tt.wantWaits) {
			t.Errorf("RateLimit %v: Stats.Waits = %d, want %d", tt.limit, st.Waits, len(tt.wantWaits))
		}
	}
}

// TestRateLimitShared: concurrent callers share one limiter: ten calls at
// 4 per second, all started at the same instant, are spread over 2.25s.
func TestRateLimitShared(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { okFor(w, r) })
	clock := newFakeClock(true)
	client, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Clock = clock; o.RateLimit = 4 })
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if err := getOrg.do(t.Context(), client); err != nil {
				t.Error(err)
			}
		})
	}
	wakeups := clock.waitSleepers(t, 9) // one goes at once
	latest := clock.Now()
	for _, w := range wakeups {
		if w.After(latest) {
			latest = w
		}
	}
	if got := latest.Sub(clock.Now()); got != 2250*time.Millisecond {
		t.Errorf("last call waits %s, want 2.25s", got)
	}
	clock.Advance(2250 * time.Millisecond)
	waitAll(t, &wg)
	if got := srv.requests(); got != 10 {
		t.Errorf("requests = %d, want 10", got)
	}
}

// TestRealClock runs the default clock: a short Retry-After is waited for
// real, and a cancel interrupts a long one.
func TestRealClock(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "0.001")
			reply(w, 429, err429)
		case 2:
			okFor(w, r)
		default:
			w.Header().Set("Retry-After", "30")
			reply(w, 429, err429)
			time.AfterFunc(10*time.Millisecond, cancel)
		}
	})
	client, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Clock = nil })
	if err := getOrg.do(ctx, client); err != nil {
		t.Fatalf("first call: %v", err)
	}
	if err := getOrg.do(ctx, client); !errors.Is(err, context.Canceled) {
		t.Errorf("second call: err = %v, want context.Canceled", err)
	}
	if got := srv.requests(); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
}
