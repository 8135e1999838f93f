package main

import (
	"strings"
	"testing"
)

// TestHelpHelp: `ztsync help help` names a listed command, so it prints
// the list of commands on stdout and exits 0.
func TestHelpHelp(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "help", "help")
	if code != ExitOK || stderr != "" || !strings.Contains(stdout, "usage: ztsync <command>") {
		t.Errorf("ztsync help help: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// TestTopLevelFlagSuggestion: a mistyped --version or --help before any
// command suggests the nearest; another flag there says flags follow the
// command. Both exit 3.
func TestTopLevelFlagSuggestion(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ arg, want string }{
		{"--verison", "unknown flag --verison; did you mean --version?"},
		{"--Version", "did you mean --version?"},
		{"--hlep", "did you mean --help?"},
		{"-v", "unknown flag -v; did you mean --version?"},
		{"-V", "did you mean --version?"},
		{"--dir", "--dir comes before a command; flags follow the command"},
	} {
		code, stdout, stderr := runCLI(t, nil, c.arg)
		if code != ExitInvalid || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("ztsync %s: exit %d, want %d and %q\nstdout:\n%s\nstderr:\n%s", c.arg, code, ExitInvalid, c.want, stdout, stderr)
		}
	}
}
