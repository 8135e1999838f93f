package applier_test

// Tests of the applier's guards that deleting any one of them would break
// (scripts/mutation): each says what a user would see go wrong.

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// requests returns the emulator's requests as "METHOD path", without the
// API prefix up to the account ID.
func requests(e *env) []string {
	var out []string
	for _, r := range e.srv.Requests() {
		p := r.Path
		if i := strings.Index(p, "/accounts/"); i >= 0 {
			p = p[i:]
		}
		out = append(out, r.Method+" "+p)
	}
	return out
}

func count(reqs []string, want string) int {
	n := 0
	for _, r := range reqs {
		if r == want {
			n++
		}
	}
	return n
}

const orgPathA = "/accounts/" + idA + "/access/organizations"

// A follow-up PUT that reached the server but whose answer was lost is
// confirmed with a GET: the create is Applied with the lost-answer note,
// nothing is sent twice, and planning again shows nothing to do. One that
// was dropped before it applied fails the change, naming the follow-up,
// and is not re-sent either.
func TestApplyCreateFollowUpAnswerLost(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		kind emulator.FaultKind
		want applier.Status
	}{
		{"applied then dropped", emulator.DropAfterApply, applier.Applied},
		{"dropped before it applied", emulator.Drop, applier.Failed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := createA(t, e, true)
			if p.Changes[0].FollowUp == nil {
				t.Fatal("the create has no follow-up")
			}
			e.srv.InjectFault(emulator.Fault{Method: "PUT", PathContains: "/access/organizations", Kind: tt.kind, Count: 5})
			r := applyOne(t, e.client, p, opts())
			if r.Status != tt.want {
				t.Fatalf("result = %s %v %v, want %s", r.Status, r.Err, r.Fields, tt.want)
			}
			reqs := requests(e)
			if count(reqs, "POST "+orgPathA) != 1 || count(reqs, "PUT "+orgPathA) != 1 {
				t.Errorf("requests = %v, want one POST and one PUT", reqs)
			}
			switch tt.want {
			case applier.Applied:
				if !strings.Contains(r.Note, "answer to the write was lost") {
					t.Errorf("note = %q, want the lost-answer note", r.Note)
				}
				org, _ := e.srv.Organization(schema.KindAccount, idA)
				if cp, _ := org["custom_pages"].(map[string]any); cp["forbidden"] != "f" {
					t.Errorf("custom_pages = %v, want the follow-up's value", org["custom_pages"])
				}
			case applier.Failed:
				if r.Err == nil || !strings.Contains(r.Err.Error(), "follow-up PUT failed") {
					t.Errorf("error = %v, want it to name the follow-up PUT", r.Err)
				}
			}
		})
	}
}

// A write that succeeded is not read "to see whether it happened", even
// when Options.Ambiguous is nil (every failure ambiguous): one GET before
// the PUT, one read-back after it, and no lost-answer note.
func TestApplySuccessIsNotConfirmed(t *testing.T) {
	t.Parallel()
	e, p := sessionPlan(t)
	before := len(e.srv.Requests())
	o := opts()
	o.Ambiguous = nil
	r := applyOne(t, e.client, p, o)
	if r.Status != applier.Applied || r.Note != "" {
		t.Fatalf("result = %s %v note %q, want applied without a note", r.Status, r.Err, r.Note)
	}
	want := []string{"GET " + orgPathA, "PUT " + orgPathA, "GET " + orgPathA}
	if got := requests(e)[before:]; !slices.Equal(got, want) {
		t.Errorf("requests = %v, want %v", got, want)
	}
}

// plannedLoginDesign returns the login_design of a create's POST or
// follow-up body and removes it from both.
func plannedLoginDesign(t *testing.T, c *planner.Change) map[string]any {
	t.Helper()
	ld, _ := c.Body["login_design"].(map[string]any)
	if ld == nil {
		ld, _ = c.FollowUp.Body["login_design"].(map[string]any)
	}
	if ld == nil {
		t.Fatalf("the create plans no login_design: %v %v", c.Body, c.FollowUp.Body)
	}
	delete(c.Body, "login_design")
	delete(c.FollowUp.Body, "login_design")
	return ld
}

