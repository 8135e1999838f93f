package ghaction

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/ghclient"
	"github.com/ztsync/ztsync/ghclient/githubtest"
	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/safetext"
	"github.com/ztsync/ztsync/schema"
)

const (
	actAccountID = "699d98642c564d2e855e9661899b7252"
	actGHToken   = "ghs_action_test_token_0123456789"
	actCFToken   = "cf_action_test_token_0123456789"
	actPR        = 12
)

// testdataDir is the package's testdata, found before any test changes
// directory.
var testdataDir = func() string {
	d, err := filepath.Abs("testdata")
	if err != nil {
		panic(err)
	}
	return d
}()

// actionHarness is one repository, one emulated Cloudflare, one fake
// GitHub, and the files GitHub gives a step.
type actionHarness struct {
	t    *testing.T
	repo string
	git  *git.Repository
	emu  *emulator.Server
	gh   *githubtest.Server
	tmp  string
	// testdata is the package's testdata directory (the test chdirs).
	testdata string
	env      map[string]string
	runs     int
}

func newActionHarness(t *testing.T) *actionHarness {
	t.Helper()
	repo := t.TempDir()
	r, err := git.PlainInit(repo, false)
	if err != nil {
		t.Fatal(err)
	}
	h := &actionHarness{
		testdata: testdataDir,
		t:        t,
		repo:     repo,
		git:      r,
		emu:      emulator.NewServer(t, emulator.Options{Token: actCFToken}),
		gh:       githubtest.NewServer(t, actGHToken),
		tmp:      t.TempDir(),
	}
	h.env = map[string]string{
		"GITHUB_ACTIONS":             "true",
		"GITHUB_REPOSITORY":          "acme/zt",
		"GITHUB_API_URL":             h.gh.URL,
		"GITHUB_SERVER_URL":          "https://github.example",
		"GITHUB_RUN_ID":              "4242",
		"GITHUB_WORKSPACE":           repo,
		"RUNNER_TEMP":                h.tmp,
		"CLOUDFLARE_BASE_URL":        h.emu.URL,
		"INPUT_COMMAND":              "plan",
		"INPUT_DIRECTORY":            "zt",
		"INPUT_COMMENT":              "true",
		"INPUT_GITHUB-TOKEN":         actGHToken,
		"ZTSYNC_JOB_TOKEN":           actGHToken,
		"INPUT_CLOUDFLARE-API-TOKEN": actCFToken,
		"INPUT_ARGS":                 "--rate-limit 0",
	}
	h.emu.SetOrganization(schema.KindAccount, actAccountID, schema.Object{
		"name":             "Widget Corps",
		"auth_domain":      "widgetcorps.cloudflareaccess.com",
		"session_duration": "24h",
	})
	t.Chdir(repo) // a step runs in the workspace
	return h
}

// sessionChange commits the configuration twice, session_duration 24h
// then 12h, and returns both commits.
func (h *actionHarness) sessionChange() (base, head string) {
	h.t.Helper()
	base = h.commit(map[string]string{"zt/main.cue": actConfig("24h", 0)})
	head = h.commit(map[string]string{"zt/main.cue": actConfig("12h", 0)})
	return base, head
}

// wantWrites fails the test unless Cloudflare saw n writes (PUTs and
// POSTs) since the emulator's requests were last reset; what says when.
func (h *actionHarness) wantWrites(n int, what string) {
	h.t.Helper()
	if got := h.emu.Count("PUT", "") + h.emu.Count("POST", ""); got != n {
		h.t.Errorf("%s: %d writes to Cloudflare, want %d", what, got, n)
	}
}

