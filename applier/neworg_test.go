package applier_test

import (
	"testing"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// TestApplyNewAccountWithDoH: on an account without an organization (the
// emulator started from a missing state file), a plan that creates the
// organization and sets its DoH settings applies both: the DoH settings
// that came into being, empty, with the organization this apply created
// are not "created since the plan was made". Planning again shows no
// changes.
func TestApplyNewAccountWithDoH(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := &schema.Config{Accounts: map[string]*schema.Account{
		"a": {
			ID:           idA,
			Organization: schema.Object{"name": "A", "auth_domain": "a.cloudflareaccess.com"},
			DoH:          schema.Object{"doh_jwt_duration": "800h"},
		},
	}}
	p := e.plan(t, cfg, planner.Options{})
	rep, err := applier.Apply(t.Context(), e.client, p, opts())
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Counts(); got != (applier.Counts{Applied: 2}) {
		t.Fatalf("Counts() = %+v, want 2 applied:\n%s", got, rep)
	}
	if again := e.plan(t, cfg, planner.Options{}); again.HasChanges() {
		t.Errorf("plan after apply has changes: %v", addresses(again))
	}
}
