package main

import (
	"flag"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/pipeline"
)

// TestHelpOnStdout: --help, -h and `help CMD` print that command's help on
// stdout and exit 0, with nothing on stderr.
func TestHelpOnStdout(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			code, stdout, stderr := runCLI(t, nil, args...)
			if code != ExitOK {
				t.Errorf("%v: exit %d, want 0; stderr:\n%s", args, code, stderr)
			}
			if !strings.HasPrefix(stdout, "usage: ztsync "+c.name) {
				t.Errorf("%v: stdout does not start with the usage line:\n%s", args, stdout)
			}
			if stderr != "" {
				t.Errorf("%v: stderr not empty:\n%s", args, stderr)
			}
		}
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, stdout, stderr := runCLI(t, nil, args...)
		if code != ExitOK || !strings.Contains(stdout, "commands:") || stderr != "" {
			t.Errorf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, stdout, stderr)
		}
	}
}

// TestSuggestions: unknown commands and flags name the nearest.
func TestSuggestions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"paln"}, `unknown command "paln"; did you mean "plan"?`},
		{[]string{"aply"}, `unknown command "aply"; did you mean "apply"?`},
		{[]string{"validat"}, `did you mean "validate"?`},
		{[]string{"help", "exprot"}, `did you mean "export"?`},
		{[]string{"plan", "--dri", "x"}, "unknown flag --dri; did you mean --dir?"},
		{[]string{"plan", "--detailed-exit-code"}, "did you mean --detailed-exitcode?"},
		{[]string{"validate", "--fromat", "json"}, "did you mean --format?"},
		{[]string{"plan", "--frobnicate"}, "unknown flag --frobnicate (ztsync plan --help lists its flags)"},
		{[]string{"zzzzzz"}, `unknown command "zzzzzz" (ztsync --help lists the commands)`},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, nil, tt.args...)
		if code != ExitInvalid {
			t.Errorf("%v: exit %d, want 3", tt.args, code)
		}
		if !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: stderr lacks %q:\n%s", tt.args, tt.want, stderr)
		}
		if stdout != "" {
			t.Errorf("%v: stdout not empty:\n%s", tt.args, stdout)
		}
	}
}

// TestVersion: `version` and `--version` print the version and commit on
// stdout, exit 0; the ldflags-stamped version wins.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := runCLI(t, nil, args...)
		if code != ExitOK || stderr != "" {
			t.Errorf("%v: exit %d, stderr:\n%s", args, code, stderr)
		}
		if !strings.HasPrefix(stdout, "ztsync ") || !strings.Contains(stdout, "(commit ") {
			t.Errorf("%v: %q lacks the version and commit", args, stdout)
		}
	}
	old := version
	t.Cleanup(func() { version = old })
	oldCommit := commit
	t.Cleanup(func() { commit = oldCommit })
	version, commit = "v9.8.7", "0123456789abcdef0123456789abcdef01234567"
	if _, stdout, _ := runCLI(t, nil, "version"); !strings.HasPrefix(stdout, "ztsync v9.8.7 (commit 0123456789abcdef0123456789abcdef01234567,") {
		t.Errorf("stamped version not printed: %q", stdout)
	}
	if got := toolVersion(); got != "v9.8.7" {
		t.Errorf("toolVersion() = %q, want the stamped v9.8.7", got)
	}
}

// TestVersionOfBuiltBinary builds the binary from this git work tree, as
// `go build` does for a developer, with the release ldflags, and checks
// that it reports the stamped version and the commit (vcs.revision).
func TestVersionOfBuiltBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	// GOFLAGS may say -buildvcs=false (it does on some machines): ask for it.
	bin := buildZtsync(t, "-buildvcs=true", "-ldflags=-X main.version=v1.2.3")
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("ztsync --version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "ztsync v1.2.3 (commit ") {
		t.Errorf("--version = %q, want the stamped v1.2.3", out)
	}
	// What the toolchain recorded (go version -m) is what --version says.
	meta, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	_, rev, found := strings.Cut(string(meta), "vcs.revision=")
	if !found {
		// go does not stamp a linked git worktree (.git is a file); a
		// clone, as in CI, is stamped.
		if os.Getenv("CI") == "true" {
			t.Fatalf("the toolchain recorded no vcs.revision:\n%s", meta)
		}
		t.Skipf("the toolchain recorded no vcs.revision here:\n%s", meta)
	}
	rev, _, _ = strings.Cut(rev, "\n")
	if !strings.Contains(string(out), "(commit "+strings.TrimSpace(rev)) {
		t.Errorf("--version = %q, want commit %s", out, rev)
	}
}

