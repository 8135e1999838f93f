package applier_test

import (
	"testing"
	"time"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// TestReasonNotReadBackConverges: against an API that does not return
// ui_read_only_toggle_reason, toggling is_ui_read_only with a reason is
// applied (not "not converged"), the reason is sent, and the next plan has
// no changes instead of diffing the reason forever.
func TestReasonNotReadBackConverges(t *testing.T) {
	t.Parallel()
	srv := emulator.NewServer(t, emulator.Options{Token: token, Unread: []string{"ui_read_only_toggle_reason"}})
	c, err := cfapi.New(cfapi.Options{BaseURL: srv.URL, Token: token, MaxRetries: 1, HTTPClient: srv.Client(),
		Clock: &instantClock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv, client: c}
	srv.SetOrganization(schema.KindAccount, idA, schema.Object{"name": "A", "auth_domain": "a.cloudflareaccess.com"})
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{
		"is_ui_read_only": true, "ui_read_only_toggle_reason": "managed by ztsync",
	}}}}
	p := e.plan(t, cfg, planner.Options{})
	if len(p.Changes) != 1 {
		t.Fatalf("plan: %d changes, want 1", len(p.Changes))
	}
	rep, err := applier.Apply(t.Context(), c, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Results[0].Status; got != applier.Applied {
		t.Fatalf("status %s, want applied (the reason is not read back):\n%s", got, rep)
	}
	stored, _ := srv.Organization(schema.KindAccount, idA)
	if stored["ui_read_only_toggle_reason"] != "managed by ztsync" {
		t.Errorf("the reason was not sent: stored %v", stored)
	}
	if again := e.plan(t, cfg, planner.Options{}); again.HasChanges() {
		t.Errorf("the next plan diffs again: %+v", again.Changes)
	}
	// A reason that changes alone, against an API that does not read it
	// back, is no change either: there is nothing to compare it with.
	cfg.Accounts["a"].Organization["ui_read_only_toggle_reason"] = "still managed by ztsync"
	if again := e.plan(t, cfg, planner.Options{}); again.HasChanges() {
		t.Errorf("a reason alone makes a change: %+v", again.Changes)
	}
}

// TestClearingAField: null in the configuration removes the live value:
// the plan shows it removed, the PUT carries null, and the next plan has
// no changes.
func TestClearingAField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.SetOrganization(schema.KindAccount, idA, schema.Object{"name": "A", "auth_domain": "a.cloudflareaccess.com",
		"user_seat_expiration_inactive_time": "730h", "login_design": map[string]any{"logo_path": "/logo.png", "header_text": "Hi"}})
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{
		"user_seat_expiration_inactive_time": nil, "login_design": map[string]any{"logo_path": nil},
	}}}}
	p := e.plan(t, cfg, planner.Options{})
	if len(p.Changes) != 1 || len(p.Changes[0].Diff) != 2 || p.Changes[0].Diff[0].After != nil || p.Changes[0].Diff[1].After != nil {
		t.Fatalf("plan does not remove both fields: %+v", p.Changes)
	}
	if v, ok := p.Changes[0].Body["user_seat_expiration_inactive_time"]; !ok || v != nil {
		t.Errorf("PUT body does not carry null: %v", p.Changes[0].Body)
	}
	rep, err := applier.Apply(t.Context(), e.client, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Results[0].Status; got != applier.Applied {
		t.Fatalf("status %s:\n%s", got, rep)
	}
	stored, _ := e.srv.Organization(schema.KindAccount, idA)
	if _, ok := stored["user_seat_expiration_inactive_time"]; ok {
		t.Errorf("not cleared: %v", stored)
	}
	if ld := stored["login_design"].(map[string]any); ld["header_text"] != "Hi" || ld["logo_path"] != nil || len(ld) != 1 {
		t.Errorf("login_design = %v, want header_text kept and logo_path gone", ld)
	}
	if again := e.plan(t, cfg, planner.Options{}); again.HasChanges() {
		t.Errorf("the next plan is not empty: %+v", again.Changes)
	}
}
