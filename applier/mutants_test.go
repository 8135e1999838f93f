package applier_test

// Tests that each catch a bug mutation testing found unguarded: every one
// names the mistake it stops.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// scripted is a Target over the emulator whose create answers and reads
// after a failed create are scripted, and which counts its calls.
type scripted struct {
	*cfapiClient

	mu      sync.Mutex
	posts   int
	gets    int // GetOrganization calls after the first POST
	puts    []schema.Object
	postErr []error        // the error of each POST in turn; nil sends it
	getErr  error          // when set, every GetOrganization after a POST fails so
	created schema.Object  // when set, a POST that succeeds returns this
	putErr  error          // when set, every UpdateOrganization fails so
	dohID   bool           // GetDoH names service_token_id "id"
	dohSeen map[string]any // the DoH object GetDoH returned last
}

func (s *scripted) CreateOrganization(ctx context.Context, sc schema.Scope, body schema.Object) (schema.Object, error) {
	s.mu.Lock()
	n := s.posts
	s.posts++
	s.mu.Unlock()
	if n < len(s.postErr) && s.postErr[n] != nil {
		return nil, s.postErr[n]
	}
	o, err := s.cfapiClient.CreateOrganization(ctx, sc, body)
	if err == nil && s.created != nil {
		return planner.CopyObject(s.created), nil
	}
	return o, err
}

func (s *scripted) GetOrganization(ctx context.Context, sc schema.Scope) (schema.Object, error) {
	s.mu.Lock()
	posted := s.posts > 0
	if posted {
		s.gets++
	}
	s.mu.Unlock()
	if posted && s.getErr != nil {
		return nil, s.getErr
	}
	return s.cfapiClient.GetOrganization(ctx, sc)
}

func (s *scripted) UpdateOrganization(ctx context.Context, sc schema.Scope, body schema.Object) (schema.Object, error) {
	s.mu.Lock()
	s.puts = append(s.puts, planner.CopyObject(body))
	s.mu.Unlock()
	if s.putErr != nil {
		return nil, s.putErr
	}
	return s.cfapiClient.UpdateOrganization(ctx, sc, body)
}

func (s *scripted) GetDoH(ctx context.Context, sc schema.Scope) (schema.Object, error) {
	o, err := s.cfapiClient.GetDoH(ctx, sc)
	if err == nil && s.dohID {
		if v, ok := o["service_token_id"]; ok {
			delete(o, "service_token_id")
			o["id"] = v
		}
		s.dohSeen = o
	}
	return o, err
}

// createA plans the create of account a's organization (with custom_pages,
// so that it has a follow-up PUT when follow is set).
func createA(t *testing.T, e *env, follow bool) *planner.Plan {
	t.Helper()
	org := schema.Object{"name": "A", "auth_domain": "a.cloudflareaccess.com"}
	if follow {
		org["session_duration"] = "12h"
		org["login_design"] = map[string]any{"header_text": "Hi", "text_color": "#ffffff"}
		org["is_ui_read_only"] = true
		org["ui_read_only_toggle_reason"] = "freeze"
		org["deny_unmatched_requests_exempted_zone_names"] = []any{"a.com"}
		org["custom_pages"] = map[string]any{"forbidden": "f"}
	}
	return e.plan(t, &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: org}}}, planner.Options{})
}

// applyOne applies p through tgt and returns its only result.
func applyOne(t *testing.T, tgt applier.Target, p *planner.Plan, o applier.Options) applier.Result {
	t.Helper()
	rep, err := applier.Apply(t.Context(), tgt, p, o)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(rep.Results) != len(p.Changes) || len(rep.Results) == 0 {
		t.Fatalf("Apply gave %d results for %d changes", len(rep.Results), len(p.Changes))
	}
	return rep.Results[0]
}

var errServer = errors.New("GET: 500 Internal Server Error")

// A create whose POST failed ambiguously and whose confirming GET fails too
// must stop: the organization may exist, and POSTing again could create it
// twice.
func TestApplyCreateAmbiguousThenReadFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := createA(t, e, false)
	s := &scripted{cfapiClient: e.client,
		postErr: []error{fmt.Errorf("POST: connection reset: %w", cfapi.ErrAmbiguous)},
		getErr:  errServer}
	r := applyOne(t, s, p, opts())
	if r.Status != applier.Failed {
		t.Fatalf("status = %s, want failed", r.Status)
	}
	if s.posts != 1 {
		t.Errorf("POSTs = %d, want 1: a create must not be re-sent when its confirming read failed", s.posts)
	}
	if !errors.Is(r.Err, cfapi.ErrAmbiguous) || !strings.Contains(r.Err.Error(), "may or may not") || !strings.Contains(r.Err.Error(), errServer.Error()) {
		t.Errorf("error = %v, want the POST error, the read error and that the organization may exist", r.Err)
	}
}

