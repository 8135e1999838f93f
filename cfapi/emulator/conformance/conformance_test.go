package conformance

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/zero_trust"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/schema"
)

const (
	acct  = "0123456789abcdef0123456789abcdef"
	zone  = "fedcba9876543210fedcba9876543210"
	token = "conformance-token"
)

// set sets an SDK request field (a param.Field[T], whose package is
// internal to the SDK) to value, as the SDK's cloudflare.F does. Importing
// the SDK's root package for F would compile every Cloudflare service.
func set(field any, value any) {
	v := reflect.ValueOf(field).Elem()
	v.FieldByName("Value").Set(reflect.ValueOf(value))
	v.FieldByName("Present").SetBool(true)
}

// sdk returns the SDK's organization service pointed at srv, with retries
// off so that a mismatch fails at once.
func sdk(t *testing.T, srv *emulator.Server, tok string) *zero_trust.OrganizationService {
	t.Helper()
	return zero_trust.NewOrganizationService(
		option.WithBaseURL(srv.URL+"/"),
		option.WithAPIToken(tok),
		option.WithMaxRetries(0),
		option.WithHTTPClient(srv.Client()),
		option.WithRequestTimeout(30*time.Second),
	)
}

func newServer(t *testing.T) *emulator.Server {
	t.Helper()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return emulator.NewServer(t, emulator.Options{Token: token, Clock: func() time.Time { return now }})
}

// status captures the HTTP status of one SDK call.
type status struct{ resp *http.Response }

func (s *status) opt() option.RequestOption { return option.WithResponseInto(&s.resp) }

func (s *status) code() int {
	if s.resp == nil {
		return 0
	}
	return s.resp.StatusCode
}

// wantOK fails unless the SDK call succeeded with the HTTP status want.
func wantOK(t *testing.T, what string, err error, st *status, want int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: SDK error: %v", what, err)
	}
	if st.code() != want {
		t.Errorf("%s: HTTP %d, want %d", what, st.code(), want)
	}
}

// wantAPIError fails unless err is the SDK's API error for HTTP status want
// whose body contains text.
func wantAPIError(t *testing.T, what string, err error, st *status, want int, text string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no SDK error, want HTTP %d", what, want)
	}
	// The SDK's *apierror.Error (internal package): recognised by its
	// methods.
	var apiErr interface{ DumpResponse(bool) []byte }
	if !errors.As(err, &apiErr) {
		t.Fatalf("%s: error %T %v is not the SDK's API error", what, err, err)
	}
	if st.code() != want {
		t.Errorf("%s: HTTP %d, want %d (%v)", what, st.code(), want, err)
	}
	if !strings.Contains(err.Error(), text) {
		t.Errorf("%s: error %q lacks %q", what, err, text)
	}
}

// ignoreJSON drops the SDK's raw-JSON metadata from comparisons.
var ignoreJSON = cmpopts.IgnoreFields(zero_trust.Organization{}, "JSON", "CustomPages.JSON", "LoginDesign.JSON",
	"MfaConfig.JSON", "MfaSSHPivKeyRequirements.JSON")

