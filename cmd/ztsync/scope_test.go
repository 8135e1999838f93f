package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// scopeFleetCUE declares 6 accounts (a0…a5) and 4 zones (z0…z3). Accounts
// a0-a2 use #Shared's default session_duration; the others override it.
func scopeFleetCUE(sharedSession, a4Name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package ztsync\n\n#Shared: {session_duration: *%q | string, ...}\n\n", sharedSession)
	for i := range 6 {
		name := fmt.Sprintf("Acct %d", i)
		if i == 4 {
			name = a4Name
		}
		override := ""
		if i >= 3 {
			override = `, session_duration: "8h"`
		}
		fmt.Fprintf(&b, "accounts: a%d: {id: %q, organization: #Shared & {name: %q, auth_domain: \"a%d.cloudflareaccess.com\"%s}, doh: doh_jwt_duration: \"800h\"}\n",
			i, fmt.Sprintf("%032x", 0xa0+i), name, i, override)
	}
	for i := range 4 {
		fmt.Fprintf(&b, "zones: \"z%d.example\": {id: %q, organization: is_ui_read_only: true}\n", i, fmt.Sprintf("%032x", 0xf0+i))
	}
	return b.String()
}

// scopeRepo is a git repository with three commits of scopeFleetCUE:
// HEAD~2 the start, HEAD~1 renames a4, HEAD changes #Shared's default.
func scopeRepo(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	dir := filepath.Join(repo, "zt")
	for i, src := range []string{
		scopeFleetCUE("24h", "Acct 4"),
		scopeFleetCUE("24h", "Renamed 4"),
		scopeFleetCUE("12h", "Renamed 4"),
	} {
		writeFile(t, filepath.Join(dir, "config.cue"), src)
		gitCommit(t, repo, fmt.Sprintf("c%d", i))
	}
	return dir
}

// scopeEmulator serves live state equal to the first commit.
func scopeEmulator(t *testing.T) *emulator.Server {
	t.Helper()
	srv := emulator.NewServer(t, emulator.Options{Limit: emulator.Limit{Requests: 1200, Window: 5 * time.Minute}})
	for i := range 6 {
		id := fmt.Sprintf("%032x", 0xa0+i)
		session := "24h"
		if i >= 3 {
			session = "8h"
		}
		srv.SetOrganization(schema.KindAccount, id, schema.Object{"name": fmt.Sprintf("Acct %d", i),
			"auth_domain": fmt.Sprintf("a%d.cloudflareaccess.com", i), "session_duration": session})
		srv.SetDoH(id, schema.Object{"doh_jwt_duration": "800h"})
	}
	for i := range 4 {
		srv.SetOrganization(schema.KindZone, fmt.Sprintf("%032x", 0xf0+i), schema.Object{"name": "z", "auth_domain": "z.cloudflareaccess.com", "is_ui_read_only": true})
	}
	return srv
}

// readScopes returns the scope ids the emulator was asked for, sorted,
// and forgets the requests.
func readScopes(t *testing.T, srv *emulator.Server) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("plan made a %s %s", r.Method, r.Path)
		}
		parts := strings.Split(r.Path, "/")
		seen[parts[4]] = true // /client/v4/{accounts|zones}/{id}/...
	}
	srv.ResetRequests()
	return slices.Sorted(func(yield func(string) bool) {
		for k := range seen {
			if !yield(k) {
				return
			}
		}
	})
}

func ids(n ...int) []string {
	var out []string
	for _, i := range n {
		out = append(out, fmt.Sprintf("%032x", i))
	}
	slices.Sort(out)
	return out
}

