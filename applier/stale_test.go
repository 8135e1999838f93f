package applier_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

func TestCheckStale(t *testing.T) {
	t.Parallel()
	createCfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{
		"name": "A", "auth_domain": "a.cloudflareaccess.com",
	}}}}
	tests := []struct {
		name    string
		cfg     *schema.Config
		seed    bool
		change  func(t *testing.T, e *env)
		want    []applier.StaleResource
		wantMsg string
	}{
		{
			name: "fresh", cfg: twoAccounts(), seed: true,
			change: func(*testing.T, *env) {},
		},
		{
			name: "managed and unmanaged fields changed", cfg: twoAccounts(), seed: true,
			change: func(t *testing.T, e *env) {
				o := liveOrg(t, "a")
				o["session_duration"] = "36h"          // managed, in the diff
				o["warp_auth_session_duration"] = "1h" // unmanaged
				o["login_design"].(map[string]any)["text_color"] = "#111111"
				o["mfa_required_for_all_apps"] = true // unmanaged, writable
				o["future_thing"] = "x"               // unknown: never sent, not named
				e.srv.SetOrganization(schema.KindAccount, idA, o)
			},
			want: []applier.StaleResource{{
				Address: "account/a/organization", Detail: "changed",
				Fields: []string{"login_design.text_color", "mfa_required_for_all_apps", "session_duration", "warp_auth_session_duration"},
			}},
			wantMsg: "plan is stale: account/a/organization changed (login_design.text_color, mfa_required_for_all_apps, session_duration, warp_auth_session_duration); run plan again",
		},
		{
			name: "only updated_at moved", cfg: twoAccounts(), seed: true,
			change: func(t *testing.T, e *env) {
				o := liveOrg(t, "b")
				o["updated_at"] = "2026-11-22T11:00:00Z"
				e.srv.SetOrganization(schema.KindAccount, idB, o)
			},
			want:    []applier.StaleResource{{Address: "account/b/organization", Detail: "changed"}},
			wantMsg: "plan is stale: account/b/organization changed; run plan again",
		},
		{
			name: "DoH changed", cfg: twoAccounts(), seed: true,
			change: func(t *testing.T, e *env) {
				e.srv.SetDoH(idA, obj(t, `{"doh_jwt_duration": "48h", "id": "99999999-2222-3333-4444-555555555555"}`))
			},
			want: []applier.StaleResource{{Address: "account/a/doh", Detail: "changed", Fields: []string{"doh_jwt_duration", "service_token_id"}}},
		},
		{
			name: "organization deleted", cfg: twoAccounts(), seed: true,
			change: func(t *testing.T, e *env) { e.srv.SetOrganization(schema.KindAccount, idA, nil) },
			want: []applier.StaleResource{
				{Address: "account/a/organization", Detail: "no longer exists"},
				{Address: "account/a/doh", Detail: "no longer exists"},
			},
		},
		{
			name: "created by someone else", cfg: createCfg,
			change: func(t *testing.T, e *env) { e.srv.SetOrganization(schema.KindAccount, idA, liveOrg(t, "a")) },
			want:   []applier.StaleResource{{Address: "account/a/organization", Detail: "was created"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tt.seed {
				seedTwoAccounts(t, e)
			}
			p := e.plan(t, tt.cfg, withRevocations)
			tt.change(t, e)
			e.srv.ResetRequests()
			err := applier.CheckStale(t.Context(), e.client, p, 2)
			if w := e.writes(); w != 0 {
				t.Errorf("CheckStale wrote %d times", w)
			}
			if n := e.srv.Count("POST", "revoke_user"); n != 0 {
				t.Errorf("CheckStale revoked")
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckStale: %v", err)
				}
				return
			}
			var se *applier.StaleError
			if !errors.As(err, &se) {
				t.Fatalf("CheckStale error = %v, want *StaleError", err)
			}
			if diff := cmp.Diff(tt.want, se.Resources); diff != "" {
				t.Errorf("stale resources (-want +got):\n%s", diff)
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("message = %q\nwant      %q", err, tt.wantMsg)
			}
		})
	}
}

func TestCheckStaleReadFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedTwoAccounts(t, e)
	p := e.plan(t, twoAccounts(), planner.Options{})
	e.srv.InjectFault(emulator.Fault{Method: "GET", PathContains: idB, Kind: emulator.ServerError, Count: 100})
	err := applier.CheckStale(t.Context(), e.client, p, 4)
	var se *applier.StaleError
	if err == nil || errors.As(err, &se) {
		t.Fatalf("CheckStale error = %v, want a read error", err)
	}
	if !strings.HasPrefix(err.Error(), "check account/b/organization: GET /accounts/"+idB) {
		t.Errorf("error = %q, want it to name the address and the call", err)
	}
}
