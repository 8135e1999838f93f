package cfapi_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/schema"
)

// newEmulator starts an emulator requiring testToken and a client for it.
func newEmulator(t *testing.T, opts ...func(*cfapi.Options)) (*emulator.Server, *cfapi.Client, *fakeClock) {
	t.Helper()
	srv := emulator.NewServer(t, emulator.Options{Token: testToken})
	c, clock := newClient(t, srv.URL, opts...)
	return srv, c, clock
}

// TestEmulatorLifecycle drives every endpoint at both scopes over HTTP.
func TestEmulatorLifecycle(t *testing.T) {
	for _, s := range []schema.Scope{account, zone} {
		t.Run(string(s.Kind), func(t *testing.T) {
			srv, c, _ := newEmulator(t)
			ctx := t.Context()

			if _, err := c.GetOrganization(ctx, s); !errors.Is(err, cfapi.ErrNotFound) {
				t.Fatalf("GetOrganization before create: err = %v, want ErrNotFound", err)
			}
			created, err := c.CreateOrganization(ctx, s, orgBody)
			if err != nil {
				t.Fatalf("CreateOrganization: %v", err)
			}
			if created["name"] != "Acme" || created["auth_domain"] != "acme.cloudflareaccess.com" {
				t.Errorf("CreateOrganization = %v", created)
			}
			_, err = c.CreateOrganization(ctx, s, orgBody)
			var apiErr *cfapi.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || errors.Is(err, cfapi.ErrAmbiguous) {
				t.Errorf("second CreateOrganization: err = %v, want a plain 409", err)
			}

			got, err := c.GetOrganization(ctx, s)
			if err != nil {
				t.Fatalf("GetOrganization: %v", err)
			}
			body := schema.Object{}
			for k, v := range got {
				if schema.Writable(s.Kind, k) {
					body[k] = v
				}
			}
			body["name"] = "Acme Renamed"
			body["is_ui_read_only"] = true
			updated, err := c.UpdateOrganization(ctx, s, body)
			if err != nil {
				t.Fatalf("UpdateOrganization: %v", err)
			}
			again, err := c.GetOrganization(ctx, s)
			if err != nil {
				t.Fatalf("GetOrganization after update: %v", err)
			}
			if diff := cmp.Diff(updated, again); diff != "" {
				t.Errorf("GET after PUT differs from the PUT's answer (-put +get):\n%s", diff)
			}
			if again["name"] != "Acme Renamed" || again["is_ui_read_only"] != true {
				t.Errorf("after update: %v", again)
			}

			if err := c.RevokeUser(ctx, s, schema.Revocation{Devices: true}.Body(s.Kind, "eve@example.com")); err != nil {
				t.Fatalf("RevokeUser: %v", err)
			}
			revs := srv.Revocations()
			// The zone API takes the email only: devices are revoked at
			// account scope.
			if len(revs) != 1 || revs[0].Email != "eve@example.com" || revs[0].Devices != (s.Kind == schema.KindAccount) {
				t.Errorf("Revocations = %+v", revs)
			}

			if s.Kind == schema.KindAccount {
				doh, err := c.UpdateDoH(ctx, s, schema.Object{"doh_jwt_duration": "800h"})
				if err != nil {
					t.Fatalf("UpdateDoH: %v", err)
				}
				if doh["doh_jwt_duration"] != "800h" {
					t.Errorf("UpdateDoH = %v", doh)
				}
				got, err := c.GetDoH(ctx, s)
				if err != nil {
					t.Fatalf("GetDoH: %v", err)
				}
				if diff := cmp.Diff(doh, got); diff != "" {
					t.Errorf("GetDoH mismatch (-put +get):\n%s", diff)
				}
			} else {
				n := len(srv.Requests())
				if _, err := c.GetDoH(ctx, s); err == nil {
					t.Error("GetDoH at zone scope: no error")
				}
				if _, err := c.UpdateDoH(ctx, s, schema.Object{}); err == nil {
					t.Error("UpdateDoH at zone scope: no error")
				}
				if len(srv.Requests()) != n {
					t.Error("zone DoH calls reached the server")
				}
			}
		})
	}
}

