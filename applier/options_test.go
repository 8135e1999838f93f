package applier_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// guardPlan plans 12 declared accounts of which changed change.
func guardPlan(t *testing.T, e *env, changed int) *planner.Plan {
	t.Helper()
	cfg := &schema.Config{Accounts: map[string]*schema.Account{}}
	for i := range 12 {
		id := strings.Repeat("0", 30) + string(rune('a'+i/10)) + string(rune('0'+i%10))
		name := "acct" + id[30:]
		e.srv.SetOrganization(schema.KindAccount, id, liveOrg(t, name))
		want := "24h"
		if i < changed {
			want = "1h"
		}
		cfg.Accounts[name] = &schema.Account{ID: id, Organization: schema.Object{"session_duration": want}}
	}
	return e.plan(t, cfg, planner.Options{})
}

// MaxChangePercent means what it says: a pointer to 0 is 0%, nil is the
// default 30%.
func TestMaxChangePercentZeroMeansZero(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := guardPlan(t, e, 1) // 1 of 12: 8.3%
	o := opts()
	o.MaxChangePercent = new(0.0)
	_, err := applier.Apply(t.Context(), e.client, p, o)
	var ge *applier.GuardError
	if !errors.As(err, &ge) || ge.Max != 0 {
		t.Fatalf("Apply with 0%% = %v, want a *GuardError at 0%%", err)
	}
	if e.writes() != 0 {
		t.Errorf("the guard let %d writes through", e.writes())
	}
	o.MaxChangePercent = nil // the default, 30%, allows 8.3%
	rep, err := applier.Apply(t.Context(), e.client, p, o)
	if err != nil || !rep.OK() {
		t.Fatalf("Apply with the default threshold: %v %v", err, rep)
	}
}

// Confirm runs after the guard and before any call; its error stops Apply
// with nothing written.
func TestApplyConfirm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := guardPlan(t, e, 4) // 33%: refused by the default guard
	calls := 0
	o := opts()
	o.Confirm = func(context.Context) error { calls++; return nil }
	if _, err := applier.Apply(t.Context(), e.client, p, o); err == nil || calls != 0 {
		t.Fatalf("guard refusal: err %v, Confirm called %d times; want the refusal before any question", err, calls)
	}
	no := errors.New("the answer was not yes")
	o.MaxChangePercent = new(100.0)
	o.Confirm = func(context.Context) error { calls++; return no }
	e.srv.ResetRequests()
	if _, err := applier.Apply(t.Context(), e.client, p, o); !errors.Is(err, no) || calls != 1 {
		t.Fatalf("declined: err %v after %d questions, want the Confirm error after one", err, calls)
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("a declined apply made %d calls", n)
	}
	o.Confirm = func(context.Context) error { calls++; return nil }
	if rep, err := applier.Apply(t.Context(), e.client, p, o); err != nil || !rep.OK() || calls != 2 {
		t.Fatalf("confirmed: %v %v after %d questions", err, rep, calls)
	}
}
