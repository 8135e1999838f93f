package planner_test

// More tests that each catch a bug mutation testing found unguarded
// (scripts/mutation.sh planner); every one names the mistake it stops.

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// diffPaths lists a change's diff paths in order.
func diffPaths(c planner.Change) []string {
	out := []string{}
	for _, d := range c.Diff {
		out = append(out, d.Path)
	}
	return out
}

// A create has nothing to clear: a null in the configuration (top level
// or inside a nested object) is left out of the POST body, of the
// follow-up PUT and of the diff. Sending it would write null into a new
// organization and show the reviewer a change that is not one.
func TestBuildCreateLeavesNullsOut(t *testing.T) {
	t.Parallel()
	org := schema.Object{
		"name":             "Prod",
		"auth_domain":      "prod.cloudflareaccess.com",
		"session_duration": nil,
		"login_design":     map[string]any{"header_text": nil, "text_color": "#000000", "footer_text": "bye"},
		"custom_pages":     map[string]any{"forbidden": nil, "identity_denied": "https://x.example/denied"},
	}
	c := onlyChange(t)(buildOne(t, org, nil, nil, nil))
	if c.Action != planner.Create {
		t.Fatalf("action = %s, want create", c.Action)
	}
	wantPOST := schema.Object{
		"name":         "Prod",
		"auth_domain":  "prod.cloudflareaccess.com",
		"login_design": map[string]any{"text_color": "#000000", "footer_text": "bye"},
	}
	if d := cmp.Diff(wantPOST, c.Body); d != "" {
		t.Errorf("POST body (-want +got):\n%s", d)
	}
	if c.FollowUp == nil {
		t.Fatal("no follow-up PUT for custom_pages")
	}
	if d := cmp.Diff(schema.Object{"custom_pages": map[string]any{"identity_denied": "https://x.example/denied"}}, c.FollowUp.Body); d != "" {
		t.Errorf("follow-up body (-want +got):\n%s", d)
	}
	want := []string{"name", "auth_domain", "login_design.text_color", "login_design.footer_text", "custom_pages.identity_denied"}
	if d := cmp.Diff(want, diffPaths(c)); d != "" {
		t.Errorf("diff paths (-want +got):\n%s", d)
	}
	for _, d := range c.Diff {
		if d.After == nil {
			t.Errorf("diff %s sets null", d.Path)
		}
	}
}

// The is_ui_read_only warning is for a toggle without a reason: creating
// an organization with is_ui_read_only: false toggles nothing and must not
// warn; turning it on (on create or update) without a reason warns once;
// with a reason it does not.
func TestBuildReadOnlyWarning(t *testing.T) {
	t.Parallel()
	const warn = "account/prod/organization: is_ui_read_only changes to true without ui_read_only_toggle_reason; declare a reason for the audit log"
	const warnOff = "account/prod/organization: is_ui_read_only changes to false without ui_read_only_toggle_reason; declare a reason for the audit log"
	create := func(extra schema.Object) schema.Object {
		o := schema.Object{"name": "Prod", "auth_domain": "prod.cloudflareaccess.com"}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	for _, tt := range []struct {
		name      string
		org, live schema.Object
		want      []string
	}{
		{"create with false", create(schema.Object{"is_ui_read_only": false}), nil, []string{}},
		{"create with true", create(schema.Object{"is_ui_read_only": true}), nil, []string{warn}},
		{"create with true and a reason", create(schema.Object{"is_ui_read_only": true, "ui_read_only_toggle_reason": "audit"}), nil, []string{}},
		{"update to true", schema.Object{"is_ui_read_only": true}, schema.Object{"name": "Prod"}, []string{warn}},
		{"update to false", schema.Object{"is_ui_read_only": false}, schema.Object{"name": "Prod", "is_ui_read_only": true}, []string{warnOff}},
		{"update to true with a reason", schema.Object{"is_ui_read_only": true, "ui_read_only_toggle_reason": "audit"}, schema.Object{"name": "Prod"}, []string{}},
		{"update of another field", schema.Object{"name": "New", "is_ui_read_only": true}, schema.Object{"name": "Prod", "is_ui_read_only": true}, []string{}},
		// A live value that is not a boolean is rewritten, but nothing
		// is toggled from the configuration's point of view.
		{"live not a boolean", schema.Object{"is_ui_read_only": false}, schema.Object{"name": "Prod", "is_ui_read_only": "true"}, []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := buildOne(t, tt.org, tt.live, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !p.HasChanges() {
				t.Fatal("no change planned")
			}
			if d := cmp.Diff(tt.want, p.Warnings); d != "" {
				t.Errorf("warnings (-want +got):\n%s", d)
			}
		})
	}
}

// A plan that cannot be encoded is an error, never an empty plan file
// reported as written.
func TestWritePlanUnencodable(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]any{
		"NaN":            math.NaN(),
		"invalid number": json.Number("twelve"),
		"channel":        make(chan int),
	} {
		p := samplePlan()
		p.Changes[0].Body["bad"] = v
		var buf bytes.Buffer
		err := planner.WritePlan(&buf, p)
		if err == nil || !strings.HasPrefix(err.Error(), "write plan: ") {
			t.Errorf("%s: WritePlan = %v, want a write plan error", name, err)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: WritePlan wrote %d bytes of a plan it could not encode", name, buf.Len())
		}
	}
	if err := planner.WritePlan(&bytes.Buffer{}, nil); err == nil {
		t.Error("WritePlan(nil) = nil, want an error")
	}
}

