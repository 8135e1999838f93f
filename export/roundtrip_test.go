package export

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// testLoader is one loader for the whole test binary (tests here do not
// run in parallel): building one compiles the schema.
var testLoader = sync.OnceValues(func() (*loader.Loader, error) { return loader.New() })

// loadExported writes src as the only file of a fresh directory and loads
// it with the real loader, failing the test on any problem.
func loadExported(t *testing.T, src []byte) *schema.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "export.cue"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := testLoader()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LoadDir(dir)
	if err != nil {
		t.Fatalf("the loader refuses the exported file: %v\n%s", err, src)
	}
	return res.Config
}

// liveOf is the planner's view of in as the API returned it.
func liveOf(in Input, name string) planner.Live {
	s := in.Scope
	s.Name = name
	live := planner.Live{}
	if in.Organization == nil {
		live[planner.Address(s, planner.Organization, "")] = planner.Observed{}
		return live
	}
	live[planner.Address(s, planner.Organization, "")] = planner.Observed{Exists: true, Object: in.Organization}
	if s.Kind == schema.KindAccount {
		doh := planner.Observed{Exists: in.DoH != nil, Object: in.DoH}
		live[planner.Address(s, planner.DoH, "")] = doh
	}
	return live
}

// onlyScope returns the name of the single scope of cfg.
func onlyScope(t *testing.T, cfg *schema.Config) schema.ScopeConfig {
	t.Helper()
	scopes := cfg.Scopes()
	if len(scopes) != 1 {
		t.Fatalf("the exported configuration has %d scopes, want 1", len(scopes))
	}
	return scopes[0]
}

// TestRoundTrip is the acceptance criterion of `ztsync export`: for every
// golden case, the exported file loads with the real loader and plans to
// no changes against the live objects it was exported from.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for name, c := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			in := c.input()
			var buf bytes.Buffer
			if err := CUE(&buf, in); err != nil {
				t.Fatal(err)
			}
			cfg := loadExported(t, buf.Bytes())
			sc := onlyScope(t, cfg)
			if sc.Scope.Kind != in.Scope.Kind || sc.Scope.ID != in.Scope.ID {
				t.Fatalf("exported scope %+v, want kind %s id %s", sc.Scope, in.Scope.Kind, in.Scope.ID)
			}
			if in.Scope.Name != "" && sc.Scope.Name != in.Scope.Name {
				t.Errorf("exported name %q, want %q", sc.Scope.Name, in.Scope.Name)
			}
			p, err := planner.Build(cfg, liveOf(in, sc.Scope.Name), planner.Options{})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if p.HasChanges() {
				b, _ := json.MarshalIndent(p.Changes, "", "  ")
				t.Errorf("the exported configuration plans changes:\n%s\nfile:\n%s", b, buf.String())
			}
		})
	}
}

// TestAllFieldsManagesFalseBooleans shows the difference between the two
// modes: after export, someone turns deny_unmatched_requests on in the
// dashboard. The default export does not manage it (no change); the
// --all-fields export does (an update back to false).
func TestAllFieldsManagesFalseBooleans(t *testing.T) {
	t.Parallel()
	cases := goldenCases(t)
	for _, tt := range []struct {
		name       string
		wantChange bool
	}{
		{"account-minimal", false},
		{"account-minimal-all-fields", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := cases[tt.name].input()
			var buf bytes.Buffer
			if err := CUE(&buf, in); err != nil {
				t.Fatal(err)
			}
			cfg := loadExported(t, buf.Bytes())
			sc := onlyScope(t, cfg)
			drifted := schema.Object{}
			for k, v := range in.Organization {
				drifted[k] = v
			}
			drifted["deny_unmatched_requests"] = true
			in.Organization = drifted
			p, err := planner.Build(cfg, liveOf(in, sc.Scope.Name), planner.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if p.HasChanges() != tt.wantChange {
				t.Errorf("HasChanges() = %v, want %v; changes: %+v", p.HasChanges(), tt.wantChange, p.Changes)
			}
		})
	}
}

