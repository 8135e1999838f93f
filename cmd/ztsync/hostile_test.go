package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// The hostile suite: bad, tampered, concurrent or faulty input, each with
// the exit code it must give, what it must say, and how many writes it may
// make (the emulator's request log). Add a case for every hostile
// situation found; never remove one. docs/security.md describes the
// threats.

// hostileToken is the API token of the suite; it must never be printed, in
// any form.
const hostileToken = "hostile-T0KEN-6b1d9e2f4a"

// hostileConfig changes prod's organization and DoH.
const hostileConfig = `
accounts: prod: {
	id: "699d98642c564d2e855e9661899b7252"
	organization: {
		name:             "Widget Corps"
		session_duration: "12h"
	}
	doh: doh_jwt_duration: "800h"
}
`

// hostileRevocation adds a revocation to hostileConfig's account.
const hostileRevocation = `
accounts: prod: revoke: "bob@example.com": {
	devices: true
	reason:  "offboarded"
}
`

// hostile is one case's world: an emulator behind a real HTTP server, a
// configuration directory in a git repository, and the command line.
type hostile struct {
	t    *testing.T
	srv  *emulator.Server
	dir  string // configuration directory
	tmp  string // scratch directory for plan files
	env  map[string]string
	mark int // requests before the step under test
}

func newHostile(t *testing.T) *hostile {
	t.Helper()
	srv := emulator.NewServer(t, emulator.Options{Token: hostileToken})
	srv.SetOrganization(schema.KindAccount, applyProdID, schema.Object{
		"name":             "Widget Corps",
		"auth_domain":      "widget.cloudflareaccess.com",
		"session_duration": "24h",
		"is_ui_read_only":  false,
		"created_at":       "2024-01-01T00:00:00Z",
		"updated_at":       "2024-01-01T00:00:00Z",
	})
	srv.SetDoH(applyProdID, schema.Object{"doh_jwt_duration": "24h"})
	repo := t.TempDir()
	h := &hostile{
		t: t, srv: srv, dir: filepath.Join(repo, "zt"), tmp: t.TempDir(),
		env: map[string]string{"CLOUDFLARE_API_TOKEN": hostileToken, "CLOUDFLARE_BASE_URL": srv.URL},
	}
	h.write("org.cue", hostileConfig)
	return h
}

// write writes a configuration file.
func (h *hostile) write(name, content string) {
	h.t.Helper()
	writeFile(h.t, filepath.Join(h.dir, name), content)
}

// commit commits the configuration (making the repository on first use).
func (h *hostile) commit(msg string) {
	h.t.Helper()
	gitCommit(h.t, filepath.Dir(h.dir), msg)
}

// cli runs ztsync in-process with the case's environment.
func (h *hostile) cli(args ...string) cliResult {
	h.t.Helper()
	return h.cliCtx(context.Background(), args...)
}

func (h *hostile) cliCtx(ctx context.Context, args ...string) cliResult {
	return runEnv(ctx, &env{getenv: func(k string) string { return h.env[k] }}, args...)
}

// must runs a set-up step that has to succeed.
func (h *hostile) must(args ...string) cliResult {
	h.t.Helper()
	r := h.cli(args...)
	if r.code != ExitOK && r.code != ExitChanges {
		h.t.Fatalf("set-up step %v: %s", args, r)
	}
	return r
}

// step runs the step under test: writes are counted from here.
func (h *hostile) step(args ...string) cliResult {
	h.t.Helper()
	h.mark = len(h.srv.Requests())
	return h.cli(args...)
}

