package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/schema"
)

const (
	acct  = "0123456789abcdef0123456789abcdef"
	zone  = "fedcba9876543210fedcba9876543210"
	token = "test-token-secret"
)

// fakeClock starts at a fixed time and advances one second per reading.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(time.Second)
	return t
}

// answer is a decoded HTTP answer.
type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// errs returns the envelope's errors as "code message" strings.
func (a answer) errs() []string {
	var out []string
	list, _ := a.body["errors"].([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		out = append(out, fmt.Sprintf("%v %v", m["code"], m["message"]))
	}
	return out
}

func (a answer) result() map[string]any {
	m, _ := a.body["result"].(map[string]any)
	return m
}

func newTestServer(t *testing.T) *Server {
	t.Helper()
	return NewServer(t, Options{Token: token, Clock: newClock().Now})
}

// send makes one request with the test token; body "" sends none.
func send(t *testing.T, s *Server, method, path, body string) answer {
	t.Helper()
	return sendWith(t, s, method, path, body, map[string]string{"Authorization": "Bearer " + token})
}

func sendWith(t *testing.T, s *Server, method, path, body string, hdr map[string]string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %v: %s", method, path, err, raw)
	}
	return a
}

func orgPath(kind schema.Kind, id string) string {
	return schema.Scope{Kind: kind, ID: id}.Prefix() + "/access/organizations"
}