// A definite POST failure (4xx) is reported as it is: no GET, no second
// POST, nothing adopted.
func TestApplyCreateDefiniteFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := createA(t, e, false)
	definite := errors.New("POST: 400 Bad Request: auth_domain is taken")
	s := &scripted{cfapiClient: e.client, postErr: []error{definite}}
	r := applyOne(t, s, p, opts())
	if r.Status != applier.Failed || !errors.Is(r.Err, definite) {
		t.Fatalf("result = %s %v, want failed with the POST error", r.Status, r.Err)
	}
	if s.posts != 1 || s.gets != 0 {
		t.Errorf("POSTs = %d, GETs after it = %d; want 1 and 0", s.posts, s.gets)
	}
}

// Deadline and cancellation always count as ambiguous, whatever
// Options.Ambiguous says: a timed-out POST may have created the
// organization, so it is read before anything else.
func TestApplyCreateDeadlineIsAmbiguous(t *testing.T) {
	t.Parallel()
	for _, cause := range []error{context.DeadlineExceeded, context.Canceled} {
		t.Run(cause.Error(), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := createA(t, e, false)
			// The first POST reaches the server but its answer is lost to
			// the deadline.
			s := &scripted{cfapiClient: e.client}
			lost := &lostAnswer{scripted: s, err: fmt.Errorf("POST: %w", cause)}
			o := opts()
			o.Ambiguous = func(error) bool { return false }
			rep, err := applier.Apply(t.Context(), lost, p, o)
			if err != nil {
				t.Fatal(err)
			}
			if r := rep.Results[0]; r.Status != applier.Applied {
				t.Fatalf("result = %s %v, want applied (the GET finds the organization)", r.Status, r.Err)
			}
			if s.posts != 1 || s.gets == 0 {
				t.Errorf("POSTs = %d, GETs = %d; want one POST, then a GET", s.posts, s.gets)
			}
		})
	}
}

// Without Options.Ambiguous every failed POST is ambiguous.
func TestApplyCreateNilAmbiguousReadsFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := createA(t, e, false)
	s := &scripted{cfapiClient: e.client}
	lost := &lostAnswer{scripted: s, err: errors.New("POST: 400 Bad Request")}
	o := opts()
	o.Ambiguous = nil
	if r := applyOne(t, lost, p, o); r.Status != applier.Applied || s.posts != 1 {
		t.Fatalf("result = %s %v after %d POSTs, want applied after 1", r.Status, r.Err, s.posts)
	}
}

// lostAnswer makes its first POST on the server but answers it with err.
type lostAnswer struct {
	*scripted
	err  error
	once sync.Once
}

func (l *lostAnswer) CreateOrganization(ctx context.Context, sc schema.Scope, body schema.Object) (schema.Object, error) {
	o, err := l.scripted.CreateOrganization(ctx, sc, body)
	first := false
	l.once.Do(func() { first = true })
	if first && err == nil {
		return nil, l.err
	}
	return o, err
}

// The follow-up PUT of a create carries every planned field even when the
// POST's answer holds a nested object (the merge goes on after it), and its
// failure is the change's failure.
func TestApplyCreateFollowUp(t *testing.T) {
	t.Parallel()
	t.Run("whole body after a nested object", func(t *testing.T) {
		// Map order is random: repeat so that login_design is not always
		// the last key merged.
		for range 12 {
			e := newEnv(t)
			p := createA(t, e, true)
			if p.Changes[0].FollowUp == nil {
				t.Fatal("the create has no follow-up")
			}
			s := &scripted{cfapiClient: e.client, created: schema.Object{"login_design": map[string]any{}}}
			if r := applyOne(t, s, p, opts()); r.Status != applier.Applied {
				t.Fatalf("result = %s %v %v", r.Status, r.Err, r.Fields)
			}
			if len(s.puts) != 1 {
				t.Fatalf("PUTs = %d, want the follow-up only", len(s.puts))
			}
			put := s.puts[0]
			for _, k := range []string{"name", "auth_domain", "session_duration", "is_ui_read_only", "ui_read_only_toggle_reason", "deny_unmatched_requests_exempted_zone_names", "custom_pages"} {
				if _, ok := put[k]; !ok {
					t.Fatalf("follow-up PUT lacks %s: %v", k, put)
				}
			}
			if ld, _ := put["login_design"].(map[string]any); ld["header_text"] != "Hi" || ld["text_color"] != "#ffffff" {
				t.Fatalf("follow-up PUT login_design = %v", put["login_design"])
			}
		}
	})
	t.Run("PUT failure fails the change", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		p := createA(t, e, true)
		s := &scripted{cfapiClient: e.client, putErr: errors.New("PUT: 400 Bad Request")}
		r := applyOne(t, s, p, opts())
		if r.Status != applier.Failed || !strings.Contains(r.Err.Error(), "follow-up PUT failed") {
			t.Errorf("result = %s %v, want failed naming the follow-up PUT", r.Status, r.Err)
		}
	})
}