// stepWithin runs the step under test and fails the test when it has not
// ended within ten seconds (it blocks, say, opening a named pipe).
func (h *hostile) stepWithin(args ...string) cliResult {
	h.t.Helper()
	done := make(chan cliResult, 1)
	go func() { done <- h.step(args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(10 * time.Second):
		h.t.Fatalf("%v still runs after 10s", args)
		return cliResult{}
	}
}

// writes counts the PUTs and POSTs since the step under test started.
func (h *hostile) writes() int {
	n := 0
	for _, r := range h.srv.Requests()[h.mark:] {
		if r.Method != http.MethodGet {
			n++
		}
	}
	return n
}

// planFile makes a plan file of the configuration and returns its path.
func (h *hostile) planFile(extra ...string) string {
	h.t.Helper()
	out := filepath.Join(h.tmp, "plan.json")
	h.must(append([]string{"plan", "--dir", h.dir, "--out", out}, extra...)...)
	return out
}

// revocationPlan makes a plan file that only revokes (bob, added in the
// last commit).
func (h *hostile) revocationPlan() string {
	h.t.Helper()
	h.commit("base")
	h.write("revoke.cue", hostileRevocation)
	h.commit("revoke bob")
	return h.planFile("--base", "HEAD~1", "--target", "account/prod/revoke")
}

// editPlan rewrites the plan file through f (see editPlan).
func (h *hostile) editPlan(path string, refingerprint bool, f func(p *planner.Plan)) {
	h.t.Helper()
	editPlan(h.t, path, refingerprint, f)
}

// hostileServer points the case at a server that answers as a hostile
// one (or a proxy) could: an organization GET fails with a pointer that
// forges a workflow command and a message carrying the token
// JSON-escaped; a DoH GET fails with an HTML-ish body carrying the token
// raw and escaped after 190 characters, where a cut excerpt ends. With
// orgOK the organization GET succeeds, so the DoH GET is made.
func (h *hostile) hostileServer(orgOK bool) {
	escaped := strings.ReplaceAll(hostileToken, "-", `\u002d`)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/doh") {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, strings.Repeat("x", 190)+hostileToken+" "+escaped)
			return
		}
		if orgOK {
			fmt.Fprint(w, `{"success":true,"errors":[],"result":{"name":"Widget Corps","auth_domain":"widget.cloudflareaccess.com","session_duration":"24h"}}`)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"success":false,"result":null,"errors":[{"code":1,"message":"bad %s","source":{"pointer":"/a\n::error file=a.cue,line=1::forged\u001b[2J"}}]}`, escaped)
	}))
	h.t.Cleanup(api.Close)
	h.env["CLOUDFLARE_BASE_URL"] = api.URL
}

// hostileCase is one row of the suite.
type hostileCase struct {
	name string
	// run sets the case up and runs the step under test (h.step).
	run func(h *hostile) cliResult
	// code is the exit code the step must give.
	code int
	// says must appear in its output (stdout and stderr).
	says []string
	// writes is how many writes the step may make.
	writes int
	// check, when set, checks more.
	check func(t *testing.T, h *hostile, r cliResult)
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{
			// Issue: a revocation-only plan applied twice revoked twice
			// (nothing live moves, so the stale check passed).
			name: "revocation plan applied twice",
			run: func(h *hostile) cliResult {
				h.commit("base")
				h.must("apply", "--dir", h.dir, "--auto-approve")
				h.write("revoke.cue", hostileRevocation)
				h.commit("revoke bob")
				plan := h.planFile("--base", "HEAD~1")
				h.must("apply", plan)
				return h.step("apply", plan)
			},
			code:   ExitRefused,
			says:   []string{"was already applied at", "1 applied", "a plan is applied once", "plan.json.applied"},
			writes: 0,
			check: func(t *testing.T, h *hostile, r cliResult) {
				if n := len(h.srv.Revocations()); n != 1 {
					t.Errorf("%d revocations, want 1", n)
				}
			},
		},
		{
			// A plan whose apply failed half-way is not applied again
			// either: what it did is done, the rest needs a new plan.
			name: "partly applied plan applied again",
			run: func(h *hostile) cliResult {
				plan := h.planFile()
				h.srv.InjectFault(emulator.Fault{Method: "PUT", PathContains: "/doh", Kind: emulator.SuccessFalse})
				if r := h.cli("apply", plan); r.code != ExitError {
					h.t.Fatalf("first apply: want exit 1: %s", r)
				}
				return h.step("apply", plan)
			},
			code:   ExitRefused,
			says:   []string{"was already applied at", "1 applied", "1 failed", "run plan again for what is left"},
			writes: 0,
		},
		{
			// Issue: "declared": 1000 switched the mass-change guard off
			// unnoticed; the fingerprint now covers it.
			name: "declared raised in the plan file",
			run: func(h *hostile) cliResult {
				plan := h.planFile()
				h.editPlan(plan, false, func(p *planner.Plan) { p.Declared = 1000 })
				return h.step("apply", plan)
			},
			code:   ExitInvalid,
			says:   []string{"plan file was modified after it was made"},
			writes: 0,
		},
		{
			// Issue: with a recomputed fingerprint, a body that adds a
			// risky field and an unmanaged one beside the diff's
			// session_duration was applied.
			name: "body beyond the diff, fingerprint recomputed",
			run: func(h *hostile) cliResult {
				plan := h.planFile()
				h.editPlan(plan, true, func(p *planner.Plan) {
					p.Changes[0].Body["is_ui_read_only"] = true
					p.Changes[0].Body["mfa_config"] = map[string]any{"allowed_authenticators": []any{"sms"}}
				})
				return h.step("apply", plan)
			},
			code:   ExitRefused,
			says:   []string{"does not match the live object plus the plan's diff", "is_ui_read_only", "mfa_config"},
			writes: 0,
		},
		{
			// Issue: --target made the declared count small enough to turn
			// the mass-change guard off.
			name: "target does not lift the mass-change guard",
			run: func(h *hostile) cliResult {
				var cfg strings.Builder
				var targets []string
				for i := range 12 {
					id := fmt.Sprintf("%032x", i+1)
					h.srv.SetOrganization(schema.KindAccount, id, schema.Object{"name": "A", "auth_domain": "a.cloudflareaccess.com", "session_duration": "24h"})
					fmt.Fprintf(&cfg, "accounts: a%d: {id: %q, organization: session_duration: \"12h\"}\n", i, id)
					if i < 10 {
						targets = append(targets, "--target", fmt.Sprintf("account/a%d", i))
					}
				}
				h.write("org.cue", cfg.String())
				return h.step(append([]string{"apply", "--dir", h.dir, "--auto-approve"}, targets...)...)
			},
			code:   ExitRefused,
			says:   []string{"refusing to change 10 of 12 declared resources", "mass-change guard"},
			writes: 0,
		},
		{
			// Issue: two applies to different fields both reported
			// applied; the first was silently reverted.
			name: "second apply of a plan made before another apply",
			run: func(h *hostile) cliResult {
				first := h.planFile()
				second := filepath.Join(h.tmp, "second.json")
				h.write("org.cue", strings.Replace(hostileConfig, `session_duration: "12h"`, `session_duration: "24h"
		is_ui_read_only: true
		ui_read_only_toggle_reason: "freeze"`, 1))
				h.must("plan", "--dir", h.dir, "--out", second)
				h.must("apply", first)
				return h.step("apply", second)
			},
			code:   ExitRefused,
			says:   []string{"plan is stale", "account/prod/organization changed (session_duration)", "nothing was written"},
			writes: 0,
			check: func(t *testing.T, h *hostile, r cliResult) {
				org, _ := h.srv.Organization(schema.KindAccount, applyProdID)
				if org["session_duration"] != "12h" {
					t.Errorf("the first apply's session_duration was reverted to %v", org["session_duration"])
				}
			},
		},
		{
			// Issue: a PUT whose answer was lost was sent five times and
			// reported failed although it was applied.
			name: "organization PUT applied, answer lost",
			run: func(h *hostile) cliResult {
				plan := h.planFile()
				h.srv.InjectFault(emulator.Fault{Method: "PUT", PathContains: applyProdID + "/access/organizations", Kind: emulator.DropAfterApply, Count: 10})
				return h.step("apply", plan)
			},
			code:   ExitOK,
			says:   []string{"the answer to the write was lost; reading it back shows it applied", "2 applied, 0 failed"},
			writes: 2, // one organization PUT, one DoH PUT
		},
		{
			name: "DoH PUT applied, answer lost",
			run: func(h *hostile) cliResult {
				plan := h.planFile()
				h.srv.InjectFault(emulator.Fault{Method: "PUT", PathContains: "/doh", Kind: emulator.DropAfterApply, Count: 10})
				return h.step("apply", plan)
			},
			code:   ExitOK,
			says:   []string{"the answer to the write was lost; reading it back shows it applied"},
			writes: 2,
		},
		{
			// Issue: --emulator /dev/zero read without limit.
			name: "emulator state /dev/zero",
			run: func(h *hostile) cliResult {
				return h.step("plan", "--dir", h.dir, "--emulator", "/dev/zero")
			},
			code: ExitInvalid,
			says: []string{"/dev/zero is not a regular file"},
		},
		{
			name: "emulator state over the size cap",
			run: func(h *hostile) cliResult {
				big := filepath.Join(h.tmp, "big.json")
				f, err := os.Create(big)
				if err != nil {
					h.t.Fatal(err)
				}
				if err := f.Truncate(emulator.MaxStateFileSize + 1); err != nil {
					h.t.Fatal(err)
				}
				f.Close()
				return h.step("plan", "--dir", h.dir, "--emulator", big)
			},
			code: ExitInvalid,
			says: []string{"is larger than 64 MiB; not an emulator state file"},
		},
		{
			// Opening a named pipe blocks until a writer comes: the state
			// file was opened before it was checked, and a plan waited
			// for ever.
			name: "emulator state is a named pipe",
			run: func(h *hostile) cliResult {
				fifo := filepath.Join(h.tmp, "state.json")
				mkfifo(h.t, fifo)
				return h.stepWithin("plan", "--dir", h.dir, "--emulator", fifo)
			},
			code: ExitInvalid,
			says: []string{"state.json is not a regular file"},
		},
		{
			// An apply blocked opening a named pipe had written nothing,
			// yet its first interrupt waited for a write in flight.
			name: "plan file is a named pipe",
			run: func(h *hostile) cliResult {
				fifo := filepath.Join(h.tmp, "fifo.json")
				mkfifo(h.t, fifo)
				return h.stepWithin("apply", fifo)
			},
			code: ExitInvalid,
			says: []string{"fifo.json is not a regular file"},
		},
		{
			// Issue: errors[].source.pointer was printed raw: a newline in
			// it forged a ::error line. The message carries the token
			// JSON-escaped (\u002d).
			name: "error pointer forges a workflow command",
			run: func(h *hostile) cliResult {
				h.hostileServer(false)
				return h.step("plan", "--dir", h.dir, "--max-retries", "0")
			},
			code: ExitError,
			says: []string{`at /a\n::error file=a.cue,line=1::forged\x1b[2J`, "bad [REDACTED]"},
		},
		{
			// Issue: an excerpt was cut before scrubbing, leaving the
			// token's first characters; --debug printed a JSON-escaped
			// token as it was.
			name: "token past an excerpt's cut, with --debug",
			run: func(h *hostile) cliResult {
				h.hostileServer(true)
				return h.step("plan", "--dir", h.dir, "--max-retries", "0", "--debug")
			},
			code: ExitError,
			says: []string{"502 Bad Gateway", "[REDACTED]", "cfapi response"},
		},
		{
			// Issue: a --base-url with ?token=… was echoed.
			name: "base URL with the token in its query",
			run: func(h *hostile) cliResult {
				return h.step("plan", "--dir", h.dir, "--base-url", h.srv.URL+"/?token="+hostileToken)
			},
			code: ExitInvalid,
			says: []string{"?token=REDACTED", "user info, query and fragment are not allowed"},
		},
		{
			name: "base URL with the token as its password",
			run: func(h *hostile) cliResult {
				return h.step("plan", "--dir", h.dir, "--base-url", "https://ci:"+hostileToken+"@api.example.com/client/v4")
			},
			code: ExitInvalid,
			says: []string{"https://REDACTED@api.example.com/client/v4"},
		},
		{
			// A revocation retargeted at someone else, fingerprint
			// recomputed: its address no longer fits, so the file is
			// refused as it is read.
			name: "revocation of another email, fingerprint recomputed",
			run: func(h *hostile) cliResult {
				plan := h.revocationPlan()
				h.editPlan(plan, true, func(p *planner.Plan) {
					p.Changes[0].Body["email"] = "ceo@example.com"
				})
				return h.step("apply", plan)
			},
			code:   ExitInvalid,
			says:   []string{"address does not match the scope and resource"},
			writes: 0,
		},
		{
			// A revocation with an option revoke_user does not take from
			// ztsync, fingerprint recomputed: refused before its POST.
			name: "revocation with an added option, fingerprint recomputed",
			run: func(h *hostile) cliResult {
				plan := h.revocationPlan()
				h.editPlan(plan, true, func(p *planner.Plan) {
					p.Changes[0].Body["everyone"] = true
				})
				return h.step("apply", plan)
			},
			code:   ExitRefused,
			says:   []string{`the revocation's body holds "everyone"`, "1 refused"},
			writes: 0,
			check: func(t *testing.T, h *hostile, r cliResult) {
				if n := len(h.srv.Revocations()); n != 0 {
					t.Errorf("%d revocations made", n)
				}
			},
		},
		{
			// Issue 16 item 10: a 429 asking for an hour became four
			// silent one-minute retries. Longer than --timeout: give up at
			// once, saying what Cloudflare asks and until when.
			name: "429 with Retry-After: 3600 while planning",
			run: func(h *hostile) cliResult {
				h.srv.InjectFault(emulator.Fault{Kind: emulator.RateLimit, RetryAfter: "3600", Count: 10})
				return h.step("plan", "--dir", h.dir, "--concurrency", "1")
			},
			code:   ExitError,
			says:   []string{"429 Too Many Requests", "Cloudflare blocks requests (Retry-After) for 1h0m0s, until", "longer than the 30s timeout"},
			writes: 0,
			check: func(t *testing.T, h *hostile, r cliResult) {
				if n := len(h.srv.Requests()) - h.mark; n != 1 {
					t.Errorf("%d requests, want 1: no retry into the block", n)
				}
			},
		},
		{
			// The same on a write: the PUT Cloudflare refused is not
			// retried into the block and is reported failed; nothing else
			// of the scope is written.
			name: "429 with Retry-After: 3600 on a write",
			run: func(h *hostile) cliResult {
				plan := h.planFile()
				h.srv.InjectFault(emulator.Fault{Method: "PUT", Kind: emulator.RateLimit, RetryAfter: "3600", Count: 10})
				return h.step("apply", plan)
			},
			code:   ExitError,
			says:   []string{"Retry-After", "1h0m0s", "longer than the 30s timeout"},
			writes: 1,
			check: func(t *testing.T, h *hostile, r cliResult) {
				org, _ := h.srv.Organization(schema.KindAccount, applyProdID)
				if org["session_duration"] != "24h" {
					t.Errorf("session_duration %v: the refused PUT was applied", org["session_duration"])
				}
			},
		},
	}
}