// commit writes the files (path → content; "" deletes) and commits them.
func (h *actionHarness) commit(files map[string]string) string {
	h.t.Helper()
	wt, err := h.git.Worktree()
	if err != nil {
		h.t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(h.repo, name)
		if content == "" {
			if _, err := wt.Remove(name); err != nil {
				h.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			h.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			h.t.Fatal(err)
		}
		if _, err := wt.Add(name); err != nil {
			h.t.Fatal(err)
		}
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	hash, err := wt.Commit("change", &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		h.t.Fatal(err)
	}
	return hash.String()
}

// event writes the event payload and sets the event's variables.
func (h *actionHarness) event(name, sha string, payload any) {
	h.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		h.t.Fatal(err)
	}
	p := filepath.Join(h.tmp, "event.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		h.t.Fatal(err)
	}
	h.env["GITHUB_EVENT_NAME"] = name
	h.env["GITHUB_EVENT_PATH"] = p
	h.env["GITHUB_SHA"] = sha
}

// payload loads a real event payload from testdata/events and sets the
// fields at the dotted paths.
func (h *actionHarness) payload(file string, set map[string]any) map[string]any {
	h.t.Helper()
	b, err := os.ReadFile(filepath.Join(h.testdata, "events", file))
	if err != nil {
		h.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		h.t.Fatal(err)
	}
	for path, v := range set {
		keys := strings.Split(path, ".")
		cur := m
		for _, k := range keys[:len(keys)-1] {
			next, ok := cur[k].(map[string]any)
			if !ok {
				h.t.Fatalf("%s: %s is not an object in %s", path, k, file)
			}
			cur = next
		}
		if _, ok := cur[keys[len(keys)-1]]; !ok {
			h.t.Fatalf("%s is not in %s: set only fields GitHub sends", path, file)
		}
		cur[keys[len(keys)-1]] = v
	}
	return m
}

// pullRequest is a "synchronize" pull_request event of pull request actPR
// from a branch of this repository.
func (h *actionHarness) pullRequest(base, head string) {
	h.pullRequestEvent("pull_request", base, head, false)
}

func (h *actionHarness) pullRequestEvent(name, base, head string, fork bool) {
	h.event(name, head, h.payload("pull_request-synchronize.payload.json", map[string]any{
		"number":                       actPR,
		"pull_request.number":          actPR,
		"pull_request.base.sha":        base,
		"pull_request.base.ref":        "main",
		"pull_request.head.sha":        head,
		"pull_request.head.repo.fork":  fork,
		"repository.default_branch":    "main",
		"pull_request.base.repo.fork":  false,
		"pull_request.head.repo.owner": map[string]any{"login": "forker", "type": "User"},
	}))
}

// push is a push event to main, from the payload GitHub sends.
func (h *actionHarness) push(before, after string) {
	h.event("push", after, h.payload("push-with-new-branch.payload.json", map[string]any{
		"before":                    before,
		"after":                     after,
		"created":                   before == zeroSHA,
		"ref":                       "refs/heads/main",
		"repository.default_branch": "main",
	}))
}

// actionResult is what one run left behind.
type actionResult struct {
	code           int
	stdout, stderr string
	outputs        map[string]string
	delimiters     []string
	summary        string
}

// runAction runs `ztsync action` with fresh output and summary files.
func (h *actionHarness) runAction() actionResult {
	h.t.Helper()
	h.runs++
	out := filepath.Join(h.tmp, fmt.Sprintf("output-%d", h.runs))
	sum := filepath.Join(h.tmp, fmt.Sprintf("summary-%d", h.runs))
	for _, p := range []string{out, sum} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
	h.env["GITHUB_OUTPUT"] = out
	h.env["GITHUB_STEP_SUMMARY"] = sum
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), Env{
		Getenv:  func(k string) string { return h.env[k] },
		Stdout:  &stdout,
		Stderr:  &stderr,
		Version: "0.0.0-test",
	})
	code := pipeline.Code(err)
	if err != nil && err.Error() != "" {
		// What main prints last.
		fmt.Fprintf(&stderr, "ztsync action: %s\n", safetext.Lines(err.Error()))
	}
	res := actionResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
	outData, err := os.ReadFile(out)
	if err != nil {
		h.t.Fatal(err)
	}
	res.outputs, res.delimiters = parseOutputs(h.t, string(outData))
	sumData, err := os.ReadFile(sum)
	if err != nil {
		h.t.Fatal(err)
	}
	res.summary = string(sumData)
	for _, s := range []string{actGHToken, actCFToken} {
		for what, text := range map[string]string{"stdout": res.stdout, "stderr": res.stderr, "outputs": string(outData), "summary": res.summary} {
			if strings.Contains(text, s) {
				h.t.Errorf("a token appears in %s", what)
			}
		}
	}
	return res
}

var delimRE = regexp.MustCompile(`^ghadelimiter_[0-9a-f]{32}$`)

// parseOutputs reads GITHUB_OUTPUT's heredoc form back.
func parseOutputs(t *testing.T, data string) (map[string]string, []string) {
	t.Helper()
	outs := map[string]string{}
	var delims []string
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		if lines[i] == "" {
			continue
		}
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT line %d: %q is not NAME<<DELIMITER", i+1, lines[i])
		}
		if !delimRE.MatchString(delim) {
			t.Errorf("delimiter %q is not random-looking", delim)
		}
		delims = append(delims, delim)
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("output %s: delimiter never closes", name)
		}
		outs[name] = strings.Join(val, "\n")
	}
	return outs, delims
}

