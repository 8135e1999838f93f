package pipeline

import (
	"strings"
	"testing"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/planner"
)

// TestGuardWarningNumbersAsApply: plan's warning prints the guard's
// numbers as apply's refusal does, as people write them (36.4%, not
// 36.3636%), with the whole percentage that allows the plan.
func TestGuardWarningNumbersAsApply(t *testing.T) {
	t.Parallel()
	p := &planner.Plan{Declared: 11, Changes: make([]planner.Change, 4)}
	max := 100.0 / 3
	got := GuardWarning(Guard(p, &max))
	want := "it changes 4 of 11 declared resources (36.4%), more than the 33.3% the mass-change guard allows; after review, apply it with --max-change-percent 37"
	if !strings.Contains(got, want) {
		t.Errorf("GuardWarning = %q, want it to contain %q", got, want)
	}
	refusal := applier.Guard(p, max).Error()
	for _, n := range []string{"(36.4%)", "the 33.3%", "--max-change-percent 37 "} {
		if !strings.Contains(refusal, n) {
			t.Errorf("apply's refusal %q lacks %q", refusal, n)
		}
	}
	if w := GuardWarning(Guard(p, nil)); !strings.Contains(w, "more than the 30% the") {
		t.Errorf("default threshold: %q", w)
	}
	if ge := Guard(&planner.Plan{Declared: 11, Changes: make([]planner.Change, 3)}, nil); ge != nil || GuardWarning(ge) != "" {
		t.Errorf("a plan the guard allows is refused (%v) or warns: %q", ge, GuardWarning(ge))
	}
}