func TestHostile(t *testing.T) {
	t.Parallel()
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHostile(t)
			r := tc.run(h)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d", r.code, tc.code)
			}
			out := r.stdout + r.stderr
			for _, s := range tc.says {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q", s)
				}
			}
			if got := h.writes(); got != tc.writes {
				t.Errorf("%d writes, want %d", got, tc.writes)
			}
			assertNoSecret(t, out, hostileToken)
			assertNoForgedLines(t, out)
			if tc.check != nil {
				tc.check(t, h, r)
			}
			if t.Failed() {
				t.Logf("%s", r)
			}
		})
	}
}

// assertNoSecret fails when out holds secret, its first characters, or a
// JSON-escaped or URL-encoded form of it.
func assertNoSecret(t *testing.T, out, secret string) {
	t.Helper()
	b, _ := json.Marshal(secret)
	forms := []string{secret, secret[:8], string(b[1 : len(b)-1]), strings.ReplaceAll(secret, "-", `\u002d`), strings.ReplaceAll(secret, "-", "%2D")}
	for _, f := range forms {
		if strings.Contains(out, f) {
			t.Errorf("output holds the secret (as %q)", f)
		}
	}
}

// TestHostileConcurrentEmulatorApplies: two applies on one --emulator
// state file never erase each other's change: the second waits for the
// first, reads the state it left, and refuses its now stale plan.
func TestHostileConcurrentEmulatorApplies(t *testing.T) {
	t.Parallel()
	f := newApplyFixture(t, applyConfig)
	first, _ := f.plan(t)
	other := strings.Replace(applyConfig, `session_duration: "12h"`, `session_duration: "6h"`, 1)
	writeFile(t, filepath.Join(f.dir, "org.cue"), other)
	second, _ := f.plan(t)
	var wg sync.WaitGroup
	results := make([]cliResult, 2)
	for i, plan := range []string{first, second} {
		wg.Go(func() { results[i] = applyCLI(t, t.Context(), nil, false, "apply", plan, "--emulator", f.state) })
	}
	wg.Wait()
	codes := []int{results[0].code, results[1].code}
	if !(codes[0] == ExitOK && codes[1] == ExitRefused || codes[0] == ExitRefused && codes[1] == ExitOK) {
		t.Fatalf("exit codes %v, want one 0 and one 4:\n%s\n%s", codes, results[0], results[1])
	}
	want := "12h"
	if codes[1] == ExitOK {
		want = "6h"
	}
	if got := f.org(t, schema.KindAccount, applyProdID)["session_duration"]; got != want {
		t.Errorf("session_duration = %v, want %v (the applied plan's)", got, want)
	}
	if _, err := os.Stat(f.state + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock file left behind: %v", err)
	}
}

// TestSecurityDocListsTheSuite keeps docs/security.md's table of hostile
// cases the suite itself: every case, its exit code and writes.
func TestSecurityDocListsTheSuite(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "| Case | Exit | Writes |\n|---|---|---|\n")
	if !ok {
		t.Fatal("docs/security.md has no table of hostile cases")
	}
	var rows []string
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| ") {
			break
		}
		rows = append(rows, line)
	}
	var want []string
	for _, c := range hostileCases() {
		want = append(want, fmt.Sprintf("| %s | %d | %d |", c.name, c.code, c.writes))
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("docs/security.md's table:\n%s\nthe suite:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	for _, s := range []string{
		fmt.Sprintf("| `--emulator` state file | %d MiB", emulator.MaxStateFileSize>>20),
		fmt.Sprintf("| plan file | %d MiB |", planner.MaxPlanFileSize>>20),
		"`" + applier.RecordPath("PLANFILE") + "`",
	} {
		if !strings.Contains(string(doc), s) {
			t.Errorf("docs/security.md lacks %q", s)
		}
	}
}
