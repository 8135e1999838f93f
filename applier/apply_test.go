package applier_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// twoAccounts declares changes in two accounts: a's organization, DoH and
// one revocation; b's organization.
func twoAccounts() *schema.Config {
	return &schema.Config{Accounts: map[string]*schema.Account{
		"a": {
			ID: idA,
			Organization: schema.Object{
				"session_duration": "12h",
				"login_design":     map[string]any{"header_text": "Welcome"},
			},
			DoH:    schema.Object{"doh_jwt_duration": "800h"},
			Revoke: map[string]schema.Revocation{"bob@example.com": {Devices: true, Reason: "offboarded"}},
		},
		"b": {
			ID:           idB,
			Organization: schema.Object{"is_ui_read_only": true, "ui_read_only_toggle_reason": "freeze"},
		},
	}}
}

// seedTwoAccounts stores the live state twoAccounts changes.
func seedTwoAccounts(t *testing.T, e *env) {
	t.Helper()
	e.srv.SetOrganization(schema.KindAccount, idA, liveOrg(t, "a"))
	e.srv.SetOrganization(schema.KindAccount, idB, liveOrg(t, "b"))
	e.srv.SetDoH(idA, obj(t, `{"doh_jwt_duration": "24h", "id": "11111111-2222-3333-4444-555555555555", "name": "svc"}`))
}

// withRevocations plans the revocations declared in the configuration (the
// base declares none).
var withRevocations = planner.Options{Base: &schema.Config{}, BaseRef: "main"}

func TestApplyThenPlanIsEmpty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedTwoAccounts(t, e)
	cfg := twoAccounts()
	p := e.plan(t, cfg, withRevocations)
	wantAddrs := []string{"account/a/organization", "account/a/doh", "account/a/revoke/bob@example.com", "account/b/organization"}
	if diff := cmp.Diff(wantAddrs, addresses(p)); diff != "" {
		t.Fatalf("plan mismatch (-want +got):\n%s", diff)
	}
	if err := applier.CheckStale(t.Context(), e.client, p, 4); err != nil {
		t.Fatalf("CheckStale on a fresh plan: %v", err)
	}

	var events []string
	o := opts()
	o.Progress = func(ev applier.Event) {
		if ev.Done {
			events = append(events, ev.Change.Address+" "+string(ev.Result.Status))
		}
	}
	rep, err := applier.Apply(t.Context(), e.client, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("apply failed:\n%s", rep)
	}
	if got := rep.Counts(); got != (applier.Counts{Applied: 4}) {
		t.Errorf("Counts() = %+v, want 4 applied", got)
	}
	if diff := cmp.Diff(wantAddrs, resultAddrs(rep)); diff != "" {
		t.Errorf("results are not in plan order (-want +got):\n%s", diff)
	}
	if len(events) != 4 {
		t.Errorf("progress saw %d finished changes, want 4: %v", len(events), events)
	}

	if again := e.plan(t, cfg, planner.Options{}); again.HasChanges() {
		t.Errorf("plan after apply has changes: %v", addresses(again))
	}

	// Unmanaged and unknown fields survive: the PUT body was the whole
	// object. The emulator's PUT resets writable fields a body omits.
	want := liveOrg(t, "a")
	want["session_duration"] = "12h"
	want["login_design"].(map[string]any)["header_text"] = "Welcome"
	want["deny_unmatched_requests"] = false // GET shows it, so the PUT sends it
	got, _ := e.srv.Organization(schema.KindAccount, idA)
	delete(want, "updated_at")
	delete(got, "updated_at")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("organization a after apply (-want +got):\n%s", diff)
	}
	doh, _ := e.srv.DoH(idA)
	if doh["doh_jwt_duration"] != "800h" || doh["id"] != "11111111-2222-3333-4444-555555555555" {
		t.Errorf("DoH after apply = %v, want doh_jwt_duration 800h and the service token kept", doh)
	}
	revs := e.srv.Revocations()
	if len(revs) != 1 || revs[0].Email != "bob@example.com" || !revs[0].Devices || revs[0].Scope != "accounts/"+idA {
		t.Errorf("revocations = %+v, want bob@example.com with devices in account a", revs)
	}
}

