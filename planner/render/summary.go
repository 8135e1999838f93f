package render

import (
	"fmt"

	"github.com/ztsync/ztsync/planner"
)

// Summary is the plan's counts line, the last line of the text rendering,
// the headline of the Markdown one and the GitHub Action's summary output:
// "Plan: 1 to create, 2 to update, 1 revocation." (all three counts, always,
// like Terraform's), or "No changes." for a plan without changes.
func Summary(p *planner.Plan) string {
	if !p.HasChanges() {
		return "No changes."
	}
	c := planner.CountChanges(p.Changes)
	return fmt.Sprintf("Plan: %d to create, %d to update, %s.", c.Create, c.Update, plural(c.Revoke, "revocation", "revocations"))
}

// unchangedNote says how many declared resources need no change, or "" when
// there are none.
func unchangedNote(p *planner.Plan) string {
	if p == nil || p.Summary.Unchanged <= 0 {
		return ""
	}
	return plural(p.Summary.Unchanged, "resource", "resources") + " unchanged."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