// TestApplyStdinNotTerminal: apply without a plan file and without
// --auto-approve refuses the same way (exit 3) whether stdin is /dev/null
// or a pipe: neither is a terminal that could answer.
func TestApplyStdinNotTerminal(t *testing.T) {
	t.Parallel()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.Close()
	for name, stdin := range map[string]*os.File{"/dev/null": devnull, "pipe": r} {
		var stdout, stderr strings.Builder
		e := &env{stdin: stdin, stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, isTerminal: isTerminalFile}
		code := run(t.Context(), []string{"apply", "--dir", t.TempDir(), "--emulator", t.TempDir() + "/s.json"}, e)
		if code != ExitInvalid {
			t.Errorf("stdin %s: exit %d, want 3\n%s", name, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), "stdin is not a terminal") {
			t.Errorf("stdin %s: stderr lacks the reason:\n%s", name, stderr.String())
		}
	}
}

// TestEmulatorBanner: the banner says where it listens, what it serves,
// where its state is (or that it starts empty) and which credentials it
// accepts, with a command that works.
func TestEmulatorBanner(t *testing.T) {
	t.Parallel()
	base := "http://127.0.0.1:8787/client/v4"
	open := emulatorBanner(base, emulatorOptions{budget: cfapi.CloudflareLimit()}, false)
	for _, want := range []string{
		"listening on " + base,
		"organization, DoH and revoke_user routes",
		"docs: docs/emulator.md",
		"state: in memory only, starting from an empty account",
		"accepting any credentials (a Bearer token, or X-Auth-Email + X-Auth-Key)",
		"CLOUDFLARE_BASE_URL=" + base + " CLOUDFLARE_API_TOKEN=any ztsync plan --dir DIR",
	} {
		if !strings.Contains(open, want) {
			t.Errorf("banner lacks %q:\n%s", want, open)
		}
	}
	locked := emulatorBanner(base, emulatorOptions{token: "s3cret", state: "/tmp/new.json", budget: cfapi.CloudflareLimit()}, true)
	for _, want := range []string{
		"state: /tmp/new.json does not exist yet: starting from an empty account",
		"accepting only the --token value",
	} {
		if !strings.Contains(locked, want) {
			t.Errorf("banner lacks %q:\n%s", want, locked)
		}
	}
	if strings.Contains(locked, "s3cret") {
		t.Errorf("banner prints the token:\n%s", locked)
	}
}

// TestUnknownFlag: the unknown flag named in a usage error is found by
// reading the arguments against the flag set, not the flag package's
// message: values of flags that take one are skipped, "--" and the first
// argument end the flags, and other parse errors keep their own words.
func TestUnknownFlag(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("dir", "", "")
	fs.Bool("auto-approve", false, "")
	for _, tt := range []struct {
		args []string
		want string // "" for none
	}{
		{[]string{"--dirr", "a"}, "dirr"},
		{[]string{"-dir", "--nope", "--bogus"}, "bogus"}, // --nope is -dir's value
		{[]string{"--dir=--nope", "--bogus=1"}, "bogus"},
		{[]string{"--auto-approve", "--bogus"}, "bogus"},
		{[]string{"--auto-approve=true", "--dir", "d", "--bogus"}, "bogus"},
		{[]string{"--", "--bogus"}, ""},
		{[]string{"plan.json", "--bogus"}, ""},
		{[]string{"--dir"}, ""}, // a missing value, not an unknown flag
		{[]string{"---x"}, ""},
	} {
		got, ok := unknownFlag(fs, tt.args)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("unknownFlag(%q) = %q, %v; want %q", tt.args, got, ok, tt.want)
		}
	}
	err := flagError(fs, []string{"--dir"}, fs.Parse([]string{"--dir"}))
	if want := "flag needs an argument: -dir (ztsync x --help lists its flags)"; err == nil || err.Error() != want {
		t.Errorf("flagError for a missing value = %v, want %q", err, want)
	}
	if pipeline.Code(err) != ExitInvalid {
		t.Errorf("exit code %d, want %d", pipeline.Code(err), ExitInvalid)
	}
}
