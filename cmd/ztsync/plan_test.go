package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
)

const (
	planProdID = "699d98642c564d2e855e9661899b7252"
	planZoneID = "023e105f4ecef8ad9ca31a8372d0c353"
)

// planConfig is a configuration with one account (organization, DoH) and
// one zone.
const planConfig = `
accounts: prod: {
	id: "699d98642c564d2e855e9661899b7252"
	organization: {
		name:             "Widget Corps"
		auth_domain:      "widgetcorps.cloudflareaccess.com"
		session_duration: "12h"
	}
	doh: doh_jwt_duration: "800h"
}
zones: "example.com": {
	id: "023e105f4ecef8ad9ca31a8372d0c353"
	organization: is_ui_read_only: true
}
`

// planState is emulator state in which only session_duration differs from
// planConfig.
const planState = `{
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
  },
  "zones": {
    "023e105f4ecef8ad9ca31a8372d0c353": {
      "organization": {"name": "example.com", "auth_domain": "example.cloudflareaccess.com", "is_ui_read_only": true}
    }
  }
}`

// planFixture writes cue as DIR/config.cue and state as the emulator file,
// and returns both paths.
func planFixture(t *testing.T, cue, state string) (dir, stateFile string) {
	t.Helper()
	root := configDir(t, map[string]string{"config/config.cue": cue, "live.json": state})
	return filepath.Join(root, "config"), filepath.Join(root, "live.json")
}

// planServer is an emulator behind a real HTTP server (token
// "right-token", opts otherwise) holding planState, and the command line
// that plans planConfig against it.
func planServer(t *testing.T, opts emulator.Options) (*emulator.Server, []string) {
	t.Helper()
	dir, stateFile := planFixture(t, planConfig, planState)
	opts.Token = "right-token"
	srv := emulator.NewServer(t, opts)
	st, err := os.Open(stateFile)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := srv.Emulator.LoadState(st); err != nil {
		t.Fatal(err)
	}
	return srv, []string{"plan", "--dir", dir, "--base-url", srv.URL}
}

// runPlanCmd runs `ztsync plan args...` with buffers and the given
// environment, and returns the exit code, stdout and stderr.
func runPlanCmd(t *testing.T, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, environ, append([]string{"plan"}, args...)...)
}

func TestPlanCommandText(t *testing.T) {
	t.Parallel()
	dir, state := planFixture(t, planConfig, planState)
	before, _ := os.ReadFile(state)
	code, stdout, stderr := runPlanCmd(t, nil, "--dir", dir, "--emulator", state)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"~ account/prod/organization will be updated",
		`session_duration: "24h" → "12h"`,
		"Plan: 0 to create, 1 to update, 0 revocations. 2 resources unchanged.",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "\x1b[") {
		t.Errorf("colour on a non-terminal:\n%q", stdout)
	}
	if strings.Contains(stderr, "exit 0") {
		t.Errorf("stderr has an exit line on success:\n%s", stderr)
	}
	// plan makes no change, so the state file is as it was.
	if after, _ := os.ReadFile(state); !bytes.Equal(before, after) {
		t.Errorf("plan changed the emulator state file")
	}
}

