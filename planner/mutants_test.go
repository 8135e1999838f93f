package planner_test

// Tests that each catch a bug mutation testing found unguarded: every one
// names the mistake it stops.

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// buildOne plans one account "prod" whose organization is declared as org
// (and DoH as doh, when not nil) against the live objects given; a nil
// live organization does not exist.
func buildOne(t *testing.T, org, liveOrg, doh, liveDoH schema.Object) (*planner.Plan, error) {
	t.Helper()
	cfg := &schema.Config{Accounts: map[string]*schema.Account{
		"prod": {ID: prodID, Organization: org, DoH: doh},
	}}
	live := planner.Live{
		"account/prod/organization": {Exists: liveOrg != nil, Object: liveOrg},
	}
	if doh != nil {
		live["account/prod/doh"] = planner.Observed{Exists: liveDoH != nil, Object: liveDoH}
	}
	return planner.Build(cfg, live, planner.Options{ToolVersion: "test"})
}

// onlyChange returns the plan's single change, failing unless Build
// succeeded with exactly one change.
func onlyChange(t *testing.T) func(*planner.Plan, error) planner.Change {
	return func(p *planner.Plan, err error) planner.Change {
		t.Helper()
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		if len(p.Changes) != 1 {
			t.Fatalf("plan has %d changes, want 1: %+v", len(p.Changes), p.Changes)
		}
		return p.Changes[0]
	}
}

// A list that loses or gains an element is a change. Comparing lists by
// their common prefix would leave a zone exempted from
// deny_unmatched_requests after it was removed from the configuration.
func TestBuildListLengthChanges(t *testing.T) {
	t.Parallel()
	const field = "deny_unmatched_requests_exempted_zone_names"
	for _, tt := range []struct {
		name        string
		field       string
		live, after []any
	}{
		{"shrink", field, []any{"a.com", "b.com"}, []any{"a.com"}},
		{"grow", field, []any{"a.com"}, []any{"a.com", "b.com"}},
		{"to empty", field, []any{"a.com"}, []any{}},
		{"swap", field, []any{"a.com", "b.com"}, []any{"a.com", "c.com"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			live := schema.Object{"name": "Prod", tt.field: tt.live}
			c := onlyChange(t)(buildOne(t, schema.Object{"name": "Prod", tt.field: tt.after}, live, nil, nil))
			if len(c.Diff) != 1 || c.Diff[0].Path != tt.field {
				t.Fatalf("diff = %+v, want one diff of %s", c.Diff, tt.field)
			}
			got, _ := json.Marshal(c.Body[tt.field])
			want, _ := json.Marshal(tt.after)
			if !bytes.Equal(got, want) {
				t.Errorf("PUT body %s = %s, want %s", tt.field, got, want)
			}
		})
	}
	t.Run("same list", func(t *testing.T) {
		l := []any{"a.com", "b.com"}
		p, err := buildOne(t, schema.Object{field: l}, schema.Object{field: []any{"a.com", "b.com"}}, nil, nil)
		if err != nil || p.HasChanges() {
			t.Fatalf("equal lists: changes %+v, err %v", p, err)
		}
	})
}

// Every field after a nested object is still compared: a risky
// deny_unmatched_requests change declared after login_design must appear in
// the plan and make the change risky.
func TestBuildComparesFieldsAfterNestedObject(t *testing.T) {
	t.Parallel()
	org := schema.Object{
		"name":                    "Prod",
		"login_design":            map[string]any{"header_text": "Hi"},
		"custom_pages":            map[string]any{"forbidden": "x"},
		"deny_unmatched_requests": true,
		"deny_unmatched_requests_exempted_zone_names": []any{"a.com"},
	}
	live := schema.Object{
		"name":         "Prod",
		"login_design": map[string]any{"header_text": "Hi"},
		"custom_pages": map[string]any{"forbidden": "x"},
	}
	c := onlyChange(t)(buildOne(t, org, live, nil, nil))
	var paths []string
	for _, d := range c.Diff {
		paths = append(paths, d.Path)
		if d.Path == "deny_unmatched_requests" && !d.Risky {
			t.Errorf("deny_unmatched_requests diff is not risky")
		}
	}
	if got := strings.Join(paths, ","); got != "deny_unmatched_requests,deny_unmatched_requests_exempted_zone_names" {
		t.Errorf("diff paths = %s", got)
	}
	if !c.Risky {
		t.Errorf("change is not risky")
	}
	if c.Body["deny_unmatched_requests"] != true {
		t.Errorf("PUT body lacks deny_unmatched_requests: %v", c.Body)
	}
}