// A create whose plan file sends a field in both its POST and its
// follow-up PUT is refused before the POST (the planner sends each field
// once): the POST's value would be written, and stay written when the
// follow-up fails, without having been checked against the plan's diff,
// whether the follow-up's copy hides an extra sub-field or overrides a
// planned one. Even a split that adds up to the diff is refused.
func TestApplyCreateRefusesFieldSentTwice(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		post   func(ld map[string]any) // makes the POST's copy from the planned value
		follow func(c *planner.Change, ld map[string]any)
	}{
		{"extra sub-field in the POST", func(ld map[string]any) { ld["footer_text"] = "Pay here: evil.example" }, nil},
		{"planned sub-field overridden in the POST", func(ld map[string]any) { ld["header_text"] = "Evil" }, nil},
		{"sub-fields split between the two", func(map[string]any) {}, func(c *planner.Change, ld map[string]any) {
			c.FollowUp.Body["login_design"] = map[string]any{"footer_text": "bye"}
			c.Diff = append(c.Diff, planner.FieldDiff{Path: "login_design.footer_text", After: "bye"})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := createA(t, e, true)
			c := &p.Changes[0]
			ld := plannedLoginDesign(t, c)
			post := planner.CopyObject(ld)
			tt.post(post)
			c.Body["login_design"] = post
			c.FollowUp.Body["login_design"] = planner.CopyObject(ld)
			if tt.follow != nil {
				tt.follow(c, ld)
			}
			r := applyOne(t, e.client, p, opts())
			if r.Status != applier.Refused || !strings.Contains(r.Err.Error(), "login_design") {
				t.Fatalf("result = %s %v, want refused naming login_design", r.Status, r.Err)
			}
			if n := e.writes(); n != 0 {
				t.Errorf("%d writes were sent: %v", n, requests(e))
			}
			if _, ok := e.srv.Organization(schema.KindAccount, idA); ok {
				t.Error("the organization was created")
			}
		})
	}
}

// A plan file that drops a live field from an update's body cannot launder
// the drop with a diff entry under that field: the field is still missing
// from what the PUT would send, so the change is refused and the
// organization keeps it.
func TestApplyRefusesDropHiddenUnderDiff(t *testing.T) {
	t.Parallel()
	e, p := sessionPlan(t)
	c := &p.Changes[0]
	delete(c.Body, "auth_domain")
	c.Diff = append(c.Diff, planner.FieldDiff{Path: "auth_domain.x"})
	r := applyOne(t, e.client, p, opts())
	if r.Status != applier.Refused || !strings.Contains(r.Err.Error(), "auth_domain") {
		t.Fatalf("result = %s %v, want refused naming auth_domain", r.Status, r.Err)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("%d writes were sent", n)
	}
	if org, _ := e.srv.Organization(schema.KindAccount, idA); org["auth_domain"] != "a.cloudflareaccess.com" {
		t.Errorf("auth_domain = %v", org["auth_domain"])
	}
}

// A stale error names the fields that moved, never a response-only field
// the plan's body happens to carry (a hand-edited plan holding the GET
// answer's created_at or cache_device_posture): those are not compared.
func TestCheckStaleIgnoresResponseOnlyFields(t *testing.T) {
	t.Parallel()
	e, p := sessionPlan(t)
	c := &p.Changes[0]
	c.Body["created_at"] = "2020-01-01T00:00:00Z"
	c.Body["cache_device_posture"] = 9
	org, _ := e.srv.Organization(schema.KindAccount, idA)
	org["warp_auth_session_duration"] = "36h"
	e.srv.SetOrganization(schema.KindAccount, idA, org)
	err := applier.CheckStale(t.Context(), e.client, p, 1)
	var se *applier.StaleError
	if !errors.As(err, &se) || len(se.Resources) != 1 {
		t.Fatalf("CheckStale = %v, want one stale resource", err)
	}
	if got := se.Resources[0].Fields; !slices.Equal(got, []string{"warp_auth_session_duration"}) {
		t.Errorf("stale fields = %v, want [warp_auth_session_duration]", got)
	}
}

// offByOne reads back a created organization with its name changed, as an
// API that normalises a value would: the create is NotConverged.
type offByOne struct {
	*cfapiClient
	posted bool
}

func (o *offByOne) CreateOrganization(ctx context.Context, sc schema.Scope, body schema.Object) (schema.Object, error) {
	o.posted = true
	return o.cfapiClient.CreateOrganization(ctx, sc, body)
}

func (o *offByOne) GetOrganization(ctx context.Context, sc schema.Scope) (schema.Object, error) {
	obj, err := o.cfapiClient.GetOrganization(ctx, sc)
	if err == nil && o.posted {
		obj["name"] = "A (normalised)"
	}
	return obj, err
}

// An organization this apply created is this apply's even when a field
// reads back differently (NotConverged): the DoH settings that came into
// being with it are written, and the account's revocations are not skipped.
func TestApplyCreateNotConvergedStillOwnsDoH(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {
		ID:           idA,
		Organization: schema.Object{"name": "A", "auth_domain": "a.cloudflareaccess.com"},
		DoH:          schema.Object{"doh_jwt_duration": "800h"},
		Revoke:       map[string]schema.Revocation{"bob@example.com": {Devices: true}},
	}}}
	p := e.plan(t, cfg, withRevocations)
	rep, err := applier.Apply(t.Context(), &offByOne{cfapiClient: e.client}, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(rep)
	want := map[string]applier.Status{
		"account/a/organization":           applier.NotConverged,
		"account/a/doh":                    applier.Applied,
		"account/a/revoke/bob@example.com": applier.Applied,
	}
	for addr, st := range want {
		if got[addr] != st {
			t.Errorf("%s = %s, want %s:\n%s", addr, got[addr], st, rep)
		}
	}
	if doh, _ := e.srv.DoH(idA); doh["doh_jwt_duration"] != "800h" {
		t.Errorf("DoH = %v, want it written", doh)
	}
}

