package planner

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/schema"
)

// TestBodyIsScopeTrue: each scope's body carries exactly the fields that
// scope's API takes, managed ones from the configuration and the rest from
// live, and never a response-only or unknown key.
func TestBodyIsScopeTrue(t *testing.T) {
	live := schema.Object{
		"name":                         "Acme",
		"auth_domain":                  "acme.cloudflareaccess.com",
		"session_duration":             "1440m",
		"login_design":                 map[string]any{"text_color": "#fff", "header_text": "Hi", "new_sub": "x"},
		"deny_unmatched_requests":      false,
		"mfa_config":                   map[string]any{"allowed_authenticators": []any{"totp"}, "session_duration": "24h"},
		"mfa_ssh_piv_key_requirements": map[string]any{"pin_policy": "once"},
		"mfa_configuration_allowed":    true,
		"cache_device_posture":         true,
		"has_migrated_private_apps":    true,
		"created_at":                   "2026-01-01T00:00:00Z",
		"updated_at":                   "2026-01-01T00:00:00Z",
		"mystery":                      json.Number("7"),
	}
	desired := schema.Object{
		"session_duration":                   "24h",
		"name":                               "Acme Corp",
		"user_seat_expiration_inactive_time": nil,
		"login_design":                       map[string]any{"header_text": "Hello", "logo_path": nil},
	}
	got := Body(schema.KindAccount, Organization, desired, live)
	want := schema.Object{
		"name":                               "Acme Corp",
		"auth_domain":                        "acme.cloudflareaccess.com",
		"session_duration":                   "1440m", // equal by value: live's text
		"user_seat_expiration_inactive_time": nil,     // cleared
		"login_design":                       map[string]any{"text_color": "#fff", "header_text": "Hello", "logo_path": nil},
		"deny_unmatched_requests":            false,
		"mfa_config":                         map[string]any{"allowed_authenticators": []any{"totp"}, "session_duration": "24h"},
		"mfa_ssh_piv_key_requirements":       map[string]any{"pin_policy": "once"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("account body (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"login_design.new_sub", "mystery"}, NotSent(schema.KindAccount, Organization, live)); d != "" {
		t.Errorf("account NotSent (-want +got):\n%s", d)
	}

	// The same live object at zone scope: no account-only field, and the
	// deny-unmatched settings are response-only there.
	zone := Body(schema.KindZone, Organization, schema.Object{"name": "Z"}, live)
	wantZone := schema.Object{
		"name":         "Z",
		"auth_domain":  "acme.cloudflareaccess.com",
		"login_design": map[string]any{"text_color": "#fff", "header_text": "Hi"},
	}
	if d := cmp.Diff(wantZone, zone); d != "" {
		t.Errorf("zone body (-want +got):\n%s", d)
	}
	wantNotSent := []string{"cache_device_posture", "has_migrated_private_apps", "login_design.new_sub", "mfa_config", "mfa_configuration_allowed", "mfa_ssh_piv_key_requirements", "mystery", "session_duration"}
	if d := cmp.Diff(wantNotSent, NotSent(schema.KindZone, Organization, live)); d != "" {
		t.Errorf("zone NotSent (-want +got):\n%s", d)
	}

	// The live object is not modified and shares nothing with the body.
	got["login_design"].(map[string]any)["text_color"] = "changed"
	if live["login_design"].(map[string]any)["text_color"] != "#fff" {
		t.Error("Body shares a map with live")
	}
}

// TestBodyDoH: GET's id is the service token id; the token's own fields
// are response-only.
func TestBodyDoH(t *testing.T) {
	live := schema.Object{"doh_jwt_duration": "24h", "id": "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4", "client_id": "c", "name": "tok", "expires_at": "x"}
	got := Body(schema.KindAccount, DoH, schema.Object{"doh_jwt_duration": "800h"}, live)
	want := schema.Object{"doh_jwt_duration": "800h", "service_token_id": "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DoH body (-want +got):\n%s", d)
	}
	cleared := Body(schema.KindAccount, DoH, schema.Object{"service_token_id": nil}, live)
	if v, ok := cleared["service_token_id"]; !ok || v != nil {
		t.Errorf("a cleared service token is not sent as null: %v", cleared)
	}
	if n := NotSent(schema.KindAccount, DoH, live); len(n) != 0 {
		t.Errorf("DoH NotSent = %v, want none (all known)", n)
	}
}

// TestDiffsClearAndNotReadBack: null plans a removal; a field the API does
// not read back rides along with another change but never makes one.
func TestDiffsClearAndNotReadBack(t *testing.T) {
	fields := schema.OrganizationFields()
	live := map[string]any{"session_duration": "24h", "is_ui_read_only": false}
	desired := map[string]any{
		"session_duration":           nil,
		"warp_auth_session_duration": nil, // absent already: no change
		"ui_read_only_toggle_reason": "managed by ztsync",
	}
	got := diffs(fields, desired, live, "")
	want := []FieldDiff{
		{Path: "session_duration", Before: "24h", After: nil},
		{Path: "ui_read_only_toggle_reason", After: "managed by ztsync"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diffs (-want +got):\n%s", d)
	}
	if !needsWrite(Organization, got) {
		t.Error("a cleared field does not make a change")
	}
	if needsWrite(Organization, got[1:]) {
		t.Error("a reason live lacks makes a change on its own: the plan would never settle")
	}
	// Read back with a different reason, it is a change of its own.
	live["ui_read_only_toggle_reason"] = "old"
	if !needsWrite(Organization, diffs(fields, desired, live, "")[1:]) {
		t.Error("a reason read back as different makes no change")
	}
}

func TestUnconverged(t *testing.T) {
	c := &Change{Resource: Organization, Diff: []FieldDiff{
		{Path: "is_ui_read_only", After: true},
		{Path: "ui_read_only_toggle_reason", After: "managed by ztsync"},
		{Path: "deny_unmatched_requests_exempted_zone_names", After: []any{"a.com", "b.com"}},
		{Path: "session_duration", After: nil},
	}}
	got := schema.Object{"is_ui_read_only": true, "deny_unmatched_requests_exempted_zone_names": []any{"B.COM", "a.com"}}
	if u := Unconverged(c, got); len(u) != 0 {
		t.Errorf("Unconverged = %v, want none (reason not read back; names a set; cleared field absent)", u)
	}
	got["ui_read_only_toggle_reason"] = "other"
	got["session_duration"] = "24h"
	if d := cmp.Diff([]string{"ui_read_only_toggle_reason", "session_duration"}, Unconverged(c, got)); d != "" {
		t.Errorf("Unconverged (-want +got):\n%s", d)
	}
	doh := &Change{Resource: DoH, Diff: []FieldDiff{{Path: "service_token_id", After: "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4"}}}
	if u := Unconverged(doh, schema.Object{"id": "3F9B1A52-6C1E-4D0A-9B9E-2F64C1A0E7D4"}); len(u) != 0 {
		t.Errorf("DoH service token read as id: Unconverged = %v", u)
	}
}
