package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue/parser"

	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/schema"
)

const (
	exportAccountID = "699d98642c564d2e855e9661899b7252"
	exportZoneID    = "023e105f4ecef8ad9ca31a8372d0c353"
	exportToken     = "sekrit-token-value"
)

// exportState is an emulator state file: one account with organization
// and DoH.
const exportState = `{
  "accounts": {
    "699d98642c564d2e855e9661899b7252": {
      "organization": {
        "name": "Widget Corps",
        "auth_domain": "widgetcorps.cloudflareaccess.com",
        "session_duration": "24h",
        "cache_device_posture": true,
        "created_at": "2024-09-05T03:00:41Z",
        "updated_at": "2025-01-23T22:25:57Z"
      },
      "doh": {"id": "3e1b6a1c-5d4e-4a34-9a2c-0c9c8f0e1d2b", "doh_jwt_duration": "800h"}
    }
  }
}`

// exportServer is an emulator holding one account (organization with
// unknown fields, a duration in minutes, false booleans; DoH) and one zone.
func exportServer(t *testing.T) (*emulator.Server, map[string]string) {
	t.Helper()
	srv := emulator.NewServer(t, emulator.Options{Token: exportToken})
	srv.SetOrganization(schema.KindAccount, exportAccountID, schema.Object{
		"name":                        "Widget Corps",
		"auth_domain":                 "widgetcorps.cloudflareaccess.com",
		"session_duration":            "1440m",
		"allow_authenticate_via_warp": true,
		"auto_redirect_to_identity":   false,
		"deny_unmatched_requests":     false,
		"login_design":                schema.Object{"header_text": "Welcome"},
		"cache_device_posture":        true,
		"mfa_config":                  schema.Object{"session_duration": "24h"},
		"created_at":                  "2024-09-05T03:00:41Z",
	})
	srv.SetDoH(exportAccountID, schema.Object{"id": "3e1b6a1c-5d4e-4a34-9a2c-0c9c8f0e1d2b", "name": "doh", "doh_jwt_duration": "800h"})
	srv.SetOrganization(schema.KindZone, exportZoneID, schema.Object{
		"name":            "example.com",
		"auth_domain":     "example.cloudflareaccess.com",
		"is_ui_read_only": true,
	})
	return srv, map[string]string{"CLOUDFLARE_BASE_URL": srv.URL, "CLOUDFLARE_API_TOKEN": exportToken}
}

// squash collapses runs of blanks, so that checks do not depend on how
// cue/format aligns values.
func squash(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' }), " ")
}

// TestExportCommand exports through the API (an emulator at
// CLOUDFLARE_BASE_URL), then validates the output and plans it against the
// same API: "No changes.".
func TestExportCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		want     []string
		dontWant []string
		gets     int
	}{
		{
			name: "account",
			args: []string{"--account", exportAccountID},
			want: []string{
				"// Exported by ztsync export from " + "http://127.0.0.1:",
				"package ztsync",
				"accounts: widgetcorps: {",
				`session_duration:            "1440m"`,
				"allow_authenticate_via_warp: true",
				`login_design: header_text:   "Welcome"`,
				`doh_jwt_duration: "800h"`,
				`service_token_id: "3e1b6a1c-5d4e-4a34-9a2c-0c9c8f0e1d2b"`,
				`mfa_config: session_duration: "24h"`,
			},
			// cache_device_posture is response-only: no "not managed" note.
			dontWant: []string{"created_at", "auto_redirect_to_identity", "deny_unmatched_requests:", "cache_device_posture", exportToken},
			gets:     2,
		},
		{
			name:     "account all fields",
			args:     []string{"--account", exportAccountID, "--all-fields", "--name", "prod"},
			want:     []string{"accounts: prod: {", "auto_redirect_to_identity:   false", "deny_unmatched_requests:     false", "is_ui_read_only:             false"},
			dontWant: []string{exportToken},
			gets:     2,
		},
		{
			name:     "zone",
			args:     []string{"--zone", exportZoneID, "--name", "example.com"},
			want:     []string{`zones: "example.com": {`, "is_ui_read_only: true"},
			dontWant: []string{"doh", "session_duration", exportToken},
			gets:     1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, environ := exportServer(t)
			code, stdout, stderr := runCLI(t, environ, append([]string{"export"}, tt.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(squash(stdout), squash(w)) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(stdout, w) || strings.Contains(stderr, w) {
					t.Errorf("output holds %q:\n%s\nstderr:\n%s", w, stdout, stderr)
				}
			}
			if got := len(srv.Requests()); got != tt.gets {
				t.Errorf("export made %d requests, want %d GETs: %+v", got, tt.gets, srv.Requests())
			}
			for _, r := range srv.Requests() {
				if r.Method != "GET" {
					t.Errorf("export made a %s request to %s", r.Method, r.Path)
				}
			}
			if _, err := parser.ParseFile("export.cue", stdout, parser.ParseComments); err != nil {
				t.Fatalf("output does not parse: %v", err)
			}

			dir := configDir(t, map[string]string{"export.cue": stdout})
			code, vout, verr := runCLI(t, nil, "validate", "--dir", dir)
			if code != ExitOK {
				t.Fatalf("validate: exit %d\n%s%s", code, vout, verr)
			}
			code, pout, perr := runCLI(t, environ, "plan", "--dir", dir, "--rate-limit", "0")
			if code != ExitOK || !strings.Contains(pout, "No changes.") {
				t.Errorf("plan: exit %d, want 0 and No changes:\n%s%s", code, pout, perr)
			}
		})
	}
}

