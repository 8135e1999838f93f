package ghaction

import (
	"fmt"
	"path/filepath"

	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/ghclient"
	"github.com/ztsync/ztsync/ghclient/githubtest"
	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/safetext"
	"github.com/ztsync/ztsync/schema"
)

// revokeConfig is actConfig with revocations for the account.
func revokeConfig(session string, emails ...string) string {
	cfg := actConfig(session, 0)
	for _, e := range emails {
		cfg += fmt.Sprintf("accounts: prod: revoke: %q: reason: \"offboarded; ask @acme/security\"\n", e)
	}
	return cfg
}

// zoneRevokeConfig is actConfig with one zone (as the emulator holds it)
// and revocations in that zone.
func (h *actionHarness) zoneRevokeConfig(session string, emails ...string) string {
	h.emu.SetOrganization(schema.KindZone, zoneID(0), schema.Object{
		"name":         "Zone 0 with a long descriptive name",
		"auth_domain":  "z0.cloudflareaccess.com",
		"login_design": schema.Object{"footer_text": strings.Repeat("Access to this zone is logged. ", 12)},
	})
	cfg := actConfig(session, 1)
	for _, e := range emails {
		cfg += fmt.Sprintf("zones: \"z0.example.com\": revoke: %q: reason: \"offboarded\"\n", e)
	}
	return cfg
}

// merged plans pull request number (base → head files), merges it and
// returns the merge commit; the push event is not set.
func (h *actionHarness) planAndMerge(number int, files map[string]string) (base, merge string) {
	h.t.Helper()
	base = h.head()
	head := h.commit(files)
	h.env["INPUT_COMMAND"] = "plan"
	h.pullRequestNumbered(number, base, head)
	wantCode(h.t, h.runAction(), pipeline.ExitOK)
	merge = h.commit(nil)
	// GitHub lists the pull request for its commits and its merge commit.
	for _, c := range []string{head, merge} {
		h.gh.AddPullRequest(c, githubtest.PullRequest{Number: number, Merged: true, MergeCommitSHA: merge})
	}
	return base, merge
}

func (h *actionHarness) pullRequestNumbered(number int, base, head string) {
	h.event("pull_request", head, h.payload("pull_request-synchronize.payload.json", map[string]any{
		"number":                    number,
		"pull_request.number":       number,
		"pull_request.base.sha":     base,
		"pull_request.head.sha":     head,
		"repository.default_branch": "main",
	}))
}

// head is the repository's HEAD commit.
func (h *actionHarness) head() string {
	h.t.Helper()
	ref, err := h.git.Head()
	if err != nil {
		h.t.Fatal(err)
	}
	return ref.Hash().String()
}

func (h *actionHarness) status(number int) string {
	h.t.Helper()
	for _, c := range h.gh.Comments(number) {
		if c.Login == githubtest.BotLogin && strings.Contains(c.Body, ghclient.Marker("zt")) {
			s, _ := ghclient.Status(c.Body)
			return s
		}
	}
	h.t.Fatalf("no sticky comment on #%d", number)
	return ""
}

