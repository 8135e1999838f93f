package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/cfapi/emulator"
)

// TestBadCommandLines: flags and arguments that cannot work are usage
// errors (exit 3) that say what is wrong, and nothing reaches the API.
func TestBadCommandLines(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(configDir(t, map[string]string{
		"cfg/a.cue": "accounts: a: {id: \"699d98642c564d2e855e9661899b7252\", organization: name: \"A\"}\n",
	}), "cfg")
	file := filepath.Join(cfg, "a.cue")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"empty emulator", []string{"plan", "--dir", cfg, "--emulator", ""}, "--emulator needs a state file"},
		{"empty emulator apply", []string{"apply", "--dir", cfg, "--emulator", "", "--auto-approve"}, "--emulator needs a state file"},
		{"NaN rate", []string{"plan", "--dir", cfg, "--emulator", filepath.Join(t.TempDir(), "s.json"), "--rate-limit", "NaN"}, "--rate-limit must be"},
		{"tiny rate", []string{"plan", "--dir", cfg, "--emulator", filepath.Join(t.TempDir(), "s.json"), "--rate-limit", "1e-300"}, "--rate-limit must be"},
		{"infinite rate", []string{"plan", "--dir", cfg, "--emulator", filepath.Join(t.TempDir(), "s.json"), "--rate-limit", "+Inf"}, "--rate-limit must be"},
		{"out dash", []string{"plan", "--dir", cfg, "--out", "-"}, "--out - is not stdout"},
		{"empty dir", []string{"validate", "--dir", ""}, "--dir is empty"},
		{"missing dir", []string{"validate", "--dir", filepath.Join(cfg, "nope")}, "does not exist"},
		{"file as dir", []string{"plan", "--dir", file}, "is not a directory"},
		{"empty base", []string{"plan", "--dir", cfg, "--base", ""}, "--base is empty"},
		{"base-url with emulator", []string{"plan", "--dir", cfg, "--emulator", filepath.Join(t.TempDir(), "s.json"), "--base-url", "http://127.0.0.1:1"}, "exclude each other"},
		{"plan file with dir", []string{"apply", filepath.Join(t.TempDir(), "plan.json"), "--dir", cfg}, "--dir cannot be used with a plan file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, nil, tt.args...)
			if code != ExitInvalid {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitInvalid, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
		})
	}
}

// TestHalfSetCredentials names the missing half of key + email.
func TestHalfSetCredentials(t *testing.T) {
	t.Parallel()
	srv := emulator.NewServer(t, emulator.Options{})
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"CLOUDFLARE_API_KEY": "k"}, "CLOUDFLARE_EMAIL is not"},
		{map[string]string{"CLOUDFLARE_EMAIL": "a@example.com"}, "CLOUDFLARE_API_KEY is not"},
		{map[string]string{}, "no Cloudflare credentials"},
	} {
		tt.env["CLOUDFLARE_BASE_URL"] = srv.URL
		code, _, stderr := runPlanCmd(t, tt.env, "--dir", "../../examples/quickstart")
		if code != ExitError || !strings.Contains(stderr, tt.want) {
			t.Errorf("env %v: exit %d, stderr:\n%s\nwant exit 1 and %q", tt.env, code, stderr, tt.want)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the API without credentials", n)
	}
}

// TestNoForgedOutputLines: neither a file name nor an API error message
// can put a line, a terminal escape or a workflow command of its own into
// ztsync's output.
func TestNoForgedOutputLines(t *testing.T) {
	t.Parallel()
	t.Run("file name", func(t *testing.T) {
		dir := t.TempDir()
		name := "x\n::error file=evil,line=1::INJECTED\x1b[2J\n.cue"
		writeFile(t, filepath.Join(dir, name), "accounts: 5\n")
		code, stdout, stderr := runCLI(t, nil, "validate", "--dir", dir)
		if code != ExitInvalid {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		assertNoForgedLines(t, stdout+stderr)
		if !strings.Contains(stderr, `x\n::error`) {
			t.Errorf("the file name is not shown escaped:\n%s", stderr)
		}
	})
	t.Run("API message", func(t *testing.T) {
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"success":false,"result":null,"errors":[{"code":1,"message":"\u001b]0;pwned\u0007\u001b[2J bad\nztsync: exit 0 (success)\n::error file=a.cue,line=1::injected\u202e"}]}`))
		}))
		defer api.Close()
		code, stdout, stderr := runPlanCmd(t, map[string]string{
			"CLOUDFLARE_API_TOKEN": "t", "CLOUDFLARE_BASE_URL": api.URL,
		}, "--dir", "../../examples/quickstart", "--max-retries", "0")
		if code != ExitError {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		assertNoForgedLines(t, stdout+stderr)
		if got := strings.Count("\n"+stderr, "\nztsync: exit"); got != 1 {
			t.Errorf("%d exit lines on stderr, want 1:\n%s", got, stderr)
		}
	})
}

func assertNoForgedLines(t *testing.T, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "::") {
			t.Errorf("a line starts a workflow command: %q", line)
		}
		if strings.ContainsAny(line, "\x1b\x07\u202e") {
			t.Errorf("a line holds a control or bidi character: %q", line)
		}
	}
}

// TestTokenWithNewline explains the usual cause (a pasted newline) without
// printing the token.
func TestTokenWithNewline(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runPlanCmd(t, map[string]string{"CLOUDFLARE_API_TOKEN": "s3cr3t-tok\n"}, "--dir", "../../examples/quickstart")
	if code != ExitInvalid || !strings.Contains(stderr, "white space") {
		t.Fatalf("exit %d, want 3 and a white-space hint:\n%s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "s3cr3t") {
		t.Fatalf("the token is printed:\n%s%s", stdout, stderr)
	}
}

// TestPlanErrorsPointAtTheFile: a configuration the planner cannot act on
// (an organization to create without name and auth_domain) is reported at
// its FILE:LINE:COL, like a validation error.
func TestPlanErrorsPointAtTheFile(t *testing.T) {
	t.Parallel()
	dir := configDir(t, map[string]string{
		"a.cue": "accounts: fresh: {\n\tid: \"0a1b2c3d4e5f60718293a4b5c6d7e8f9\"\n\torganization: session_duration: \"12h\"\n}\n",
	})
	state := filepath.Join(t.TempDir(), "empty.json") // no organization exists
	code, _, stderr := runCLI(t, nil, "plan", "--dir", dir, "--emulator", state)
	if code != ExitInvalid {
		t.Fatalf("exit %d, want 3:\n%s", code, stderr)
	}
	want := filepath.Join(dir, "a.cue") + ":3:2: account/fresh/organization: "
	if !strings.Contains(stderr, want) || !strings.Contains(stderr, "name and auth_domain are required") {
		t.Fatalf("stderr lacks %q and the reason:\n%s", want, stderr)
	}
}