// actConfig is a configuration with the account's session duration and n
// zones.
func actConfig(session string, zones int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `accounts: prod: {
	id: %q
	organization: {
		name:             "Widget Corps"
		auth_domain:      "widgetcorps.cloudflareaccess.com"
		session_duration: %q
	}
}
`, actAccountID, session)
	for i := range zones {
		fmt.Fprintf(&b, "zones: \"z%d.example.com\": {\n\tid: %q\n\torganization: {\n\t\tname: \"Zone %d with a long descriptive name\"\n\t\tlogin_design: footer_text: %q\n\t}\n}\n",
			i, zoneID(i), i, strings.Repeat("Access to this zone is logged. ", 12))
	}
	return b.String()
}

func zoneID(i int) string { return fmt.Sprintf("%032x", 0xabc000+i) }

func (h *actionHarness) stickyComments() []githubtest.Comment {
	var out []githubtest.Comment
	for _, c := range h.gh.Comments(actPR) {
		if strings.Contains(c.Body, ghclient.Marker("zt")) && c.UserType == "Bot" {
			out = append(out, c)
		}
	}
	return out
}

func (h *actionHarness) readPlan(path string) *planner.Plan {
	h.t.Helper()
	f, err := os.Open(path)
	if err != nil {
		h.t.Fatalf("plan-file: %v", err)
	}
	defer f.Close()
	p, err := planner.ReadPlan(f)
	if err != nil {
		h.t.Fatalf("plan-file: %v", err)
	}
	return p
}

func wantCode(t *testing.T, res actionResult, want int) {
	t.Helper()
	if res.code != want {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, want, res.stdout, res.stderr)
	}
}