func TestEmulatorDoHWithoutOrganization(t *testing.T) {
	_, c, _ := newEmulator(t)
	if _, err := c.GetDoH(t.Context(), account); !errors.Is(err, cfapi.ErrNotFound) {
		t.Errorf("GetDoH: err = %v, want ErrNotFound", err)
	}
}

func TestEmulatorAuth(t *testing.T) {
	srv := emulator.NewServer(t, emulator.Options{Token: testKey})
	srv.SetOrganization(schema.KindAccount, account.ID, orgBody)

	ok, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Token, o.APIKey, o.Email = "", testKey, testEmail })
	if _, err := ok.GetOrganization(t.Context(), account); err != nil {
		t.Errorf("key and email: %v", err)
	}

	bad, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.Token = "wrong-token" })
	_, err := bad.GetOrganization(t.Context(), account)
	var apiErr *cfapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 403 || len(apiErr.Errors) == 0 || apiErr.Errors[0].Code != 10000 {
		t.Fatalf("wrong token: err = %v, want 403 with code 10000", err)
	}
	if errors.Is(err, cfapi.ErrNotFound) {
		t.Error("an auth error matches ErrNotFound")
	}
	if got := bad.Stats().Requests["GET"]; got != 1 {
		t.Errorf("attempts = %d, want 1 (403 is not retried)", got)
	}
}

func TestEmulatorValidationError(t *testing.T) {
	srv, c, _ := newEmulator(t)
	srv.SetOrganization(schema.KindAccount, account.ID, orgBody)
	_, err := c.UpdateOrganization(t.Context(), account, schema.Object{"name": 42})
	var apiErr *cfapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 400 || len(apiErr.Errors) == 0 {
		t.Fatalf("err = %v, want a 400 with errors", err)
	}
	t.Logf("emulator 400: %v", err)
}