// A field the scope's API does not take is refused, never sent nor
// silently dropped (the loader refuses it first; Build does not trust its
// caller).
func TestBuildRefusesFieldsTheScopeDoesNotTake(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		org     schema.Object
		live    schema.Object
		wantMsg string
	}{
		{"unknown on update", schema.Object{"name": "Prod", "future_flag": "on"}, schema.Object{"name": "Prod", "future_flag": "off"}, "future_flag"},
		{"unknown on create", schema.Object{"name": "Prod", "auth_domain": "p.cloudflareaccess.com", "future_flag": "on"}, nil, "future_flag"},
		{"response-only", schema.Object{"name": "Prod", "cache_device_posture": true}, schema.Object{"name": "Prod"}, "cache_device_posture"},
		{"unmanaged", schema.Object{"mfa_ssh_piv_key_requirements": map[string]any{"pin_policy": "once"}}, schema.Object{"name": "Prod"}, "mfa_ssh_piv_key_requirements"},
		{"unknown sub-field", schema.Object{"login_design": map[string]any{"future": "x"}}, schema.Object{"name": "Prod"}, "login_design.future"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := buildOne(t, tt.org, tt.live, nil, nil)
			var ce *planner.ConfigError
			if !errors.As(err, &ce) || !strings.Contains(ce.Error(), tt.wantMsg) {
				t.Fatalf("Build = %v, %v; want a ConfigError naming %s", p, err, tt.wantMsg)
			}
		})
	}
	zone := &schema.Config{Zones: map[string]*schema.Zone{"z": {ID: prodID, Organization: schema.Object{"deny_unmatched_requests": true}}}}
	_, err := planner.Build(zone, planner.Live{"zone/z/organization": {Exists: true, Object: schema.Object{"name": "Z"}}}, planner.Options{})
	var ce *planner.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(ce.Error(), "deny_unmatched_requests") {
		t.Errorf("zone deny_unmatched_requests: Build = %v, want a ConfigError", err)
	}
}

// DoH is never planned against a missing read, exactly like the
// organization.
func TestBuildRefusesMissingDoHRead(t *testing.T) {
	t.Parallel()
	cfg := &schema.Config{Accounts: map[string]*schema.Account{
		"prod": {ID: prodID, DoH: schema.Object{"doh_jwt_duration": "800h"}},
	}}
	live := planner.Live{"account/prod/organization": {Exists: true, Object: schema.Object{"name": "Prod"}}}
	p, err := planner.Build(cfg, live, planner.Options{})
	if err == nil {
		t.Fatalf("Build planned DoH without its read: %+v", p.Changes)
	}
	if !strings.Contains(err.Error(), "account/prod/doh: no live state was read") {
		t.Errorf("error = %q, want it to name account/prod/doh and the missing read", err)
	}
}

// DoH reads the service token from "id" when GET names it so (the real
// API does), and plans no change when it is the declared one.
func TestBuildDoHReadsIDAsServiceToken(t *testing.T) {
	t.Parallel()
	p, err := buildOne(t, schema.Object{"name": "Prod"}, schema.Object{"name": "Prod"},
		schema.Object{"service_token_id": "tok", "doh_jwt_duration": "800h"},
		schema.Object{"id": "tok", "doh_jwt_duration": "800h"})
	if err != nil || p.HasChanges() {
		t.Fatalf("DoH with id == service_token_id: changes %+v, err %v", p, err)
	}
}

// editPlan returns the sample plan's JSON after f changed its changes as
// generic values, with the fingerprint recomputed so only f's change is wrong.
func editPlan(t *testing.T, f func(changes []any)) string {
	t.Helper()
	return editTop(t, func(m map[string]any) { f(m["changes"].([]any)) })
}