func resultAddrs(r *applier.Report) []string {
	out := []string{}
	for _, res := range r.Results {
		out = append(out, res.Address)
	}
	return out
}

func TestApplyCreateWithCustomPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := &schema.Config{
		Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{
			"name":             "Widget Corp",
			"auth_domain":      "widget.cloudflareaccess.com",
			"session_duration": "8h",
			"login_design":     map[string]any{"header_text": "Hi"},
			"custom_pages":     map[string]any{"forbidden": "0b3a7c6e-4a3c-4f0e-8d1d-1a2b3c4d5e6f"},
		}}},
		Zones: map[string]*schema.Zone{"example.com": {ID: idZ, Organization: schema.Object{
			"name":        "Zone Org",
			"auth_domain": "zone.cloudflareaccess.com",
		}}},
	}
	p := e.plan(t, cfg, planner.Options{})
	if p.Summary.Create != 2 || p.Changes[0].FollowUp == nil {
		t.Fatalf("want two creates, the first with a follow-up; got %+v", p.Summary)
	}
	rep, err := applier.Apply(t.Context(), e.client, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("apply failed:\n%s", rep)
	}
	requests := e.srv.Requests()
	if again := e.plan(t, cfg, planner.Options{}); again.HasChanges() {
		t.Errorf("plan after apply has changes: %v", addresses(again))
	}

	// Account a: the plan's GET, the GET just before the write, POST
	// (without custom_pages), then a PUT of the whole object with
	// custom_pages, then the read-back GET.
	var seq []string
	var put schema.Object
	for _, r := range requests {
		if !strings.Contains(r.Path, idA) {
			continue
		}
		seq = append(seq, r.Method)
		switch r.Method {
		case "POST":
			if _, ok := r.Body["custom_pages"]; ok {
				t.Errorf("POST body has custom_pages: %v", r.Body)
			}
		case "PUT":
			put = r.Body
		}
	}
	if diff := cmp.Diff([]string{"GET", "GET", "POST", "PUT", "GET"}, seq); diff != "" {
		t.Errorf("calls for account a (-want +got):\n%s", diff)
	}
	for _, k := range []string{"name", "auth_domain", "session_duration", "login_design", "custom_pages"} {
		if _, ok := put[k]; !ok {
			t.Errorf("follow-up PUT body lacks %s (a partial body resets it): %v", k, put)
		}
	}
	for _, k := range schema.ReadOnlyFields() {
		if _, ok := put[k]; ok {
			t.Errorf("follow-up PUT body has read-only %s", k)
		}
	}
	if _, ok := e.srv.Organization(schema.KindZone, idZ); !ok {
		t.Errorf("zone organization was not created")
	}
}

func TestApplyCreateAmbiguous(t *testing.T) {
	t.Parallel()
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{
		"name": "A", "auth_domain": "a.cloudflareaccess.com",
	}}}}
	tests := []struct {
		name      string
		fault     emulator.FaultKind
		wantPosts int
	}{
		// The POST was applied, the answer lost: the GET finds the
		// organization, so no second POST (which would get 409).
		{"applied then dropped", emulator.DropAfterApply, 1},
		// The connection dropped before anything was applied: the GET finds
		// nothing, so the POST is sent once more.
		{"dropped", emulator.Drop, 2},
		// A 5xx on POST is ambiguous too.
		{"server error", emulator.ServerError, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.plan(t, cfg, planner.Options{})
			e.srv.InjectFault(emulator.Fault{Method: "POST", PathContains: "/access/organizations", Kind: tt.fault})
			rep, err := applier.Apply(t.Context(), e.client, p, opts())
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Fatalf("apply failed:\n%s", rep)
			}
			if got := e.srv.Count("POST", "/access/organizations"); got != tt.wantPosts {
				t.Errorf("POSTs = %d, want %d", got, tt.wantPosts)
			}
			if again := e.plan(t, cfg, planner.Options{}); again.HasChanges() {
				t.Errorf("plan after apply has changes: %v", addresses(again))
			}
		})
	}
}

