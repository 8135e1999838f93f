package planner_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// fakeClock makes the client's backoff and Retry-After waits instant.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// client returns a real cfapi client for url with no rate limit and a fake
// clock.
func client(tb testing.TB, url string, retries int) *cfapi.Client {
	tb.Helper()
	c, err := cfapi.New(cfapi.Options{
		BaseURL:    url,
		Token:      "test-token",
		MaxRetries: retries,
		Clock:      &fakeClock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// fleet declares accounts accounts (organization + doh, and a revocation)
// and zones zones (organization), stores the same live state in emu, and
// returns the configuration and the number of resources read.
func fleet(emu *emulator.Emulator, accounts, zones int) (*schema.Config, int) {
	cfg := &schema.Config{Accounts: map[string]*schema.Account{}, Zones: map[string]*schema.Zone{}}
	for i := range accounts {
		a := &schema.Account{
			ID:           id(i + 1),
			Organization: schema.Object{"name": fmt.Sprintf("Org %d", i), "session_duration": "24h", "login_design": map[string]any{"header_text": "Hi"}},
			DoH:          schema.Object{"doh_jwt_duration": "800h"},
			Revoke:       map[string]schema.Revocation{"bob@example.com": {}},
		}
		cfg.Accounts[fmt.Sprintf("acct-%04d", i)] = a
		emu.SetOrganization(schema.KindAccount, a.ID, schema.Object{
			"name": fmt.Sprintf("Org %d", i), "auth_domain": fmt.Sprintf("t%d.cloudflareaccess.com", i),
			"session_duration": "1440m", "login_design": map[string]any{"header_text": "Hi"},
		})
		emu.SetDoH(a.ID, schema.Object{"id": "3e1b6a1c-5d4e-4a34-9a2c-0c9c8f0e1d2b", "doh_jwt_duration": "800h"})
	}
	for i := range zones {
		z := &schema.Zone{ID: id(100000 + i), Organization: schema.Object{"is_ui_read_only": true}}
		cfg.Zones[fmt.Sprintf("z%04d.example.com", i)] = z
		emu.SetOrganization(schema.KindZone, z.ID, schema.Object{
			"name": "z", "auth_domain": fmt.Sprintf("z%d.cloudflareaccess.com", i), "is_ui_read_only": true,
		})
	}
	return cfg, 2*accounts + zones
}

func TestFetchEmulatorOneGETPerResource(t *testing.T) {
	srv := emulator.NewServer(t, emulator.Options{Token: "test-token"})
	cfg, n := fleet(srv.Emulator, 7, 5)
	c := client(t, srv.URL, 4)
	live, err := planner.Fetch(context.Background(), c, cfg, planner.FetchOptions{Concurrency: 4})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(live) != n {
		t.Errorf("Fetch returned %d resources, want %d", len(live), n)
	}
	perPath := map[string]int{}
	for _, r := range srv.Emulator.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("unexpected %s %s", r.Method, r.Path)
		}
		perPath[r.Path]++
	}
	if len(perPath) != n {
		t.Errorf("%d distinct paths read, want %d", len(perPath), n)
	}
	for p, k := range perPath {
		if k != 1 {
			t.Errorf("%s read %d times, want 1", p, k)
		}
	}
	// Nothing differs: a plan without --base has no change.
	p, err := planner.Build(cfg, live, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.HasChanges() || p.Summary.Unchanged != n+7 {
		t.Errorf("plan = %+v, want no changes and %d unchanged", p.Summary, n+7)
	}
}

// inFlight wraps a handler and records the most requests it served at once.
type inFlight struct {
	h        http.Handler
	mu       sync.Mutex
	cur, max int
}

func (f *inFlight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.cur++
	f.max = max(f.max, f.cur)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.cur--
		f.mu.Unlock()
	}()
	f.h.ServeHTTP(w, r)
}

func TestFetchEmulatorConcurrencyBound(t *testing.T) {
	emu := emulator.New(emulator.Options{Token: "test-token"})
	emu.SetLatency(5 * time.Millisecond)
	counter := &inFlight{h: emu}
	srv := httptest.NewServer(counter)
	defer srv.Close()
	cfg, n := fleet(emu, 30, 30)
	for _, conc := range []int{1, 3, 6} {
		counter.max = 0
		live, err := planner.Fetch(context.Background(), client(t, srv.URL+emulator.PathPrefix, 0), cfg, planner.FetchOptions{Concurrency: conc})
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if len(live) != n {
			t.Errorf("concurrency %d: %d resources, want %d", conc, len(live), n)
		}
		if counter.max > conc {
			t.Errorf("concurrency %d: %d requests were in flight at once", conc, counter.max)
		}
		t.Logf("concurrency %d: at most %d in flight", conc, counter.max)
	}
}

func TestFetchEmulatorFaults(t *testing.T) {
	tests := []struct {
		name    string
		faults  []emulator.Fault
		wantErr []string // substrings; nil means success
	}{
		{
			name:   "429 then success",
			faults: []emulator.Fault{{Method: "GET", PathContains: "/zones/", Kind: emulator.RateLimit, RetryAfter: "1", Count: 2}},
		},
		{
			name:   "one 500 then success",
			faults: []emulator.Fault{{Method: "GET", PathContains: "/doh", Kind: emulator.ServerError}},
		},
		{
			name:    "persistent 500",
			faults:  []emulator.Fault{{Method: "GET", PathContains: "/zones/" + id(100001), Kind: emulator.ServerError, Status: 503, Count: 100}},
			wantErr: []string{"read zone/z0001.example.com/organization", "503"},
		},
		{
			name:    "403",
			faults:  []emulator.Fault{{Method: "GET", PathContains: "/accounts/" + id(2) + "/", Kind: emulator.ServerError, Status: 403, Count: 100}},
			wantErr: []string{"read account/acct-0001/"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := emulator.NewServer(t, emulator.Options{Token: "test-token"})
			cfg, n := fleet(srv.Emulator, 3, 3)
			for _, f := range tt.faults {
				srv.Emulator.InjectFault(f)
			}
			live, err := planner.Fetch(context.Background(), client(t, srv.URL, 2), cfg, planner.FetchOptions{Concurrency: 2})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				if len(live) != n {
					t.Errorf("%d resources, want %d", len(live), n)
				}
				p, err := planner.Build(cfg, live, planner.Options{})
				if err != nil || p.HasChanges() {
					t.Errorf("Build = %+v, %v; want no changes", p, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Fetch succeeded, want an error")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "test-token") {
				t.Errorf("error shows the token: %q", err)
			}
		})
	}
}

func TestFetchEmulatorMissingOrganization(t *testing.T) {
	srv := emulator.NewServer(t, emulator.Options{Token: "test-token"})
	cfg := &schema.Config{Accounts: map[string]*schema.Account{
		"new": {
			ID:           id(9),
			Organization: schema.Object{"name": "New", "auth_domain": "new.cloudflareaccess.com", "custom_pages": map[string]any{"forbidden": id(3)}},
			DoH:          schema.Object{"doh_jwt_duration": "800h"},
		},
	}}
	live, err := planner.Fetch(context.Background(), client(t, srv.URL, 0), cfg, planner.FetchOptions{})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if live["account/new/organization"].Exists || live["account/new/doh"].Exists {
		t.Fatalf("live = %+v, want both absent", live)
	}
	p, err := planner.Build(cfg, live, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, fmt.Sprintf("%s %s %s", c.Action, c.Method, c.Address))
	}
	want := "create POST account/new/organization,update PUT account/new/doh"
	if strings.Join(got, ",") != want {
		t.Errorf("changes = %v, want %s", got, want)
	}
	if f := p.Changes[0].FollowUp; f == nil || f.Body["custom_pages"] == nil {
		t.Errorf("create has no custom_pages follow-up: %+v", p.Changes[0])
	}
}

// BenchmarkPlan1000 plans 1,000 scopes (500 accounts with organization and
// DoH, 500 zones) against the emulator with 20 ms latency per request, 16
// reads in flight and no rate limit. It reports the wall time per plan
// against the ideal (requests × 20 ms / 16) and the GETs per resource,
// which must be 1.
func BenchmarkPlan1000(b *testing.B) {
	const (
		latency     = 20 * time.Millisecond
		concurrency = 16
	)
	srv := emulator.NewServer(b, emulator.Options{Token: "test-token", Logger: discard()})
	cfg, resources := fleet(srv.Emulator, 500, 500)
	srv.Emulator.SetLatency(latency)
	c := client(b, srv.URL, 4)
	var elapsed time.Duration
	b.ResetTimer()
	for range b.N {
		srv.Emulator.ResetRequests()
		start := time.Now()
		live, err := planner.Fetch(context.Background(), c, cfg, planner.FetchOptions{Concurrency: concurrency})
		if err != nil {
			b.Fatal(err)
		}
		p, err := planner.Build(cfg, live, planner.Options{})
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		if p.HasChanges() {
			b.Fatalf("plan has changes: %+v", p.Summary)
		}
		if got := srv.Emulator.Count(http.MethodGet, ""); got != resources {
			b.Fatalf("%d GETs for %d resources", got, resources)
		}
	}
	b.StopTimer()
	ideal := time.Duration(resources) * latency / concurrency
	perPlan := elapsed / time.Duration(b.N)
	b.ReportMetric(float64(perPlan.Milliseconds()), "ms/plan")
	b.ReportMetric(float64(ideal.Milliseconds()), "ideal-ms/plan")
	b.ReportMetric(float64(perPlan)/float64(ideal), "wall/ideal")
	b.ReportMetric(float64(len(srv.Emulator.Requests()))/float64(resources), "GETs/resource")
}

// discard is a logger that drops everything (the benchmark's thousands of
// requests would flood the log).
func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