// TestRerunIsIdempotent: the apply of a merge fails half-way (the
// revocation is posted, the update fails); a re-run of the job posts no
// revocation twice and finishes the update; a second re-run reports
// "already applied" and exits 0 without a write.
func TestRerunIsIdempotent(t *testing.T) {
	h := newActionHarness(t)
	h.env["INPUT_ARGS"] = "--rate-limit 0 --max-retries 0"
	start := h.commit(map[string]string{"zt/main.cue": h.zoneRevokeConfig("24h")})
	_, merge := h.planAndMerge(actPR, map[string]string{"zt/main.cue": h.zoneRevokeConfig("12h", "carol@example.com")})
	h.push(start, merge)
	h.env["INPUT_COMMAND"] = "apply"

	h.emu.InjectFault(emulator.Fault{Method: "PUT", Kind: emulator.ServerError, Count: 10, PathContains: "/accounts/"})
	h.env["GITHUB_RUN_ATTEMPT"] = "1"
	res := h.runAction()
	wantCode(t, res, pipeline.ExitError)
	if n := len(h.emu.Revocations()); n != 1 {
		t.Fatalf("revocations after the first run = %d, want 1", n)
	}
	if s := h.status(actPR); !strings.HasPrefix(s, "failed: ") || !strings.Contains(s, "re-run the job") {
		t.Errorf("status after the failed run: %q", s)
	}

	// Re-run jobs: the update is finished, the revocation not posted again.
	h.emu.ClearFaults()
	h.emu.ResetRequests()
	h.env["GITHUB_RUN_ATTEMPT"] = "2"
	res = h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if n := len(h.emu.Revocations()); n != 1 {
		t.Errorf("revocations after the re-run = %d, want still 1", n)
	}
	if n := h.emu.Count("POST", "revoke_user"); n != 0 {
		t.Errorf("the re-run posted revoke_user %d times", n)
	}
	h.wantWrites(1, "the re-run")
	if s := h.status(actPR); !strings.HasPrefix(s, "applied: finished by a re-run") {
		t.Errorf("status after the re-run: %q", s)
	}
	if org, _ := h.emu.Organization(schema.KindAccount, actAccountID); org["session_duration"] != "12h" {
		t.Errorf("session_duration = %v", org["session_duration"])
	}

	// And once more: nothing left.
	h.emu.ResetRequests()
	h.gh.Reset()
	h.env["GITHUB_RUN_ATTEMPT"] = "3"
	res = h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if !strings.Contains(res.stderr, "already applied") || !strings.Contains(res.stderr, "run 4242, attempt 2") {
		t.Errorf("stderr does not say already applied:\n%s", res.stderr)
	}
	h.wantWrites(0, "a re-run with nothing left")
	if n := h.gh.Count("PATCH"); n != 0 {
		t.Errorf("the comment was edited %d times: the applied status must stay", n)
	}
	if s := h.status(actPR); !strings.HasPrefix(s, "applied: ") {
		t.Errorf("status: %q", s)
	}

	// Someone changes the setting by hand; a re-run still applies
	// nothing, keeps "applied" and warns of the drift.
	org, _ := h.emu.Organization(schema.KindAccount, actAccountID)
	org["session_duration"] = "6h"
	h.emu.SetOrganization(schema.KindAccount, actAccountID, org)
	h.emu.ResetRequests()
	h.env["GITHUB_RUN_ATTEMPT"] = "4"
	res = h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	h.wantWrites(0, "a re-run after drift")
	if !strings.Contains(res.stdout, "::warning::ztsync: this merge was applied; since then the live settings drifted") {
		t.Errorf("no drift warning:\n%s", res.stdout)
	}
	if s := h.status(actPR); !strings.HasPrefix(s, "applied: ") {
		t.Errorf("status after a re-run with drift: %q", s)
	}
}

// TestMissedMergeIsApplied: the push of pull request #21's merge never
// ran (a concurrency group cancelled it); the apply of #22's merge applies
// both reviewed plans, posts #21's revocation once, and says so on #21.
func TestMissedMergeIsApplied(t *testing.T) {
	h := newActionHarness(t)
	start := h.commit(map[string]string{"zt/main.cue": revokeConfig("24h")})
	_, m21 := h.planAndMerge(21, map[string]string{"zt/main.cue": revokeConfig("24h", "carol@example.com")})
	// No apply for m21. #22 is planned on top of it.
	_, m22 := h.planAndMerge(22, map[string]string{"zt/main.cue": revokeConfig("12h", "carol@example.com")})
	h.push(m21, m22)
	h.env["INPUT_COMMAND"] = "apply"
	res := h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if n := len(h.emu.Revocations()); n != 1 {
		t.Errorf("revocations = %d, want #21's one", n)
	}
	if org, _ := h.emu.Organization(schema.KindAccount, actAccountID); org["session_duration"] != "12h" {
		t.Errorf("session_duration = %v", org["session_duration"])
	}
	if s := h.status(21); !strings.HasPrefix(s, "applied with the merge of #22") {
		t.Errorf("#21 status: %q", s)
	}
	if s := h.status(22); !strings.HasPrefix(s, "applied: ") {
		t.Errorf("#22 status: %q", s)
	}
	if !strings.Contains(res.stderr, "#21 (merged at") {
		t.Errorf("the log does not name #21:\n%s", res.stderr)
	}
	_ = start
	// A later merge stops at #22: nothing is applied twice.
	h.emu.ResetRequests()
	_, m23 := h.planAndMerge(23, map[string]string{"zt/other.cue": "// unrelated\n"})
	h.push(m22, m23)
	h.env["INPUT_COMMAND"] = "apply"
	res = h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if n := h.emu.Count("POST", "revoke_user"); n != 0 {
		t.Errorf("a later merge posted %d revocations again", n)
	}
}