// The DoH exception is for an organization this apply created: a DoH
// change whose plan (hand-edited) says the settings were absent, next to
// an organization update that applied, is refused, since its live state
// is not what the plan says.
func TestApplyDoHPlannedAbsentBesideUpdateIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.SetOrganization(schema.KindAccount, idA, liveOrg(t, "a"))
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {
		ID:           idA,
		Organization: schema.Object{"session_duration": "12h"},
		DoH:          schema.Object{"doh_jwt_duration": "800h"},
	}}}
	p := e.plan(t, cfg, planner.Options{})
	doh := change(t, p, "account/a/doh")
	doh.LiveDigest = planner.Observed{}.Digest()
	rep, err := applier.Apply(t.Context(), e.client, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	got := statuses(rep)
	if got["account/a/organization"] != applier.Applied || got["account/a/doh"] != applier.Refused {
		t.Fatalf("statuses = %v, want the update applied and the DoH refused:\n%s", got, rep)
	}
	if d, _ := e.srv.DoH(idA); d["doh_jwt_duration"] != nil {
		t.Errorf("DoH = %v, want it not written", d)
	}
}

// A create with a follow-up whose calls all succeed makes exactly its
// calls (read, POST, PUT, read-back) and says nothing of a lost answer,
// also when Options.Ambiguous is nil (every failure ambiguous).
func TestApplyCreateFollowUpSucceeds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := createA(t, e, true)
	before := len(e.srv.Requests())
	o := opts()
	o.Ambiguous = nil
	r := applyOne(t, e.client, p, o)
	if r.Status != applier.Applied || r.Note != "" {
		t.Fatalf("result = %s %v note %q, want applied without a note", r.Status, r.Err, r.Note)
	}
	want := []string{"GET " + orgPathA, "POST " + orgPathA, "PUT " + orgPathA, "GET " + orgPathA}
	if got := requests(e)[before:]; !slices.Equal(got, want) {
		t.Errorf("requests = %v, want %v", got, want)
	}
}

// An object that moved just before its write only where the plan cannot
// name a field (its updated_at) is refused with a reason that names no
// fields, not an empty "()".
func TestApplyMovedWithoutNamedFields(t *testing.T) {
	t.Parallel()
	e, p := sessionPlan(t)
	org, _ := e.srv.Organization(schema.KindAccount, idA)
	org["updated_at"] = "2026-11-30T00:00:00Z"
	e.srv.SetOrganization(schema.KindAccount, idA, org)
	r := applyOne(t, e.client, p, opts())
	want := "account/a/organization changed since the plan was made, just before its write (another apply or an edit elsewhere); not written: run plan again"
	if r.Status != applier.Refused || r.Err == nil || r.Err.Error() != want {
		t.Fatalf("result = %s %v\nwant refused: %s", r.Status, r.Err, want)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("%d writes were sent", n)
	}
}

// A tampered body's refusal names up to five fields, then says how many
// more there are.
func TestApplyRefusalNamesFiveFields(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		extra int
		want  string
	}{
		{5, "(evil_1, evil_2, evil_3, evil_4, evil_5);"},
		{7, "(evil_1, evil_2, evil_3, evil_4, evil_5, and 2 more);"},
	} {
		t.Run(strconv.Itoa(tt.extra), func(t *testing.T) {
			t.Parallel()
			e, p := sessionPlan(t)
			for i := 1; i <= tt.extra; i++ {
				p.Changes[0].Body["evil_"+strconv.Itoa(i)] = true
			}
			r := applyOne(t, e.client, p, opts())
			if r.Status != applier.Refused || !strings.Contains(r.Err.Error(), tt.want) {
				t.Errorf("result = %s %v, want refused naming %s", r.Status, r.Err, tt.want)
			}
		})
	}
}

// A plan file that puts a scalar where the live object has an (empty)
// object is refused: it is not that object with the diff laid over, even
// though nothing inside the object differs.
func TestApplyRefusesScalarForObject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	live := liveOrg(t, "a")
	live["login_design"] = map[string]any{}
	e.srv.SetOrganization(schema.KindAccount, idA, live)
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{"session_duration": "12h"}}}}
	p := e.plan(t, cfg, planner.Options{})
	p.Changes[0].Body["login_design"] = "<script>"
	r := applyOne(t, e.client, p, opts())
	if r.Status != applier.Refused || !strings.Contains(r.Err.Error(), "(login_design)") {
		t.Fatalf("result = %s %v, want refused naming login_design", r.Status, r.Err)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("%d writes were sent", n)
	}
}

// sessionPlan is an emulator with two seeded accounts and the plan that
// sets account a's session_duration to 12h.
func sessionPlan(t *testing.T) (*env, *planner.Plan) {
	t.Helper()
	e := newEnv(t)
	seedTwoAccounts(t, e)
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{"session_duration": "12h"}}}}
	return e, e.plan(t, cfg, planner.Options{})
}
