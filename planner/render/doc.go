// Package render formats a *planner.Plan for people: Text for a terminal
// (like Terraform's plan output, ANSI colours optional) and Markdown for a
// pull-request comment or a job summary. Summary is the one-line count
// shared by both. The plan as data (the plan file, `--format json`) is
// planner.WritePlan's, not a view: render only reads plans.
//
// Every rendering is deterministic: the same plan gives the same bytes (no
// clock, no map order, go-diff with DiffTimeout = 0). Risky changes
// (the planner's decision, docs/plan-format.md) are marked in each.
//
// Text symbols: "+" create, "~" update, "!" revoke (a revocation is neither a
// create nor a destroy; "!" says "look here"). Field lines use "+" for a field
// that gets a value, "-" for one whose value goes away, "~" for a change.
// Long text changes are shown as a word diff: [-removed-]{+added+} without
// colour, red and green with it.
//
// The counts (create, update, revoke) are taken from the plan's changes, the
// unchanged count from Plan.Summary.Unchanged.
package render