// seed stores a typical organization for both scopes.
func seed(s *Server) {
	s.SetOrganization(schema.KindAccount, acct, schema.Object{
		"name": "Acme", "auth_domain": "acme.cloudflareaccess.com", "session_duration": "24h",
		"created_at": "2024-09-05T03:00:41Z", "updated_at": "2025-01-23T22:25:57Z",
		"cache_device_posture": true,
	})
	s.SetOrganization(schema.KindZone, zone, schema.Object{
		"name": "Zone", "auth_domain": "zone.cloudflareaccess.com",
		"created_at": "2024-09-05T03:00:41Z", "updated_at": "2025-01-23T22:25:57Z",
	})
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		seed   bool
		method string
		path   string
		body   string
		status int
		errs   []string
	}{
		{"get account", true, "GET", orgPath(schema.KindAccount, acct), "", 200, nil},
		{"get zone", true, "GET", orgPath(schema.KindZone, zone), "", 200, nil},
		{"get account missing", false, "GET", orgPath(schema.KindAccount, acct), "", 404, []string{"12130 access.api.error.not_found"}},
		{"get zone missing", false, "GET", orgPath(schema.KindZone, zone), "", 404, []string{"12130 access.api.error.not_found"}},
		{"post account", false, "POST", orgPath(schema.KindAccount, acct), `{"name":"A","auth_domain":"a.cloudflareaccess.com"}`, 201, nil},
		{"post zone", false, "POST", orgPath(schema.KindZone, zone), `{"name":"Z","auth_domain":"z.cloudflareaccess.com"}`, 201, nil},
		{"post account exists", true, "POST", orgPath(schema.KindAccount, acct), `{"name":"A","auth_domain":"a.cloudflareaccess.com"}`, 409,
			[]string{"12131 access.api.error.conflict: organization already exists"}},
		{"post zone exists", true, "POST", orgPath(schema.KindZone, zone), `{"name":"Z","auth_domain":"z.cloudflareaccess.com"}`, 409,
			[]string{"12131 access.api.error.conflict: organization already exists"}},
		{"put account", true, "PUT", orgPath(schema.KindAccount, acct), `{"name":"A"}`, 200, nil},
		{"put zone", true, "PUT", orgPath(schema.KindZone, zone), `{"name":"Z"}`, 200, nil},
		{"put account missing", false, "PUT", orgPath(schema.KindAccount, acct), `{"name":"A"}`, 404, []string{"12130 access.api.error.not_found"}},
		{"put zone missing", false, "PUT", orgPath(schema.KindZone, zone), `{"name":"Z"}`, 404, []string{"12130 access.api.error.not_found"}},
		{"get doh", true, "GET", orgPath(schema.KindAccount, acct) + "/doh", "", 200, nil},
		{"get doh no org", false, "GET", orgPath(schema.KindAccount, acct) + "/doh", "", 404, []string{"12130 access.api.error.not_found"}},
		{"put doh", true, "PUT", orgPath(schema.KindAccount, acct) + "/doh", `{"doh_jwt_duration":"800h"}`, 201, nil},
		{"put doh no org", false, "PUT", orgPath(schema.KindAccount, acct) + "/doh", `{"doh_jwt_duration":"800h"}`, 404, []string{"12130 access.api.error.not_found"}},
		{"revoke account", true, "POST", orgPath(schema.KindAccount, acct) + "/revoke_user", `{"email":"a@example.com"}`, 200, nil},
		{"revoke zone", true, "POST", orgPath(schema.KindZone, zone) + "/revoke_user", `{"email":"a@example.com"}`, 200, nil},
		{"revoke no org", false, "POST", orgPath(schema.KindAccount, acct) + "/revoke_user", `{"email":"a@example.com"}`, 404, []string{"12130 access.api.error.not_found"}},
		{"zone doh is no route", true, "GET", orgPath(schema.KindZone, zone) + "/doh", "", 404, []string{"7003 No route for the URI"}},
		{"delete is no route", true, "DELETE", orgPath(schema.KindAccount, acct), "", 404, []string{"7003 No route for the URI"}},
		{"unknown path", true, "GET", "/accounts/" + acct + "/access/apps", "", 404, []string{"7003 No route for the URI"}},
		{"trailing slash", true, "GET", orgPath(schema.KindAccount, acct) + "/", "", 404, []string{"7003 No route for the URI"}},
		{"outside prefix", true, "GET", "/../../accounts", "", 404, []string{"7003 No route for the URI"}},
		{"bad account id", true, "GET", orgPath(schema.KindAccount, "acme"), "", 400,
			[]string{"7003 Could not route to /client/v4/accounts/acme/access/organizations, perhaps your object identifier is invalid?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			if tt.seed {
				seed(s)
			}
			a := send(t, s, tt.method, tt.path, tt.body)
			if a.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if diff := cmp.Diff(tt.errs, a.errs()); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if got := a.header.Get("Content-Type"); got != "application/json; charset=UTF-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if a.header.Get("Cf-Auditlog-Id") == "" || a.header.Get("Cf-Ray") == "" {
				t.Errorf("missing Cf-Auditlog-Id or Cf-Ray header: %v", a.header)
			}
			wantSuccess := tt.status < 300
			if a.body["success"] != wantSuccess {
				t.Errorf("success = %v, want %v", a.body["success"], wantSuccess)
			}
			if strings.HasSuffix(tt.path, "/revoke_user") && tt.status == 200 {
				if diff := cmp.Diff(map[string]any{"result": true, "success": true}, a.body); diff != "" {
					t.Errorf("revoke answer (-want +got):\n%s", diff)
				}
				return
			}
			for _, k := range []string{"success", "errors", "messages", "result"} {
				if _, ok := a.body[k]; !ok {
					t.Errorf("envelope has no %q: %s", k, a.raw)
				}
			}
		})
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	a := send(t, s, "POST", orgPath(schema.KindAccount, acct),
		`{"name":"Acme","auth_domain":"acme.cloudflareaccess.com","session_duration":"90m","auto_redirect_to_identity":true,"mfa_config":{"session_duration":"1h"}}`)
	if a.status != 201 {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	want := map[string]any{
		"name": "Acme", "auth_domain": "acme.cloudflareaccess.com", "session_duration": "90m",
		"auto_redirect_to_identity": true, "mfa_config": map[string]any{"session_duration": "1h"},
		"deny_unmatched_requests": false, "login_design": map[string]any{},
		"created_at": "2026-01-02T03:04:06Z", "updated_at": "2026-01-02T03:04:06Z",
	}
	if diff := cmp.Diff(want, a.result()); diff != "" {
		t.Errorf("POST result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, send(t, s, "GET", orgPath(schema.KindAccount, acct), "").result()); diff != "" {
		t.Errorf("GET after POST (-want +got):\n%s", diff)
	}
}

func TestUpdateIsFullReplace(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.SetOrganization(schema.KindAccount, acct, schema.Object{
		"name": "Acme", "auth_domain": "acme.cloudflareaccess.com",
		"session_duration": "24h", "is_ui_read_only": true, "ui_read_only_toggle_reason": "locked",
		"login_design":                map[string]any{"header_text": "Hi", "text_color": "#fff"},
		"custom_pages":                map[string]any{"forbidden": "699d98642c564d2e855e9661899b7252"},
		"deny_unmatched_requests":     true,
		"mfa_config":                  map[string]any{"session_duration": "1h"},
		"cache_device_posture":        true,
		"auto_redirect_to_identity":   true,
		"created_at":                  "2024-09-05T03:00:41Z",
		"updated_at":                  "2025-01-23T22:25:57Z",
		"allow_authenticate_via_warp": true,
	})
	a := send(t, s, "PUT", orgPath(schema.KindAccount, acct),
		`{"name":"Acme 2","auth_domain":"acme.cloudflareaccess.com","login_design":{"footer_text":"Bye"},`+
			`"warp_auth_non_browser_401":true,"session_duration":null}`)
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	want := map[string]any{
		"name": "Acme 2", "auth_domain": "acme.cloudflareaccess.com",
		"login_design":              map[string]any{"footer_text": "Bye"},
		"warp_auth_non_browser_401": true,                   // unknown, sent: kept
		"cache_device_posture":      true,                   // server-side: kept (mfa_config, writable and not sent, is gone)
		"deny_unmatched_requests":   false,                  // reset, read as false
		"created_at":                "2024-09-05T03:00:41Z", // kept
		"updated_at":                "2026-01-02T03:04:06Z", // bumped
	}
	if diff := cmp.Diff(want, a.result()); diff != "" {
		t.Errorf("PUT result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, send(t, s, "GET", orgPath(schema.KindAccount, acct), "").result()); diff != "" {
		t.Errorf("GET after PUT (-want +got):\n%s", diff)
	}
	stored, _ := s.Organization(schema.KindAccount, acct)
	for _, k := range []string{"session_duration", "is_ui_read_only", "custom_pages", "auto_redirect_to_identity", "allow_authenticate_via_warp", "deny_unmatched_requests"} {
		if _, ok := stored[k]; ok {
			t.Errorf("stored organization still has %q after a PUT without it", k)
		}
	}
}

func TestReadQuirks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		kind   schema.Kind
		stored schema.Object
		want   map[string]any
	}{
		{
			name: "false auto_redirect and empty custom_pages omitted, deny and login_design defaulted",
			kind: schema.KindAccount,
			stored: schema.Object{"name": "A", "auto_redirect_to_identity": false,
				"custom_pages": map[string]any{}, "session_duration": "1h30m", "has_migrated_private_apps": true},
			want: map[string]any{"name": "A", "session_duration": "1h30m", "has_migrated_private_apps": true,
				"deny_unmatched_requests": false, "login_design": map[string]any{}},
		},
		{
			name: "set values echoed verbatim",
			kind: schema.KindAccount,
			stored: schema.Object{"auto_redirect_to_identity": true, "deny_unmatched_requests": true,
				"custom_pages": map[string]any{"forbidden": "x"}, "login_design": map[string]any{"logo_path": "https://e.com/l.png"},
				"user_seat_expiration_inactive_time": "1460h", "ui_read_only_toggle_reason": nil},
			want: map[string]any{"auto_redirect_to_identity": true, "deny_unmatched_requests": true,
				"custom_pages": map[string]any{"forbidden": "x"}, "login_design": map[string]any{"logo_path": "https://e.com/l.png"},
				"user_seat_expiration_inactive_time": "1460h"},
		},
		{
			name: "zone shows only zone fields",
			kind: schema.KindZone,
			stored: schema.Object{"name": "Z", "auth_domain": "z.cloudflareaccess.com", "session_duration": "1h",
				"cache_device_posture": true, "is_ui_read_only": true, "created_at": "2024-09-05T03:00:41Z",
				"deny_unmatched_requests_exempted_zone_names": []any{"example.com"}},
			want: map[string]any{"name": "Z", "auth_domain": "z.cloudflareaccess.com", "is_ui_read_only": true,
				"created_at": "2024-09-05T03:00:41Z", "deny_unmatched_requests_exempted_zone_names": []any{"example.com"},
				"deny_unmatched_requests": false, "login_design": map[string]any{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			id := acct
			if tt.kind == schema.KindZone {
				id = zone
			}
			s.SetOrganization(tt.kind, id, tt.stored)
			a := send(t, s, "GET", orgPath(tt.kind, id), "")
			if diff := cmp.Diff(tt.want, a.result()); diff != "" {
				t.Errorf("GET result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		kind   schema.Kind
		method string
		body   string
		want   []string
	}{
		{"not json", schema.KindAccount, "PUT", `{"name":`, []string{"12000 access.api.error.invalid_request: the request body is not valid JSON: unexpected EOF"}},
		{"array", schema.KindAccount, "PUT", `["x"]`, []string{"12000 access.api.error.invalid_request: the request body must be a JSON object, not an array"}},
		{"null", schema.KindAccount, "PUT", `null`, []string{"12000 access.api.error.invalid_request: the request body must be a JSON object, not null"}},
		{"empty", schema.KindAccount, "PUT", ``, []string{"12000 access.api.error.invalid_request: the request body is empty; a JSON object is required"}},
		{"trailing", schema.KindAccount, "PUT", `{} {}`, []string{"12000 access.api.error.invalid_request: the request body is not valid JSON: trailing data after the JSON value"}},
		{"string for bool", schema.KindAccount, "PUT", `{"is_ui_read_only":"true"}`, []string{"12000 access.api.error.invalid_request: is_ui_read_only: must be a boolean, not a string"}},
		{"number for name", schema.KindAccount, "PUT", `{"name":5}`, []string{"12000 access.api.error.invalid_request: name: must be a string, not a number"}},
		{"list of numbers", schema.KindAccount, "PUT", `{"deny_unmatched_requests_exempted_zone_names":["a.com",1]}`,
			[]string{"12000 access.api.error.invalid_request: deny_unmatched_requests_exempted_zone_names: element 1 must be a string, not a number"}},
		{"login_design not object", schema.KindAccount, "PUT", `{"login_design":"red"}`, []string{"12000 access.api.error.invalid_request: login_design: must be an object, not a string"}},
		{"login_design sub-field", schema.KindAccount, "PUT", `{"login_design":{"text_color":1}}`, []string{"12000 access.api.error.invalid_request: login_design.text_color: must be a string, not a number"}},
		{"bad duration", schema.KindAccount, "PUT", `{"session_duration":"3x"}`,
			[]string{`12000 access.api.error.invalid_request: session_duration: "3x" is not a duration (use e.g. 12h, 90m)`}},
		{"negative duration", schema.KindAccount, "PUT", `{"session_duration":"-1h"}`, []string{`12000 access.api.error.invalid_request: session_duration: "-1h" is negative`}},
		{"duration number", schema.KindAccount, "PUT", `{"session_duration":24}`, []string{`12000 access.api.error.invalid_request: session_duration: must be a duration string, not a number`}},
		{"warp seconds", schema.KindAccount, "PUT", `{"warp_auth_session_duration":"90s"}`,
			[]string{`12000 access.api.error.invalid_request: warp_auth_session_duration: "90s" is not in minutes or hours (use e.g. 24h, 90m)`}},
		{"warp ms", schema.KindAccount, "PUT", `{"warp_auth_session_duration":"5ms"}`,
			[]string{`12000 access.api.error.invalid_request: warp_auth_session_duration: "5ms" is not in minutes or hours (use e.g. 24h, 90m)`}},
		{"seat too short", schema.KindAccount, "PUT", `{"user_seat_expiration_inactive_time":"729h"}`,
			[]string{`12000 access.api.error.invalid_request: user_seat_expiration_inactive_time: "729h" is shorter than the minimum, 730h (one month)`}},
		{"two errors sorted", schema.KindAccount, "PUT", `{"session_duration":"x","is_ui_read_only":1}`, []string{
			"12000 access.api.error.invalid_request: is_ui_read_only: must be a boolean, not a number",
			`12000 access.api.error.invalid_request: session_duration: "x" is not a duration (use e.g. 12h, 90m)`}},
		{"post missing required", schema.KindAccount, "POST", `{"session_duration":"1h"}`, []string{
			"12000 access.api.error.invalid_request: auth_domain: required",
			"12000 access.api.error.invalid_request: name: required"}},
		{"post empty name", schema.KindAccount, "POST", `{"name":"","auth_domain":"a.cloudflareaccess.com"}`,
			[]string{"12000 access.api.error.invalid_request: name: must not be empty"}},
		{"post custom_pages", schema.KindAccount, "POST", `{"name":"A","auth_domain":"a.cloudflareaccess.com","custom_pages":{"forbidden":"x"}}`,
			[]string{"12000 access.api.error.invalid_request: custom_pages: not accepted when creating an organization; set it with PUT"}},
		{"zone account-only field", schema.KindZone, "PUT", `{"name":"Z","session_duration":"1h"}`,
			[]string{"12000 access.api.error.invalid_request: session_duration: not accepted at zone scope"}},
		{"zone custom_pages", schema.KindZone, "PUT", `{"custom_pages":{}}`,
			[]string{"12000 access.api.error.invalid_request: custom_pages: not accepted at zone scope"}},
		{"zone unknown field", schema.KindZone, "POST", `{"name":"Z","auth_domain":"z.cloudflareaccess.com","mfa_config":{}}`,
			[]string{"12000 access.api.error.invalid_request: mfa_config: not accepted at zone scope"}},
		{"zone seat too short", schema.KindZone, "PUT", `{"user_seat_expiration_inactive_time":"1h"}`,
			[]string{`12000 access.api.error.invalid_request: user_seat_expiration_inactive_time: "1h" is shorter than the minimum, 730h (one month)`}},
		{"doh bad duration", schema.KindAccount, "PUT /doh", `{"doh_jwt_duration":"forever"}`,
			[]string{`12000 access.api.error.invalid_request: doh_jwt_duration: "forever" is not a duration (use e.g. 12h, 90m)`}},
		{"doh token number", schema.KindAccount, "PUT /doh", `{"service_token_id":1}`,
			[]string{`12000 access.api.error.invalid_request: service_token_id: must be a string, not a number`}},
		{"revoke no email", schema.KindAccount, "POST /revoke_user", `{"devices":true}`, []string{"12000 access.api.error.invalid_request: email: required"}},
		{"revoke bad email", schema.KindZone, "POST /revoke_user", `{"email":"bob"}`, []string{`12000 access.api.error.invalid_request: email: "bob" is not an email address`}},
		{"revoke devices string", schema.KindAccount, "POST /revoke_user", `{"email":"a@b.c","devices":"yes"}`,
			[]string{"12000 access.api.error.invalid_request: devices: must be a boolean, not a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			seed(s)
			before, _ := s.Organization(tt.kind, map[schema.Kind]string{schema.KindAccount: acct, schema.KindZone: zone}[tt.kind])
			id := acct
			if tt.kind == schema.KindZone {
				id = zone
			}
			method, suffix, _ := strings.Cut(tt.method, " ")
			if method == "POST" && suffix == "" {
				s.SetOrganization(tt.kind, id, nil) // create needs no organization
				before = nil
			}
			a := send(t, s, method, orgPath(tt.kind, id)+suffix, tt.body)
			if a.status != 400 {
				t.Fatalf("status = %d, want 400: %s", a.status, a.raw)
			}
			if diff := cmp.Diff(tt.want, a.errs()); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			after, _ := s.Organization(tt.kind, id)
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("a refused request changed the organization (-before +after):\n%s", diff)
			}
			if len(s.Revocations()) != 0 {
				t.Errorf("a refused request recorded a revocation")
			}
		})
	}
}

func TestValidationPointer(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	a := send(t, s, "PUT", orgPath(schema.KindAccount, acct), `{"login_design":{"text_color":1}}`)
	errs := a.body["errors"].([]any)
	got := errs[0].(map[string]any)["source"]
	if diff := cmp.Diff(map[string]any{"pointer": "/login_design/text_color"}, got); diff != "" {
		t.Errorf("source (-want +got):\n%s", diff)
	}
}

func TestAcceptedValues(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	for _, body := range []string{
		`{"warp_auth_session_duration":"2h45m"}`,
		`{"warp_auth_session_duration":"1.5h"}`,
		`{"session_duration":"300ms"}`,
		`{"user_seat_expiration_inactive_time":"730h"}`,
		`{"user_seat_expiration_inactive_time":""}`,
		`{"login_design":{"background_color":"#c5ed1b","unknown_sub":1}}`,
		`{"custom_pages":{"forbidden":"a","identity_denied":"b"}}`,
		`{"deny_unmatched_requests_exempted_zone_names":[]}`,
		`{"mfa_config":{"allowed_authenticators":["totp"]},"mfa_required_for_all_apps":true}`,
	} {
		if a := send(t, s, "PUT", orgPath(schema.KindAccount, acct), body); a.status != 200 {
			t.Errorf("PUT %s: status %d: %s", body, a.status, a.raw)
		}
	}
}

func TestDoH(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	path := orgPath(schema.KindAccount, acct) + "/doh"
	if diff := cmp.Diff(map[string]any{}, send(t, s, "GET", path, "").result()); diff != "" {
		t.Errorf("unset DoH (-want +got):\n%s", diff)
	}
	s.SetDoH(acct, schema.Object{"doh_jwt_duration": "24h", "id": "tok-1", "name": "doh token",
		"client_id": "abc.access", "duration": "8760h", "expires_at": "2027-01-01T00:00:00Z", "enabled": true})
	a := send(t, s, "PUT", path, `{"doh_jwt_duration":"800h","future_field":"x"}`)
	if a.status != 201 {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	want := map[string]any{"doh_jwt_duration": "800h", "id": "tok-1", "name": "doh token", "client_id": "abc.access",
		"duration": "8760h", "expires_at": "2027-01-01T00:00:00Z", "enabled": true, "future_field": "x"}
	if diff := cmp.Diff(want, a.result()); diff != "" {
		t.Errorf("PUT DoH (-want +got):\n%s", diff)
	}
	a = send(t, s, "PUT", path, `{"service_token_id":"tok-2"}`)
	want = map[string]any{"doh_jwt_duration": "800h", "id": "tok-2", "enabled": true, "future_field": "x"}
	if diff := cmp.Diff(want, a.result()); diff != "" {
		t.Errorf("PUT DoH new token (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, send(t, s, "GET", path, "").result()); diff != "" {
		t.Errorf("GET DoH (-want +got):\n%s", diff)
	}
	stored, ok := s.DoH(acct)
	if !ok || stored["id"] != "tok-2" {
		t.Errorf("DoH() = %v, %v", stored, ok)
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	send(t, s, "POST", orgPath(schema.KindAccount, acct)+"/revoke_user", `{"email":"a@example.com","warp_session_reauth":true,"user_uid":"u-1"}`)
	send(t, s, "POST", orgPath(schema.KindAccount, acct)+"/revoke_user?devices=true", `{"email":"c@example.com"}`)
	send(t, s, "POST", orgPath(schema.KindZone, zone)+"/revoke_user", `{"email":"b@example.com"}`)
	want := []Revocation{
		{Scope: "accounts/" + acct, Email: "a@example.com", WarpSessionReauth: true, UserUID: "u-1", Time: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC)},
		{Scope: "accounts/" + acct, Email: "c@example.com", Devices: true, Time: time.Date(2026, 1, 2, 3, 4, 8, 0, time.UTC)},
		{Scope: "zones/" + zone, Email: "b@example.com", Time: time.Date(2026, 1, 2, 3, 4, 10, 0, time.UTC)},
	}
	if diff := cmp.Diff(want, s.Revocations()); diff != "" {
		t.Errorf("revocations (-want +got):\n%s", diff)
	}
}

// TestZoneRevokeTakesEmailOnly: the zone revoke_user body takes the email
// only; devices (body or query), warp_session_reauth and user_uid are
// refused, and nothing is recorded.
func TestZoneRevokeTakesEmailOnly(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	path := orgPath(schema.KindZone, zone) + "/revoke_user"
	for _, tt := range []struct{ query, body, field string }{
		{"", `{"email":"b@example.com","devices":true}`, "devices"},
		{"?devices=true", `{"email":"b@example.com"}`, "devices"},
		{"", `{"email":"b@example.com","warp_session_reauth":true}`, "warp_session_reauth"},
		{"", `{"email":"b@example.com","user_uid":"3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4"}`, "user_uid"},
	} {
		a := send(t, s, "POST", path+tt.query, tt.body)
		if a.status != 400 || !strings.Contains(string(a.raw), tt.field+": not accepted at zone scope") {
			t.Errorf("zone revoke %s%s: %d %s, want 400 naming %s", tt.query, tt.body, a.status, a.raw, tt.field)
		}
	}
	if revs := s.Revocations(); len(revs) != 0 {
		t.Errorf("refused zone revocations were recorded: %+v", revs)
	}
}

// TestResponseOnlyRefused: a request body must not carry a field the
// scope's API only returns.
func TestResponseOnlyRefused(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	for _, tt := range []struct {
		kind  schema.Kind
		id    string
		field string
		value string
	}{
		{schema.KindAccount, acct, "created_at", `"2024-01-01T00:00:00Z"`},
		{schema.KindAccount, acct, "cache_device_posture", "true"},
		{schema.KindAccount, acct, "mfa_configuration_allowed", "true"},
		{schema.KindZone, zone, "deny_unmatched_requests", "true"},
		{schema.KindZone, zone, "deny_unmatched_requests_exempted_zone_names", `["a.com"]`},
		{schema.KindZone, zone, "updated_at", `"2024-01-01T00:00:00Z"`},
	} {
		a := send(t, s, "PUT", orgPath(tt.kind, tt.id), `{"name":"N","auth_domain":"n.cloudflareaccess.com","`+tt.field+`":`+tt.value+`}`)
		if a.status != 400 || !strings.Contains(string(a.raw), tt.field+": response-only") {
			t.Errorf("%s PUT with %s: %d %s, want 400 response-only", tt.kind, tt.field, a.status, a.raw)
		}
	}
	a := send(t, s, "PUT", orgPath(schema.KindAccount, acct)+"/doh", `{"client_id":"x"}`)
	if a.status != 400 || !strings.Contains(string(a.raw), "client_id: response-only") {
		t.Errorf("DoH PUT with client_id: %d %s, want 400 response-only", a.status, a.raw)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	path := orgPath(schema.KindAccount, acct)
	tests := []struct {
		name   string
		token  string
		hdr    map[string]string
		status int
	}{
		{"no header", token, nil, 403},
		{"wrong token", token, map[string]string{"Authorization": "Bearer nope"}, 403},
		{"right token", token, map[string]string{"Authorization": "Bearer " + token}, 200},
		{"not bearer", token, map[string]string{"Authorization": "Basic " + token}, 403},
		{"empty bearer", "", map[string]string{"Authorization": "Bearer "}, 403},
		{"key and email", token, map[string]string{"X-Auth-Email": "a@b.c", "X-Auth-Key": token}, 200},
		{"wrong key", token, map[string]string{"X-Auth-Email": "a@b.c", "X-Auth-Key": "nope"}, 403},
		{"key without email", token, map[string]string{"X-Auth-Key": token}, 403},
		{"any token accepted", "", map[string]string{"Authorization": "Bearer whatever"}, 200},
		{"any key accepted", "", map[string]string{"X-Auth-Email": "a@b.c", "X-Auth-Key": "k"}, 200},
		{"still needs a header", "", nil, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t, Options{Token: tt.token})
			seed(s)
			a := sendWith(t, s, "GET", path, "", tt.hdr)
			if a.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if tt.status == 403 {
				if diff := cmp.Diff([]string{"10000 Authentication error"}, a.errs()); diff != "" {
					t.Errorf("errors (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestNoCredentialsInLog(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	s := NewServer(t, Options{Token: token, Logger: newLogger(&buf)})
	seed(s)
	send(t, s, "PUT", orgPath(schema.KindAccount, acct), `{"name":"A"}`)
	sendWith(t, s, "GET", orgPath(schema.KindAccount, acct), "", map[string]string{"X-Auth-Email": "a@b.c", "X-Auth-Key": "key-secret"})
	log := buf.String()
	if !strings.Contains(log, "method=PUT path=/client/v4/accounts/"+acct+"/access/organizations status=200") {
		t.Errorf("log lacks the PUT line:\n%s", log)
	}
	for _, secret := range []string{token, "key-secret", "a@b.c"} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q:\n%s", secret, log)
		}
	}
}

func TestRequestsRecorded(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	send(t, s, "GET", orgPath(schema.KindAccount, acct), "")
	send(t, s, "PUT", orgPath(schema.KindAccount, acct)+"?x=1", `{"name":"A","n":1.5}`)
	send(t, s, "GET", orgPath(schema.KindAccount, acct)+"/doh", "")
	want := []Request{
		{Method: "GET", Path: PathPrefix + orgPath(schema.KindAccount, acct), Query: map[string][]string{}, Status: 200,
			Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{Method: "PUT", Path: PathPrefix + orgPath(schema.KindAccount, acct), Query: map[string][]string{"x": {"1"}},
			Body: schema.Object{"name": "A", "n": json.Number("1.5")}, Status: 200, Time: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC)},
		{Method: "GET", Path: PathPrefix + orgPath(schema.KindAccount, acct) + "/doh", Query: map[string][]string{}, Status: 200,
			Time: time.Date(2026, 1, 2, 3, 4, 8, 0, time.UTC)},
	}
	if diff := cmp.Diff(want, s.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if got := s.Count("GET", "/access/organizations"); got != 1 {
		t.Errorf("Count(GET, organizations) = %d, want 1", got)
	}
	if got := s.Count("", "/doh"); got != 1 {
		t.Errorf("Count(any, doh) = %d, want 1", got)
	}
	s.ResetRequests()
	if got := len(s.Requests()); got != 0 {
		t.Errorf("after ResetRequests: %d requests", got)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	path := orgPath(schema.KindAccount, acct)
	t.Run("rate limit for N requests then normal", func(t *testing.T) {
		s := newTestServer(t)
		seed(s)
		s.InjectFault(Fault{Kind: RateLimit, Count: 2, RetryAfter: "7", Method: "GET", PathContains: "/access/organizations"})
		for i := range 2 {
			a := send(t, s, "GET", path, "")
			if a.status != 429 || a.header.Get("Retry-After") != "7" {
				t.Fatalf("request %d: status %d Retry-After %q", i, a.status, a.header.Get("Retry-After"))
			}
			if diff := cmp.Diff([]string{"971 Please wait and consider throttling your request speed"}, a.errs()); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		}
		if a := send(t, s, "GET", path, ""); a.status != 200 {
			t.Fatalf("third request: status %d", a.status)
		}
		var kinds []FaultKind
		for _, r := range s.Requests() {
			kinds = append(kinds, r.Fault)
		}
		if diff := cmp.Diff([]FaultKind{RateLimit, RateLimit, 0}, kinds); diff != "" {
			t.Errorf("recorded faults (-want +got):\n%s", diff)
		}
	})
	t.Run("rate limit without Retry-After", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(Fault{Kind: RateLimit})
		a := send(t, s, "GET", path, "")
		if a.status != 429 || a.header.Get("Retry-After") != "" {
			t.Fatalf("status %d Retry-After %q", a.status, a.header.Get("Retry-After"))
		}
	})
	t.Run("matching", func(t *testing.T) {
		s := newTestServer(t)
		seed(s)
		s.InjectFault(Fault{Kind: ServerError, Method: "PUT"})
		s.InjectFault(Fault{Kind: ServerError, PathContains: "/doh", Status: 503})
		if a := send(t, s, "GET", path, ""); a.status != 200 {
			t.Errorf("GET: status %d, want 200 (fault is for PUT)", a.status)
		}
		a := send(t, s, "GET", path+"/doh", "")
		if a.status != 503 {
			t.Errorf("GET doh: status %d, want 503", a.status)
		}
		if diff := cmp.Diff([]string{"12500 access.api.error.internal_server_error"}, a.errs()); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		if a := send(t, s, "PUT", path, `{"name":"A"}`); a.status != 500 {
			t.Errorf("PUT: status %d, want 500", a.status)
		}
		if o, _ := s.Organization(schema.KindAccount, acct); o["name"] != "Acme" {
			t.Errorf("a 500 applied the PUT: %v", o)
		}
		if a := send(t, s, "PUT", path, `{"name":"A"}`); a.status != 200 {
			t.Errorf("second PUT: status %d, want 200", a.status)
		}
	})
	t.Run("success false", func(t *testing.T) {
		s := newTestServer(t)
		seed(s)
		s.InjectFault(Fault{Kind: SuccessFalse})
		a := send(t, s, "GET", path, "")
		if a.status != 200 || a.body["success"] != false || len(a.errs()) != 1 {
			t.Fatalf("status %d body %s", a.status, a.raw)
		}
		chain := a.body["errors"].([]any)[0].(map[string]any)["error_chain"]
		if chain == nil {
			t.Errorf("no error_chain: %s", a.raw)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		s := newTestServer(t)
		seed(s)
		s.InjectFault(Fault{Kind: Malformed})
		resp, err := s.Client().Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var v any
		if resp.StatusCode != 200 || json.Unmarshal(raw, &v) == nil {
			t.Fatalf("status %d, body %s: want 200 and invalid JSON", resp.StatusCode, raw)
		}
	})
	t.Run("drop", func(t *testing.T) {
		s := newTestServer(t)
		seed(s)
		s.InjectFault(Fault{Kind: Drop, Method: "PUT"})
		req, _ := http.NewRequest("PUT", s.URL+path, strings.NewReader(`{"name":"Dropped"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := s.Client().Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("dropped PUT answered %d", resp.StatusCode)
		}
		if o, _ := s.Organization(schema.KindAccount, acct); o["name"] != "Acme" {
			t.Errorf("a dropped PUT was applied: %v", o)
		}
		rs := s.Requests()
		if len(rs) != 1 || rs[0].Status != 0 || rs[0].Fault != Drop {
			t.Errorf("recorded %+v", rs)
		}
	})
	t.Run("drop after apply", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(Fault{Kind: DropAfterApply, Method: "POST"})
		req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(`{"name":"Ghost","auth_domain":"g.cloudflareaccess.com"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := s.Client().Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("dropped POST answered %d", resp.StatusCode)
		}
		if o, ok := s.Organization(schema.KindAccount, acct); !ok || o["name"] != "Ghost" {
			t.Errorf("the POST was not applied: %v", o)
		}
		rs := s.Requests()
		if len(rs) != 1 || rs[0].Status != 201 || rs[0].Fault != DropAfterApply {
			t.Errorf("recorded %+v", rs)
		}
		if a := send(t, s, "POST", path, `{"name":"Ghost","auth_domain":"g.cloudflareaccess.com"}`); a.status != 409 {
			t.Errorf("retried POST: status %d, want 409", a.status)
		}
	})
	t.Run("unknown kind ignored", func(t *testing.T) {
		s := newTestServer(t)
		seed(s)
		s.InjectFault(Fault{Kind: 0})
		s.InjectFault(Fault{Kind: 99})
		if a := send(t, s, "GET", path, ""); a.status != 200 {
			t.Errorf("status %d", a.status)
		}
	})
	t.Run("clear", func(t *testing.T) {
		s := newTestServer(t)
		seed(s)
		s.InjectFault(Fault{Kind: ServerError, Count: 5})
		s.ClearFaults()
		if a := send(t, s, "GET", path, ""); a.status != 200 {
			t.Errorf("status %d", a.status)
		}
	})
}

func TestLatencyHonoursContext(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	// An hour: if the emulator did not stop waiting when the client gives
	// up, the test would hang until go test's timeout.
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+orgPath(schema.KindAccount, acct), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	waitSleeping(t, s, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("request error = %v, want context.Canceled", err)
	}
	waitSleeping(t, s, 0)
	rs := s.Requests()
	if len(rs) != 1 || rs[0].Status != 0 {
		t.Errorf("recorded %+v, want one request with status 0", rs)
	}
	s.SetLatency(0)
	if a := send(t, s, "GET", orgPath(schema.KindAccount, acct), ""); a.status != 200 {
		t.Errorf("after SetLatency(0): status %d", a.status)
	}
}

// waitSleeping waits until n requests sleep in their latency, failing the
// test after 10 s instead of hanging.
func waitSleeping(t *testing.T, s *Server, n int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.sleeping.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests sleeping after 10s, want %d", s.sleeping.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLatencyDelays(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	s.SetLatency(time.Millisecond)
	if a := send(t, s, "GET", orgPath(schema.KindAccount, acct), ""); a.status != 200 {
		t.Errorf("status %d", a.status)
	}
	if rs := s.Requests(); len(rs) != 1 || rs[0].Status != 200 {
		t.Errorf("recorded %+v", rs)
	}
}

func TestCloseEndsLatency(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	s.SetLatency(time.Hour)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sendQuiet(s, "GET", orgPath(schema.KindAccount, acct), "")
	}()
	waitSleeping(t, s, 1)
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		s.Close() // would block for an hour if the wait did not end
	}()
	for _, ch := range []chan struct{}{closed, done} {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not end a request sleeping in its latency within 10s")
		}
	}
}

const stateDoc = `{
  "accounts": {
    "0123456789abcdef0123456789abcdef": {
      "organization": {
        "auth_domain": "acme.cloudflareaccess.com",
        "cache_device_posture": true,
        "created_at": "2024-09-05T03:00:41Z",
        "login_design": {
          "text_color": "#c5ed1b"
        },
        "n": 1.50,
        "name": "Acme"
      },
      "doh": {
        "doh_jwt_duration": "800h"
      }
    }
  },
  "zones": {
    "fedcba9876543210fedcba9876543210": {
      "organization": {
        "name": "Zone"
      }
    }
  },
  "revocations": [
    {
      "scope": "accounts/0123456789abcdef0123456789abcdef",
      "email": "a@example.com",
      "devices": true,
      "time": "2026-01-02T03:04:05Z"
    }
  ]
}
`

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	e := New(Options{})
	if err := e.LoadState(strings.NewReader(stateDoc)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := e.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stateDoc, buf.String()); diff != "" {
		t.Errorf("saved state (-loaded +saved):\n%s", diff)
	}
	org, ok := e.Organization(schema.KindAccount, acct)
	if !ok || org["cache_device_posture"] != true || org["n"] != json.Number("1.50") {
		t.Errorf("Organization() = %v, %v", org, ok)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "live.json")
	if err := e.SaveFile(file); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != stateDoc {
		t.Errorf("file content differs:\n%s", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("SaveFile left %d files, want 1", len(entries))
	}
	e2 := New(Options{})
	if err := e2.LoadFile(file); err != nil {
		t.Fatal(err)
	}
	if _, ok := e2.Organization(schema.KindZone, zone); !ok {
		t.Errorf("zone lost in the file round trip")
	}
	if err := e2.LoadFile(filepath.Join(dir, "missing.json")); err != nil {
		t.Errorf("missing file: %v", err)
	}
	if _, ok := e2.Organization(schema.KindZone, zone); ok {
		t.Errorf("loading a missing file kept the old state")
	}
	var empty bytes.Buffer
	if err := e2.SaveState(&empty); err != nil || empty.String() != "{}\n" {
		t.Errorf("empty state saved as %q, %v", empty.String(), err)
	}
}

func TestLoadStateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, want string }{
		{"empty", ``, "decode emulator state: empty document"},
		{"not json", `{`, "decode emulator state: unexpected EOF"},
		{"unknown key", `{"acounts":{}}`, `decode emulator state: json: unknown field "acounts"`},
		{"zone doh", `{"zones":{"fedcba9876543210fedcba9876543210":{"doh":{}}}}`, `decode emulator state: json: unknown field "doh"`},
		{"bad account id", `{"accounts":{"acme":{"organization":{}}}}`, `emulator state: account id "acme" is not 32 lowercase hex characters`},
		{"bad zone id", `{"zones":{"ABC":{"organization":{}}}}`, `emulator state: zone id "ABC" is not 32 lowercase hex characters`},
		{"org not object", `{"zones":{"fedcba9876543210fedcba9876543210":{"organization":[]}}}`,
			"decode emulator state: json: cannot unmarshal array into Go struct field zoneState.zones.organization of type map[string]interface {}"},
		{"trailing", `{} x`, "decode emulator state: trailing data after the JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(Options{})
			seedEmulator(e)
			err := e.LoadState(strings.NewReader(tt.doc))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if _, ok := e.Organization(schema.KindAccount, acct); !ok {
				t.Errorf("a failed load changed the state")
			}
		})
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"x":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := New(Options{}).LoadFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadFile error %v does not name the file", err)
	}
}

func seedEmulator(e *Emulator) {
	e.SetOrganization(schema.KindAccount, acct, schema.Object{"name": "Acme"})
}

func TestSetters(t *testing.T) {
	t.Parallel()
	e := New(Options{})
	in := schema.Object{"name": "A", "login_design": map[string]any{"text_color": "#fff"}, "list": []string{"a"}}
	e.SetOrganization(schema.KindAccount, acct, in)
	in["login_design"].(map[string]any)["text_color"] = "#000"
	got, ok := e.Organization(schema.KindAccount, acct)
	want := schema.Object{"name": "A", "login_design": map[string]any{"text_color": "#fff"}, "list": []any{"a"}}
	if diff := cmp.Diff(want, got); !ok || diff != "" {
		t.Errorf("SetOrganization did not copy (-want +got):\n%s", diff)
	}
	got["name"] = "changed"
	if again, _ := e.Organization(schema.KindAccount, acct); again["name"] != "A" {
		t.Errorf("Organization did not copy")
	}
	e.SetDoH(acct, schema.Object{"doh_jwt_duration": "1h"})
	e.SetOrganization(schema.KindAccount, acct, nil)
	if _, ok := e.Organization(schema.KindAccount, acct); ok {
		t.Errorf("SetOrganization(nil) did not delete")
	}
	if _, ok := e.DoH(acct); !ok {
		t.Errorf("deleting the organization deleted the DoH settings")
	}
	e.SetDoH(acct, nil)
	var buf bytes.Buffer
	_ = e.SaveState(&buf)
	if buf.String() != "{}\n" {
		t.Errorf("state after deleting everything: %s", buf.String())
	}
}

func TestOnChange(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	changes := 0
	s := NewServer(t, Options{Token: token, OnChange: func() { mu.Lock(); changes++; mu.Unlock() }})
	path := orgPath(schema.KindAccount, acct)
	steps := []struct {
		method, path, body string
		changes            int
	}{
		{"GET", path, "", 0},
		{"POST", path, `{"name":"A","auth_domain":"a.cloudflareaccess.com"}`, 1},
		{"POST", path, `{"name":"A","auth_domain":"a.cloudflareaccess.com"}`, 1}, // 409
		{"PUT", path, `{"name":"B"}`, 2},
		{"PUT", path, `{"name":1}`, 2}, // 400
		{"PUT", path + "/doh", `{"doh_jwt_duration":"1h"}`, 3},
		{"POST", path + "/revoke_user", `{"email":"a@b.c"}`, 4},
		{"GET", path + "/doh", "", 4},
	}
	for _, st := range steps {
		send(t, s, st.method, st.path, st.body)
		mu.Lock()
		got := changes
		mu.Unlock()
		if got != st.changes {
			t.Errorf("after %s %s: %d changes, want %d", st.method, st.path, got, st.changes)
		}
	}
}

func TestConcurrency(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	s.InjectFault(Fault{Kind: ServerError, Count: 10})
	s.InjectFault(Fault{Kind: RateLimit, Count: 10, RetryAfter: "1"})
	file := filepath.Join(t.TempDir(), "state.json")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				switch j % 5 {
				case 0:
					sendQuiet(s, "GET", orgPath(schema.KindAccount, acct), "")
				case 1:
					sendQuiet(s, "PUT", orgPath(schema.KindAccount, acct), fmt.Sprintf(`{"name":"n%d-%d"}`, i, j))
				case 2:
					sendQuiet(s, "POST", orgPath(schema.KindZone, zone)+"/revoke_user", fmt.Sprintf(`{"email":"u%d@example.com"}`, i))
				case 3:
					_ = s.SaveFile(file)
					_ = s.Requests()
				case 4:
					s.SetDoH(acct, schema.Object{"doh_jwt_duration": "1h"})
					s.InjectFault(Fault{Kind: SuccessFalse, PathContains: "/doh"})
					sendQuiet(s, "GET", orgPath(schema.KindAccount, acct)+"/doh", "")
				}
			}
		})
	}
	wg.Wait()
	if got, want := len(s.Requests()), 8*20*4/5; got != want {
		t.Errorf("%d requests recorded, want %d", got, want)
	}
	e := New(Options{})
	if err := e.LoadFile(file); err != nil {
		t.Errorf("state file after concurrent saves: %v", err)
	}
}

// sendQuiet sends a request from a goroutine, ignoring the answer.
func sendQuiet(s *Server, method, path, body string) {
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.Client().Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// TestHandlerWithoutServer uses the Emulator as a plain http.Handler.
func TestHandlerWithoutServer(t *testing.T) {
	t.Parallel()
	e := New(Options{})
	seedEmulator(e)
	req := httptest.NewRequest("GET", PathPrefix+orgPath(schema.KindAccount, acct), nil)
	req.Header.Set("Authorization", "Bearer x")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"name":"Acme"`) {
		t.Errorf("answer %d %s", rec.Code, rec.Body.String())
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	seed(s)
	body := `{"name":"` + strings.Repeat("x", maxBody) + `"}`
	a := send(t, s, "PUT", orgPath(schema.KindAccount, acct), body)
	if a.status != 400 || !strings.Contains(a.raw, "larger than") {
		t.Errorf("status %d: %.200s", a.status, a.raw)
	}
}

// FuzzBodies sends arbitrary bodies to every write endpoint: the answer is
// always a JSON envelope with an expected status, never a panic.
func FuzzBodies(f *testing.F) {
	for _, seed := range []string{
		`{"name":"A","auth_domain":"a.cloudflareaccess.com"}`,
		`{"session_duration":"1h","login_design":{"text_color":"#fff"}}`,
		`{"custom_pages":{"forbidden":null},"deny_unmatched_requests_exempted_zone_names":["a",1]}`,
		`{"email":"a@b.c","devices":true}`, `{"doh_jwt_duration":"800h","service_token_id":"x"}`,
		`[]`, `null`, `"x"`, `{"a":`, ``, `{"warp_auth_session_duration":"1.5h30m"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		e := New(Options{})
		for _, kind := range []schema.Kind{schema.KindAccount, schema.KindZone} {
			id := acct
			if kind == schema.KindZone {
				id = zone
			}
			for _, route := range []string{"POST ", "PUT ", "POST /revoke_user", "PUT /doh", "PUT "} {
				method, suffix, _ := strings.Cut(route, " ")
				req := httptest.NewRequest(method, PathPrefix+orgPath(kind, id)+suffix, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer x")
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				var v map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
					t.Fatalf("%s %s: answer is not JSON: %v", method, req.URL.Path, err)
				}
				switch rec.Code {
				case 200, 201, 400, 404, 409:
				default:
					t.Fatalf("%s %s: status %d", method, req.URL.Path, rec.Code)
				}
				if rec.Code < 300 {
					get := httptest.NewRequest("GET", PathPrefix+orgPath(kind, id), nil)
					get.Header.Set("Authorization", "Bearer x")
					rec := httptest.NewRecorder()
					e.ServeHTTP(rec, get)
					if rec.Code != 200 {
						t.Fatalf("GET after a successful %s: %d", method, rec.Code)
					}
				}
			}
		}
		var buf bytes.Buffer
		if err := e.SaveState(&buf); err != nil {
			t.Fatal(err)
		}
		if err := New(Options{}).LoadState(&buf); err != nil {
			t.Fatalf("saved state does not load: %v", err)
		}
	})
}
