package planner

import (
	"encoding/json"
	"testing"

	"github.com/ztsync/ztsync/schema"
)

func TestEqualField(t *testing.T) {
	exempted, _ := schema.Lookup("deny_unmatched_requests_exempted_zone_names")
	authenticators, _ := schema.Lookup("mfa_config.allowed_authenticators")
	tests := []struct {
		name  string
		typ   schema.Field
		known bool
		d, l  any
		want  bool
	}{
		{"false vs absent", schema.Field{Type: schema.Bool}, true, false, nil, true},
		{"true vs absent", schema.Field{Type: schema.Bool}, true, true, nil, false},
		{"true vs true", schema.Field{Type: schema.Bool}, true, true, true, true},
		{"empty string vs absent", schema.Field{Type: schema.String}, true, "", nil, true},
		{"string differs", schema.Field{Type: schema.String}, true, "a", "b", false},
		{"duration by value", schema.Field{Type: schema.Duration}, true, "24h", "1440m", true},
		{"duration compound", schema.Field{Type: schema.Duration}, true, "1h30m", "90m", true},
		{"duration differs", schema.Field{Type: schema.Duration}, true, "24h", "12h", false},
		{"duration vs absent", schema.Field{Type: schema.Duration}, true, "24h", nil, false},
		{"zero duration is a value", schema.Field{Type: schema.Duration}, true, "0s", nil, false},
		{"unparsable duration compared as text", schema.Field{Type: schema.Duration}, true, "forever", "forever", true},
		{"empty list vs absent", schema.Field{Type: schema.HostnameList}, true, []any{}, nil, true},
		{"list vs []string", schema.Field{Type: schema.HostnameList}, true, []any{"a.com"}, []string{"a.com"}, true},
		{"list order matters", schema.Field{Type: schema.HostnameList}, true, []any{"a.com", "b.com"}, []any{"b.com", "a.com"}, false},
		{"set: order does not matter", exempted, true, []any{"a.com", "b.com"}, []any{"b.com", "a.com"}, true},
		{"set: case does not matter", exempted, true, []any{"A.com"}, []any{"a.COM"}, true},
		{"set: a zone dropped is a change", exempted, true, []any{"a.com"}, []any{"a.com", "b.com"}, false},
		{"set: a zone added is a change", exempted, true, []any{"a.com", "b.com"}, []any{"a.com"}, false},
		{"set: a zone swapped is a change", exempted, true, []any{"a.com", "c.com"}, []any{"a.com", "b.com"}, false},
		{"set: repeats do not matter", exempted, true, []any{"a.com", "a.com"}, []any{"a.com"}, true},
		{"set: empty vs absent", exempted, true, []any{}, nil, true},
		{"set of strings keeps case", authenticators, true, []any{"TOTP"}, []any{"totp"}, false},
		{"set of strings ignores order", authenticators, true, []any{"totp", "biometrics"}, []any{"biometrics", "totp"}, true},
		{"uuid without regard to case", schema.Field{Type: schema.UUID}, true, "3F9B1A52-6C1E-4D0A-9B9E-2F64C1A0E7D4", "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4", true},
		{"null clears: null vs value", schema.Field{Type: schema.Duration}, true, nil, "24h", false},
		{"null vs absent", schema.Field{Type: schema.Duration}, true, nil, nil, true},
		{"wrong live type", schema.Field{Type: schema.Bool}, true, true, "true", false},
		{"unknown: empty object vs absent", schema.Field{}, false, map[string]any{}, nil, true},
		{"unknown: numbers by text", schema.Field{}, false, json.Number("3"), 3, true},
		{"unknown: nested empties", schema.Field{}, false, map[string]any{"a": false}, map[string]any{"b": ""}, true},
		{"unknown: nested differ", schema.Field{}, false, map[string]any{"a": true}, map[string]any{}, false},
		{"unknown: list of maps", schema.Field{}, false, []any{map[string]any{"a": "x"}}, []any{map[string]any{"a": "x", "b": nil}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := equalField(tt.typ, tt.known, tt.d, tt.l); got != tt.want {
				t.Errorf("equalField(%v, %#v, %#v) = %v, want %v", tt.typ, tt.d, tt.l, got, tt.want)
			}
		})
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
