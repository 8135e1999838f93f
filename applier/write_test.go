package applier_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// change returns the change of p at addr.
func change(t *testing.T, p *planner.Plan, addr string) *planner.Change {
	t.Helper()
	for i := range p.Changes {
		if p.Changes[i].Address == addr {
			return &p.Changes[i]
		}
	}
	t.Fatalf("plan has no %s: %v", addr, addresses(p))
	return nil
}

// TestApplyRefusesTamperedBody: a plan file whose body says more than its
// diff (fingerprint recomputed, so the file reads as valid) is refused
// just before the write, naming the fields, and nothing is written for it.
func TestApplyRefusesTamperedBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		addr    string
		tamper  func(c *planner.Change)
		fields  string
		writesA int // writes to account a, all before the refused change
	}{
		{"risky field beside the diff", "account/a/organization", func(c *planner.Change) {
			c.Body["is_ui_read_only"] = true
		}, "is_ui_read_only", 0},
		{"unmanaged field added", "account/a/organization", func(c *planner.Change) {
			c.Body["mfa_config"] = map[string]any{"allowed_authenticators": []any{"sms"}}
		}, "mfa_config.allowed_authenticators", 0},
		{"diff value changed in the body only", "account/a/organization", func(c *planner.Change) {
			c.Body["session_duration"] = "9999h"
		}, "session_duration", 0},
		{"live field dropped", "account/a/organization", func(c *planner.Change) {
			delete(c.Body, "auth_domain")
		}, "auth_domain", 0},
		{"sub-field changed", "account/a/organization", func(c *planner.Change) {
			c.Body["login_design"].(map[string]any)["text_color"] = "#ff0000"
		}, "login_design.text_color", 0},
		{"DoH service token swapped", "account/a/doh", func(c *planner.Change) {
			c.Body["service_token_id"] = "99999999-2222-3333-4444-555555555555"
		}, "service_token_id", 1},
		{"revocation of another email", "account/a/revoke/bob@example.com", func(c *planner.Change) {
			c.Body["email"] = "ceo@example.com"
		}, "another email", 2},
		{"revocation with an unknown option", "account/a/revoke/bob@example.com", func(c *planner.Change) {
			c.Body["everyone"] = true
		}, `"everyone"`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			seedTwoAccounts(t, e)
			p := e.plan(t, twoAccounts(), withRevocations)
			tt.tamper(change(t, p, tt.addr))
			before := e.writes()
			rep, err := applier.Apply(t.Context(), e.client, p, opts())
			if err != nil {
				t.Fatal(err)
			}
			var res applier.Result
			for _, r := range rep.Results {
				if r.Address == tt.addr {
					res = r
				}
			}
			if res.Status != applier.Refused {
				t.Fatalf("%s: status %s, want refused:\n%s", tt.addr, res.Status, rep)
			}
			var re *applier.RefusedError
			if !errors.As(res.Err, &re) || !strings.Contains(re.Error(), tt.fields) {
				t.Errorf("error = %v, want a *RefusedError naming %s", res.Err, tt.fields)
			}
			// The tampered change and the rest of its scope wrote nothing;
			// account b is its own scope and applies.
			writesA := 0
			for _, r := range e.srv.Requests()[before:] {
				if r.Method != "GET" && strings.Contains(r.Path, idA) {
					writesA++
				}
			}
			if writesA != tt.writesA {
				t.Errorf("account a: %d writes, want %d (those before the refused change)", writesA, tt.writesA)
			}
			if got := statuses(rep)["account/b/organization"]; got != applier.Applied {
				t.Errorf("account/b/organization: %s, want applied", got)
			}
			if rep.Counts().Refused != 1 || !strings.Contains(rep.Summary(), "1 refused") {
				t.Errorf("summary %q, counts %+v", rep.Summary(), rep.Counts())
			}
		})
	}
}

// TestApplyRefusesCreateBodyBeyondDiff: a create's POST body is its diff's
// after values and nothing else.
func TestApplyRefusesCreateBodyBeyondDiff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{
		"name": "A", "auth_domain": "a.cloudflareaccess.com",
	}}}}
	p := e.plan(t, cfg, planner.Options{})
	p.Changes[0].Body["allow_authenticate_via_warp"] = true
	rep, err := applier.Apply(t.Context(), e.client, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Results[0].Status != applier.Refused || !strings.Contains(rep.Results[0].Err.Error(), "allow_authenticate_via_warp") {
		t.Fatalf("want refused naming allow_authenticate_via_warp:\n%s", rep)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("%d writes for a refused create", n)
	}
}

