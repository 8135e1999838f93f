package planner

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/schema"
)

func TestEqualField(t *testing.T) {
	tests := []struct {
		name  string
		typ   schema.FieldType
		known bool
		d, l  any
		want  bool
	}{
		{"false vs absent", schema.Bool, true, false, nil, true},
		{"true vs absent", schema.Bool, true, true, nil, false},
		{"true vs true", schema.Bool, true, true, true, true},
		{"empty string vs absent", schema.String, true, "", nil, true},
		{"string differs", schema.String, true, "a", "b", false},
		{"duration by value", schema.Duration, true, "24h", "1440m", true},
		{"duration compound", schema.Duration, true, "1h30m", "90m", true},
		{"duration differs", schema.Duration, true, "24h", "12h", false},
		{"duration vs absent", schema.Duration, true, "24h", nil, false},
		{"zero duration is a value", schema.Duration, true, "0s", nil, false},
		{"unparsable duration compared as text", schema.Duration, true, "forever", "forever", true},
		{"empty list vs absent", schema.HostnameList, true, []any{}, nil, true},
		{"list vs []string", schema.HostnameList, true, []any{"a.com"}, []string{"a.com"}, true},
		{"list order matters", schema.HostnameList, true, []any{"a.com", "b.com"}, []any{"b.com", "a.com"}, false},
		{"wrong live type", schema.Bool, true, true, "true", false},
		{"unknown: empty object vs absent", 0, false, map[string]any{}, nil, true},
		{"unknown: numbers by text", 0, false, json.Number("3"), 3, true},
		{"unknown: nested empties", 0, false, map[string]any{"a": false}, map[string]any{"b": ""}, true},
		{"unknown: nested differ", 0, false, map[string]any{"a": true}, map[string]any{}, false},
		{"unknown: list of maps", 0, false, []any{map[string]any{"a": "x"}}, []any{map[string]any{"a": "x", "b": nil}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := equalField(tt.typ, tt.known, tt.d, tt.l); got != tt.want {
				t.Errorf("equalField(%v, %#v, %#v) = %v, want %v", tt.typ, tt.d, tt.l, got, tt.want)
			}
		})
	}
}

func TestOverlayKeepsLiveRepresentation(t *testing.T) {
	live := map[string]any{
		"session_duration": "1440m",
		"name":             "old",
		"login_design":     map[string]any{"text_color": "#fff", "header_text": "Hi"},
		"mystery":          json.Number("7"),
	}
	desired := map[string]any{
		"session_duration":          "24h",
		"name":                      "new",
		"auto_redirect_to_identity": false,
		"login_design":              map[string]any{"header_text": "Hello"},
	}
	body := schema.Clone(live).(map[string]any)
	diffs := overlay(body, desired, live, schema.OrganizationFields(), "")
	wantBody := map[string]any{
		"session_duration":          "1440m",
		"name":                      "new",
		"auto_redirect_to_identity": false,
		"login_design":              map[string]any{"text_color": "#fff", "header_text": "Hello"},
		"mystery":                   json.Number("7"),
	}
	if d := cmp.Diff(wantBody, body); d != "" {
		t.Errorf("body mismatch (-want +got):\n%s", d)
	}
	wantDiffs := []FieldDiff{
		{Path: "name", Before: "old", After: "new"},
		{Path: "login_design.header_text", Before: "Hi", After: "Hello"},
	}
	if d := cmp.Diff(wantDiffs, diffs); d != "" {
		t.Errorf("diffs mismatch (-want +got):\n%s", d)
	}
	// The live object is not modified.
	if live["name"] != "old" || live["login_design"].(map[string]any)["header_text"] != "Hi" {
		t.Errorf("overlay modified the live object: %v", live)
	}
}

func TestCheckTargets(t *testing.T) {
	cfg := &schema.Config{
		Accounts: map[string]*schema.Account{
			"prod": {ID: "699d98642c564d2e855e9661899b7252", Organization: schema.Object{"name": "x"},
				Revoke: map[string]schema.Revocation{"bob@example.com": {}}},
		},
	}
	tests := []struct {
		targets []string
		wantErr bool
	}{
		{nil, false},
		{[]string{"account/prod"}, false},
		{[]string{"account/prod/"}, false},
		{[]string{"account"}, false},
		{[]string{"account/prod/organization"}, false},
		{[]string{"account/prod/revoke/bob@example.com"}, false},
		{[]string{"account/pro"}, true},
		{[]string{"account/prod/doh"}, true},
		{[]string{""}, true},
		{[]string{"zone"}, true},
	}
	for _, tt := range tests {
		_, err := checkTargets(cfg, tt.targets)
		if (err != nil) != tt.wantErr {
			t.Errorf("checkTargets(%q) error = %v, want error %v", tt.targets, err, tt.wantErr)
		}
	}
}
