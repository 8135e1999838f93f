package planner_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

const (
	prodID = "699d98642c564d2e855e9661899b7252"
	zoneID = "023e105f4ecef8ad9ca31a8372d0c353"
)

// samplePlan returns a plan with one change of every kind, fingerprinted.
func samplePlan() *planner.Plan {
	prod := schema.Scope{Kind: schema.KindAccount, Name: "prod", ID: prodID}
	zone := schema.Scope{Kind: schema.KindZone, Name: "example.com", ID: zoneID}
	digest := planner.Observed{Exists: true, Object: schema.Object{"name": "x"}}.Digest()
	absent := planner.Observed{}.Digest()
	changes := []planner.Change{
		{
			Address: "account/prod/organization", Scope: prod, Resource: planner.Organization, Action: planner.Update,
			Method: "PUT", Path: "/accounts/" + prodID + "/access/organizations",
			Body: schema.Object{
				"name": "Widget <Corp> & co", "session_duration": "12h", "is_ui_read_only": false,
				"login_design":        map[string]any{"header_text": "Welcome"},
				"some_unknown_number": json.Number("1.50"),
				"list":                []any{"a", json.Number("2")},
			},
			Diff:       []planner.FieldDiff{{Path: "session_duration", Before: "24h", After: "12h"}},
			LiveDigest: digest,
		},
		{
			Address: "account/prod/doh", Scope: prod, Resource: planner.DoH, Action: planner.Update,
			Method: "PUT", Path: "/accounts/" + prodID + "/access/organizations/doh",
			Body:       schema.Object{"doh_jwt_duration": "800h"},
			Diff:       []planner.FieldDiff{{Path: "doh_jwt_duration", Before: nil, After: "800h"}},
			LiveDigest: digest,
		},
		{
			Address: "account/prod/revoke/bob@example.com", Scope: prod, Resource: planner.Revocation, Action: planner.Revoke,
			Method: "POST", Path: "/accounts/" + prodID + "/access/organizations/revoke_user",
			Body: schema.Object{"email": "bob@example.com", "devices": true}, Risky: true, Reason: "offboarded",
			Diff:       []planner.FieldDiff{},
			LiveDigest: digest,
		},
		{
			Address: "zone/example.com/organization", Scope: zone, Resource: planner.Organization, Action: planner.Create,
			Method: "POST", Path: "/zones/" + zoneID + "/access/organizations",
			Body: schema.Object{"name": "z", "auth_domain": "z.cloudflareaccess.com"},
			FollowUp: &planner.FollowUp{Method: "PUT", Path: "/zones/" + zoneID + "/access/organizations",
				Body: schema.Object{"login_design": map[string]any{"footer_text": "bye"}}},
			Diff:       []planner.FieldDiff{{Path: "name", After: "z"}, {Path: "auth_domain", After: "z.cloudflareaccess.com", Risky: true}},
			Risky:      true,
			LiveDigest: absent,
		},
	}
	p := &planner.Plan{
		FormatVersion: planner.FormatVersion,
		ToolVersion:   "0.1.0",
		CreatedAt:     time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Source:        planner.Source{Dir: "config", Commit: "9fceb02", Base: "origin/main"},
		Summary:       planner.Summary{Create: 1, Update: 2, Revoke: 1, Unchanged: 3},
		Changes:       changes,
		Warnings:      []string{},
		Declared:      7,
	}
	p.Fingerprint = planner.Fingerprint(p)
	return p
}

func emptyPlan() *planner.Plan {
	p := &planner.Plan{FormatVersion: planner.FormatVersion}
	p.Fingerprint = planner.Fingerprint(p)
	return p
}

func writePlan(t *testing.T, p *planner.Plan) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := planner.WritePlan(&buf, p); err != nil {
		t.Fatalf("WritePlan: %v", err)
	}
	return buf.Bytes()
}

func TestPlanFileRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		plan *planner.Plan
	}{
		{"sample", samplePlan()},
		{"empty", emptyPlan()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := writePlan(t, tt.plan)
			got, err := planner.ReadPlan(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("ReadPlan: %v\n%s", err, data)
			}
			want := *tt.plan
			if want.Changes == nil {
				want.Changes = []planner.Change{}
			}
			if want.Warnings == nil {
				want.Warnings = []string{}
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("ReadPlan(WritePlan(p)) mismatch (-want +got):\n%s", diff)
			}
			if got.Fingerprint != planner.Fingerprint(got) {
				t.Errorf("fingerprint changed on the round trip")
			}
			// Writing again gives the same bytes.
			if again := writePlan(t, got); !bytes.Equal(again, data) {
				t.Errorf("WritePlan(ReadPlan(x)) != x:\n%s\n---\n%s", data, again)
			}
		})
	}
}

func TestReadPlanErrors(t *testing.T) {
	// edit returns the sample plan's JSON after changing it as a generic
	// map (so that any field can be broken), optionally refingerprinted.
	edit := func(refingerprint bool, f func(m map[string]any)) string {
		p := samplePlan()
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(writePlanNoT(p)))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			panic(err)
		}
		f(m)
		if refingerprint {
			b, _ := json.Marshal(m)
			var q planner.Plan
			d := json.NewDecoder(bytes.NewReader(b))
			d.UseNumber()
			if err := d.Decode(&q); err == nil {
				m["fingerprint"] = planner.Fingerprint(&q)
			}
		}
		b, _ := json.MarshalIndent(m, "", "  ")
		return string(b)
	}
	change := func(m map[string]any, i int) map[string]any {
		return m["changes"].([]any)[i].(map[string]any)
	}
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "plan file is empty"},
		{"garbage", "hello, world", "not valid JSON: line 1, column 1"},
		{"syntax error on line 3", "{\n  \"format_version\": \"1\",\n  \"changes\": [,]\n}", "not valid JSON: line 3, column 15"},
		{"truncated", `{"format_version": "1", "changes": [`, "unexpected end"},
		{"array", `[1, 2]`, "not a JSON object"},
		{"terraform plan", `{"format_version":"1.2","terraform_version":"1.9.0","planned_values":{},"resource_changes":[]}`, "is a Terraform plan"},
		{"no version", `{"changes": []}`, "no format_version"},
		{"version 2", `{"format_version": "2", "changes": []}`, `format_version "2"; this ztsync reads format_version "1"`},
		{"numeric version", `{"format_version": 1, "changes": []}`, "format_version is 1, not a string"},
		{"no changes", `{"format_version": "1"}`, "no changes list"},
		{"unknown field", edit(false, func(m map[string]any) { m["extra"] = 1 }), `unknown field "extra"`},
		{"wrong type", edit(false, func(m map[string]any) { m["declared"] = "ten" }), "field declared"},
		{"trailing data", string(writePlanNoT(samplePlan())) + "{}", "unexpected data after the plan"},
		{"tampered body", edit(false, func(m map[string]any) {
			change(m, 0)["body"].(map[string]any)["session_duration"] = "1h"
		}), "plan file was modified after it was made"},
		{"tampered fingerprint", edit(false, func(m map[string]any) { m["fingerprint"] = "sha256:00" }), "modified after it was made"},
		{"unknown action", edit(true, func(m map[string]any) { change(m, 0)["action"] = "delete" }),
			`change 1 (account/prod/organization): action "delete" on resource "organization" is not a change ztsync makes`},
		{"doh create", edit(true, func(m map[string]any) { change(m, 1)["action"] = "create" }), `change 2 (account/prod/doh): action "create" on resource "doh"`},
		{"wrong method", edit(true, func(m map[string]any) { change(m, 0)["method"] = "POST" }), "update organization is done with PUT"},
		{"path of another account", edit(true, func(m map[string]any) {
			change(m, 0)["path"] = "/accounts/" + strings.Repeat("a", 32) + "/access/organizations"
		}), "path \"/accounts/aaaa"},
		{"bad scope id", edit(true, func(m map[string]any) {
			change(m, 0)["scope"].(map[string]any)["id"] = "ABC"
		}), "is not 32 lowercase hex"},
		{"unknown scope kind", edit(true, func(m map[string]any) {
			change(m, 0)["scope"].(map[string]any)["kind"] = "user"
		}), `unknown kind "user"`},
		{"address mismatch", edit(true, func(m map[string]any) { change(m, 0)["address"] = "account/staging/organization" }),
			`change 1 (account/staging/organization): address does not match the scope and resource: want "account/prod/organization"`},
		{"revocation address mismatch", edit(true, func(m map[string]any) {
			change(m, 2)["body"].(map[string]any)["email"] = "eve@example.com"
		}), `want "account/prod/revoke/eve@example.com"`},
		{"revocation without email", edit(true, func(m map[string]any) {
			delete(change(m, 2)["body"].(map[string]any), "email")
		}), "revocation body has no email"},
		{"doh on a zone", edit(true, func(m map[string]any) {
			c := change(m, 3)
			c["resource"], c["action"], c["method"], c["follow_up"] = "doh", "update", "PUT", nil
		}), "doh is an account resource"},
		{"missing body", edit(true, func(m map[string]any) { change(m, 0)["body"] = nil }), "body is missing"},
		{"follow-up on update", edit(true, func(m map[string]any) {
			change(m, 0)["follow_up"] = change(m, 3)["follow_up"]
		}), "a follow-up call belongs to a create"},
		{"follow-up elsewhere", edit(true, func(m map[string]any) {
			change(m, 3)["follow_up"].(map[string]any)["path"] = "/zones/" + zoneID + "/access/organizations/doh"
		}), "follow-up must be PUT"},
		{"bad digest", edit(true, func(m map[string]any) { change(m, 0)["live_digest"] = "md5:abc" }), `live_digest "md5:abc" is not sha256:HEX`},
		{"duplicate address", edit(true, func(m map[string]any) {
			cs := m["changes"].([]any)
			m["changes"] = append(cs, cs[0])
			m["summary"].(map[string]any)["update"] = 3
		}), "change 5 (account/prod/organization): the address is already used by change 1"},
		{"one id two names", edit(true, func(m map[string]any) {
			c := change(m, 1)
			c["scope"].(map[string]any)["name"] = "prod2"
			c["address"] = "account/prod2/doh"
		}), `account id 699d98642c564d2e855e9661899b7252 is also named "prod"`},
		{"slash in scope name", edit(true, func(m map[string]any) {
			c := change(m, 0)
			c["scope"].(map[string]any)["name"] = "a/b"
			c["address"] = "account/a/b/organization"
		}), "has a character addresses cannot hold"},
		{"summary mismatch", edit(true, func(m map[string]any) { m["summary"].(map[string]any)["update"] = 0 }), "summary says 1 create, 0 update"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := planner.ReadPlan(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("ReadPlan succeeded (%d changes), want error containing %q", len(p.Changes), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadPlan error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadPlanSizeCap(t *testing.T) {
	big := bytes.Repeat([]byte(" "), planner.MaxPlanFileSize+1)
	_, err := planner.ReadPlan(bytes.NewReader(big))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("ReadPlan(huge) error = %v, want size error", err)
	}
}

func writePlanNoT(p *planner.Plan) []byte {
	var buf bytes.Buffer
	if err := planner.WritePlan(&buf, p); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func FuzzReadPlan(f *testing.F) {
	f.Add(writePlanNoT(samplePlan()))
	f.Add(writePlanNoT(&planner.Plan{FormatVersion: planner.FormatVersion}))
	f.Add([]byte(`{"format_version":"1","changes":[{"address":"account/a/revoke/","scope":{"kind":"account","name":"a","id":"699d98642c564d2e855e9661899b7252"}}]}`))
	f.Add([]byte(`{"format_version":"1.2","terraform_version":"1.9.0"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := planner.ReadPlan(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever ReadPlan accepts must be consistent and write back to
		// something it accepts again.
		if p.Fingerprint != planner.Fingerprint(p) {
			t.Fatalf("accepted a plan whose fingerprint does not match")
		}
		if _, err := planner.ReadPlan(bytes.NewReader(writePlanNoT(p))); err != nil {
			t.Fatalf("ReadPlan(WritePlan(ReadPlan(x))): %v", err)
		}
	})
}