// TestActionPullRequestThenMerge follows one pull request: the plan
// comment is created, edited, left alone when unchanged; the merge is
// refused while the plan differs from the reviewed one and applied once it
// matches.
func TestActionPullRequestThenMerge(t *testing.T) {
	h := newActionHarness(t)
	// A human quoting the marker must not capture the comment.
	h.gh.AddComment(actPR, "mallory", "User", ghclient.Marker("zt")+"\n"+ghclient.FingerprintMarker("sha256:"+strings.Repeat("0", 64)))
	base, head := h.sessionChange()

	// Run 1: the comment is created.
	h.pullRequest(base, head)
	res := h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if got := h.gh.Count("POST"); got != 1 {
		t.Fatalf("POSTs = %d, want 1", got)
	}
	sticky := h.stickyComments()
	if len(sticky) != 1 {
		t.Fatalf("sticky comments = %d, want 1", len(sticky))
	}
	p := h.readPlan(res.outputs["plan-file"])
	wantOut := map[string]string{
		"has-changes": "true",
		"plan-file":   res.outputs["plan-file"],
		"summary":     "0 to create, 1 to update, 0 to revoke, 0 unchanged",
	}
	if diff := cmp.Diff(wantOut, res.outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if len(res.delimiters) != 3 || res.delimiters[0] == res.delimiters[1] {
		t.Errorf("delimiters %v: want three different ones", res.delimiters)
	}
	if got := ghclient.ReviewedFingerprint(sticky[0].Body); got != p.Fingerprint || got == "" {
		t.Errorf("comment fingerprint %q, plan's %q", got, p.Fingerprint)
	}
	if p.Source.Base != base {
		t.Errorf("plan base %q, want the PR base %q", p.Source.Base, base)
	}
	for _, s := range []string{"session_duration", "12h"} {
		if !strings.Contains(sticky[0].Body, s) || !strings.Contains(res.summary, s) {
			t.Errorf("comment or summary lacks %q", s)
		}
	}
	if status, _ := ghclient.Status(sticky[0].Body); !strings.HasPrefix(status, "planned at") {
		t.Errorf("status %q", status)
	}
	if !strings.Contains(res.summary, "actions/runs/4242") {
		t.Error("step summary has no run link")
	}
	h.wantWrites(0, "a plan")

	// Run 2: a new commit on the branch edits the same comment.
	head = h.commit(map[string]string{"zt/main.cue": actConfig("6h", 0)})
	h.pullRequest(base, head)
	h.gh.Reset()
	res = h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if post, patch := h.gh.Count("POST"), h.gh.Count("PATCH"); post != 0 || patch != 1 {
		t.Errorf("POST %d PATCH %d, want 0 and 1", post, patch)
	}
	sticky = h.stickyComments()
	if len(sticky) != 1 || !strings.Contains(sticky[0].Body, "6h") {
		t.Fatalf("comment not edited in place: %d comments", len(sticky))
	}

	// Run 3: the same commit again writes nothing.
	h.gh.Reset()
	res = h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if post, patch := h.gh.Count("POST"), h.gh.Count("PATCH"); post != 0 || patch != 0 {
		t.Errorf("POST %d PATCH %d, want no write", post, patch)
	}
	reviewedFP := ghclient.ReviewedFingerprint(h.stickyComments()[0].Body)

	// Merge. Someone changes the live organization meanwhile: the fresh
	// plan's PUT body differs from the reviewed one.
	merge := h.commit(nil)
	h.gh.AddPullRequest(merge, githubtest.PullRequest{Number: actPR, Merged: true, MergeCommitSHA: merge})
	h.push(base, merge)
	h.env["INPUT_COMMAND"] = "apply"
	h.emu.SetOrganization(schema.KindAccount, actAccountID, schema.Object{
		"name":             "Widget Corps",
		"auth_domain":      "widgetcorps.cloudflareaccess.com",
		"session_duration": "24h",
		"is_ui_read_only":  true,
	})
	h.emu.ResetRequests()
	res = h.runAction()
	wantCode(t, res, pipeline.ExitRefused)
	h.wantWrites(0, "a refused apply")
	sticky = h.stickyComments()
	status, _ := ghclient.Status(sticky[0].Body)
	if !strings.HasPrefix(status, "refused: the plan changed since review") || !strings.Contains(status, "actions/runs/4242") {
		t.Errorf("status after refusal: %q", status)
	}
	if ghclient.ReviewedFingerprint(sticky[0].Body) != reviewedFP {
		t.Error("the refusal changed the reviewed fingerprint")
	}
	if !strings.Contains(res.stderr, "plan changed since review") {
		t.Errorf("stderr does not say why:\n%s", res.stderr)
	}
	if res.outputs["has-changes"] != "true" {
		t.Errorf("has-changes = %q", res.outputs["has-changes"])
	}

	// The live change is undone: the fresh plan is the reviewed one.
	h.emu.SetOrganization(schema.KindAccount, actAccountID, schema.Object{
		"name":             "Widget Corps",
		"auth_domain":      "widgetcorps.cloudflareaccess.com",
		"session_duration": "24h",
	})
	h.emu.ResetRequests()
	res = h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	org, _ := h.emu.Organization(schema.KindAccount, actAccountID)
	if got := fmt.Sprint(org["session_duration"]); got != "6h" {
		t.Errorf("live session_duration = %s, want 6h", got)
	}
	h.wantWrites(1, "the apply")
	status, _ = ghclient.Status(h.stickyComments()[0].Body)
	if !strings.HasPrefix(status, "applied: ") || !strings.Contains(status, "actions/runs/4242") {
		t.Errorf("status after apply: %q", status)
	}
	if !strings.Contains(res.summary, "Apply complete: 1 applied") {
		t.Errorf("summary lacks the report:\n%s", res.summary)
	}
}

func TestActionApplyWithoutPullRequest(t *testing.T) {
	h := newActionHarness(t)
	base, head := h.sessionChange()
	h.push(base, head)
	h.env["INPUT_COMMAND"] = "apply"
	res := h.runAction()
	wantCode(t, res, pipeline.ExitRefused)
	h.wantWrites(0, "an apply without a pull request")
	if !strings.Contains(res.stderr, "no merged pull request") {
		t.Errorf("stderr:\n%s", res.stderr)
	}
}

func TestActionApplyWithoutReviewedPlan(t *testing.T) {
	h := newActionHarness(t)
	base, head := h.sessionChange()
	h.gh.AddPullRequest(head, githubtest.PullRequest{Number: actPR, Merged: true, MergeCommitSHA: head})
	h.push(base, head)
	h.env["INPUT_COMMAND"] = "apply"
	res := h.runAction()
	wantCode(t, res, pipeline.ExitRefused)
	h.wantWrites(0, "an apply without a reviewed plan")
	// The pull request is told, with no fingerprint a re-run could apply.
	sticky := h.stickyComments()
	if len(sticky) != 1 {
		t.Fatalf("sticky comments = %d, want 1", len(sticky))
	}
	if fp := ghclient.ReviewedFingerprint(sticky[0].Body); fp != "" {
		t.Errorf("refusal comment carries fingerprint %s", fp)
	}
	// Re-running the job is refused again.
	res = h.runAction()
	wantCode(t, res, pipeline.ExitRefused)
}

func TestActionValidateErrors(t *testing.T) {
	h := newActionHarness(t)
	var b strings.Builder
	for i := range 14 {
		fmt.Fprintf(&b, "accounts: a%d: {id: \"not-an-id-%d\"}\n", i, i)
	}
	head := h.commit(map[string]string{"zt/main.cue": b.String()})
	h.pullRequest(head, head)
	res := h.runAction()
	wantCode(t, res, pipeline.ExitInvalid)
	errorsShown := strings.Count(res.stdout, "::error ")
	if errorsShown != 10 {
		t.Errorf("%d error annotations, want 10:\n%s", errorsShown, res.stdout)
	}
	if !strings.Contains(res.stdout, "::notice::4 more problems: see the step summary") {
		t.Errorf("no notice for the rest:\n%s", res.stdout)
	}
	if !strings.Contains(res.stdout, "file=zt/main.cue,line=") {
		t.Errorf("annotations are not positioned in zt/main.cue:\n%s", res.stdout)
	}
	if n := strings.Count(res.summary, "zt/main.cue:"); n != 14 {
		t.Errorf("summary lists %d problems, want 14:\n%s", n, res.summary)
	}
	if res.outputs["has-changes"] != "false" {
		t.Errorf("has-changes = %q", res.outputs["has-changes"])
	}
	sticky := h.stickyComments()
	if len(sticky) != 1 || ghclient.ReviewedFingerprint(sticky[0].Body) != "" {
		t.Fatalf("want one comment without fingerprint, got %d", len(sticky))
	}
	if status, _ := ghclient.Status(sticky[0].Body); !strings.Contains(status, "invalid") {
		t.Errorf("status %q", status)
	}
}

func TestActionDriftCheck(t *testing.T) {
	tests := []struct {
		name     string
		args     string
		session  string
		wantCode int
		wantHas  string
	}{
		{"no drift", "--rate-limit 0 --detailed-exitcode", "24h", pipeline.ExitOK, "false"},
		{"drift", "--rate-limit 0 --detailed-exitcode", "12h", pipeline.ExitChanges, "true"},
		{"drift without detailed exit code", "--rate-limit 0", "12h", pipeline.ExitOK, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newActionHarness(t)
			sha := h.commit(map[string]string{"zt/main.cue": actConfig(tt.session, 0)})
			h.event("schedule", sha, map[string]any{"schedule": "17 6 * * *"})
			h.env["INPUT_ARGS"] = tt.args
			res := h.runAction()
			wantCode(t, res, tt.wantCode)
			if res.outputs["has-changes"] != tt.wantHas {
				t.Errorf("has-changes = %q, want %q", res.outputs["has-changes"], tt.wantHas)
			}
			if !strings.Contains(res.summary, "## ztsync plan") {
				t.Errorf("summary:\n%s", res.summary)
			}
			if n := h.gh.Count(""); n != 0 {
				t.Errorf("the drift check called GitHub %d times", n)
			}
		})
	}
}

