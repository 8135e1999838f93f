package main

import "context"

// runExport is owned by the export work; this placeholder only refuses.
func runExport(_ context.Context, _ *env, _ []string) error {
	return usageErrorf("the export command is not built yet")
}
