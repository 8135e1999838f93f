package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is the tool version written into plans.
const version = "0.1.0"

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "version", "ztsync version")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	goVersion := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
	}
	fmt.Fprintf(e.stdout, "ztsync %s (%s)\n", version, goVersion)
	return nil
}
