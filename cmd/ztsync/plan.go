package main

import "context"

// runPlan is owned by the plan work; this placeholder only refuses.
func runPlan(_ context.Context, _ *env, _ []string) error {
	return usageErrorf("the plan command is not built yet")
}
