package applier_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// hooked is a Target over the emulator whose organization reads and
// revocations can be made to fail.
type hooked struct {
	*cfapiClient
	mu        sync.Mutex
	gets      int
	failGet   func(n int) error // the n-th GetOrganization (1-based) fails with it when not nil
	revokeErr error
	revokes   int
}

func (h *hooked) GetOrganization(ctx context.Context, sc schema.Scope) (schema.Object, error) {
	h.mu.Lock()
	h.gets++
	n := h.gets
	h.mu.Unlock()
	if h.failGet != nil {
		if err := h.failGet(n); err != nil {
			return nil, err
		}
	}
	return h.cfapiClient.GetOrganization(ctx, sc)
}

func (h *hooked) RevokeUser(ctx context.Context, sc schema.Scope, body schema.Object) error {
	h.revokes++
	if h.revokeErr != nil {
		return h.revokeErr
	}
	return h.cfapiClient.RevokeUser(ctx, sc, body)
}

var errRead = errors.New("GET: 503 Service Unavailable")

// Every failure on the way is reported for what it is, never as applied.
func TestApplyReportsEachFailure(t *testing.T) {
	t.Parallel()
	update := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA, Organization: schema.Object{"session_duration": "12h"}}}}
	t.Run("revocation fails", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA,
			Revoke: map[string]schema.Revocation{"bob@example.com": {Devices: true}}}}}
		p := e.plan(t, cfg, withRevocations)
		h := &hooked{cfapiClient: e.client, revokeErr: errors.New("POST: 403 Forbidden")}
		r := applyOne(t, h, p, opts())
		if r.Status != applier.Failed || !errors.Is(r.Err, h.revokeErr) || h.revokes != 1 {
			t.Errorf("result = %s %v after %d calls, want failed with the API error", r.Status, r.Err, h.revokes)
		}
	})
	t.Run("read before the write fails", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.srv.SetOrganization(schema.KindAccount, idA, liveOrg(t, "a"))
		p := e.plan(t, update, planner.Options{})
		e.srv.ResetRequests()
		h := &hooked{cfapiClient: e.client, failGet: func(int) error { return errRead }}
		r := applyOne(t, h, p, opts())
		if r.Status != applier.Failed || !errors.Is(r.Err, errRead) || !strings.Contains(r.Err.Error(), "nothing was written") {
			t.Errorf("result = %s %v, want failed, nothing written", r.Status, r.Err)
		}
		if e.writes() != 0 {
			t.Errorf("%d writes after a failed read", e.writes())
		}
	})
	t.Run("read-back fails", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.srv.SetOrganization(schema.KindAccount, idA, liveOrg(t, "a"))
		p := e.plan(t, update, planner.Options{})
		h := &hooked{cfapiClient: e.client, failGet: func(n int) error {
			if n > 1 {
				return errRead
			}
			return nil
		}}
		r := applyOne(t, h, p, opts())
		if r.Status != applier.NotConverged || !errors.Is(r.Err, errRead) || !strings.Contains(r.Err.Error(), "reading it back failed") {
			t.Errorf("result = %s %v, want not converged: written, read-back failed", r.Status, r.Err)
		}
	})
	t.Run("read for the follow-up fails", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		p := createA(t, e, true)
		// 1: the read before the write; 2: the read the follow-up needs
		// because the POST answered nothing.
		h := &hooked{cfapiClient: e.client, failGet: func(n int) error {
			if n == 2 {
				return errRead
			}
			return nil
		}}
		emptyAnswer := &emptyCreate{hooked: h}
		r := applyOne(t, emptyAnswer, p, opts())
		if r.Status != applier.Failed || !errors.Is(r.Err, errRead) || !strings.Contains(r.Err.Error(), "follow-up") {
			t.Errorf("result = %s %v, want failed naming the follow-up read", r.Status, r.Err)
		}
	})
}

// emptyCreate creates on the server but answers with an empty object.
type emptyCreate struct{ *hooked }

func (e *emptyCreate) CreateOrganization(ctx context.Context, sc schema.Scope, body schema.Object) (schema.Object, error) {
	_, err := e.hooked.CreateOrganization(ctx, sc, body)
	return schema.Object{}, err
}