// An object is never equal to something that is not an object, even when
// all its values are empty: a read-back of "x" where {} or
// {"header_text": ""} was written has not converged.
func TestEqualObjectAgainstNonObject(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		path string
		a, b any
	}{
		{"future", map[string]any{"a": ""}, "x"},
		{"future", map[string]any{"a": ""}, json.Number("1")},
		{"future", map[string]any{"a": nil}, []any{"x"}},
		{"login_design", map[string]any{"header_text": ""}, "x"},
		{"login_design", map[string]any{"header_text": ""}, true},
	} {
		if planner.Equal(planner.Organization, tt.path, tt.a, tt.b) {
			t.Errorf("Equal(%s, %#v, %#v) = true, want false", tt.path, tt.a, tt.b)
		}
		if planner.Equal(planner.Organization, tt.path, tt.b, tt.a) {
			t.Errorf("Equal(%s, %#v, %#v) = true, want false", tt.path, tt.b, tt.a)
		}
	}
}

// A scope with a bad id is refused even when --target selects another
// scope: no plan is made from a configuration that names a scope wrongly.
func TestBuildChecksEveryScopeWhateverTheTarget(t *testing.T) {
	t.Parallel()
	cfg := &schema.Config{Accounts: map[string]*schema.Account{
		"prod":    {ID: prodID, Organization: schema.Object{"name": "Prod"}},
		"staging": {ID: "not-an-id", Organization: schema.Object{"name": "Staging"}},
	}}
	live := planner.Live{"account/prod/organization": {Exists: true, Object: schema.Object{"name": "Old"}}}
	p, err := planner.Build(cfg, live, planner.Options{Targets: []string{"account/prod"}})
	var ce *planner.ConfigError
	if !errors.As(err, &ce) || ce.Address != "account/staging" || !strings.Contains(err.Error(), `id "not-an-id" is not 32 lowercase hex characters`) {
		t.Fatalf("Build = %v, %v; want a ConfigError for account/staging's id", p, err)
	}
}