// TestMissedMergeRefused: #21's apply never ran and the live settings
// moved since its review: the union is not what was reviewed, so the apply
// of #22 is refused, naming #21 on #21 and in the job summary.
func TestMissedMergeRefused(t *testing.T) {
	h := newActionHarness(t)
	h.commit(map[string]string{"zt/main.cue": revokeConfig("24h")})
	_, m21 := h.planAndMerge(21, map[string]string{"zt/main.cue": revokeConfig("12h")})
	_, m22 := h.planAndMerge(22, map[string]string{"zt/main.cue": revokeConfig("12h", "carol@example.com")})
	// Someone changes the live setting by hand after both reviews.
	org, _ := h.emu.Organization(schema.KindAccount, actAccountID)
	org["session_duration"] = "6h"
	h.emu.SetOrganization(schema.KindAccount, actAccountID, org)
	h.push(m21, m22)
	h.env["INPUT_COMMAND"] = "apply"
	h.emu.ResetRequests()
	res := h.runAction()
	wantCode(t, res, pipeline.ExitRefused)
	h.wantWrites(0, "a refusal")
	if !strings.Contains(res.summary, "#21") || !strings.Contains(res.summary, "never applied") {
		t.Errorf("the job summary does not name #21:\n%s", res.summary)
	}
	if s := h.status(21); !strings.HasPrefix(s, "refused: this plan was never applied") {
		t.Errorf("#21 status: %q", s)
	}
	if !strings.Contains(res.stdout, "::error") || !strings.Contains(res.stdout, "#21") {
		t.Errorf("no error annotation naming #21:\n%s", res.stdout)
	}
}

// TestForkPullRequest: a fork's pull request (no secrets, read-only token)
// is validated, and its plan skipped with a notice that says why and how a
// maintainer gets one; exit 0, no API call, no comment.
func TestForkPullRequest(t *testing.T) {
	h := newActionHarness(t)
	h.gh.SetForbidWrites(true)
	delete(h.env, "INPUT_CLOUDFLARE-API-TOKEN")
	base, head := h.sessionChange()
	h.pullRequestEvent("pull_request", base, head, true)
	res := h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if !strings.Contains(res.stdout, "::notice::ztsync: plan skipped: pull request #12 comes from the fork") ||
		!strings.Contains(res.stdout, "maintainer") {
		t.Errorf("notice:\n%s", res.stdout)
	}
	if !strings.HasPrefix(res.outputs["summary"], "not planned: ") {
		t.Errorf("summary output %q", res.outputs["summary"])
	}
	if n := len(h.emu.Requests()); n != 0 {
		t.Errorf("%d Cloudflare requests", n)
	}
	if n := h.gh.Count(""); n != 0 {
		t.Errorf("%d GitHub requests", n)
	}

	// An invalid configuration on a fork still fails with annotations.
	h.commit(map[string]string{"zt/main.cue": "accounts: x: id: 1\n"})
	res = h.runAction()
	wantCode(t, res, pipeline.ExitInvalid)
	if !strings.Contains(res.stdout, "::error ") {
		t.Errorf("no annotation:\n%s", res.stdout)
	}
}

// TestNoCredentials: a pull request from a branch whose workflow has no
// Cloudflare secret is skipped the same way, not failed.
func TestNoCredentials(t *testing.T) {
	h := newActionHarness(t)
	h.env["INPUT_CLOUDFLARE-API-TOKEN"] = ""
	base, head := h.sessionChange()
	h.pullRequest(base, head)
	res := h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if !strings.Contains(res.stdout, "no Cloudflare credentials") || !strings.Contains(res.stdout, "cloudflare-api-token") {
		t.Errorf("notice:\n%s", res.stdout)
	}
	if n := len(h.emu.Requests()); n != 0 {
		t.Errorf("%d Cloudflare requests", n)
	}
}