func TestApplyCreateAmbiguousTwice(t *testing.T) {
	t.Parallel()
	// POSTs lost before reaching the state: the create gives up after the
	// third instead of posting forever.
	e := newEnv(t)
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{
		"name": "A", "auth_domain": "a.cloudflareaccess.com",
	}}}}
	p := e.plan(t, cfg, planner.Options{})
	e.srv.InjectFault(emulator.Fault{Method: "POST", Kind: emulator.Drop, Count: 5})
	rep, err := applier.Apply(t.Context(), e.client, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Results[0].Status != applier.Failed {
		t.Fatalf("want a failure:\n%s", rep)
	}
	if got := e.srv.Count("POST", "/access/organizations"); got != 3 {
		t.Errorf("POSTs = %d, want 3", got)
	}
	if msg := rep.Results[0].Err.Error(); !strings.Contains(msg, "shows it was not applied, after 3 attempts") {
		t.Errorf("error = %q", msg)
	}
}

func TestApplyRetriesTransientFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault emulator.Fault
	}{
		{"429 with Retry-After", emulator.Fault{Method: "PUT", Kind: emulator.RateLimit, RetryAfter: "7", Count: 2}},
		{"429 without Retry-After", emulator.Fault{Method: "PUT", Kind: emulator.RateLimit}},
		{"503", emulator.Fault{Method: "PUT", Kind: emulator.ServerError, Status: 503, Count: 3}},
		{"dropped connection", emulator.Fault{Method: "PUT", Kind: emulator.Drop, Count: 2}},
		{"applied then dropped", emulator.Fault{Method: "PUT", Kind: emulator.DropAfterApply}},
		{"revoke 500", emulator.Fault{Method: "POST", PathContains: "revoke_user", Kind: emulator.ServerError}},
		{"read-back 502", emulator.Fault{Method: "GET", Kind: emulator.ServerError, Status: 502, Count: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			seedTwoAccounts(t, e)
			cfg := twoAccounts()
			p := e.plan(t, cfg, withRevocations)
			e.srv.InjectFault(tt.fault)
			rep, err := applier.Apply(t.Context(), e.client, p, opts())
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Fatalf("apply failed:\n%s", rep)
			}
			if again := e.plan(t, cfg, planner.Options{}); again.HasChanges() {
				t.Errorf("plan after apply has changes: %v", addresses(again))
			}
			if len(e.srv.Revocations()) != 1 {
				t.Errorf("revocations = %d, want 1", len(e.srv.Revocations()))
			}
		})
	}
	t.Run("Retry-After honoured", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		seedTwoAccounts(t, e)
		p := e.plan(t, twoAccounts(), planner.Options{})
		e.srv.InjectFault(emulator.Fault{Method: "PUT", Kind: emulator.RateLimit, RetryAfter: "7"})
		if rep, _ := applier.Apply(t.Context(), e.client, p, opts()); !rep.OK() {
			t.Fatalf("apply failed:\n%s", rep)
		}
		found := false
		for _, d := range e.clock.slept {
			found = found || d.Seconds() == 7
		}
		if !found {
			t.Errorf("no 7s wait among %v", e.clock.slept)
		}
	})
}

func TestApplyPartialFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedTwoAccounts(t, e)
	cfg := twoAccounts()
	p := e.plan(t, cfg, withRevocations)
	// Every PUT to account a's organization fails, retries included.
	e.srv.InjectFault(emulator.Fault{Method: "PUT", PathContains: idA + "/access/organizations", Kind: emulator.ServerError, Count: 100})
	rep, err := applier.Apply(t.Context(), e.client, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	e.srv.ClearFaults()
	want := map[string]applier.Status{
		"account/a/organization":           applier.Failed,
		"account/a/doh":                    applier.Skipped,
		"account/a/revoke/bob@example.com": applier.Skipped,
		"account/b/organization":           applier.Applied,
	}
	if diff := cmp.Diff(want, statuses(rep)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if rep.OK() {
		t.Errorf("OK() = true with a failure")
	}
	if got := rep.Counts(); got != (applier.Counts{Applied: 1, Failed: 1, Skipped: 2}) {
		t.Errorf("Counts() = %+v", got)
	}
	// Nothing of the skipped changes was sent.
	if n := e.srv.Count("PUT", "/doh"); n != 0 {
		t.Errorf("%d DoH PUTs after the organization failed", n)
	}
	if n := len(e.srv.Revocations()); n != 0 {
		t.Errorf("%d revocations after the organization failed", n)
	}
	text := rep.String()
	for _, s := range []string{
		"account/a/organization: failed (update): PUT /accounts/" + idA + "/access/organizations: 500",
		"account/a/doh: skipped (update): not attempted: account/a/organization failed earlier in account/a",
		"account/b/organization: applied (update)",
		"Apply complete: 1 applied, 1 failed, 2 skipped.",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("report lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, token) {
		t.Errorf("report shows the token")
	}
	// A new plan shows exactly what is left.
	again := e.plan(t, cfg, withRevocations)
	if diff := cmp.Diff([]string{"account/a/organization", "account/a/doh", "account/a/revoke/bob@example.com"}, addresses(again)); diff != "" {
		t.Errorf("plan after partial apply (-want +got):\n%s", diff)
	}
}

func TestApplyInterrupt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedTwoAccounts(t, e)
	cfg := twoAccounts()
	p := e.plan(t, cfg, withRevocations)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	o := opts()
	o.Concurrency = 1
	o.Progress = func(ev applier.Event) {
		if !ev.Done {
			return
		}
		// Ctrl-C arrives while the first change is being made: it is
		// finished (read-back included), nothing more starts.
		cancel()
	}
	rep, err := applier.Apply(ctx, e.client, p, o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]applier.Status{
		"account/a/organization":           applier.Applied,
		"account/a/doh":                    applier.Interrupted,
		"account/a/revoke/bob@example.com": applier.Interrupted,
		"account/b/organization":           applier.Interrupted,
	}
	if diff := cmp.Diff(want, statuses(rep)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if !strings.Contains(rep.Summary(), "Apply interrupted: 1 applied, 0 failed, 0 skipped, 3 not started.") {
		t.Errorf("Summary() = %q", rep.Summary())
	}
	again := e.plan(t, cfg, withRevocations)
	if diff := cmp.Diff([]string{"account/a/doh", "account/a/revoke/bob@example.com", "account/b/organization"}, addresses(again)); diff != "" {
		t.Errorf("plan after interrupt (-want +got):\n%s", diff)
	}
}

func TestApplyInterruptFinishesCreate(t *testing.T) {
	t.Parallel()
	// Ctrl-C after the POST of a create: its follow-up PUT and read-back
	// still run, so the organization is not left half made.
	e := newEnv(t)
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{
		"name": "A", "auth_domain": "a.cloudflareaccess.com",
		"custom_pages": map[string]any{"identity_denied": "0b3a7c6e-4a3c-4f0e-8d1d-1a2b3c4d5e6f"},
	}}}}
	p := e.plan(t, cfg, planner.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	target := cancelAfterPost{cfapiClient: e.client, cancel: cancel}
	rep, err := applier.Apply(ctx, target, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("apply failed:\n%s", rep)
	}
	if again := e.plan(t, cfg, planner.Options{}); again.HasChanges() {
		t.Errorf("plan after apply has changes: %v", addresses(again))
	}
}

func TestApplyNotConverged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedTwoAccounts(t, e)
	p := e.plan(t, twoAccounts(), planner.Options{})
	// A server that accepts the PUT but keeps (or puts back) the old
	// session_duration: the emulator cannot do that, so the read-back is
	// rewritten on its way back.
	target := staleReads{cfapiClient: e.client, field: "session_duration", value: "24h"}
	rep, err := applier.Apply(t.Context(), target, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	res := rep.Results[0]
	if res.Address != "account/a/organization" || res.Status != applier.NotConverged {
		t.Fatalf("first result = %+v", res)
	}
	if diff := cmp.Diff([]string{"session_duration"}, res.Fields); diff != "" {
		t.Errorf("not converged fields (-want +got):\n%s", diff)
	}
	// A non-converged change does not skip the rest of its scope.
	if got := rep.Counts(); got != (applier.Counts{Applied: 2, NotConverged: 1}) {
		t.Errorf("Counts() = %+v", got)
	}
	if rep.OK() {
		t.Errorf("OK() = true with a change not converged")
	}
	if !strings.Contains(rep.String(), "account/a/organization: not converged (update): session_duration\n") {
		t.Errorf("report:\n%s", rep)
	}
}