// TestRoundTripThroughEmulator stores live objects in the emulator, reads
// them back with the real client (so GET's quirks apply: false
// auto_redirect_to_identity omitted, deny_unmatched_requests false when
// unset, login_design {} when unset), exports, loads, fetches again with
// planner.Fetch and checks that the plan has no changes, in both modes.
func TestRoundTripThroughEmulator(t *testing.T) {
	t.Parallel()
	const (
		acct = "699d98642c564d2e855e9661899b7252"
		zone = "023e105f4ecef8ad9ca31a8372d0c353"
	)
	tests := []struct {
		name string
		kind schema.Kind
		org  string
		doh  string
	}{
		{"unknown fields and minutes", schema.KindAccount, `{
			"name": "Widget Corps", "auth_domain": "widgetcorps.cloudflareaccess.com",
			"session_duration": "1440m", "warp_auth_session_duration": "90m",
			"user_seat_expiration_inactive_time": "43800m",
			"cache_device_posture": true, "has_migrated_private_apps": true,
			"mfa_config": {"allowed_authenticators": ["totp", "security_key"], "session_duration": "24h"},
			"mfa_required_for_all_apps": false,
			"created_at": "2024-09-05T03:00:41Z", "updated_at": "2025-01-23T22:25:57Z"}`,
			`{"id": "3e1b6a1c-5d4e-4a34-9a2c-0c9c8f0e1d2b", "client_id": "abc.access", "name": "doh", "duration": "8760h", "expires_at": "2027-01-01T00:00:00Z", "doh_jwt_duration": "800h"}`},
		{"auto redirect omitted, deny false", schema.KindAccount, `{
			"name": "Acme", "auth_domain": "acme.cloudflareaccess.com",
			"auto_redirect_to_identity": false, "deny_unmatched_requests": false,
			"allow_authenticate_via_warp": true, "is_ui_read_only": false}`, ``},
		{"everything set", schema.KindAccount, `{
			"name": "Full", "auth_domain": "full.cloudflareaccess.com",
			"session_duration": "12h", "warp_auth_session_duration": "24h",
			"user_seat_expiration_inactive_time": "730h",
			"allow_authenticate_via_warp": true, "auto_redirect_to_identity": true,
			"is_ui_read_only": true, "ui_read_only_toggle_reason": "frozen",
			"login_design": {"background_color": "#000", "text_color": "#ffffff", "logo_path": "https://example.com/l.png", "header_text": "h", "footer_text": "f"},
			"custom_pages": {"forbidden": "699d98642c564d2e855e9661899b7252", "identity_denied": "023e105f4ecef8ad9ca31a8372d0c353"},
			"deny_unmatched_requests": true, "deny_unmatched_requests_exempted_zone_names": ["example.com"]}`,
			`{"doh_jwt_duration": "24h"}`},
		{"zone", schema.KindZone, `{
			"name": "example.com", "auth_domain": "example.cloudflareaccess.com",
			"is_ui_read_only": true, "login_design": {"header_text": "hi"},
			"deny_unmatched_requests_exempted_zone_names": []}`, ``},
	}
	for _, tt := range tests {
		for _, all := range []bool{false, true} {
			name := tt.name
			if all {
				name += "/all-fields"
			}
			t.Run(name, func(t *testing.T) {
				srv := emulator.NewServer(t, emulator.Options{})
				id := acct
				if tt.kind == schema.KindZone {
					id = zone
				}
				srv.SetOrganization(tt.kind, id, decodeObject(t, tt.org))
				if tt.doh != "" {
					srv.SetDoH(id, decodeObject(t, tt.doh))
				}
				client, err := cfapi.New(cfapi.Options{BaseURL: srv.URL, Token: "test-token"})
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				scope := schema.Scope{Kind: tt.kind, ID: id}
				org, err := client.GetOrganization(ctx, scope)
				if err != nil {
					t.Fatal(err)
				}
				var doh schema.Object
				if tt.kind == schema.KindAccount {
					if doh, err = client.GetDoH(ctx, scope); err != nil {
						t.Fatal(err)
					}
				}
				var buf bytes.Buffer
				if err := CUE(&buf, Input{Scope: scope, Organization: org, DoH: doh, AllFields: all, Source: "emulator"}); err != nil {
					t.Fatal(err)
				}
				cfg := loadExported(t, buf.Bytes())
				sc := onlyScope(t, cfg)
				if len(sc.Organization) < 2 || (tt.doh != "" && len(sc.DoH) == 0) {
					t.Fatalf("the export manages too little: organization %v, doh %v\n%s", sc.Organization, sc.DoH, buf.String())
				}
				live, err := planner.Fetch(ctx, client, cfg, planner.FetchOptions{Concurrency: 2})
				if err != nil {
					t.Fatal(err)
				}
				p, err := planner.Build(cfg, live, planner.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if p.HasChanges() {
					b, _ := json.MarshalIndent(p.Changes, "", "  ")
					t.Errorf("the exported configuration plans changes:\n%s\nfile:\n%s", b, buf.String())
				}
			})
		}
	}
}

func decodeObject(t *testing.T, s string) schema.Object {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var o schema.Object
	if err := dec.Decode(&o); err != nil {
		t.Fatal(err)
	}
	return o
}
