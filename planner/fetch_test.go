package planner_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// fakeReader serves GETs from maps keyed by scope id and records calls.
// gate, when set, holds every call until a value is sent on it, so tests
// can observe how many calls are in flight without a clock.
type fakeReader struct {
	orgs map[string]schema.Object
	dohs map[string]schema.Object
	fail map[string]error // by "org/ID" or "doh/ID"
	gate chan struct{}

	mu          sync.Mutex
	calls       []string
	inFlight    int
	maxInFlight int
}

func (f *fakeReader) get(ctx context.Context, key string, m map[string]schema.Object, id string) (schema.Object, error) {
	f.mu.Lock()
	f.calls = append(f.calls, key)
	f.inFlight++
	if f.inFlight > f.maxInFlight {
		f.maxInFlight = f.inFlight
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := f.fail[key]; err != nil {
		return nil, err
	}
	o, ok := m[id]
	if !ok {
		return nil, fmt.Errorf("GET %s: %w", key, schema.ErrNotFound)
	}
	return o, nil
}

func (f *fakeReader) GetOrganization(ctx context.Context, s schema.Scope) (schema.Object, error) {
	return f.get(ctx, "org/"+s.ID, f.orgs, s.ID)
}

func (f *fakeReader) GetDoH(ctx context.Context, s schema.Scope) (schema.Object, error) {
	if _, ok := f.orgs[s.ID]; !ok {
		return f.get(ctx, "doh/"+s.ID, nil, s.ID)
	}
	return f.get(ctx, "doh/"+s.ID, f.dohs, s.ID)
}

func fetchConfig() *schema.Config {
	return &schema.Config{
		Accounts: map[string]*schema.Account{
			"a": {ID: id(1), Organization: schema.Object{"name": "a"}, DoH: schema.Object{}},
			"b": {ID: id(2), DoH: schema.Object{"doh_jwt_duration": "1h"}},
			"c": {ID: id(3), Revoke: map[string]schema.Revocation{"x@example.com": {}}},
			"d": {ID: id(4), Organization: schema.Object{"name": "d"}, DoH: schema.Object{}},
		},
		Zones: map[string]*schema.Zone{
			"z.example.com": {ID: id(5), Organization: schema.Object{"name": "z"}},
		},
	}
}

func TestFetch(t *testing.T) {
	f := &fakeReader{
		orgs: map[string]schema.Object{id(1): {"name": "a"}, id(2): {"name": "b"}, id(5): {"name": "z"}},
		dohs: map[string]schema.Object{id(1): {"id": "tok"}},
	}
	live, err := planner.Fetch(context.Background(), f, fetchConfig(), planner.FetchOptions{Concurrency: 3})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	want := planner.Live{
		"account/a/organization":          {Exists: true, Object: schema.Object{"name": "a"}},
		"account/a/doh":                   {Exists: true, Object: schema.Object{"id": "tok"}},
		"account/b/organization":          {Exists: true, Object: schema.Object{"name": "b"}},
		"account/b/doh":                   {Exists: false},
		"account/d/organization":          {Exists: false},
		"account/d/doh":                   {Exists: false},
		"zone/z.example.com/organization": {Exists: true, Object: schema.Object{"name": "z"}},
	}
	if d := cmp.Diff(want, live); d != "" {
		t.Errorf("Fetch mismatch (-want +got):\n%s", d)
	}
	// One GET per resource, no other; the DoH of a missing organization
	// is absent without a read.
	seen := map[string]int{}
	for _, c := range f.calls {
		seen[c]++
	}
	wantCalls := map[string]int{
		"org/" + id(1): 1, "doh/" + id(1): 1, "org/" + id(2): 1, "doh/" + id(2): 1,
		"org/" + id(4): 1, "org/" + id(5): 1, // no DoH read for the missing organization d
	}
	if d := cmp.Diff(wantCalls, seen); d != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", d)
	}
}

func TestFetchTargets(t *testing.T) {
	f := &fakeReader{orgs: map[string]schema.Object{id(1): {}, id(2): {}, id(5): {}}}
	live, err := planner.Fetch(context.Background(), f, fetchConfig(), planner.FetchOptions{Targets: []string{"account/b/doh", "zone"}})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	var got []string
	for k := range live {
		got = append(got, k)
	}
	want := []string{"account/b/doh", "account/b/organization", "zone/z.example.com/organization"}
	if d := cmp.Diff(want, got, cmpSortStrings); d != "" {
		t.Errorf("addresses read mismatch (-want +got):\n%s", d)
	}
	if _, err := planner.Fetch(context.Background(), f, fetchConfig(), planner.FetchOptions{Targets: []string{"account/zz"}}); err == nil {
		t.Errorf("Fetch with a target matching nothing succeeded")
	}
}

var cmpSortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestFetchConcurrencyBound(t *testing.T) {
	cfg := &schema.Config{Accounts: map[string]*schema.Account{}}
	f := &fakeReader{orgs: map[string]schema.Object{}, gate: make(chan struct{})}
	for i := range 40 {
		cfg.Accounts[fmt.Sprintf("a%02d", i)] = &schema.Account{ID: id(i), Organization: schema.Object{}}
		f.orgs[id(i)] = schema.Object{}
	}
	done := make(chan error)
	go func() {
		_, err := planner.Fetch(context.Background(), f, cfg, planner.FetchOptions{Concurrency: 5})
		done <- err
	}()
	// Release the calls one by one; Fetch must never hold more than 5.
	for range 40 {
		f.gate <- struct{}{}
	}
	if err := <-done; err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if f.maxInFlight > 5 {
		t.Errorf("max in flight = %d, want <= 5", f.maxInFlight)
	}
	if len(f.calls) != 40 {
		t.Errorf("%d calls, want 40", len(f.calls))
	}
}

func TestFetchErrorAborts(t *testing.T) {
	boom := errors.New("GET /zones/x/access/organizations: 500 internal error")
	f := &fakeReader{
		orgs: map[string]schema.Object{id(1): {}, id(2): {}, id(4): {}},
		fail: map[string]error{"org/" + id(5): boom, "doh/" + id(4): errors.New("later failure")},
	}
	_, err := planner.Fetch(context.Background(), f, fetchConfig(), planner.FetchOptions{Concurrency: 1})
	if err == nil {
		t.Fatal("Fetch succeeded, want an error")
	}
	// Concurrency 1 runs in plan order: account/d/doh fails first and stops the rest.
	if !strings.Contains(err.Error(), "account/d/doh") || !strings.Contains(err.Error(), "later failure") {
		t.Errorf("error = %q, want the address and the API error", err)
	}
	for _, c := range f.calls {
		if c == "org/"+id(5) {
			t.Errorf("read after the failure was still made: %v", f.calls)
		}
	}

	f.fail = map[string]error{"org/" + id(5): boom}
	f.calls = nil
	_, err = planner.Fetch(context.Background(), f, fetchConfig(), planner.FetchOptions{Concurrency: 4})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "read zone/z.example.com/organization") {
		t.Errorf("error = %v, want it to wrap the API error and name the address", err)
	}
}

func TestFetchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &fakeReader{orgs: map[string]schema.Object{}}
	if _, err := planner.Fetch(ctx, f, fetchConfig(), planner.FetchOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch on a cancelled context = %v, want context.Canceled", err)
	}
}