func TestActionForkedPullRequest(t *testing.T) {
	h := newActionHarness(t)
	h.gh.SetForbidWrites(true)
	base, head := h.sessionChange()
	h.pullRequest(base, head)
	res := h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if !strings.Contains(res.stdout, "::warning::no plan comment") {
		t.Errorf("no warning:\n%s", res.stdout)
	}
	if res.outputs["has-changes"] != "true" {
		t.Errorf("has-changes = %q", res.outputs["has-changes"])
	}
}

func TestActionBadInputs(t *testing.T) {
	tests := []struct {
		name string
		key  string
		val  string
		why  string // what the ::error annotation must say
	}{
		{"command", "INPUT_COMMAND", "destroy", "destroy"},
		{"comment", "INPUT_COMMENT", "maybe", "maybe"},
		{"args", "INPUT_ARGS", "--no-such-flag", "flag provided but not defined: -no-such-flag"},
		{"shard", "INPUT_ARGS", "--shard 5/4", "1 ≤ K ≤ N"},
		{"budget", "INPUT_ARGS", "--api-budget 10", "want REQUESTS/DURATION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newActionHarness(t)
			sha := h.commit(map[string]string{"zt/main.cue": actConfig("24h", 0)})
			h.event("workflow_dispatch", sha, map[string]any{})
			h.env[tt.key] = tt.val
			res := h.runAction()
			wantCode(t, res, pipeline.ExitInvalid)
			// The annotation is what the run's page shows: it says why.
			var annotation string
			for _, l := range strings.Split(res.stdout, "\n") {
				if strings.HasPrefix(l, "::error") {
					annotation = l
				}
			}
			if !strings.Contains(annotation, tt.why) {
				t.Errorf("annotation %q does not say %q", annotation, tt.why)
			}
			if strings.Contains(res.stderr, "Usage of") {
				t.Errorf("the log holds the flag set's usage dump:\n%s", res.stderr)
			}
		})
	}
}

