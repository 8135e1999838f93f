package main

import "context"

// runEmulator is owned by the emulator work; this placeholder only refuses.
func runEmulator(_ context.Context, _ *env, _ []string) error {
	return usageErrorf("the emulator command is not built yet")
}
