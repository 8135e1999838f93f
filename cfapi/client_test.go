package cfapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/schema"
)

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts cfapi.Options
		want string
	}{
		{"no credentials", cfapi.Options{}, "no credentials: need an API token, or an API key and email"},
		{"email only", cfapi.Options{Email: testEmail}, "no credentials: need an API token, or an API key and email"},
		{"key without email", cfapi.Options{APIKey: testKey}, "an API key needs its account email"},
		{"token with newline", cfapi.Options{Token: testToken + "\n"}, "API token contains characters not allowed in a header (it starts or ends with white space, often a newline pasted with it: trim it)"},
		{"token with inner newline", cfapi.Options{Token: "a\nb"}, "API token contains characters not allowed in a header"},
		// DEL passes a check for control characters below space; net/http
		// would refuse it on every request instead.
		{"token with DEL", cfapi.Options{Token: testToken + "\x7f"}, "API token contains characters not allowed in a header"},
		{"key with space", cfapi.Options{APIKey: testKey + " x", Email: testEmail}, "API key or email contains characters not allowed in a header"},
		{"relative base URL", cfapi.Options{Token: testToken, BaseURL: "/client/v4"}, `invalid base URL "/client/v4": need an absolute http or https URL`},
		{"ftp base URL", cfapi.Options{Token: testToken, BaseURL: "ftp://example.com"}, `invalid base URL "ftp://example.com": need an absolute http or https URL`},
		{"user info", cfapi.Options{Token: testToken, BaseURL: "https://me:" + testToken + "@example.com/client/v4"},
			`invalid base URL "https://REDACTED@example.com/client/v4": user info, query and fragment are not allowed`},
		{"query", cfapi.Options{Token: testToken, BaseURL: "https://example.com/?a=b"}, `invalid base URL "https://example.com/?a=REDACTED": user info, query and fragment are not allowed`},
		{"unparsable", cfapi.Options{Token: testToken, BaseURL: "http://[::1"}, `invalid base URL "http://[::1": missing ']' in host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := cfapi.New(tt.opts); err == nil || err.Error() != tt.want {
				t.Errorf("New: error %v, want %s", err, tt.want)
			}
		})
	}
}

// seen is what the server received.
type seen struct {
	Method, Path, ContentType string
	Auth, Key, Email          string
	Body                      schema.Object
}

func recordingServer(t *testing.T, got *[]seen) *server {
	return newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		b, _ := io.ReadAll(r.Body)
		s := seen{
			Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Auth: r.Header.Get("Authorization"), Key: r.Header.Get("X-Auth-Key"), Email: r.Header.Get("X-Auth-Email"),
		}
		if len(b) > 0 {
			if err := json.Unmarshal(b, &s.Body); err != nil {
				t.Errorf("request body %q: %v", b, err)
			}
		}
		*got = append(*got, s)
		okFor(w, r)
	})
}

func TestAuthHeaders(t *testing.T) {
	tests := []struct {
		name string
		opts cfapi.Options
		want seen
	}{
		{"token", cfapi.Options{Token: testToken}, seen{Auth: "Bearer " + testToken}},
		{"key and email", cfapi.Options{APIKey: testKey, Email: testEmail}, seen{Key: testKey, Email: testEmail}},
		{"token wins over key", cfapi.Options{Token: testToken, APIKey: testKey, Email: testEmail}, seen{Auth: "Bearer " + testToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []seen
			srv := recordingServer(t, &got)
			tt.opts.BaseURL = srv.URL
			c, err := cfapi.New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetOrganization(t.Context(), account); err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Method, want.Path = "GET", "/accounts/"+account.ID+"/access/organizations"
			if diff := cmp.Diff([]seen{want}, got); diff != "" {
				t.Errorf("request mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRequests checks method, path (below a base URL with a path), and body
// of every endpoint at both scopes.
func TestRequests(t *testing.T) {
	var got []seen
	srv := recordingServer(t, &got)
	client, _ := newClient(t, srv.URL+"/client/v4/")
	ctx := t.Context()
	doh := schema.Object{"doh_jwt_duration": "800h", "service_token_id": "tok"}
	rev := schema.Revocation{Devices: true}.Body(schema.KindAccount, "a@example.com")
	for _, s := range []schema.Scope{account, zone} {
		mustObj(t)(client.GetOrganization(ctx, s))
		mustObj(t)(client.CreateOrganization(ctx, s, orgBody))
		mustObj(t)(client.UpdateOrganization(ctx, s, orgBody))
		if err := client.RevokeUser(ctx, s, rev); err != nil {
			t.Fatal(err)
		}
	}
	mustObj(t)(client.GetDoH(ctx, account))
	mustObj(t)(client.UpdateDoH(ctx, account, doh))

	const ctJSON = "application/json"
	a := "/client/v4/accounts/" + account.ID + "/access/organizations"
	z := "/client/v4/zones/" + zone.ID + "/access/organizations"
	auth := "Bearer " + testToken
	want := []seen{
		{Method: "GET", Path: a, Auth: auth},
		{Method: "POST", Path: a, Auth: auth, ContentType: ctJSON, Body: orgBody},
		{Method: "PUT", Path: a, Auth: auth, ContentType: ctJSON, Body: orgBody},
		{Method: "POST", Path: a + "/revoke_user", Auth: auth, ContentType: ctJSON, Body: schema.Object{"email": "a@example.com", "devices": true}},
		{Method: "GET", Path: z, Auth: auth},
		{Method: "POST", Path: z, Auth: auth, ContentType: ctJSON, Body: orgBody},
		{Method: "PUT", Path: z, Auth: auth, ContentType: ctJSON, Body: orgBody},
		{Method: "POST", Path: z + "/revoke_user", Auth: auth, ContentType: ctJSON, Body: schema.Object{"email": "a@example.com", "devices": true}},
		{Method: "GET", Path: a + "/doh", Auth: auth},
		{Method: "PUT", Path: a + "/doh", Auth: auth, ContentType: ctJSON, Body: doh},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
	wantStats := cfapi.Stats{Requests: map[string]int{"GET": 3, "POST": 4, "PUT": 3}}
	if diff := cmp.Diff(wantStats, client.Stats()); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}

func mustObj(t *testing.T) func(schema.Object, error) {
	return func(_ schema.Object, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRefusedWithoutRequest: calls that cannot be right never reach the
// server.
func TestRefusedWithoutRequest(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { okFor(w, r) })
	client, _ := newClient(t, srv.URL)
	bad := schema.Scope{Kind: schema.KindAccount, Name: "x", ID: "../../zones"}
	tests := []struct {
		name string
		do   func(context.Context) error
		want string
	}{
		{"zone DoH get", func(ctx context.Context) error { _, err := client.GetDoH(ctx, zone); return err },
			"zone/shop: DoH settings exist at account scope only"},
		{"zone DoH update", func(ctx context.Context) error {
			_, err := client.UpdateDoH(ctx, zone, schema.Object{})
			return err
		}, "zone/shop: DoH settings exist at account scope only"},
		{"bad id", func(ctx context.Context) error { _, err := client.GetOrganization(ctx, bad); return err },
			`scope "x": id "../../zones" is not 32 lowercase hex characters`},
		{"bad id revoke", func(ctx context.Context) error { return client.RevokeUser(ctx, bad, schema.Object{}) },
			`scope "x": id "../../zones" is not 32 lowercase hex characters`},
		{"nil PUT body", func(ctx context.Context) error { _, err := client.UpdateOrganization(ctx, account, nil); return err },
			"PUT /accounts/" + account.ID + "/access/organizations: no request body"},
		{"nil revoke body", func(ctx context.Context) error { return client.RevokeUser(ctx, account, nil) },
			"POST /accounts/" + account.ID + "/access/organizations/revoke_user: no request body"},
		{"unencodable body", func(ctx context.Context) error {
			_, err := client.CreateOrganization(ctx, account, schema.Object{"x": func() {}})
			return err
		}, "POST /accounts/" + account.ID + "/access/organizations: encode body: json: unsupported type: func()"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do(t.Context())
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
	if srv.requests() != 0 {
		t.Errorf("requests = %d, want 0", srv.requests())
	}
}