func TestWriteOutputsRefusesSecrets(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "out")
	err := writeOutputs(p, []output{{"summary", "token " + actCFToken}}, []string{actCFToken})
	if err == nil {
		t.Fatal("a secret was written to an output")
	}
	if strings.Contains(err.Error(), actCFToken) {
		t.Error("the error shows the secret")
	}
}

// reviewedMerge plans a pull request (base → 12h) and merges it: the next
// run is the push that applies it.
func (h *actionHarness) reviewedMerge() {
	h.t.Helper()
	base, head := h.sessionChange()
	h.pullRequest(base, head)
	wantCode(h.t, h.runAction(), pipeline.ExitOK)
	merge := h.commit(nil)
	h.gh.AddPullRequest(merge, githubtest.PullRequest{Number: actPR, Merged: true, MergeCommitSHA: merge})
	h.push(base, merge)
	h.env["INPUT_COMMAND"] = "apply"
}

func TestActionApplyFails(t *testing.T) {
	h := newActionHarness(t)
	h.env["INPUT_ARGS"] = "--rate-limit 0 --max-retries 0"
	h.reviewedMerge()
	h.emu.InjectFault(emulator.Fault{Method: "PUT", Kind: emulator.ServerError, Count: 5})
	res := h.runAction()
	wantCode(t, res, pipeline.ExitError)
	status, _ := ghclient.Status(h.stickyComments()[0].Body)
	if !strings.HasPrefix(status, "failed: Apply complete: 0 applied, 1 failed") || !strings.Contains(status, "actions/runs/4242") {
		t.Errorf("status %q", status)
	}
	if !strings.Contains(res.summary, "failed") {
		t.Errorf("summary:\n%s", res.summary)
	}
}

func TestActionApplyRefusals(t *testing.T) {
	tests := []struct {
		name   string
		change func(h *actionHarness)
		want   string
	}{
		{"other branch", func(h *actionHarness) {
			h.push("", h.env["GITHUB_SHA"])
			b, _ := os.ReadFile(h.env["GITHUB_EVENT_PATH"])
			b = bytes.Replace(b, []byte("refs/heads/main"), []byte("refs/heads/feature"), 1)
			os.WriteFile(h.env["GITHUB_EVENT_PATH"], b, 0o644)
		}, "not to refs/heads/feature"},
		{"workflow_dispatch", func(h *actionHarness) {
			h.event("workflow_dispatch", h.env["GITHUB_SHA"], map[string]any{})
		}, "not on workflow_dispatch events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newActionHarness(t)
			h.reviewedMerge()
			tt.change(h)
			res := h.runAction()
			wantCode(t, res, pipeline.ExitRefused)
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, res.stderr)
			}
			h.wantWrites(0, "a refused apply")
		})
	}
}

func TestActionApplyRerunKeepsApplied(t *testing.T) {
	h := newActionHarness(t)
	h.reviewedMerge()
	wantCode(t, h.runAction(), pipeline.ExitOK)
	h.emu.ResetRequests()
	res := h.runAction() // the job re-run: nothing left to do
	wantCode(t, res, pipeline.ExitOK)
	h.wantWrites(0, "a re-run of an applied merge")
	if status, _ := ghclient.Status(h.stickyComments()[0].Body); !strings.HasPrefix(status, "applied: ") {
		t.Errorf("status %q", status)
	}
	if res.outputs["has-changes"] != "false" {
		t.Errorf("has-changes = %q", res.outputs["has-changes"])
	}
}
