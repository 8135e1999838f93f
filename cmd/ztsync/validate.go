package main

import "context"

// runValidate is owned by the validate work; this placeholder only refuses.
func runValidate(_ context.Context, _ *env, _ []string) error {
	return usageErrorf("the validate command is not built yet")
}