// ReadPlan refuses plan files that would write somewhere other than what
// was reviewed, or send a call no plan makes.
func TestReadPlanRefusesMutantShapes(t *testing.T) {
	t.Parallel()
	ch := func(cs []any, i int) map[string]any { return cs[i].(map[string]any) }
	otherID := strings.Repeat("b", 32)
	for _, tt := range []struct {
		name string
		f    func(cs []any)
		want string
	}{
		{"one scope address two ids", func(cs []any) {
			c := ch(cs, 1) // account/prod/doh
			c["scope"].(map[string]any)["id"] = otherID
			c["path"] = "/accounts/" + otherID + "/access/organizations/doh"
		}, "account/prod has id " + otherID + " here and " + prodID + " in an earlier change"},
		{"revocation with empty email", func(cs []any) {
			c := ch(cs, 2)
			c["body"].(map[string]any)["email"] = ""
			c["address"] = "account/prod/revoke/"
		}, "revocation body has no email"},
		{"revocation email not a string", func(cs []any) {
			c := ch(cs, 2)
			c["body"].(map[string]any)["email"] = 7
		}, "revocation body has no email"},
		{"update without live_digest", func(cs []any) { ch(cs, 0)["live_digest"] = "" }, `live_digest "" is not sha256:HEX`},
		{"digest of 63 hex digits", func(cs []any) {
			ch(cs, 0)["live_digest"] = "sha256:" + strings.Repeat("a", 63)
		}, "is not sha256:HEX"},
		{"digest of 65 hex digits", func(cs []any) {
			ch(cs, 0)["live_digest"] = "sha256:" + strings.Repeat("a", 65)
		}, "is not sha256:HEX"},
		{"digest with upper case", func(cs []any) {
			ch(cs, 0)["live_digest"] = "sha256:" + strings.Repeat("A", 64)
		}, "is not sha256:HEX"},
		{"digest with a non-hex letter", func(cs []any) {
			ch(cs, 0)["live_digest"] = "sha256:" + strings.Repeat("g", 64)
		}, "is not sha256:HEX"},
		{"digest with a slash", func(cs []any) {
			ch(cs, 0)["live_digest"] = "sha256:" + strings.Repeat("/", 64)
		}, "is not sha256:HEX"},
		{"digest with a colon", func(cs []any) {
			ch(cs, 0)["live_digest"] = "sha256:" + strings.Repeat(":", 64)
		}, "is not sha256:HEX"},
		{"create without live_digest", func(cs []any) { ch(cs, 3)["live_digest"] = "" }, "is not sha256:HEX"},
		{"space in scope name", func(cs []any) {
			c := ch(cs, 0)
			c["scope"].(map[string]any)["name"] = "a b"
			c["address"] = "account/a b/organization"
		}, "has a character addresses cannot hold"},
		{"DEL in scope name", func(cs []any) {
			c := ch(cs, 0)
			c["scope"].(map[string]any)["name"] = "a\x7fb"
			c["address"] = "account/a\x7fb/organization"
		}, "has a character addresses cannot hold"},
		{"empty scope name", func(cs []any) {
			c := ch(cs, 0)
			c["scope"].(map[string]any)["name"] = ""
			c["address"] = "account//organization"
		}, "scope"},
		{"follow-up without body", func(cs []any) {
			ch(cs, 3)["follow_up"].(map[string]any)["body"] = nil
		}, "follow-up body is missing"},
		{"follow-up with another method", func(cs []any) {
			ch(cs, 3)["follow_up"].(map[string]any)["method"] = "POST"
		}, "follow-up must be PUT"},
		{"diff without path", func(cs []any) {
			ch(cs, 0)["diff"].([]any)[0].(map[string]any)["path"] = ""
		}, "diff 1 has no path"},
		{"revoke done with PUT", func(cs []any) { ch(cs, 2)["method"] = "PUT" }, "is done with POST"},
		{"doh with wrong path", func(cs []any) {
			ch(cs, 1)["path"] = "/accounts/" + prodID + "/access/organizations"
		}, "does not match the scope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := planner.ReadPlan(strings.NewReader(editPlan(t, tt.f)))
			if err == nil {
				t.Fatalf("ReadPlan accepted it (%d changes), want error containing %q", len(p.Changes), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadPlan error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("revocation without live_digest is fine", func(t *testing.T) {
		if _, err := planner.ReadPlan(strings.NewReader(editPlan(t, func(cs []any) { ch(cs, 2)["live_digest"] = "" }))); err != nil {
			t.Errorf("ReadPlan: %v", err)
		}
	})
}

// A live value of the wrong type never equals a desired one, not even an
// empty desired value: the field is rewritten rather than left wrong.
func TestEqualTypeMismatch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		path string
		d, l any
	}{
		{"is_ui_read_only", false, "true"},
		{"name", "", json.Number("5")},
		{"session_duration", "", true},
		{"deny_unmatched_requests_exempted_zone_names", []any{}, "a.com"},
		{"deny_unmatched_requests_exempted_zone_names", []any{"a.com"}, []any{json.Number("1")}},
	} {
		if planner.Equal(planner.Organization, tt.path, tt.d, tt.l) {
			t.Errorf("Equal(%s, %#v, %#v) = true, want false", tt.path, tt.d, tt.l)
		}
	}
}

// The generic rules for fields the table does not list, and the typed
// rules for those it does, at each of their branches.
func TestEqualRules(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		path string
		a, b any
		want bool
	}{
		// A field the table does not list is compared generically even
		// when a listed field has the same name below another object.
		{"future", map[string]any{"a": "x"}, "x", false},
		{"future", map[string]any{"a": "x"}, map[string]any{"a": "x", "b": "extra"}, false},
		{"future", map[string]any{"a": "x"}, map[string]any{"a": "x", "b": ""}, true},
		{"future", []any{"a", json.Number("1")}, []any{"a", json.Number("1")}, true},
		{"future", []any{"a"}, []any{"a", "b"}, false},
		{"future", []any{"a"}, "a", false},
		{"future", json.Number("1.50"), json.Number("1.5"), false},
		{"future", "on", "on", true},
		{"future", "on", "off", false},
		// Booleans by value, not as the generic rules would.
		{"is_ui_read_only", true, true, true},
		{"is_ui_read_only", false, nil, true},
		// Durations: empty only equals empty; values by value.
		{"session_duration", "", "0s", false},
		{"session_duration", "0s", "", false},
		{"session_duration", "", nil, true},
		{"session_duration", "24h", "1440m", true},
		// A list holding a non-string is not a list of strings.
		{"deny_unmatched_requests_exempted_zone_names", []any{"a.com", 1}, []any{"a.com", 1}, true},
		{"deny_unmatched_requests_exempted_zone_names", []any{"a.com", 1}, []any{"a.com", 2}, false},
	} {
		if got := planner.Equal(planner.Organization, tt.path, tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%s, %#v, %#v) = %v, want %v", tt.path, tt.a, tt.b, got, tt.want)
		}
	}
}

// A DoH field ztsync does not manage is refused like an organization's,
// naming the field.
func TestBuildRefusesUnmanagedDoHField(t *testing.T) {
	t.Parallel()
	_, err := buildOne(t, schema.Object{"name": "Prod"}, schema.Object{"name": "Prod"},
		schema.Object{"doh_jwt_duration": "800h", "bogus": "x"}, schema.Object{"doh_jwt_duration": "800h"})
	var ce *planner.ConfigError
	if !errors.As(err, &ce) || ce.Resource != planner.DoH || ce.Field != "bogus" || !strings.Contains(err.Error(), "bogus is not a field ztsync manages") {
		t.Fatalf("Build = %v, want a ConfigError about doh field bogus", err)
	}
}

// editTop returns the sample plan's JSON after f changed it as a generic
// map, with the fingerprint recomputed so only f's change is wrong.
func editTop(t *testing.T, f func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(writePlan(t, samplePlan())))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, _ := json.Marshal(m)
	var q planner.Plan
	d = json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&q); err != nil {
		t.Fatal(err)
	}
	m["fingerprint"] = planner.Fingerprint(&q)
	out, _ := json.Marshal(m)
	return string(out)
}

