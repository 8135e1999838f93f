package main

import (
	"cmp"
	"context"
	"fmt"
	"runtime/debug"
)

// version is the release version, stamped by the release build
// (-ldflags "-X main.version=v1.2.3", see .goreleaser.yaml). Builds without
// it report the module version `go install ...@v1.2.3` records, or "devel".
var version = ""

// commit is the release's commit, stamped next to version
// (-X main.commit=SHA); other builds take vcs.revision from the build info.
var commit = ""

// buildInfo is what `ztsync version` prints and plans record.
type buildInfo struct {
	// Version is the release or module version, or "devel".
	Version string
	// Commit is the VCS revision the binary was built from ("" when not
	// recorded), with "-dirty" for a modified work tree.
	Commit string
	// GoVersion is the toolchain that built the binary.
	GoVersion string
}

// readBuildInfo reads the version from the ldflags-stamped variable and
// runtime/debug.ReadBuildInfo (module version, vcs.revision, vcs.modified).
func readBuildInfo() buildInfo {
	info := buildInfo{Version: version, GoVersion: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		info.GoVersion = bi.GoVersion
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if info.Commit != "" && modified {
			info.Commit += "-dirty"
		}
	}
	if commit != "" {
		info.Commit = commit
	}
	info.Version = cmp.Or(info.Version, "devel")
	return info
}

// toolVersion is the version written into plans: "v1.2.3", or
// "devel+COMMIT" for a build from a work tree.
func toolVersion() string {
	bi := readBuildInfo()
	if bi.Version == "devel" && bi.Commit != "" {
		return "devel+" + bi.Commit
	}
	return bi.Version
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "version", "ztsync version")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	bi := readBuildInfo()
	fmt.Fprintf(e.stdout, "ztsync %s (commit %s, %s)\n", bi.Version, cmp.Or(bi.Commit, "unknown"), bi.GoVersion)
	return nil
}