func TestPlanCommandJSON(t *testing.T) {
	t.Parallel()
	dir, state := planFixture(t, planConfig, planState)
	out := filepath.Join(t.TempDir(), "plan.json")
	code, stdout, stderr := runPlanCmd(t, nil, "--dir", dir, "--emulator", state, "--format", "json", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, stdout)
	}
	// docs/plan-format.md's shape: these keys, at these levels.
	wantKeys := map[string][]string{
		"":                   {"changes", "created_at", "declared", "fingerprint", "format_version", "source", "summary", "target", "tool_version", "warnings"},
		"source":             {"dir", "dirty"},
		"summary":            {"create", "revoke", "unchanged", "update"},
		"changes[0]":         {"action", "address", "body", "diff", "live_digest", "method", "path", "resource", "scope"},
		"changes[0].scope":   {"id", "kind", "name"},
		"changes[0].diff[0]": {"after", "before", "path"},
	}
	objects := map[string]map[string]any{"": got}
	objects["source"], _ = got["source"].(map[string]any)
	objects["summary"], _ = got["summary"].(map[string]any)
	changes, _ := got["changes"].([]any)
	if len(changes) != 1 {
		t.Fatalf("changes = %v, want one", got["changes"])
	}
	objects["changes[0]"], _ = changes[0].(map[string]any)
	objects["changes[0].scope"], _ = objects["changes[0]"]["scope"].(map[string]any)
	diffs, _ := objects["changes[0]"]["diff"].([]any)
	if len(diffs) > 0 {
		objects["changes[0].diff[0]"], _ = diffs[0].(map[string]any)
	}
	for where, keys := range wantKeys {
		have := slices.Sorted(maps.Keys(objects[where]))
		if d := cmp.Diff(slices.Sorted(slices.Values(keys)), have); d != "" {
			t.Errorf("keys of %q mismatch (-want +got):\n%s", where, d)
		}
	}
	c := objects["changes[0]"]
	wantChange := map[string]any{
		"address": "account/prod/organization", "resource": "organization", "action": "update",
		"method": "PUT", "path": "/accounts/" + planProdID + "/access/organizations",
		"body": map[string]any{
			"name": "Widget Corps", "auth_domain": "widgetcorps.cloudflareaccess.com",
			"session_duration":        "12h", // cache_device_posture is response-only: not sent
			"deny_unmatched_requests": false, "login_design": map[string]any{},
		},
		"diff": []any{map[string]any{"path": "session_duration", "before": "24h", "after": "12h"}},
	}
	for k, want := range wantChange {
		if d := cmp.Diff(want, c[k]); d != "" {
			t.Errorf("change %s mismatch (-want +got):\n%s", k, d)
		}
	}
	if got["format_version"] != "1" || got["tool_version"] != toolVersion() {
		t.Errorf("format_version %v, tool_version %v", got["format_version"], got["tool_version"])
	}
	wantSummary := map[string]any{"create": 0.0, "update": 1.0, "revoke": 0.0, "unchanged": 2.0}
	if d := cmp.Diff(wantSummary, objects["summary"]); d != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", d)
	}
	if strings.Contains(stdout, "ztsync:") || !strings.Contains(stderr, "Plan saved to "+out) {
		t.Errorf("logs must go to stderr only; stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}

	// --out holds the same plan, readable by apply, mode 0644.
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != stdout {
		t.Errorf("--out differs from --format json:\n%s", cmp.Diff(stdout, string(b)))
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o644 {
		t.Errorf("plan file mode %v, want 0644", st.Mode().Perm())
	}
	p, err := planner.ReadPlan(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ReadPlan(--out): %v", err)
	}
	if p.Fingerprint != planner.Fingerprint(p) || p.Source.Dir == "" {
		t.Errorf("plan file: %+v", p)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.tmp")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestPlanCommandMarkdown(t *testing.T) {
	t.Parallel()
	dir, state := planFixture(t, planConfig, planState)
	code, stdout, stderr := runPlanCmd(t, nil, "--dir", dir, "--emulator", state, "--format", "markdown")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "| `account/prod/organization` | update | `session_duration`") {
		t.Errorf("markdown lacks the table row:\n%s", stdout)
	}
}

func TestPlanCommandExitCodes(t *testing.T) {
	t.Parallel()
	noChange := strings.Replace(planConfig, `"12h"`, `"1440m"`, 1)
	tests := []struct {
		name     string
		cue      string
		args     []string
		want     int
		wantText string // in stderr
	}{
		{"changes, detailed", planConfig, []string{"--detailed-exitcode"}, ExitChanges, "ztsync: exit 2 (the plan has changes)"},
		{"changes, not detailed", planConfig, nil, ExitOK, ""},
		{"no changes, detailed", noChange, []string{"--detailed-exitcode"}, ExitOK, ""},
		{"invalid config", `accounts: prod: {id: "nope", organization: session_duration: "1 day"}`, nil, ExitInvalid, "exit 3"},
		{"create without name", `zones: "new.example": {id: "0123456789abcdef0123456789abcdef", organization: is_ui_read_only: true}`, nil, ExitInvalid,
			"zone/new.example/organization: the organization does not exist, so it would be created, and name and auth_domain are required"},
		{"target matching nothing", planConfig, []string{"--target", "account/dev"}, ExitInvalid, "--target account/dev: matches no declared resource"},
		{"bad format", planConfig, []string{"--format", "yaml"}, ExitInvalid, "--format must be text, json or markdown"},
		{"positional argument", planConfig, []string{"extra"}, ExitInvalid, `unexpected argument "extra"`},
		{"target", planConfig, []string{"--target", "zone", "--detailed-exitcode"}, ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, state := planFixture(t, tt.cue, planState)
			code, stdout, stderr := runPlanCmd(t, nil, append([]string{"--dir", dir, "--emulator", state}, tt.args...)...)
			if code != tt.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.wantText) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantText, stderr)
			}
		})
	}
}

func TestPlanCommandAPIFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		faults   []emulator.Fault
		args     []string
		want     int
		wantText []string // in stderr
	}{
		{
			name:   "429 then success",
			faults: []emulator.Fault{{Method: "GET", PathContains: "/zones/", Kind: emulator.RateLimit, RetryAfter: "0", Count: 2}},
			want:   ExitChanges,
		},
		{
			name:     "persistent 500",
			faults:   []emulator.Fault{{Method: "GET", PathContains: "/zones/", Kind: emulator.ServerError, Count: 100}},
			args:     []string{"--max-retries", "1"},
			want:     ExitError,
			wantText: []string{"read zone/example.com/organization", "500", "ztsync: exit 1"},
		},
		{
			name: "wrong token",
			args: []string{"--max-retries", "0"},
			want: ExitError,
			// Every read fails; which one is reported first depends on timing.
			wantText: []string{"ztsync plan: read ", "403", "Authentication error"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, args := planServer(t, emulator.Options{})
			for _, f := range tt.faults {
				srv.Emulator.InjectFault(f)
			}
			token := "right-token"
			if tt.name == "wrong token" {
				token = "wrong-token"
			}
			environ := map[string]string{"CLOUDFLARE_API_TOKEN": token}
			args = append(args, "--rate-limit", "0", "--detailed-exitcode")
			code, stdout, stderr := runCLI(t, environ, append(args, tt.args...)...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, stdout, stderr)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if strings.Contains(stdout+stderr, token) {
				t.Errorf("the token appears in the output")
			}
			if tt.want == ExitChanges && !strings.Contains(stdout, `session_duration: "24h" → "12h"`) {
				t.Errorf("plan after retries is wrong:\n%s", stdout)
			}
			if code == ExitError && stdout != "" {
				t.Errorf("a failed plan printed a plan:\n%s", stdout)
			}
			for _, r := range srv.Emulator.Requests() {
				if r.Method != "GET" {
					t.Errorf("plan made a %s %s", r.Method, r.Path)
				}
			}
		})
	}
}

func TestPlanCommandRevocationsAcrossCommits(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	dir := filepath.Join(repo, "zt")
	state := filepath.Join(t.TempDir(), "live.json")
	writeFile(t, state, planState)
	noChange := strings.Replace(planConfig, `"12h"`, `"24h"`, 1)
	writeFile(t, filepath.Join(dir, "config.cue"), noChange)
	gitCommit(t, repo, "one")
	writeFile(t, filepath.Join(dir, "config.cue"), noChange+`
accounts: prod: revoke: "bob@example.com": {devices: true, reason: "offboarded"}
zones: "example.com": revoke: "carol@example.com": {}
`)
	gitCommit(t, repo, "two")

	// With --base HEAD~1 both new entries are planned.
	out := filepath.Join(t.TempDir(), "plan.json")
	code, stdout, stderr := runPlanCmd(t, nil, "--dir", dir, "--emulator", state, "--base", "HEAD~1", "--out", out, "--detailed-exitcode")
	if code != ExitChanges {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	p := readPlan(t, out)
	var got []string
	for _, c := range p.Changes {
		got = append(got, c.Address)
	}
	want := []string{"account/prod/revoke/bob@example.com", "zone/example.com/revoke/carol@example.com"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("changes mismatch (-want +got):\n%s\n%s", d, stdout)
	}
	if p.Source.Base != "HEAD~1" || len(p.Source.Commit) != 40 || p.Source.Dirty {
		t.Errorf("source = %+v, want base HEAD~1, a commit, clean", p.Source)
	}
	if body := p.Changes[0].Body; body["email"] != "bob@example.com" || body["devices"] != true {
		t.Errorf("revoke body = %v", body)
	}

	// --base HEAD: nothing new, nothing planned.
	code, stdout, stderr = runPlanCmd(t, nil, "--dir", dir, "--emulator", state, "--base", "HEAD", "--detailed-exitcode")
	if code != ExitOK || !strings.Contains(stdout, "No changes.") {
		t.Errorf("--base HEAD: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// Without --base: a warning, nothing planned.
	code, stdout, _ = runPlanCmd(t, nil, "--dir", dir, "--emulator", state, "--detailed-exitcode")
	if code != ExitOK || !strings.Contains(stdout, "2 revocations declared; none planned without --base") {
		t.Errorf("no --base: exit %d\n%s", code, stdout)
	}

	// A ref that does not resolve: a clear error, exit 3.
	code, _, stderr = runPlanCmd(t, nil, "--dir", dir, "--emulator", state, "--base", "nonexistent")
	if code != ExitInvalid || !strings.Contains(stderr, "--base nonexistent") || !strings.Contains(stderr, "fetch-depth") {
		t.Errorf("--base nonexistent: exit %d\n%s", code, stderr)
	}

	// A dirty worktree is recorded.
	writeFile(t, filepath.Join(dir, "config.cue"), noChange)
	code, stdout, stderr = runPlanCmd(t, nil, "--dir", dir, "--emulator", state, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, `"dirty": true`) {
		t.Errorf("dirty worktree not recorded:\n%s", stdout)
	}
}

func TestPlanCommandOutsideGit(t *testing.T) {
	t.Parallel()
	dir, state := planFixture(t, planConfig, planState)
	code, stdout, stderr := runPlanCmd(t, nil, "--dir", dir, "--emulator", state, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var p planner.Plan
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatal(err)
	}
	if p.Source.Commit != "" || p.Source.Dir != filepath.ToSlash(dir) {
		t.Errorf("source = %+v", p.Source)
	}
}
