package render

import (
	"io"

	"github.com/ztsync/ztsync/planner"
)

// JSON writes the plan file of DESIGN.md §4, exactly as planner.WritePlan
// writes it for plan --out: indented by two spaces, keys in the order the
// planner's structs declare them, "changes", "warnings" and each change's
// "diff" written as [] rather than null, and no HTML escaping of "<", ">"
// and "&". Reading it back with planner.ReadPlan gives the same plan.
func JSON(w io.Writer, p *planner.Plan) error {
	return planner.WritePlan(w, p)
}