// TestPlanBaseReadsOnlyChangedScopes: `plan --base REV` on a real git
// repository reads only the scopes whose evaluated configuration changed
// (one renamed scope; a shared default used by three), records the
// coverage in every format, and apply writes exactly what the plan
// covers; --all reads every scope; the shards split every scope between
// them.
func TestPlanBaseReadsOnlyChangedScopes(t *testing.T) {
	t.Parallel()
	dir := scopeRepo(t)
	srv := scopeEmulator(t)
	environ := map[string]string{"CLOUDFLARE_API_TOKEN": "t"}
	plan := func(args ...string) (*planner.Plan, string, string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "plan.json")
		code, stdout, stderr := runCLI(t, environ, append([]string{"plan", "--dir", dir, "--base-url", srv.URL, "--out", out}, args...)...)
		if code != ExitOK {
			t.Fatalf("plan %v: exit %d\n%s", args, code, stderr)
		}
		return readPlan(t, out), stdout, stderr
	}

	// One scope renamed (within a --target): only it is read.
	p, _, _ := plan("--base", "HEAD~2", "--target", "account/a4")
	if got := readScopes(t, srv); !cmp.Equal(got, ids(0xa4)) || len(p.Changes) != 1 {
		t.Errorf("--base HEAD~2 --target account/a4 read %v, planned %d changes", got, len(p.Changes))
	}
	// The shared default used by three scopes: those three are read.
	p, stdout, stderr := plan("--base", "HEAD~1")
	if got := readScopes(t, srv); !cmp.Equal(got, ids(0xa0, 0xa1, 0xa2)) {
		t.Errorf("--base HEAD~1 (shared default used by 3) read scopes %v, want a0-a2", got)
	}
	if p.Coverage == nil || !cmp.Equal(p.Coverage.Scopes, []string{"account/a0", "account/a1", "account/a2"}) || p.Coverage.Unread != 7 {
		t.Fatalf("coverage %+v", p.Coverage)
	}
	if len(p.Changes) != 3 || p.Declared != 16 || p.Summary.Unchanged != 3 {
		t.Errorf("changes %d, declared %d, unchanged %d; want 3 updates of session_duration, all 16 resources declared, and 3 unchanged (the DoH of a0-a2: unread scopes are not counted)",
			len(p.Changes), p.Declared, p.Summary.Unchanged)
	}
	if !strings.Contains(stdout, "Plan: 0 to create, 3 to update, 0 revocations. 3 resources unchanged.") {
		t.Errorf("text plan counts unread resources as unchanged:\n%s", stdout)
	}
	if !strings.Contains(stdout, "Read 3 of 10 scopes (account/a0, account/a1, account/a2); 7 left unread: unchanged since HEAD~1.") {
		t.Errorf("text plan lacks the coverage line:\n%s", stdout)
	}
	if !strings.Contains(stderr, "note: reading 3 of 10 scopes; 7 left unread: unchanged since HEAD~1") {
		t.Errorf("stderr lacks the note:\n%s", stderr)
	}

	// Two commits back: the rename and the shared default.
	p, _, _ = plan("--base", "HEAD~2")
	if got := readScopes(t, srv); !cmp.Equal(got, ids(0xa0, 0xa1, 0xa2, 0xa4)) {
		t.Errorf("--base HEAD~2 read %v, want a0-a2 and a4", got)
	}
	if len(p.Changes) != 4 {
		t.Errorf("--base HEAD~2: %d changes, want 4", len(p.Changes))
	}

	// Apply writes exactly what the plan covers.
	out := filepath.Join(t.TempDir(), "r.json")
	if code, _, stderr := runCLI(t, environ, "plan", "--dir", dir, "--base-url", srv.URL, "--base", "HEAD~1", "--out", out); code != ExitOK {
		t.Fatalf("plan: %s", stderr)
	}
	srv.ResetRequests()
	if code, _, stderr := runCLI(t, environ, "apply", out, "--base-url", srv.URL); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	for _, r := range srv.Requests() {
		if r.Method == "PUT" && !slices.Contains(ids(0xa0, 0xa1, 0xa2), strings.Split(r.Path, "/")[4]) {
			t.Errorf("apply wrote outside the plan's coverage: %s %s", r.Method, r.Path)
		}
	}
	if n := srv.Count("PUT", ""); n != 3 {
		t.Errorf("apply made %d PUTs, want 3", n)
	}
	srv.ResetRequests()

	// --all reads all ten scopes and records no coverage.
	p, _, _ = plan("--base", "HEAD~1", "--all")
	if got := readScopes(t, srv); len(got) != 10 || p.Coverage != nil {
		t.Errorf("--all read %d scopes, coverage %+v", len(got), p.Coverage)
	}

	// Two shards read every scope once between them.
	var all []string
	for _, k := range []string{"1/2", "2/2"} {
		p, _, _ = plan("--shard", k)
		got := readScopes(t, srv)
		if p.Coverage == nil || p.Coverage.Shard != k || len(p.Coverage.Scopes) != len(got) {
			t.Errorf("--shard %s: coverage %+v, read %d scopes", k, p.Coverage, len(got))
		}
		all = append(all, got...)
	}
	slices.Sort(all)
	if want := ids(0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xf0, 0xf1, 0xf2, 0xf3); !cmp.Equal(all, want) {
		t.Errorf("shards together read %v, want every scope once", all)
	}
	if n := srv.Throttled(); n != 0 {
		t.Errorf("%d 429s", n)
	}

	code, _, stderr := runCLI(t, environ, "plan", "--dir", dir, "--base-url", srv.URL, "--shard", "3/2")
	if code != ExitInvalid || !strings.Contains(stderr, "1 ≤ K ≤ N") {
		t.Errorf("--shard 3/2: exit %d\n%s", code, stderr)
	}
}
