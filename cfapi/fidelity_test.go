package cfapi_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/schema"
)

// TestRevokeSendsDevicesAsQueryToo: an account revocation with devices
// carries ?devices=true as well as the body field; without devices, and at
// zone scope, there is no query.
func TestRevokeSendsDevicesAsQueryToo(t *testing.T) {
	srv, c, _ := newEmulator(t)
	ctx := t.Context()
	for _, s := range []schema.Scope{account, zone} {
		if _, err := c.CreateOrganization(ctx, s, schema.Object{"name": "A", "auth_domain": "a.cloudflareaccess.com"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.RevokeUser(ctx, account, schema.Revocation{Devices: true}.Body(schema.KindAccount, "a@example.com")); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeUser(ctx, account, schema.Revocation{WarpSessionReauth: true}.Body(schema.KindAccount, "b@example.com")); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeUser(ctx, zone, schema.Revocation{Devices: true}.Body(schema.KindZone, "c@example.com")); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Body["email"] != nil {
			got = append(got, r.Body["email"].(string)+" ?"+r.Query.Encode())
		}
	}
	want := []string{"a@example.com ?devices=true", "b@example.com ?", "c@example.com ?"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("revoke queries (-want +got):\n%s", d)
	}
	revs := srv.Revocations()
	if len(revs) != 3 || !revs[0].Devices || revs[1].Devices || revs[2].Devices {
		t.Errorf("revocations = %+v", revs)
	}
}

// TestNoRouteIsNotAbsent: a 404 "No route for the URI" (a wrong base URL)
// fails the read with the API's message; only the Access not-found answer
// means the organization does not exist.
func TestNoRouteIsNotAbsent(t *testing.T) {
	srv, _, _ := newEmulator(t)
	wrong, _ := newClient(t, srv.URL+"/client/v4/wrong")
	_, err := wrong.GetOrganization(t.Context(), account)
	var apiErr *cfapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Fatalf("GET through a wrong base URL: %v, want a 404 APIError", err)
	}
	if errors.Is(err, cfapi.ErrNotFound) || errors.Is(err, schema.ErrNotFound) {
		t.Errorf("a 404 No route counts as a missing organization: %v", err)
	}
	_, right, _ := newEmulator(t)
	if _, err := right.GetOrganization(t.Context(), account); !errors.Is(err, cfapi.ErrNotFound) {
		t.Errorf("the emulator's Access not-found answer: %v, want ErrNotFound", err)
	}
}

// TestDoHNullResultIsEmpty: a DoH GET answering result null means the
// account has no DoH settings.
func TestDoHNullResultIsEmpty(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 200, `{"success":true,"errors":[],"messages":[],"result":null}`)
	})
	c, _ := newClient(t, srv.URL)
	got, err := c.GetDoH(t.Context(), account)
	if err != nil {
		t.Fatalf("GetDoH: %v", err)
	}
	if got == nil || len(got) != 0 {
		t.Errorf("GetDoH = %#v, want an empty object", got)
	}
	// An organization answering null is still a broken answer.
	if _, err := c.GetOrganization(t.Context(), account); err == nil {
		t.Error("GetOrganization accepted a null result")
	}
}