func TestAccountScope(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	orgs := sdk(t, srv, token)
	ctx := t.Context()

	var st status
	_, err := orgs.List(ctx, listAccount(), st.opt())
	wantAPIError(t, "List without organization", err, &st, 404, "access.api.error.not_found")

	st = status{}
	_, err = orgs.DOH.Get(ctx, dohAccount(), st.opt())
	wantAPIError(t, "DOH.Get without organization", err, &st, 404, "access.api.error.not_found")

	var create zero_trust.OrganizationNewParams
	set(&create.AccountID, acct)
	set(&create.Name, "Acme")
	set(&create.AuthDomain, "acme.cloudflareaccess.com")
	set(&create.SessionDuration, "24h")
	set(&create.WARPAuthSessionDuration, "90m")
	set(&create.AllowAuthenticateViaWARP, true)
	set(&create.DenyUnmatchedRequestsExemptedZoneNames, []string{"example.com"})
	var design zero_trust.LoginDesignParam
	set(&design.HeaderText, "Welcome")
	set(&design.TextColor, "#c5ed1b")
	set(&create.LoginDesign, design)
	st = status{}
	got, err := orgs.New(ctx, create, st.opt())
	wantOK(t, "New", err, &st, 201)
	want := zero_trust.Organization{
		Name: "Acme", AuthDomain: "acme.cloudflareaccess.com", SessionDuration: "24h",
		WARPAuthSessionDuration: "90m", AllowAuthenticateViaWARP: true,
		DenyUnmatchedRequestsExemptedZoneNames: []string{"example.com"},
		LoginDesign:                            zero_trust.LoginDesign{HeaderText: "Welcome", TextColor: "#c5ed1b"},
	}
	if diff := cmp.Diff(want, *got, ignoreJSON); diff != "" {
		t.Errorf("New result (-want +got):\n%s", diff)
	}
	if _, ok := got.JSON.ExtraFields["created_at"]; !ok {
		t.Errorf("New result: created_at not among the SDK's extra fields: %s", got.JSON.RawJSON())
	}

	st = status{}
	_, err = orgs.New(ctx, create, st.opt())
	wantAPIError(t, "New again", err, &st, 409, "access.api.error.conflict")

	st = status{}
	got, err = orgs.List(ctx, listAccount(), st.opt())
	wantOK(t, "List", err, &st, 200)
	if diff := cmp.Diff(want, *got, ignoreJSON); diff != "" {
		t.Errorf("List result (-want +got):\n%s", diff)
	}

	var update zero_trust.OrganizationUpdateParams
	set(&update.AccountID, acct)
	set(&update.Name, "Acme 2")
	set(&update.AuthDomain, "acme.cloudflareaccess.com")
	set(&update.SessionDuration, "12h")
	set(&update.AutoRedirectToIdentity, true)
	set(&update.IsUIReadOnly, true)
	set(&update.UIReadOnlyToggleReason, "managed by ztsync")
	set(&update.UserSeatExpirationInactiveTime, "1460h")
	set(&update.DenyUnmatchedRequests, true)
	var pages zero_trust.OrganizationUpdateParamsCustomPages
	set(&pages.Forbidden, "699d98642c564d2e855e9661899b7252")
	set(&update.CustomPages, pages)
	st = status{}
	got, err = orgs.Update(ctx, update, st.opt())
	wantOK(t, "Update", err, &st, 200)
	want = zero_trust.Organization{
		Name: "Acme 2", AuthDomain: "acme.cloudflareaccess.com", SessionDuration: "12h",
		AutoRedirectToIdentity: true, IsUIReadOnly: true, UIReadOnlyToggleReason: "managed by ztsync",
		UserSeatExpirationInactiveTime: "1460h", DenyUnmatchedRequests: true,
		CustomPages: zero_trust.OrganizationCustomPages{Forbidden: "699d98642c564d2e855e9661899b7252"},
	}
	if diff := cmp.Diff(want, *got, ignoreJSON); diff != "" {
		t.Errorf("Update result (full replace) (-want +got):\n%s", diff)
	}

	// A PUT with one field resets the rest; the SDK reads the omitted
	// false auto_redirect_to_identity and missing custom_pages as zero.
	var minimal zero_trust.OrganizationUpdateParams
	set(&minimal.AccountID, acct)
	set(&minimal.Name, "Acme 3")
	st = status{}
	_, err = orgs.Update(ctx, minimal, st.opt())
	wantOK(t, "Update with one field", err, &st, 200)
	st = status{}
	got, err = orgs.List(ctx, listAccount(), st.opt())
	wantOK(t, "List after reset", err, &st, 200)
	if diff := cmp.Diff(zero_trust.Organization{Name: "Acme 3"}, *got, ignoreJSON); diff != "" {
		t.Errorf("List after reset (-want +got):\n%s", diff)
	}

	var bad zero_trust.OrganizationUpdateParams
	set(&bad.AccountID, acct)
	set(&bad.SessionDuration, "3x")
	st = status{}
	_, err = orgs.Update(ctx, bad, st.opt())
	wantAPIError(t, "Update with a bad duration", err, &st, 400, "session_duration")

	var doh zero_trust.OrganizationDOHUpdateParams
	set(&doh.AccountID, acct)
	set(&doh.DOHJWTDuration, "800h")
	set(&doh.ServiceTokenID, "3a4b5c6d-0000-4000-8000-000000000001")
	st = status{}
	dohGot, err := orgs.DOH.Update(ctx, doh, st.opt())
	wantOK(t, "DOH.Update", err, &st, 201)
	if dohGot.DOHJWTDuration != "800h" || dohGot.ID != "3a4b5c6d-0000-4000-8000-000000000001" {
		t.Errorf("DOH.Update result: %s", dohGot.JSON.RawJSON())
	}

	expires := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	stored, _ := srv.DoH(acct)
	stored["client_id"] = "88bf3b6d86161464f6509f7219099e57.access"
	stored["name"] = "doh"
	stored["duration"] = "8760h"
	stored["expires_at"] = expires.Format(time.RFC3339)
	srv.SetDoH(acct, stored)
	st = status{}
	dohRead, err := orgs.DOH.Get(ctx, dohAccount(), st.opt())
	wantOK(t, "DOH.Get", err, &st, 200)
	wantDoH := zero_trust.OrganizationDOHGetResponse{
		ID: "3a4b5c6d-0000-4000-8000-000000000001", ClientID: "88bf3b6d86161464f6509f7219099e57.access",
		DOHJWTDuration: "800h", Duration: "8760h", ExpiresAt: expires, Name: "doh",
	}
	if diff := cmp.Diff(wantDoH, *dohRead, cmpopts.IgnoreFields(zero_trust.OrganizationDOHGetResponse{}, "JSON")); diff != "" {
		t.Errorf("DOH.Get result (-want +got):\n%s", diff)
	}

	var revoke zero_trust.OrganizationRevokeUsersParams
	set(&revoke.AccountID, acct)
	set(&revoke.Email, "leaver@example.com")
	set(&revoke.QueryDevices, true)
	set(&revoke.BodyDevices, true)
	set(&revoke.UserUID, "699d98642c564d2e855e9661899b7252")
	set(&revoke.WARPSessionReauth, true)
	st = status{}
	res, err := orgs.RevokeUsers(ctx, revoke, st.opt())
	wantOK(t, "RevokeUsers", err, &st, 200)
	if res == nil || !bool(*res) {
		t.Errorf("RevokeUsers result %v, want true", res)
	}
	wantRev := []emulator.Revocation{{Scope: "accounts/" + acct, Email: "leaver@example.com", Devices: true,
		UserUID: "699d98642c564d2e855e9661899b7252", WarpSessionReauth: true, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	if diff := cmp.Diff(wantRev, srv.Revocations()); diff != "" {
		t.Errorf("revocations (-want +got):\n%s", diff)
	}

	var noEmail zero_trust.OrganizationRevokeUsersParams
	set(&noEmail.AccountID, acct)
	st = status{}
	_, err = orgs.RevokeUsers(ctx, noEmail, st.opt())
	wantAPIError(t, "RevokeUsers without email", err, &st, 400, "email")
}

func TestZoneScope(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	orgs := sdk(t, srv, token)
	ctx := t.Context()
	zoneID := func() (p zero_trust.OrganizationListParams) { set(&p.ZoneID, zone); return p }

	var st status
	_, err := orgs.List(ctx, zoneID(), st.opt())
	wantAPIError(t, "List without organization", err, &st, 404, "access.api.error.not_found")

	var revokeMissing zero_trust.OrganizationRevokeUsersParams
	set(&revokeMissing.ZoneID, zone)
	set(&revokeMissing.Email, "a@example.com")
	st = status{}
	_, err = orgs.RevokeUsers(ctx, revokeMissing, st.opt())
	wantAPIError(t, "RevokeUsers without organization", err, &st, 404, "access.api.error.not_found")

	var create zero_trust.OrganizationNewParams
	set(&create.ZoneID, zone)
	set(&create.Name, "Shop")
	set(&create.AuthDomain, "shop.cloudflareaccess.com")
	set(&create.IsUIReadOnly, true)
	set(&create.UserSeatExpirationInactiveTime, "730h")
	st = status{}
	got, err := orgs.New(ctx, create, st.opt())
	wantOK(t, "New", err, &st, 201)
	want := zero_trust.Organization{Name: "Shop", AuthDomain: "shop.cloudflareaccess.com", IsUIReadOnly: true,
		UserSeatExpirationInactiveTime: "730h"}
	if diff := cmp.Diff(want, *got, ignoreJSON); diff != "" {
		t.Errorf("New result (-want +got):\n%s", diff)
	}

	// deny_unmatched_requests and its exempted names are response-only at
	// zone scope (the OpenAPI zone request bodies lack them).
	var denied zero_trust.OrganizationUpdateParams
	set(&denied.ZoneID, zone)
	set(&denied.Name, "Shop 2")
	set(&denied.DenyUnmatchedRequests, true)
	set(&denied.DenyUnmatchedRequestsExemptedZoneNames, []string{"shop.example"})
	st = status{}
	_, err = orgs.Update(ctx, denied, st.opt())
	wantAPIError(t, "Update with a zone response-only field", err, &st, 400, "deny_unmatched_requests: response-only")

	// The zone stores them (seeded) and returns them.
	stored, _ := srv.Organization(schema.KindZone, zone)
	stored["deny_unmatched_requests"] = true
	stored["deny_unmatched_requests_exempted_zone_names"] = []any{"shop.example"}
	srv.SetOrganization(schema.KindZone, zone, stored)

	var update zero_trust.OrganizationUpdateParams
	set(&update.ZoneID, zone)
	set(&update.Name, "Shop 2")
	set(&update.AuthDomain, "shop.cloudflareaccess.com")
	var design zero_trust.LoginDesignParam
	set(&design.FooterText, "bye")
	set(&update.LoginDesign, design)
	st = status{}
	got, err = orgs.Update(ctx, update, st.opt())
	wantOK(t, "Update", err, &st, 200)
	want = zero_trust.Organization{Name: "Shop 2", AuthDomain: "shop.cloudflareaccess.com", DenyUnmatchedRequests: true,
		DenyUnmatchedRequestsExemptedZoneNames: []string{"shop.example"}, LoginDesign: zero_trust.LoginDesign{FooterText: "bye"}}
	if diff := cmp.Diff(want, *got, ignoreJSON); diff != "" {
		t.Errorf("Update result (-want +got):\n%s", diff)
	}

	st = status{}
	got, err = orgs.List(ctx, zoneID(), st.opt())
	wantOK(t, "List", err, &st, 200)
	if diff := cmp.Diff(want, *got, ignoreJSON); diff != "" {
		t.Errorf("List result (-want +got):\n%s", diff)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(got.JSON.RawJSON()), &raw); err != nil {
		t.Fatal(err)
	}
	for k := range raw {
		if f, ok := schema.Lookup(k); !ok || f.At(schema.KindZone) == schema.Absent {
			t.Errorf("zone answer has the field %q, which the zone API does not return", k)
		}
	}

	var accountOnly zero_trust.OrganizationUpdateParams
	set(&accountOnly.ZoneID, zone)
	set(&accountOnly.SessionDuration, "1h")
	st = status{}
	_, err = orgs.Update(ctx, accountOnly, st.opt())
	wantAPIError(t, "Update with an account-only field", err, &st, 400, "session_duration: not accepted at zone scope")

	var revoke zero_trust.OrganizationRevokeUsersParams
	set(&revoke.ZoneID, zone)
	set(&revoke.Email, "leaver@example.com")
	st = status{}
	res, err := orgs.RevokeUsers(ctx, revoke, st.opt())
	wantOK(t, "RevokeUsers", err, &st, 200)
	if res == nil || !bool(*res) {
		t.Errorf("RevokeUsers result %v, want true", res)
	}

	// The zone revoke_user body takes the email only.
	for name, p := range map[string]func(*zero_trust.OrganizationRevokeUsersParams){
		"devices":             func(p *zero_trust.OrganizationRevokeUsersParams) { set(&p.BodyDevices, true) },
		"warp_session_reauth": func(p *zero_trust.OrganizationRevokeUsersParams) { set(&p.WARPSessionReauth, true) },
		"user_uid": func(p *zero_trust.OrganizationRevokeUsersParams) {
			set(&p.UserUID, "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4")
		},
		"devices query": func(p *zero_trust.OrganizationRevokeUsersParams) { set(&p.QueryDevices, true) },
	} {
		var r zero_trust.OrganizationRevokeUsersParams
		set(&r.ZoneID, zone)
		set(&r.Email, "other@example.com")
		p(&r)
		st = status{}
		_, err := orgs.RevokeUsers(ctx, r, st.opt())
		wantAPIError(t, "zone RevokeUsers with "+name, err, &st, 400, "not accepted at zone scope")
	}
	if n := len(srv.Revocations()); n != 1 {
		t.Errorf("%d revocations recorded, want the email-only one", n)
	}
}

// setNull sets an SDK request field to an explicit JSON null, as the SDK's
// cloudflare.Null does.
func setNull(field any) {
	v := reflect.ValueOf(field).Elem()
	v.FieldByName("Null").SetBool(true)
	v.FieldByName("Present").SetBool(true)
}

// TestMFAAndClearing: the MFA settings round-trip through the SDK at
// account scope, an explicit null clears a field, and response-only
// fields are refused in a request.
func TestMFAAndClearing(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	orgs := sdk(t, srv, token)
	ctx := t.Context()

	var create zero_trust.OrganizationNewParams
	set(&create.AccountID, acct)
	set(&create.Name, "Acme")
	set(&create.AuthDomain, "acme.cloudflareaccess.com")
	set(&create.SessionDuration, "24h")
	set(&create.MfaRequiredForAllApps, true)
	var mfa zero_trust.OrganizationNewParamsMfaConfig
	set(&mfa.AllowedAuthenticators, []zero_trust.OrganizationNewParamsMfaConfigAllowedAuthenticator{"totp", "security_key"})
	set(&mfa.SessionDuration, "12h")
	set(&mfa.AmrMatchingSessionDuration, "30m")
	set(&mfa.RequiredAaguids, "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4")
	set(&create.MfaConfig, mfa)
	st := status{}
	got, err := orgs.New(ctx, create, st.opt())
	wantOK(t, "New with MFA", err, &st, 201)
	wantMFA := zero_trust.OrganizationMfaConfig{
		AllowedAuthenticators: []zero_trust.OrganizationMfaConfigAllowedAuthenticator{"totp", "security_key"},
		SessionDuration:       "12h", AmrMatchingSessionDuration: "30m", RequiredAaguids: "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4",
	}
	if diff := cmp.Diff(wantMFA, got.MfaConfig, ignoreJSON, cmpopts.IgnoreFields(zero_trust.OrganizationMfaConfig{}, "JSON")); diff != "" || !got.MfaRequiredForAllApps {
		t.Errorf("New MFA result (-want +got):\n%s (mfa_required_for_all_apps %v)", diff, got.MfaRequiredForAllApps)
	}

	// An MFA session in seconds is refused (minutes and hours only).
	var badMFA zero_trust.OrganizationUpdateParams
	set(&badMFA.AccountID, acct)
	var bm zero_trust.OrganizationUpdateParamsMfaConfig
	set(&bm.SessionDuration, "90s")
	set(&badMFA.MfaConfig, bm)
	st = status{}
	_, err = orgs.Update(ctx, badMFA, st.opt())
	wantAPIError(t, "Update with an MFA session in seconds", err, &st, 400, "mfa_config.session_duration")

	// null clears: the stored field is removed.
	var clear zero_trust.OrganizationUpdateParams
	set(&clear.AccountID, acct)
	set(&clear.Name, "Acme")
	set(&clear.AuthDomain, "acme.cloudflareaccess.com")
	setNull(&clear.SessionDuration)
	setNull(&clear.MfaConfig)
	st = status{}
	got, err = orgs.Update(ctx, clear, st.opt())
	wantOK(t, "Update with nulls", err, &st, 200)
	if got.SessionDuration != "" || len(got.MfaConfig.AllowedAuthenticators) != 0 {
		t.Errorf("null did not clear: %s", got.JSON.RawJSON())
	}
	var body map[string]any
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	body = last.Body
	if v, ok := body["session_duration"]; !ok || v != nil {
		t.Errorf("the SDK's PUT did not carry session_duration null: %v", body)
	}
	stored, _ := srv.Organization(schema.KindAccount, acct)
	if _, ok := stored["session_duration"]; ok {
		t.Errorf("stored organization still has session_duration: %v", stored)
	}

	// Response-only fields are refused in a request.
	srv.SetOrganization(schema.KindAccount, acct, schema.Object{"name": "Acme", "auth_domain": "acme.cloudflareaccess.com", "cache_device_posture": true})
	var echo zero_trust.OrganizationUpdateParams
	set(&echo.AccountID, acct)
	set(&echo.Name, "Acme")
	st = status{}
	_, err = orgs.Update(ctx, echo, st.opt(), option.WithJSONSet("cache_device_posture", true))
	wantAPIError(t, "Update echoing a response-only field", err, &st, 400, "cache_device_posture: response-only")
	st = status{}
	got, err = orgs.List(ctx, listAccount(), st.opt())
	wantOK(t, "List", err, &st, 200)
	if _, ok := got.JSON.ExtraFields["cache_device_posture"]; !ok {
		t.Errorf("a response-only field is not returned: %s", got.JSON.RawJSON())
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.SetOrganization(schema.KindAccount, acct, schema.Object{"name": "Acme", "auth_domain": "acme.cloudflareaccess.com"})
	var st status
	_, err := sdk(t, srv, "wrong-token").List(t.Context(), listAccount(), st.opt())
	wantAPIError(t, "List with a wrong token", err, &st, 403, "Authentication error")

	keyed := zero_trust.NewOrganizationService(
		option.WithBaseURL(srv.URL+"/"),
		option.WithAPIEmail("ops@example.com"),
		option.WithAPIKey(token),
		option.WithMaxRetries(0),
		option.WithHTTPClient(srv.Client()),
	)
	st = status{}
	got, err := keyed.List(t.Context(), listAccount(), st.opt())
	wantOK(t, "List with email and key", err, &st, 200)
	if got.Name != "Acme" {
		t.Errorf("List with email and key: name %q", got.Name)
	}
}

// TestUndocumentedFields checks the SDK keeps what the emulator returns
// beyond its model (a real GET has cache_device_posture and others).
func TestUndocumentedFields(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.SetOrganization(schema.KindAccount, acct, schema.Object{
		"name": "Acme", "auth_domain": "acme.cloudflareaccess.com",
		"cache_device_posture": true, "has_migrated_private_apps": true,
		"mfa_config": map[string]any{"allowed_authenticators": []any{"totp"}, "session_duration": "24h"},
	})
	var st status
	got, err := sdk(t, srv, token).List(t.Context(), listAccount(), st.opt())
	wantOK(t, "List", err, &st, 200)
	for _, k := range []string{"cache_device_posture", "has_migrated_private_apps"} {
		if _, ok := got.JSON.ExtraFields[k]; !ok {
			t.Errorf("%s missing from the SDK's extra fields: %s", k, got.JSON.RawJSON())
		}
	}
	if got.MfaConfig.SessionDuration != "24h" || len(got.MfaConfig.AllowedAuthenticators) != 1 {
		t.Errorf("mfa_config not parsed: %+v", got.MfaConfig)
	}
}

func listAccount() (p zero_trust.OrganizationListParams) {
	set(&p.AccountID, acct)
	return p
}

func dohAccount() (p zero_trust.OrganizationDOHGetParams) {
	set(&p.AccountID, acct)
	return p
}

// TestFaultsReachTheSDK checks the injected faults are visible to an
// independent client: a malformed body fails to parse, a 5xx and a 429 are
// API errors, a dropped connection is a transport error.
func TestFaultsReachTheSDK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  emulator.Fault
		status int
	}{
		{"malformed", emulator.Fault{Kind: emulator.Malformed}, 200},
		{"server error", emulator.Fault{Kind: emulator.ServerError, Status: 502}, 502},
		{"rate limit", emulator.Fault{Kind: emulator.RateLimit, RetryAfter: "1"}, 429},
		{"drop", emulator.Fault{Kind: emulator.Drop}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.SetOrganization(schema.KindAccount, acct, schema.Object{"name": "Acme"})
			srv.InjectFault(tt.fault)
			var st status
			_, err := sdk(t, srv, token).List(t.Context(), listAccount(), st.opt())
			if err == nil {
				t.Fatalf("no SDK error")
			}
			if st.code() != tt.status {
				t.Errorf("HTTP %d, want %d (%v)", st.code(), tt.status, err)
			}
			st = status{}
			got, err := sdk(t, srv, token).List(t.Context(), listAccount(), st.opt())
			wantOK(t, "List after the fault", err, &st, 200)
			if got.Name != "Acme" {
				t.Errorf("name %q", got.Name)
			}
		})
	}
}
