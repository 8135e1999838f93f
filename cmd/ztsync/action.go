package main

import "context"

// runAction is owned by the action work; this placeholder only refuses.
func runAction(_ context.Context, _ *env, _ []string) error {
	return usageErrorf("the action command is not built yet")
}