// TestEmulatorFaults runs the client's retry rules against the emulator's
// injected faults.
func TestEmulatorFaults(t *testing.T) {
	tests := []struct {
		name      string
		fault     emulator.Fault
		call      call
		wantErr   func(error) bool // nil: success
		wantCalls int              // requests the emulator saw
		wantWaits []time.Duration
	}{
		{
			name:      "429 Retry-After twice, GET",
			fault:     emulator.Fault{Kind: emulator.RateLimit, RetryAfter: "2", Count: 2},
			call:      getOrg,
			wantCalls: 3,
			wantWaits: []time.Duration{2 * time.Second, 2 * time.Second},
		},
		{
			name:      "429 without Retry-After, POST create",
			fault:     emulator.Fault{Kind: emulator.RateLimit, Method: "POST"},
			call:      createZoneOrg,
			wantCalls: 2,
			wantWaits: []time.Duration{time.Second},
		},
		{
			name:      "503 on PUT",
			fault:     emulator.Fault{Kind: emulator.ServerError, Status: 503, Method: "PUT"},
			call:      updateOrg,
			wantCalls: 2,
			wantWaits: []time.Duration{time.Second},
		},
		{
			name:      "dropped GET",
			fault:     emulator.Fault{Kind: emulator.Drop, Count: 3},
			call:      getOrg,
			wantCalls: 4,
			wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
		},
		{
			name:      "dropped revoke",
			fault:     emulator.Fault{Kind: emulator.Drop, PathContains: "revoke_user"},
			call:      revoke,
			wantCalls: 2,
			wantWaits: []time.Duration{time.Second},
		},
		{
			name:      "500 on POST create is ambiguous",
			fault:     emulator.Fault{Kind: emulator.ServerError, Method: "POST"},
			call:      createZoneOrg,
			wantErr:   func(err error) bool { return errors.Is(err, cfapi.ErrAmbiguous) },
			wantCalls: 1,
		},
		{
			name:      "create applied then dropped is ambiguous",
			fault:     emulator.Fault{Kind: emulator.DropAfterApply, Method: "POST"},
			call:      createZoneOrg,
			wantErr:   func(err error) bool { return errors.Is(err, cfapi.ErrAmbiguous) },
			wantCalls: 1,
		},
		{
			name:      "success false",
			fault:     emulator.Fault{Kind: emulator.SuccessFalse},
			call:      updateOrg,
			wantErr:   func(err error) bool { var e *cfapi.APIError; return errors.As(err, &e) && e.Status == 200 },
			wantCalls: 1,
		},
		{
			name:      "malformed",
			fault:     emulator.Fault{Kind: emulator.Malformed},
			call:      getOrg,
			wantErr:   func(err error) bool { var e *cfapi.APIError; return errors.As(err, &e) && e.Body != "" },
			wantCalls: 1,
		},
		{
			name:      "503 forever: MaxRetries",
			fault:     emulator.Fault{Kind: emulator.ServerError, Status: 503, Count: 100},
			call:      getOrg,
			wantErr:   func(err error) bool { var e *cfapi.APIError; return errors.As(err, &e) && e.Status == 503 },
			wantCalls: 5,
			wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, clock := newEmulator(t)
			srv.SetOrganization(schema.KindAccount, account.ID, orgBody)
			srv.SetOrganization(schema.KindZone, zone.ID, orgBody)
			srv.InjectFault(tt.fault)
			err := tt.call.do(t.Context(), c)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("err = %v, want success", err)
			case tt.wantErr != nil && !tt.wantErr(err):
				t.Errorf("err = %v, not the error wanted", err)
			}
			if got := len(srv.Requests()); got != tt.wantCalls {
				t.Errorf("requests = %d, want %d", got, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.wantWaits, clock.Slept()); diff != "" {
				t.Errorf("waits mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// createZoneOrg creates the organization of a zone that has none.
var createZoneOrg = call{"POST create (fresh zone)", func(ctx context.Context, c *cfapi.Client) error {
	fresh := schema.Scope{Kind: schema.KindZone, Name: "new", ID: "00000000000000000000000000000abc"}
	_, err := c.CreateOrganization(ctx, fresh, orgBody)
	return err
}}

// TestEmulatorAmbiguousCreateThenGet is the applier's recovery: after an
// ambiguous create, a GET shows whether it happened.
func TestEmulatorAmbiguousCreateThenGet(t *testing.T) {
	srv, c, _ := newEmulator(t)
	srv.InjectFault(emulator.Fault{Kind: emulator.DropAfterApply, Method: "POST"})
	_, err := c.CreateOrganization(t.Context(), account, orgBody)
	if !errors.Is(err, cfapi.ErrAmbiguous) {
		t.Fatalf("CreateOrganization: err = %v, want ErrAmbiguous", err)
	}
	got, err := c.GetOrganization(t.Context(), account)
	if err != nil {
		t.Fatalf("GetOrganization: %v (the create was applied)", err)
	}
	if got["name"] != "Acme" {
		t.Errorf("GetOrganization = %v", got)
	}
}

// BenchmarkGetOrganization measures one GET through the client and the
// emulator over local HTTP, with 8 goroutines sharing the client.
func BenchmarkGetOrganization(b *testing.B) {
	srv := emulator.NewServer(b, emulator.Options{Token: testToken, Logger: slog.New(slog.DiscardHandler)})
	srv.SetOrganization(schema.KindAccount, account.ID, orgBody)
	c, err := cfapi.New(cfapi.Options{BaseURL: srv.URL, Token: testToken, MaxRetries: 4})
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(4) // 2 cores × 4 = 8 goroutines
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetOrganization(b.Context(), account); err != nil {
				b.Error(err)
				return
			}
		}
	})
	st := c.Stats()
	b.ReportMetric(float64(st.Retries), "retries")
}