// TestPullRequestTarget: without the recipe the job checked out the base
// branch, so no plan (and no "no changes" comment) is posted as the pull
// request's; with the recipe (the pull request's files checked out as
// data) the pull request's plan is.
func TestPullRequestTarget(t *testing.T) {
	h := newActionHarness(t)
	base := h.commit(map[string]string{"zt/main.cue": actConfig("12h", 0)}) // the live value is 24h
	head := h.commit(map[string]string{"zt/main.cue": actConfig("24h", 0)})
	// For the recipe below: the pull request cloned as data under pr/
	// (untracked in the workspace).
	pr, err := git.PlainClone(filepath.Join(h.repo, "pr"), false, &git.CloneOptions{URL: h.repo})
	if err != nil {
		t.Fatal(err)
	}
	// The base branch checked out: HEAD and GITHUB_SHA are the base.
	wt, _ := h.git.Worktree()
	if err := wt.Checkout(&git.CheckoutOptions{Hash: plumbing.NewHash(base), Force: true}); err != nil {
		t.Fatal(err)
	}
	h.pullRequestEvent("pull_request_target", base, head, true)
	h.env["GITHUB_SHA"] = base
	res := h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if !strings.Contains(res.stdout, "plan skipped") || !strings.Contains(res.stdout, "base branch") {
		t.Errorf("notice:\n%s", res.stdout)
	}
	if n := len(h.stickyComments()); n != 0 {
		t.Errorf("%d comments: a base-branch plan was posted as the pull request's", n)
	}
	if n := len(h.emu.Requests()); n != 0 {
		t.Errorf("%d Cloudflare requests", n)
	}

	// The recipe: the pull request checked out as data under pr/, the
	// workspace still on the base branch. The comment is the one a plan
	// of zt/ carries, so the merge finds it.
	prWT, _ := pr.Worktree()
	if err := prWT.Checkout(&git.CheckoutOptions{Hash: plumbing.NewHash(head), Force: true}); err != nil {
		t.Fatal(err)
	}
	h.env["INPUT_DIRECTORY"] = "pr/zt"
	res = h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if res.outputs["has-changes"] != "false" || len(h.stickyComments()) != 1 {
		t.Fatalf("has-changes %q, %d comments", res.outputs["has-changes"], len(h.stickyComments()))
	}
	if p := h.readPlan(res.outputs["plan-file"]); p.Source.Dir != "zt" || p.Source.Commit != head {
		t.Errorf("plan of %s at %s, want zt at the pull request's %s", p.Source.Dir, p.Source.Commit, head)
	}
}

// TestAnyTokenAndForgedComments: with a personal access token the comment
// is found by its author and edited, never duplicated; on the merge, a
// comment by another app carrying the marker and a fingerprint is not the
// reviewed plan.
func TestAnyTokenAndForgedComments(t *testing.T) {
	h := newActionHarness(t)
	h.gh.SetAccount(githubtest.Account{Login: "zt-platform-bot", UserType: "User", Kind: githubtest.PersonalToken})
	h.env["ZTSYNC_JOB_TOKEN"] = "ghs_the_job_token_is_another_one"
	base, head := h.sessionChange()
	h.pullRequest(base, head)
	wantCode(t, h.runAction(), pipeline.ExitOK)
	head2 := h.commit(map[string]string{"zt/main.cue": actConfig("6h", 0)})
	h.pullRequest(base, head2)
	wantCode(t, h.runAction(), pipeline.ExitOK)
	n := 0
	for _, c := range h.gh.Comments(actPR) {
		if c.Login == "zt-platform-bot" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d comments by the token's account, want 1", n)
	}

	// A merged pull request whose only "plan" comes from random-app[bot].
	h2 := newActionHarness(t)
	start := h2.commit(map[string]string{"zt/main.cue": actConfig("24h", 0)})
	h2.commit(map[string]string{"zt/main.cue": actConfig("12h", 0)})
	merge := h2.commit(nil)
	h2.gh.AddPullRequest(merge, githubtest.PullRequest{Number: 31, Merged: true, MergeCommitSHA: merge})
	// The forger copies a real fingerprint: what planning gives now.
	h2.pullRequestNumbered(99, start, merge)
	h2.env["INPUT_COMMENT"] = "false"
	res := h2.runAction()
	wantCode(t, res, pipeline.ExitOK)
	fp := h2.readPlan(res.outputs["plan-file"]).Fingerprint
	h2.gh.AddComment(31, "random-app[bot]", "Bot", ghclient.Marker("zt")+"\n"+ghclient.FingerprintMarker(fp)+"\n")
	h2.env["INPUT_COMMENT"] = "true"
	h2.push(start, merge)
	h2.env["INPUT_COMMAND"] = "apply"
	h2.emu.ResetRequests()
	res = h2.runAction()
	wantCode(t, res, pipeline.ExitRefused)
	h2.wantWrites(0, "a forged plan")
}