// A revocation sends only what its plan shows; an edited body is refused
// before any call.
func TestApplyRefusesEditedRevocation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := &schema.Config{Accounts: map[string]*schema.Account{"a": {ID: idA,
		Revoke: map[string]schema.Revocation{"bob@example.com": {Devices: true}}}}}
	for _, tt := range []struct {
		name string
		edit func(b schema.Object)
	}{
		{"devices false", func(b schema.Object) { b["devices"] = false }},
		{"devices a string", func(b schema.Object) { b["devices"] = "yes" }},
		{"warp_session_reauth false", func(b schema.Object) { b["warp_session_reauth"] = false }},
		{"user_uid a number", func(b schema.Object) { b["user_uid"] = 7 }},
		{"another email", func(b schema.Object) { b["email"] = "eve@example.com" }},
		{"an unknown option", func(b schema.Object) { b["everyone"] = true }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := e.plan(t, cfg, withRevocations)
			tt.edit(p.Changes[0].Body)
			h := &hooked{cfapiClient: e.client}
			r := applyOne(t, h, p, opts())
			var re *applier.RefusedError
			if r.Status != applier.Refused || !errors.As(r.Err, &re) || h.revokes != 0 {
				t.Errorf("result = %s %v after %d revocations, want refused before any", r.Status, r.Err, h.revokes)
			}
		})
	}
}

// A nil plan is an error, not a panic; a cancelled stale check reads
// nothing.
func TestNilPlanAndCancelledCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := applier.Apply(t.Context(), e.client, nil, opts()); err == nil {
		t.Error("Apply(nil plan) succeeded")
	}
	if err := applier.CheckStale(t.Context(), e.client, nil, 1); err == nil {
		t.Error("CheckStale(nil plan) succeeded")
	}
	seedTwoAccounts(t, e)
	p := e.plan(t, twoAccounts(), planner.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	h := &hooked{cfapiClient: e.client}
	if err := applier.CheckStale(ctx, h, p, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("CheckStale after cancel = %v, want context.Canceled", err)
	}
	if h.gets != 0 {
		t.Errorf("a cancelled check made %d reads", h.gets)
	}
}

// The follow-up PUT of a create keeps what the POST's answer holds inside
// a nested object and lays the plan's sub-fields over it.
func TestApplyFollowUpMergesNested(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := createA(t, e, true)
	s := &scripted{cfapiClient: e.client, created: schema.Object{
		"name": "A", "login_design": map[string]any{"background_color": "#123456", "header_text": "old"},
	}}
	if r := applyOne(t, s, p, opts()); r.Status != applier.Applied {
		t.Fatalf("result = %s %v %v", r.Status, r.Err, r.Fields)
	}
	ld, _ := s.puts[0]["login_design"].(map[string]any)
	if ld["background_color"] != "#123456" || ld["header_text"] != "Hi" || ld["text_color"] != "#ffffff" {
		t.Errorf("follow-up login_design = %v, want the answer's background_color with the plan's header_text and text_color", ld)
	}
}

// lostPut makes each PUT on the server but answers it with a deadline.
type lostPut struct{ *scripted }

func (l *lostPut) UpdateOrganization(ctx context.Context, sc schema.Scope, body schema.Object) (schema.Object, error) {
	if _, err := l.scripted.UpdateOrganization(ctx, sc, body); err != nil {
		return nil, err
	}
	return nil, context.DeadlineExceeded
}

// A follow-up PUT whose answer is lost but which took effect (the read
// shows every planned field) is applied, not failed.
func TestApplyFollowUpAnswerLost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := createA(t, e, true)
	s := &scripted{cfapiClient: e.client}
	r := applyOne(t, &lostPut{scripted: s}, p, opts())
	if r.Status != applier.Applied || r.Note == "" {
		t.Fatalf("result = %s %v (note %q), want applied with a note that the answer was lost", r.Status, r.Err, r.Note)
	}
	if len(s.puts) != 1 {
		t.Errorf("PUTs = %d, want 1: a follow-up that took effect is not sent again", len(s.puts))
	}
}
