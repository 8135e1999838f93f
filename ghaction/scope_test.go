package ghaction

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/ghclient/githubtest"
	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/schema"
)

// TestActionPlansChangedScopes: on a pull request and on the merge the
// Action plans only the scopes whose configuration the pull request
// changed (the base is the pull request's base, then the commit before
// the push), the comment says how many scopes were left unread, and the
// plan on merge matches the reviewed one.
func TestActionPlansChangedScopes(t *testing.T) {
	h := newActionHarness(t)
	const zones = 3
	for i := range zones {
		h.emu.SetOrganization(schema.KindZone, zoneID(i), schema.Object{
			"name": fmt.Sprintf("Zone %d with a long descriptive name", i), "auth_domain": "z.cloudflareaccess.com",
			"login_design": map[string]any{"footer_text": strings.Repeat("Access to this zone is logged. ", 12)},
		})
	}
	base := h.commit(map[string]string{"zt/main.cue": actConfig("24h", zones)})
	head := h.commit(map[string]string{"zt/main.cue": actConfig("12h", zones)})
	onlyProd := func(what string) {
		t.Helper()
		for _, r := range h.emu.Requests() {
			if !strings.Contains(r.Path, actAccountID) {
				t.Errorf("%s read %s %s, outside the changed scope", what, r.Method, r.Path)
			}
		}
		if h.emu.Count("GET", "") == 0 {
			t.Errorf("%s read nothing", what)
		}
	}

	h.pullRequest(base, head)
	h.emu.ResetRequests()
	res := h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	onlyProd("the pull request's plan")
	p := h.readPlan(res.outputs["plan-file"])
	if p.Coverage == nil || len(p.Coverage.Scopes) != 1 || p.Coverage.Scopes[0] != "account/prod" || p.Coverage.Unread != zones || p.Coverage.Base != base {
		t.Fatalf("coverage %+v", p.Coverage)
	}
	sticky := h.stickyComments()
	if len(sticky) != 1 || !strings.Contains(sticky[0].Body, "Read 1 of 4 scopes (account/prod); 3 left unread: unchanged since") {
		t.Errorf("the comment does not say what the plan covers:\n%s", sticky[0].Body)
	}

	merge := h.commit(nil)
	h.gh.AddPullRequest(merge, githubtest.PullRequest{Number: actPR, Merged: true, MergeCommitSHA: merge})
	h.env["INPUT_COMMAND"] = "apply"
	h.push(base, merge)
	h.emu.ResetRequests()
	res = h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	onlyProd("the merge's plan and apply")
	h.wantWrites(1, "the apply of the reviewed scope")
	org, _ := h.emu.Organization(schema.KindAccount, actAccountID)
	if got := fmt.Sprint(org["session_duration"]); got != "12h" {
		t.Errorf("live session_duration = %s, want 12h", got)
	}

	// A later push that changes no configuration reads nothing.
	docs := h.commit(map[string]string{"README.md": "docs only\n"})
	h.gh.AddPullRequest(docs, githubtest.PullRequest{Number: actPR + 1, Merged: true, MergeCommitSHA: docs})
	h.push(merge, docs)
	h.emu.ResetRequests()
	res = h.runAction()
	wantCode(t, res, pipeline.ExitOK)
	if n := len(h.emu.Requests()); n != 0 {
		t.Errorf("a push that changed no configuration made %d API calls", n)
	}
}