// TestCommentEscapesConfigText: a file name and a revocation reason with
// Markdown, HTML and @mentions reach the comment escaped, in the plan and
// in the status line of a plan that failed.
func TestCommentEscapesConfigText(t *testing.T) {
	h := newActionHarness(t)
	const evil = "zt/<img src=x onerror=alert(1)> [Status: applied](x) @octocat.cue"
	base := h.commit(map[string]string{"zt/main.cue": revokeConfig("24h")})
	// A zone organization that does not exist and has no name: planning
	// fails with the file's name in the message.
	head := h.commit(map[string]string{evil: "zones: \"new.example.com\": {id: \"" + zoneID(7) + "\", organization: auth_domain: \"n.cloudflareaccess.com\"}\n"})
	h.pullRequest(base, head)
	res := h.runAction()
	if res.code == pipeline.ExitOK {
		t.Fatalf("planning did not fail:\n%s", res.stderr)
	}
	body := h.stickyComments()[0].Body
	for _, bad := range []string{`(^|[^\\])<img`, `(^|[^\\])\[Status: applied\]\(`, `@octocat`} {
		if regexp.MustCompile(bad).MatchString(body) {
			t.Errorf("comment holds %s raw:\n%s", bad, body)
		}
	}
	// A reason that mentions a team does not ping it.
	head = h.commit(map[string]string{evil: "", "zt/main.cue": revokeConfig("24h", "carol@example.com")})
	h.pullRequest(base, head)
	wantCode(t, h.runAction(), pipeline.ExitOK)
	body = h.stickyComments()[0].Body
	// Mentions do not fire in code blocks; everywhere else they must not.
	body = regexp.MustCompile("(?s)```diff.*?```").ReplaceAllString(body, "")
	if regexp.MustCompile(`(^|[^\w])@acme/security`).MatchString(body) || !strings.Contains(body, "@\u200bacme/security") {
		t.Errorf("the reason's mention is live:\n%s", body)
	}
}

// TestGitHubErrorBodies: an error body from GitHub with line breaks, a
// forged workflow command and the token is printed on one line, scrubbed.
func TestGitHubErrorBodies(t *testing.T) {
	h := newActionHarness(t)
	h.gh.SetWriteError(http.StatusUnprocessableEntity, "Validation Failed\n::error::forged by the server\ntoken="+actGHToken)
	base, head := h.sessionChange()
	h.pullRequest(base, head)
	res := h.runAction() // the harness fails the test if the token shows anywhere
	for _, line := range strings.Split(res.stdout+res.stderr, "\n") {
		if strings.HasPrefix(line, "::error::forged") {
			t.Errorf("forged workflow command: %q", line)
		}
	}
	if !strings.Contains(res.stderr+res.stdout, safetext.Redacted) {
		t.Errorf("the error is not shown scrubbed:\n%s\n%s", res.stdout, res.stderr)
	}
}

// TestBigPlanComment: a 600-change plan fits the comment with the counts
// and the table visible and a link to the full plan.
func TestBigPlanComment(t *testing.T) {
	h := newActionHarness(t)
	const zones = 600
	for i := range zones {
		h.emu.SetOrganization(schema.KindZone, zoneID(i), schema.Object{
			"name":         fmt.Sprintf("Zone %d with a long descriptive name", i),
			"auth_domain":  fmt.Sprintf("z%d.cloudflareaccess.com", i),
			"login_design": schema.Object{"footer_text": "old"},
		})
	}
	base := h.commit(map[string]string{"zt/main.cue": actConfig("24h", 0)})
	head := h.commit(map[string]string{"zt/main.cue": actConfig("24h", zones)})
	h.pullRequest(base, head)
	res := h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	body := h.stickyComments()[0].Body
	if len(res.summary) <= ghclient.MaxComment {
		t.Fatalf("summary is %d bytes: the plan is not big enough for this test", len(res.summary))
	}
	if len(body) > ghclient.MaxComment {
		t.Fatalf("comment is %d bytes", len(body))
	}
	if strings.Count(body, "```")%2 != 0 {
		t.Error("the comment leaves a code fence open")
	}
	if !strings.Contains(body, "too long for a comment") {
		t.Error("the comment does not say the full diff was left out")
	}
	if ghclient.ReviewedFingerprint(body) != h.readPlan(res.outputs["plan-file"]).Fingerprint {
		t.Error("the comment lost the fingerprint")
	}
	counts, table := strings.Index(body, "**Plan: 0 to create, 600 to update"), strings.Index(body, "| Address |")
	if counts < 0 || table < counts {
		t.Fatalf("counts at %d, table at %d", counts, table)
	}
	if rows := strings.Count(body, "\n| `zone/"); rows != zones {
		t.Errorf("%d table rows, want %d", rows, zones)
	}
	if !strings.Contains(body, "[the full plan](https://github.example/acme/zt/actions/runs/4242)") {
		t.Error("no link to the full plan")
	}
	t.Logf("600-change plan: comment %d bytes (limit %d), step summary %d bytes, hidden state %d bytes",
		len(body), ghclient.MaxComment, len(res.summary), len(regexp.MustCompile(`<!-- ztsync:state:[^ ]* -->`).FindString(body)))
	if st := readState(body); len(st.Changes) != zones {
		t.Errorf("the hidden state holds %d change digests, want %d", len(st.Changes), zones)
	}
}

