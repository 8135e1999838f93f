package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/pipeline"
)

const validateGood = `accounts: prod: {
	id: "699d98642c564d2e855e9661899b7252"
	organization: session_duration: "24h"
}
zones: "example.com": id: "023e105f4ecef8ad9ca31a8372d0c353"
`

const validateBad = `accounts: prod: {
	id: "699d98642c564d2e855e9661899b7252"
	organization: session_duration: "12 hours"
}
zones: "example.com": {
	id: "023e105f4ecef8ad9ca31a8372d0c353"
	organization: session_duration: "24h"
}
`

// validateCLI runs ztsync with args in dir (the current directory for the
// call) and returns the exit code and output.
func validateCLI(t *testing.T, dir string, args ...string) cliResult {
	t.Helper()
	t.Chdir(dir)
	return runEnv(context.Background(), &env{}, args...)
}

func TestValidateValid(t *testing.T) {
	dir := configDir(t, map[string]string{"zt/a.cue": validateGood, "zt/more/b.cue": `zones: "b.example.com": id: "123e105f4ecef8ad9ca31a8372d0c353"` + "\n"})
	for _, args := range [][]string{{"validate", "--dir", "zt"}, {"validate", "--dir=zt", "--format", "github"}} {
		r := validateCLI(t, dir, args...)
		if r.code != ExitOK {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
		if want := "valid: 1 account, 2 zones in 2 files\n"; r.stdout != want {
			t.Errorf("%v: stdout = %q, want %q", args, r.stdout, want)
		}
	}
	// The default directory is the current one.
	r := validateCLI(t, filepath.Join(dir, "zt", "more"), "validate")
	if r.code != ExitOK || r.stdout != "valid: 0 accounts, 1 zone in 1 file\n" {
		t.Errorf("default dir: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = validateCLI(t, dir, "validate", "--dir", "zt", "--format", "json")
	if r.code != ExitOK || strings.TrimSpace(r.stdout) != "[]" || !strings.Contains(r.stderr, "valid: 1 account, 2 zones in 2 files") {
		t.Errorf("json: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestValidateInvalidText(t *testing.T) {
	dir := configDir(t, map[string]string{"zt/a.cue": validateBad})
	r := validateCLI(t, dir, "validate", "--dir", "zt")
	if r.code != ExitInvalid {
		t.Fatalf("exit %d, want %d", r.code, ExitInvalid)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	want := strings.Join([]string{
		filepath.FromSlash("zt/a.cue") + `:3:34: accounts.prod.organization.session_duration: "12 hours" is not a duration (use e.g. 12h, 90m)`,
		filepath.FromSlash("zt/a.cue") + `:7:16: zones."example.com".organization.session_duration: session_duration is an account-only field; zones accept: name, auth_domain, user_seat_expiration_inactive_time, is_ui_read_only, ui_read_only_toggle_reason, login_design`,
		"invalid: 2 problems",
		"ztsync: exit 3 (invalid configuration or usage)",
		"",
	}, "\n")
	if diff := cmp.Diff(want, r.stderr); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}

func TestValidateInvalidJSON(t *testing.T) {
	dir := configDir(t, map[string]string{"zt/a.cue": validateBad})
	r := validateCLI(t, dir, "validate", "--dir", "zt", "--format", "json")
	if r.code != ExitInvalid {
		t.Fatalf("exit %d, want %d", r.code, ExitInvalid)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if len(got) != 2 {
		t.Fatalf("%d problems, want 2: %s", len(got), r.stdout)
	}
	want := map[string]any{
		"file": filepath.FromSlash("zt/a.cue"), "line": 3.0, "col": 34.0,
		"path":    "accounts.prod.organization.session_duration",
		"message": `"12 hours" is not a duration (use e.g. 12h, 90m)`,
	}
	delete(got[0], "related")
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("first problem (-want +got):\n%s", diff)
	}
}

func TestValidateGitHub(t *testing.T) {
	dir := configDir(t, map[string]string{
		"zt/a,b.cue": `accounts: prod: {id: "699d98642c564d2e855e9661899b7252", organization: session_duration: "100%"}` + "\n",
	})
	r := validateCLI(t, dir, "validate", "--dir", "zt", "--format", "github")
	if r.code != ExitInvalid {
		t.Fatalf("exit %d, want %d", r.code, ExitInvalid)
	}
	// Properties are sorted; ',' and '%' are escaped (go-githubactions).
	want := "::error col=90,file=" + filepath.FromSlash("zt/a") + "%2Cb.cue,line=1::accounts.prod.organization.session_duration: \"100%25\" is not a duration (use e.g. 12h, 90m)\n"
	if r.stdout != want {
		t.Errorf("stdout:\n got %q\nwant %q", r.stdout, want)
	}
	if !strings.Contains(want, "a%2Cb.cue") {
		t.Errorf("comma in the file name not escaped: %q", want)
	}

	// A file name cannot add a workflow command of its own.
	evil := configDir(t, map[string]string{"zt/x\n::warning file=e::forged.cue": "accounts: 5\n"})
	r = validateCLI(t, evil, "validate", "--dir", "zt", "--format", "github")
	if r.code != ExitInvalid {
		t.Fatalf("exit %d, want %d", r.code, ExitInvalid)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "::error ") || !strings.Contains(lines[0], "file=zt/x%0A%3A%3Awarning file=e%3A%3Aforged.cue,") {
		t.Errorf("stdout is not one escaped annotation:\n%s", r.stdout)
	}
}

func TestValidateUsage(t *testing.T) {
	dir := configDir(t, map[string]string{"a.cue": validateGood})
	for _, args := range [][]string{
		{"validate", "--format", "yaml"},
		{"validate", "extra"},
		{"validate", "--no-such-flag"},
	} {
		if r := validateCLI(t, dir, args...); r.code != ExitInvalid {
			t.Errorf("%v: exit %d, want %d\n%s", args, r.code, ExitInvalid, r.stderr)
		}
	}
	// A directory that does not exist is a usage error.
	r := validateCLI(t, dir, "validate", "--dir", "nope")
	if r.code != ExitInvalid || !strings.Contains(r.stderr, "nope does not exist") {
		t.Errorf("missing dir: exit %d, stderr %q", r.code, r.stderr)
	}
	// An empty directory is an invalid configuration.
	r = validateCLI(t, t.TempDir(), "validate")
	if r.code != ExitInvalid || !strings.Contains(r.stderr, "no .cue files") {
		t.Errorf("empty dir: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	e := &env{stdout: &bytes.Buffer{}, stderr: &stderr, getenv: func(string) string { return "" }}
	good := configDir(t, map[string]string{"a.cue": validateGood})
	res, err := pipeline.Load(t.Context(), e.stderr, good)
	if err != nil || len(res.Config.Accounts) != 1 || stderr.Len() != 0 {
		t.Fatalf("good: res %+v, err %v, stderr %q", res, err, stderr.String())
	}
	bad := configDir(t, map[string]string{"a.cue": validateBad})
	_, err = pipeline.Load(t.Context(), e.stderr, bad)
	var rep *pipeline.Reported
	if !errors.As(err, &rep) || pipeline.Code(err) != ExitInvalid {
		t.Fatalf("bad: err = %v, want an exit-%d *pipeline.Reported", err, ExitInvalid)
	}
	if !strings.Contains(stderr.String(), `"12 hours" is not a duration`) || !strings.Contains(stderr.String(), "invalid: 2 problems") {
		t.Errorf("bad: stderr = %q", stderr.String())
	}
}
