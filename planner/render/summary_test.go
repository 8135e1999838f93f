package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/planner"
)

func planWith(create, update, revoke, unchanged int) *planner.Plan {
	p := &planner.Plan{Summary: planner.Summary{Unchanged: unchanged}}
	for range create {
		p.Changes = append(p.Changes, planner.Change{Action: planner.Create})
	}
	for range update {
		p.Changes = append(p.Changes, planner.Change{Action: planner.Update})
	}
	for range revoke {
		p.Changes = append(p.Changes, planner.Change{Action: planner.Revoke})
	}
	return p
}

func TestSummary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		create, update, revoke int
		want                   string
	}{
		{0, 0, 0, "No changes."},
		{1, 0, 0, "Plan: 1 to create, 0 to update, 0 revocations."},
		{0, 1, 0, "Plan: 0 to create, 1 to update, 0 revocations."},
		{0, 0, 1, "Plan: 0 to create, 0 to update, 1 revocation."},
		{0, 0, 2, "Plan: 0 to create, 0 to update, 2 revocations."},
		{1, 2, 1, "Plan: 1 to create, 2 to update, 1 revocation."},
		{2, 2, 2, "Plan: 2 to create, 2 to update, 2 revocations."},
		{12, 0, 11, "Plan: 12 to create, 0 to update, 11 revocations."},
	} {
		if got := Summary(planWith(tc.create, tc.update, tc.revoke, 5)); got != tc.want {
			t.Errorf("Summary(%d, %d, %d) = %q, want %q", tc.create, tc.update, tc.revoke, got, tc.want)
		}
	}
	// Every combination of 0, 1 and 2: the counts read back, and only one
	// revocation is singular.
	for c := range 3 {
		for u := range 3 {
			for r := range 3 {
				got := Summary(planWith(c, u, r, 0))
				if c+u+r == 0 {
					continue
				}
				var gc, gu, gr int
				var word string
				if _, err := fmt.Sscanf(got, "Plan: %d to create, %d to update, %d %s", &gc, &gu, &gr, &word); err != nil {
					t.Fatalf("%q: %v", got, err)
				}
				wantWord := "revocations."
				if r == 1 {
					wantWord = "revocation."
				}
				if gc != c || gu != u || gr != r || word != wantWord {
					t.Errorf("Summary(%d, %d, %d) = %q", c, u, r, got)
				}
			}
		}
	}
}

func TestUnchangedNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    *planner.Plan
		want string
	}{
		{planWith(0, 0, 0, 0), "No changes."},
		{planWith(0, 0, 0, 1), "No changes. 1 resource unchanged."},
		{planWith(0, 1, 0, 3), "Plan: 0 to create, 1 to update, 0 revocations. 3 resources unchanged."},
		{planWith(1, 0, 0, 0), "Plan: 1 to create, 0 to update, 0 revocations."},
	} {
		got := Summary(tc.p)
		if n := unchangedNote(tc.p); n != "" {
			got += " " + n
		}
		if got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	if strings.Contains(Summary(planWith(0, 1, 0, 3)), "unchanged") {
		t.Error("Summary must stay the bare counts line")
	}
}