// TestExportCommandEmulatorFile exports from an --emulator state file to
// --out, then plans the result against the same file.
func TestExportCommandEmulatorFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	state := filepath.Join(root, "live.json")
	writeFile(t, state, exportState)
	before, _ := os.ReadFile(state)
	dir := filepath.Join(root, "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "prod.cue")
	code, stdout, stderr := runCLI(t, nil, "export", "--account", exportAccountID, "--emulator", state, "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("export --out printed to stdout:\n%s", stdout)
	}
	if !strings.Contains(stderr, "Wrote account "+exportAccountID+" to "+out) {
		t.Errorf("stderr does not say where it wrote:\n%s", stderr)
	}
	src, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"from emulator at ", "accounts: widgetcorps: {", `session_duration: "24h"`, `doh_jwt_duration: "800h"`} {
		if !strings.Contains(string(src), w) {
			t.Errorf("%s lacks %q:\n%s", out, w, src)
		}
	}
	code, pout, perr := runCLI(t, nil, "plan", "--dir", dir, "--emulator", state)
	if code != ExitOK || !strings.Contains(pout, "No changes.") {
		t.Errorf("plan: exit %d, want 0 and No changes:\n%s%s", code, pout, perr)
	}
	if after, _ := os.ReadFile(state); !bytes.Equal(before, after) {
		t.Errorf("export or plan changed the emulator state file")
	}
}

func TestExportCommandErrors(t *testing.T) {
	t.Parallel()
	_, environ := exportServer(t)
	const missing = "00000000000000000000000000000001"
	tests := []struct {
		name    string
		environ map[string]string
		args    []string
		code    int
		stderr  string
	}{
		{"no scope", environ, nil, ExitInvalid, "give --account ID or --zone ID"},
		{"both scopes", environ, []string{"--account", exportAccountID, "--zone", exportZoneID}, ExitInvalid, "not both"},
		{"short id", environ, []string{"--account", "abc"}, ExitInvalid, `--account "abc" is not an id`},
		{"upper-case id", environ, []string{"--zone", strings.ToUpper(exportZoneID)}, ExitInvalid, "is not an id"},
		{"bad name", environ, []string{"--account", exportAccountID, "--name", "my account"}, ExitInvalid, `--name "my account" must be`},
		{"leading dot name", environ, []string{"--account", exportAccountID, "--name", ".x"}, ExitInvalid, `--name ".x" must be`},
		{"positional argument", environ, []string{"--account", exportAccountID, "extra"}, ExitInvalid, `unexpected argument "extra"`},
		{"unknown flag", environ, []string{"--acount", exportAccountID}, ExitInvalid, "unknown flag --acount; did you mean --account?"},
		{"missing organization", environ, []string{"--account", missing}, ExitError, "account " + missing + " has no Zero Trust organization"},
		{"missing zone organization", environ, []string{"--zone", missing}, ExitError, "zone " + missing + " has no Zero Trust organization"},
		{"bad token", map[string]string{"CLOUDFLARE_BASE_URL": environ["CLOUDFLARE_BASE_URL"], "CLOUDFLARE_API_TOKEN": "wrong-token"}, []string{"--account", exportAccountID}, ExitError, "read the organization of account"},
		{"no credentials", map[string]string{}, []string{"--account", exportAccountID}, ExitError, "no Cloudflare credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, tt.environ, append([]string{"export", "--max-retries", "0"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout not empty on error:\n%s", stdout)
			}
			for _, secret := range []string{exportToken, "wrong-token"} {
				if strings.Contains(stderr, secret) {
					t.Errorf("stderr holds the token:\n%s", stderr)
				}
			}
		})
	}
}

func TestExportCommandHelp(t *testing.T) {
	t.Parallel()
	code, stderr, _ := runCLI(t, nil, "export", "-h")
	if code != ExitOK {
		t.Errorf("exit %d, want 0", code)
	}
	for _, w := range []string{"usage: ztsync export (--account ID | --zone ID)", "--all-fields", "example:", "ztsync export --account 699d98642c564d2e855e9661899b7252"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("help lacks %q:\n%s", w, stderr)
		}
	}
}