// TestInputsAndOutputs: args split like a shell, the summary output in
// the format action.yml documents, fatal errors as ::error annotations,
// the invalid-config comment links the run, the status line and the
// footer name the same commit.
func TestInputsAndOutputs(t *testing.T) {
	h := newActionHarness(t)
	base, head := h.sessionChange()
	h.pullRequest(base, head)
	h.env["INPUT_ARGS"] = `--rate-limit 0 --target "account/prod" --max-change-percent '50'`
	res := h.runAction()
	wantCode(t, res, pipeline.ExitOK)

	yml, err := os.ReadFile(filepath.Join(h.testdata, "..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`e\.g\. "(\d+ to create, \d+ to update, \d+ to revoke, \d+ unchanged)"`).FindSubmatch(yml)
	if m == nil {
		t.Fatal("action.yml documents no summary format")
	}
	format := regexp.MustCompile(`^\d+ to create, \d+ to update, \d+ to revoke, \d+ unchanged$`)
	if !format.Match(m[1]) || !format.MatchString(res.outputs["summary"]) {
		t.Errorf("summary output %q is not in the format action.yml documents (%s)", res.outputs["summary"], m[1])
	}

	body := h.stickyComments()[0].Body
	status, _ := ghclient.Status(body)
	sc := regexp.MustCompile("[0-9a-f]{12}").FindString(status)
	if sc == "" || !strings.Contains(body, "at `"+sc+"`</sub>") && !strings.Contains(body, "at `"+sc+"`") {
		t.Errorf("status %q and footer name different commits:\n%s", status, body)
	}
	if !strings.HasPrefix(head, sc) {
		t.Errorf("status names %s, not the planned commit %s", sc, head)
	}

	// Quotes left open: a usage error, as an annotation.
	h.env["INPUT_ARGS"] = `--target "account/prod`
	res = h.runAction()
	wantCode(t, res, pipeline.ExitInvalid)
	if !strings.Contains(res.stdout, "::error title=ztsync::input args") {
		t.Errorf("no ::error annotation:\n%s", res.stdout)
	}

	// An invalid configuration: the comment links the run.
	h.env["INPUT_ARGS"] = "--rate-limit 0"
	bad := h.commit(map[string]string{"zt/main.cue": "accounts: x: id: 1\n"})
	h.pullRequest(base, bad)
	wantCode(t, h.runAction(), pipeline.ExitInvalid)
	status, _ = ghclient.Status(h.stickyComments()[0].Body)
	if !strings.Contains(status, "is invalid") || !strings.Contains(status, "(https://github.example/acme/zt/actions/runs/4242)") {
		t.Errorf("invalid-config status %q does not link the run", status)
	}
}

// TestHostileConfigIsData: what the pull_request_target recipe relies on:
// a pull request's CUE that tries to run a command or read a file is
// refused while loading, with annotations, and nothing runs.
func TestHostileConfigIsData(t *testing.T) {
	h := newActionHarness(t)
	base := h.commit(map[string]string{"zt/main.cue": actConfig("24h", 0)})
	marker := filepath.Join(h.tmp, "pwned")
	head := h.commit(map[string]string{"zt/evil.cue": `package zt

import "tool/exec"

run: exec.Run & {cmd: ["touch", "` + marker + `"]}
secret: _ @embed(file="/etc/passwd")
`})
	h.pullRequestEvent("pull_request", base, head, true)
	res := h.runAction()
	wantCode(t, res, pipeline.ExitInvalid)
	for _, want := range []string{`import "tool/exec" is not allowed`, "@embed(...) is not allowed"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("no annotation about %s:\n%s", want, res.stdout)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the configuration ran a command")
	}
	if n := len(h.emu.Requests()); n != 0 {
		t.Errorf("%d Cloudflare requests", n)
	}
}