// When the organization's create cannot be planned, that is the one error:
// its DoH does not add a second, misleading one ("declare the
// organization"), and no plan is made.
func TestBuildDoHOfAFailedCreate(t *testing.T) {
	t.Parallel()
	p, err := buildOne(t, schema.Object{"name": "Prod"}, nil, schema.Object{"doh_jwt_duration": "800h"}, nil)
	if err == nil {
		t.Fatalf("Build planned %+v, want an error", p.Changes)
	}
	want := "account/prod/organization: the organization does not exist, so it would be created, and auth_domain is required to create it"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

// CopyObject never returns nil: the applier writes into the copy of a body.
func TestCopyObjectOfNil(t *testing.T) {
	t.Parallel()
	c := planner.CopyObject(nil)
	if c == nil {
		t.Fatal("CopyObject(nil) = nil")
	}
	c["name"] = "x" // must not panic
	o := schema.Object{"login_design": map[string]any{"header_text": "a"}}
	d := planner.CopyObject(o)
	d["login_design"].(map[string]any)["header_text"] = "b"
	if o["login_design"].(map[string]any)["header_text"] != "a" {
		t.Error("CopyObject shares a nested map with its source")
	}
}

// Booleans compare by value, null and absent being false, and never equal
// a value of another type.
func TestEqualBooleans(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b any
		want bool
	}{
		{true, true, true},
		{false, false, true},
		{false, nil, true},
		{nil, nil, true},
		{true, false, false},
		{true, nil, false},
		{nil, true, false},
		{true, "true", false},
		{false, "false", false},
		{true, json.Number("1"), false},
		{false, map[string]any{"a": true}, false},
	} {
		for _, path := range []string{"is_ui_read_only", "deny_unmatched_requests", "future_flag"} {
			if got := planner.Equal(planner.Organization, path, tt.a, tt.b); got != tt.want {
				t.Errorf("Equal(%s, %#v, %#v) = %v, want %v", path, tt.a, tt.b, got, tt.want)
			}
			if got := planner.Equal(planner.Organization, path, tt.b, tt.a); got != tt.want {
				t.Errorf("Equal(%s, %#v, %#v) = %v, want %v", path, tt.b, tt.a, got, tt.want)
			}
		}
	}
}

// Every field a create sends is in its diff, so the reviewer sees it: a
// nested field given a plain value is sent and shown as it is.
func TestBuildCreateShowsWhatItSends(t *testing.T) {
	t.Parallel()
	org := schema.Object{"name": "Prod", "auth_domain": "prod.cloudflareaccess.com", "login_design": "plain"}
	c := onlyChange(t)(buildOne(t, org, nil, nil, nil))
	if d := cmp.Diff([]string{"name", "auth_domain", "login_design"}, diffPaths(c)); d != "" {
		t.Errorf("diff paths (-want +got):\n%s", d)
	}
	if c.Body["login_design"] != "plain" {
		t.Errorf("POST body = %v", c.Body)
	}
}