// TestApplyPlannerBodiesPass: every body the planner makes passes CheckBody
// against the state it was planned from, creates with follow-ups included.
func TestApplyPlannerBodiesPass(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedTwoAccounts(t, e)
	cfg := twoAccounts()
	cfg.Accounts["a"].Organization["is_ui_read_only"] = false // equal to live
	cfg.Accounts["a"].Organization["allow_authenticate_via_warp"] = nil
	cfg.Accounts["a"].Organization["session_duration"] = nil // cleared
	cfg.Accounts["c"] = &schema.Account{ID: "ccccccccccccccccccccccccccccccc3", Organization: schema.Object{
		"name": "C", "auth_domain": "c.cloudflareaccess.com", "is_ui_read_only": false,
		"custom_pages": map[string]any{"identity_denied": "0b3a7c6e-4a3c-4f0e-8d1d-1a2b3c4d5e6f"},
	}}
	cfg.Zones = map[string]*schema.Zone{"example.com": {ID: idZ, Organization: schema.Object{
		"name": "Z", "auth_domain": "z.cloudflareaccess.com", "is_ui_read_only": false,
	}}}
	live, err := planner.Fetch(t.Context(), e.client, cfg, planner.FetchOptions{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.Build(cfg, live, withRevocations)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.Resource == planner.Revocation {
			continue
		}
		if err := applier.CheckBody(&c, live[c.Address]); err != nil {
			t.Errorf("%s: %v", c.Address, err)
		}
	}
}

// TestApplyRefusesMovedJustBeforeWrite: the live object changed between
// the plan (and its stale check) and the write; the write is refused, so
// the other change is not reverted.
func TestApplyRefusesMovedJustBeforeWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedTwoAccounts(t, e)
	cfgA := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{"session_duration": "12h"}}}}
	cfgB := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{"warp_auth_session_duration": "6h"}}}}
	// Two people plan different fields from the same live state.
	pA := e.plan(t, cfgA, planner.Options{})
	pB := e.plan(t, cfgB, planner.Options{})
	if err := applier.CheckStale(t.Context(), e.client, pB, 1); err != nil {
		t.Fatal(err)
	}
	if rep, _ := applier.Apply(t.Context(), e.client, pA, opts()); !rep.OK() {
		t.Fatalf("first apply:\n%s", rep)
	}
	puts := e.srv.Count("PUT", "/access/organizations")
	rep, err := applier.Apply(t.Context(), e.client, pB, opts())
	if err != nil {
		t.Fatal(err)
	}
	res := rep.Results[0]
	if res.Status != applier.Refused || !strings.Contains(res.Err.Error(), "changed since the plan was made (session_duration)") {
		t.Fatalf("second apply: want refused naming session_duration:\n%s", rep)
	}
	if got := e.srv.Count("PUT", "/access/organizations"); got != puts {
		t.Errorf("the refused apply sent %d PUTs", got-puts)
	}
	org, _ := e.srv.Organization(schema.KindAccount, idA)
	if org["session_duration"] != "12h" {
		t.Errorf("first apply's session_duration was reverted: %v", org["session_duration"])
	}
}

// TestApplyLostAnswer: a PUT that reached the server and lost its answer is
// confirmed with a GET, not sent again, and reported applied with a note; a
// PUT dropped before it applied is sent again once a GET shows the object
// untouched.
func TestApplyLostAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    emulator.Fault
		path     string
		wantPuts int
		note     bool
	}{
		{"organization applied then dropped", emulator.Fault{Method: "PUT", PathContains: idA + "/access/organizations", Kind: emulator.DropAfterApply, Count: 5}, idA + "/access/organizations", 1, true},
		{"DoH applied then dropped", emulator.Fault{Method: "PUT", PathContains: "/doh", Kind: emulator.DropAfterApply, Count: 5}, "/doh", 1, true},
		{"organization dropped", emulator.Fault{Method: "PUT", PathContains: idA + "/access/organizations", Kind: emulator.Drop, Count: 2}, idA + "/access/organizations", 3, false},
		{"organization 500 twice", emulator.Fault{Method: "PUT", PathContains: "/doh", Kind: emulator.ServerError, Count: 2}, "/doh", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			seedTwoAccounts(t, e)
			cfg := twoAccounts()
			p := e.plan(t, cfg, planner.Options{})
			e.srv.InjectFault(tt.fault)
			rep, err := applier.Apply(t.Context(), e.client, p, opts())
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Fatalf("apply failed:\n%s", rep)
			}
			puts := 0
			for _, r := range e.srv.Requests() {
				if r.Method == "PUT" && strings.Contains(r.Path, tt.path) && (tt.path == "/doh") == strings.Contains(r.Path, "/doh") {
					puts++
				}
			}
			if puts != tt.wantPuts {
				t.Errorf("PUTs to %s = %d, want %d", tt.path, puts, tt.wantPuts)
			}
			hasNote := false
			for _, r := range rep.Results {
				hasNote = hasNote || r.Note != ""
			}
			if hasNote != tt.note || tt.note && !strings.Contains(rep.String(), "the answer to the write was lost; reading it back shows it applied") {
				t.Errorf("note = %v, want %v:\n%s", hasNote, tt.note, rep)
			}
			if again := e.plan(t, cfg, planner.Options{}); again.HasChanges() {
				t.Errorf("plan after apply has changes: %v", addresses(again))
			}
		})
	}
}

// TestApplyLostAnswerOverAnotherChange: the answer was lost and the object
// now holds neither the plan's values nor the state it was planned from:
// the write is not sent again.
func TestApplyLostAnswerOverAnotherChange(t *testing.T) {
	t.Parallel()
	e, p := sessionPlan(t)
	target := &moveOnPut{cfapiClient: e.client, e: e, t: t}
	rep, err := applier.Apply(t.Context(), target, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Results[0].Status != applier.Failed || !strings.Contains(rep.Results[0].Err.Error(), "was not written again") {
		t.Fatalf("want failed, not written again:\n%s", rep)
	}
	if target.puts != 1 {
		t.Errorf("PUTs = %d, want 1", target.puts)
	}
	org, _ := e.srv.Organization(schema.KindAccount, idA)
	if diff := cmp.Diff("Renamed", org["name"]); diff != "" {
		t.Errorf("the other change was overwritten: %s", diff)
	}
}

// moveOnPut is a Target whose organization PUT never arrives: instead
// someone else renames the organization, and the answer is lost.
type moveOnPut struct {
	*cfapiClient
	e    *env
	t    *testing.T
	puts int
}

func (m *moveOnPut) UpdateOrganization(ctx context.Context, s schema.Scope, body schema.Object) (schema.Object, error) {
	m.puts++
	org, _ := m.e.srv.Organization(s.Kind, s.ID)
	org["name"] = "Renamed"
	m.e.srv.SetOrganization(s.Kind, s.ID, org)
	return nil, fmt.Errorf("PUT: connection reset: %w", cfapi.ErrAmbiguous)
}
