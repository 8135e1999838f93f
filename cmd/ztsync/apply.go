package main

import "context"

// runApply is owned by the apply work; this placeholder only refuses.
func runApply(_ context.Context, _ *env, _ []string) error {
	return usageErrorf("the apply command is not built yet")
}