type failingIO struct{}

var errIO = errors.New("disk on fire")

func (failingIO) Write([]byte) (int, error) { return 0, errIO }
func (failingIO) Read([]byte) (int, error)  { return 0, errIO }

// Counts that cannot be counts are refused; failing readers and writers
// are reported; a nil plan has a fingerprint, not a panic.
func TestPlanFileEdges(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(m map[string]any){
		"negative declared":  func(m map[string]any) { m["declared"] = -1 },
		"negative unchanged": func(m map[string]any) { m["summary"].(map[string]any)["unchanged"] = -2 },
	} {
		if _, err := planner.ReadPlan(strings.NewReader(editTop(t, f))); err == nil || !strings.Contains(err.Error(), "not a count") {
			t.Errorf("%s: ReadPlan = %v, want \"not a count\"", name, err)
		}
	}
	if err := planner.WritePlan(failingIO{}, samplePlan()); !errors.Is(err, errIO) {
		t.Errorf("WritePlan to a failing writer = %v, want its error", err)
	}
	if _, err := planner.ReadPlan(failingIO{}); !errors.Is(err, errIO) {
		t.Errorf("ReadPlan from a failing reader = %v, want its error", err)
	}
	if fp := planner.Fingerprint(nil); !strings.HasPrefix(fp, "sha256:") || fp == planner.Fingerprint(samplePlan()) {
		t.Errorf("Fingerprint(nil) = %q", fp)
	}
}