// A DoH update converges when GET names the service token "id", as the
// real API does.
func TestApplyDoHReadBackByID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.SetOrganization(schema.KindAccount, idA, liveOrg(t, "a"))
	e.srv.SetDoH(idA, obj(t, `{"doh_jwt_duration": "24h", "id": "11111111-2222-3333-4444-555555555555"}`))
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, DoH: schema.Object{
		"doh_jwt_duration": "800h", "service_token_id": "99999999-2222-3333-4444-555555555555",
	}}}}
	p := e.plan(t, cfg, planner.Options{})
	if len(p.Changes) != 1 || len(p.Changes[0].Diff) != 2 {
		t.Fatalf("plan = %v, want one DoH change of two fields", addresses(p))
	}
	s := &scripted{cfapiClient: e.client, dohID: true}
	r := applyOne(t, s, p, opts())
	if _, named := s.dohSeen["service_token_id"]; named || s.dohSeen["id"] == nil {
		t.Fatalf("the read-back did not name the token id: %v", s.dohSeen)
	}
	if r.Status != applier.Applied {
		t.Errorf("result = %s %v (fields %v), want applied", r.Status, r.Err, r.Fields)
	}
}

// The zero Options work: Concurrency 0 means one at a time, not zero
// workers (a deadlock).
func TestZeroConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedTwoAccounts(t, e)
	p := e.plan(t, twoAccounts(), planner.Options{})
	done := make(chan error, 1)
	go func() {
		if err := applier.CheckStale(t.Context(), e.client, p, 0); err != nil {
			done <- fmt.Errorf("CheckStale: %w", err)
			return
		}
		rep, err := applier.Apply(t.Context(), e.client, p, applier.Options{})
		if err == nil && !rep.OK() {
			err = fmt.Errorf("apply failed:\n%s", rep)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("CheckStale/Apply with Concurrency 0 did not finish in 20s")
	}
}

// CheckStale names exactly what moved: one DoH field, or a whole object
// that disappeared (not its sub-fields).
func TestCheckStaleNamesWhatMoved(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		change func(t *testing.T, e *env)
		want   applier.StaleResource
	}{
		{"DoH duration only", func(t *testing.T, e *env) {
			e.srv.SetDoH(idA, obj(t, `{"doh_jwt_duration": "48h", "id": "11111111-2222-3333-4444-555555555555", "name": "svc"}`))
		}, applier.StaleResource{Address: "account/a/doh", Detail: "changed", Fields: []string{"doh_jwt_duration"}}},
		{"nested object removed", func(t *testing.T, e *env) {
			o := liveOrg(t, "a")
			delete(o, "mfa_ssh_piv_key_requirements")
			e.srv.SetOrganization(schema.KindAccount, idA, o)
		}, applier.StaleResource{Address: "account/a/organization", Detail: "changed", Fields: []string{"mfa_ssh_piv_key_requirements"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			seedTwoAccounts(t, e)
			p := e.plan(t, twoAccounts(), planner.Options{})
			tt.change(t, e)
			err := applier.CheckStale(t.Context(), e.client, p, 2)
			var se *applier.StaleError
			if !errors.As(err, &se) || len(se.Resources) != 1 {
				t.Fatalf("CheckStale = %v, want one stale resource", err)
			}
			got := se.Resources[0]
			if got.Address != tt.want.Address || got.Detail != tt.want.Detail || strings.Join(got.Fields, ",") != strings.Join(tt.want.Fields, ",") {
				t.Errorf("stale = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// A read-back that names service_token_id is read by that name, even when
// it also carries an unrelated "id".
func TestApplyDoHReadBackPrefersServiceTokenID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.SetOrganization(schema.KindAccount, idA, liveOrg(t, "a"))
	e.srv.SetDoH(idA, obj(t, `{"doh_jwt_duration": "24h", "id": "11111111-2222-3333-4444-555555555555"}`))
	want := "99999999-2222-3333-4444-555555555555"
	p := e.plan(t, &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, DoH: schema.Object{
		"service_token_id": want,
	}}}}, planner.Options{})
	tgt := &bothIDs{cfapiClient: e.client, token: want}
	if r := applyOne(t, tgt, p, opts()); r.Status != applier.Applied {
		t.Errorf("result = %s %v (fields %v), want applied", r.Status, r.Err, r.Fields)
	}
}

// bothIDs answers DoH reads after a write with service_token_id and a
// different id.
type bothIDs struct {
	*cfapiClient
	token   string
	written bool
}

func (b *bothIDs) UpdateDoH(ctx context.Context, sc schema.Scope, body schema.Object) (schema.Object, error) {
	b.written = true
	return b.cfapiClient.UpdateDoH(ctx, sc, body)
}

func (b *bothIDs) GetDoH(ctx context.Context, sc schema.Scope) (schema.Object, error) {
	o, err := b.cfapiClient.GetDoH(ctx, sc)
	if err == nil && b.written {
		o["service_token_id"] = b.token
		o["id"] = "00000000-0000-0000-0000-000000000000"
	}
	return o, err
}