// The DoH of an organization created in the same plan is absent, whatever
// the live state says of it: the whole DoH is written after the create.
func TestBuildDoHOfACreatedOrganizationIsAbsent(t *testing.T) {
	t.Parallel()
	doh := schema.Object{"doh_jwt_duration": "800h"}
	p, err := buildOne(t, schema.Object{"name": "Prod", "auth_domain": "prod.cloudflareaccess.com"}, nil, doh, schema.Object{"doh_jwt_duration": "800h"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 2 || p.Changes[1].Address != "account/prod/doh" {
		t.Fatalf("changes = %+v, want the create and the DoH update", p.Changes)
	}
	want := []planner.FieldDiff{{Path: "doh_jwt_duration", After: "800h"}}
	if d := cmp.Diff(want, p.Changes[1].Diff); d != "" {
		t.Errorf("DoH diff (-want +got):\n%s", d)
	}
}

// HasChanges decides --detailed-exitcode's 2: a plan with a change has
// changes, an empty or nil one has none.
func TestHasChanges(t *testing.T) {
	t.Parallel()
	var none *planner.Plan
	if none.HasChanges() {
		t.Error("nil plan has changes")
	}
	if (&planner.Plan{}).HasChanges() {
		t.Error("empty plan has changes")
	}
	if !samplePlan().HasChanges() {
		t.Error("a plan of four changes has none")
	}
}

// A plan file of exactly MaxPlanFileSize bytes is read: only files over
// the limit are refused.
func TestReadPlanAtTheSizeLimit(t *testing.T) {
	data := bytes.Repeat([]byte{' '}, planner.MaxPlanFileSize)
	copy(data, writePlan(t, samplePlan()))
	p, err := planner.ReadPlan(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadPlan of %d bytes: %v", len(data), err)
	}
	if len(p.Changes) != 4 {
		t.Errorf("read %d changes, want 4", len(p.Changes))
	}
}

// An object where the field is not one is refused, naming the field and
// its type, not sent in a body the API would reject at apply time, nor
// blamed on sub-fields the field does not have.
func TestBuildRefusesAnObjectForAPlainField(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		org, doh   schema.Object
		field, msg string
	}{
		{"string", schema.Object{"name": map[string]any{"text": "Prod"}}, nil, "name", "name is an object, but it is a string field"},
		{"empty object for a bool", schema.Object{"is_ui_read_only": map[string]any{}}, nil, "is_ui_read_only", "is_ui_read_only is an object, but it is a bool field"},
		{"sub-field", schema.Object{"login_design": map[string]any{"header_text": map[string]any{"en": "Hi"}}}, nil, "login_design.header_text", "login_design.header_text is an object, but it is a string field"},
		{"doh", schema.Object{"name": "Prod"}, schema.Object{"doh_jwt_duration": map[string]any{"h": "800"}}, "doh_jwt_duration", "doh_jwt_duration is an object, but it is a duration field"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := buildOne(t, tt.org, schema.Object{"name": "Prod"}, tt.doh, schema.Object{})
			var ce *planner.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Build = %v, %v; want a ConfigError for %s saying %q", p, err, tt.field, tt.msg)
			}
		})
	}
}

// A value quoted in an error is shown whole up to the limit and cut, with
// "…", only past it: the reader must be able to tell which happened.
func TestReadPlanQuotesLongValues(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		method, want string
	}{
		{strings.Repeat("X", 40), `not "` + strings.Repeat("X", 40) + `"`},
		{strings.Repeat("X", 41), `not "` + strings.Repeat("X", 40) + `…"`},
	} {
		data := editPlan(t, func(cs []any) { cs[0].(map[string]any)["method"] = tt.method })
		_, err := planner.ReadPlan(strings.NewReader(data))
		if err == nil || !strings.HasSuffix(err.Error(), tt.want) {
			t.Errorf("method of %d characters: ReadPlan = %v, want it to end with %s", len(tt.method), err, tt.want)
		}
	}
}

// Only the four resource and action pairs ztsync plans are read: a
// revocation is never updated, and "revoke" on the organization (a
// revoke_user call whose body was never checked for an email) is refused.
func TestReadPlanRefusesOtherActionPairs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		f    func(cs []any)
		want string
	}{
		{"revocation updated", func(cs []any) { cs[2].(map[string]any)["action"] = "update" }, `action "update" on resource "revoke" is not a change ztsync makes`},
		{"revocation created", func(cs []any) { cs[2].(map[string]any)["action"] = "create" }, `action "create" on resource "revoke" is not a change ztsync makes`},
		{"organization revoked", func(cs []any) {
			c := cs[0].(map[string]any)
			c["action"], c["method"] = "revoke", "POST"
			c["path"] = "/accounts/" + prodID + "/access/organizations/revoke_user"
		}, `action "revoke" on resource "organization" is not a change ztsync makes`},
		{"doh revoked", func(cs []any) {
			c := cs[1].(map[string]any)
			c["action"], c["method"] = "revoke", "POST"
			c["path"] = "/accounts/" + prodID + "/access/organizations/revoke_user"
		}, `action "revoke" on resource "doh" is not a change ztsync makes`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := planner.ReadPlan(strings.NewReader(editPlan(t, tt.f)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadPlan = %v, %v; want an error containing %q", p, err, tt.want)
			}
		})
	}
}