func TestApplyGuard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// 12 declared accounts, 4 of them change (33%).
	cfg := &schema.Config{Accounts: map[string]*schema.Account{}}
	for i := range 12 {
		id := strings.Repeat("0", 30) + string(rune('a'+i/10)) + string(rune('0'+i%10))
		name := "acct" + id[30:]
		org := liveOrg(t, name)
		e.srv.SetOrganization(schema.KindAccount, id, org)
		want := "24h"
		if i < 4 {
			want = "1h"
		}
		cfg.Accounts[name] = &schema.Account{ID: id, Organization: schema.Object{"session_duration": want}}
	}
	p := e.plan(t, cfg, planner.Options{})
	if len(p.Changes) != 4 || p.Declared != 12 {
		t.Fatalf("plan has %d changes of %d declared, want 4 of 12", len(p.Changes), p.Declared)
	}
	before := e.writes()

	_, err := applier.Apply(t.Context(), e.client, p, opts()) // default 30%
	var ge *applier.GuardError
	if !errors.As(err, &ge) {
		t.Fatalf("Apply error = %v, want *GuardError", err)
	}
	wantMsg := "refusing to change 4 of 12 declared resources (33.3%): more than the 30% the mass-change guard allows; review the plan, then run again with --max-change-percent 34 to allow it"
	if err.Error() != wantMsg {
		t.Errorf("error = %q\nwant    %q", err, wantMsg)
	}
	if e.writes() != before {
		t.Errorf("the guard let writes through")
	}

	o := opts()
	pct := 34.0
	o.MaxChangePercent = &pct
	rep, err := applier.Apply(t.Context(), e.client, p, o)
	if err != nil {
		t.Fatalf("Apply with --max-change-percent 34: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("apply failed:\n%s", rep)
	}
}

func TestGuard(t *testing.T) {
	t.Parallel()
	plan := func(changes, declared int) *planner.Plan {
		return &planner.Plan{Changes: make([]planner.Change, changes), Declared: declared}
	}
	tests := []struct {
		name   string
		p      *planner.Plan
		max    float64
		refuse bool
	}{
		{"10 declared, all change", plan(10, 10), 30, false},
		{"11 declared, 3 change", plan(3, 11), 30, false},
		{"11 declared, 4 change", plan(4, 11), 30, true},
		{"exactly 30%", plan(6, 20), 30, false},
		{"allowed by a higher max", plan(20, 20), 100, false},
		{"no changes", plan(0, 1000), 0, false},
		{"nil plan", nil, 30, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := applier.Guard(tt.p, tt.max)
			if (err != nil) != tt.refuse {
				t.Errorf("Guard() = %v, want refusal %v", err, tt.refuse)
			}
		})
	}
}

// cancelAfterPost is a Target that cancels the apply right after a POST
// create returns, as a Ctrl-C would.
type cancelAfterPost struct {
	*cfapiClient
	cancel context.CancelFunc
}

func (c cancelAfterPost) CreateOrganization(ctx context.Context, s schema.Scope, body schema.Object) (schema.Object, error) {
	o, err := c.cfapiClient.CreateOrganization(ctx, s, body)
	c.cancel()
	return o, err
}

// staleReads is a Target whose organization reads show field at value,
// whatever was written.
type staleReads struct {
	*cfapiClient
	field string
	value any
}

func (s staleReads) GetOrganization(ctx context.Context, sc schema.Scope) (schema.Object, error) {
	o, err := s.cfapiClient.GetOrganization(ctx, sc)
	if err == nil {
		o[s.field] = s.value
	}
	return o, err
}
