package ghaction

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	gogithub "github.com/google/go-github/v75/github"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/ghclient"
	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/planner/render"
)

// zeroSHA is the "before" of a push that created the branch.
const zeroSHA = "0000000000000000000000000000000000000000"

// reviewed is what the merged pull request's sticky comment says.
type reviewed struct {
	number      int
	comment     *gogithub.IssueComment // nil when the pull request has none
	fingerprint string                 // "" when none
	state       reviewState
}

// applyPush applies the plan reviewed on the pull request the pushed
// commit came from, together with the reviewed plans of earlier merges
// whose apply never ran (a concurrency group cancels pending runs), when
// planning afresh gives exactly those reviewed changes. What it applied is
// recorded in the comment's hidden state, so a re-run of the job writes
// nothing twice: it says "already applied", or finishes what a partial
// failure left.
func (a *action) applyPush(ctx context.Context) error {
	if a.run.eventName != "push" {
		return pipeline.WithCode(pipeline.ExitRefused, fmt.Errorf("command apply applies on push events to the default branch, not on %s events: nothing here was reviewed", a.run.eventName))
	}
	ev := a.run.event
	if def := ev.Repository.DefaultBranch; def != "" && ev.Ref != "refs/heads/"+def {
		return pipeline.WithCode(pipeline.ExitRefused, fmt.Errorf("command apply applies pushes to the default branch %s, not to %s", def, ev.Ref))
	}
	res, err := a.validate(ctx)
	if err != nil {
		return err
	}
	gh, err := a.githubClient()
	if err != nil {
		return pipeline.WithCode(pipeline.ExitRefused, fmt.Errorf("cannot find the reviewed plan: %w", err))
	}
	if _, err := gh.Identity(ctx); err != nil {
		return pipeline.WithCode(pipeline.ExitRefused, fmt.Errorf("cannot tell ztsync's own plan comment from anyone else's: %w", err))
	}
	sha := a.mergeSHA()
	rv, err := a.findReviewed(ctx, gh, sha)
	if err != nil {
		return err
	}
	hist, err := a.findMissed(ctx, gh, ev.Before)
	if err != nil {
		return err
	}
	if hist.note != "" {
		fmt.Fprintf(a.e.Stderr, "Earlier merges: %s.\n", hist.note)
	}
	base := a.in.base
	if base == "" && ev.Before != zeroSHA {
		base = ev.Before
		if len(hist.missed) > 0 && hist.lastApplied != "" {
			// Revocations new since the last applied merge.
			base = hist.lastApplied
		}
	}
	full, sess, err := a.plan(ctx, res, base)
	if err != nil {
		a.setStatus(ctx, gh, rv, "failed: could not plan: "+render.EscapeMarkdown(err.Error())+a.runSuffix())
		a.summaryLine("## ztsync apply failed\n\n" + codeBlock(err.Error()))
		return err
	}
	defer sess.Close()
	if err := a.recordPlan(full); err != nil {
		return err
	}

	rerun := rv.state.Commit == sha && sha != ""
	// What an earlier run of this merge wrote is never written again.
	p, dropped := without(full, rv.state.Applied)
	if dropped > 0 {
		fmt.Fprintf(a.e.Stderr, "%d changes were applied by an earlier run of this merge (%s); they are not applied again.\n", dropped, a.runName(rv.state.Run, rv.state.Attempt))
	}
	if rerun && rv.state.Phase == phaseApplying && hasRevocation(p) {
		why := fmt.Sprintf("an earlier run (%s) of this merge started applying and recorded no outcome, so its revocations may have been posted", a.runName(rv.state.Run, rv.state.Attempt))
		return a.refuse(ctx, gh, rv, p, why, "refused: an earlier run was interrupted while applying; check the Cloudflare audit log, then plan again in a new pull request")
	}

	if rerun && rv.state.Phase == phaseDone && rv.state.Left == 0 && p.HasChanges() {
		// This merge was applied whole; what the live settings need now
		// was changed since, outside it. Not this merge's to apply, and
		// its "applied" status stays.
		a.gha.Warningf("ztsync: this merge was applied; since then the live settings drifted (%s): plan them in a new pull request", render.Summary(p))
		return a.nothingLeft(ctx, gh, rv, hist, full, true)
	}
	if !p.HasChanges() {
		return a.nothingLeft(ctx, gh, rv, hist, full, rerun || dropped > 0)
	}
	if err := a.checkReviewed(ctx, gh, rv, hist, full, p, rerun || dropped > 0); err != nil {
		return err
	}

	// Record the start, so that a run killed mid-way is known.
	st := rv.state
	st.Commit, st.Phase, st.Run, st.Attempt = sha, phaseApplying, a.run.runID, a.run.runAttempt
	a.setState(ctx, gh, rv.comment, st)

	fmt.Fprintf(a.e.Stderr, "Applying %s reviewed on %s.\n", pipeline.Plural(len(p.Changes), "change"), a.prList(rv, hist))
	if err := applier.CheckStale(ctx, sess.Client, p, a.flags.api.Concurrency); err != nil {
		var se *applier.StaleError
		return a.nothingWritten(ctx, gh, rv, st, p, err, errors.As(err, &se))
	}
	report, err := pipeline.Apply(ctx, sess, p, a.flags.api.Concurrency, a.flags.maxChangePercent, nil, a.e.Stderr, nil)
	if err != nil {
		var ge *applier.GuardError
		return a.nothingWritten(ctx, gh, rv, st, p, err, errors.As(err, &ge))
	}
	if err := sess.Save(); err != nil {
		a.gha.Warningf("%v", err)
	}
	written, revoked := writtenDigests(p, report)
	st.Applied = append(st.Applied, revoked...)
	st.Phase = phaseDone
	st.Left = len(p.Changes) - written
	a.setState(ctx, gh, rv.comment, st)
	if !report.OK() {
		status := "failed: " + render.EscapeMarkdown(report.Summary()) + "; re-run the job to finish what is left" + a.runSuffix()
		a.setStatus(ctx, gh, rv, status)
		if err := a.applySummary(p, status, report.String()); err != nil {
			a.gha.Warningf("%v", err)
		}
		return errors.New(strings.TrimSuffix(report.Summary(), "."))
	}
	a.markMissedApplied(ctx, gh, rv, hist, sha)
	status := "applied: " + render.EscapeMarkdown(report.Summary()) + a.runSuffix()
	if rerun || dropped > 0 {
		status = "applied: finished by a re-run: " + render.EscapeMarkdown(report.Summary()) + a.runSuffix()
	}
	a.setStatus(ctx, gh, rv, status)
	return a.applySummary(p, status, report.String())
}

// nothingWritten ends an apply that stopped before its first write: the
// state says so (every change still left), the status and the summary say
// why; refused (stale plan, mass-change guard) exits 4.
func (a *action) nothingWritten(ctx context.Context, gh *ghclient.Client, rv reviewed, st reviewState, p *planner.Plan, err error, refused bool) error {
	st.Phase, st.Left = phaseDone, len(p.Changes)
	a.setState(ctx, gh, rv.comment, st)
	what := "failed: "
	if refused {
		what = "refused: "
	}
	a.setStatus(ctx, gh, rv, what+render.EscapeMarkdown(err.Error())+a.runSuffix())
	a.applySummaryQuiet(p, what+render.EscapeMarkdown(err.Error()))
	if refused {
		return pipeline.WithCode(pipeline.ExitRefused, err)
	}
	return err
}

// nothingLeft ends an apply with nothing to write: "already applied" on a
// re-run, "nothing to apply" otherwise. A re-run keeps the "applied"
// status, and reports success.
func (a *action) nothingLeft(ctx context.Context, gh *ghclient.Client, rv reviewed, hist history, full *planner.Plan, rerun bool) error {
	if rerun {
		msg := "already applied: every reviewed change of this merge was applied by an earlier run"
		if rv.state.Run != "" {
			msg += " (" + a.runName(rv.state.Run, rv.state.Attempt) + ")"
		}
		fmt.Fprintln(a.e.Stderr, msg+"; nothing to do.")
		a.gha.Noticef("ztsync: %s", msg)
		if rv.state.Left > 0 || rv.state.Phase != phaseDone {
			st := rv.state
			st.Phase, st.Left = phaseDone, 0
			a.setState(ctx, gh, rv.comment, st)
			a.setStatus(ctx, gh, rv, "applied: nothing was left to apply"+a.runSuffix())
		}
		a.markMissedApplied(ctx, gh, rv, hist, a.mergeSHA())
		return a.applySummary(full, render.EscapeMarkdown(msg), "")
	}
	status := "nothing to apply: the live settings already match the configuration" + a.runSuffix()
	if prev, _ := ghclient.Status(rv.comment.GetBody()); !strings.HasPrefix(prev, "applied") {
		a.setStatus(ctx, gh, rv, status)
	}
	st := rv.state
	st.Commit, st.Phase, st.Left, st.Run, st.Attempt = a.mergeSHA(), phaseDone, 0, a.run.runID, a.run.runAttempt
	a.setState(ctx, gh, rv.comment, st)
	a.markMissedApplied(ctx, gh, rv, hist, a.mergeSHA())
	return a.applySummary(full, status, "")
}

// checkReviewed refuses (exit 4) unless the changes left to apply are
// exactly reviewed ones: the reviewed fingerprint for a first run of one
// merge; for a re-run, or with merges whose apply never ran, every change
// must be one the covered pull requests reviewed.
func (a *action) checkReviewed(ctx context.Context, gh *ghclient.Client, rv reviewed, hist history, full, p *planner.Plan, rerun bool) error {
	if rv.fingerprint == "" {
		why := fmt.Sprintf("pull request #%d has no reviewed ztsync plan for %s", rv.number, a.dirName())
		return a.refuse(ctx, gh, rv, p, why, "refused: no reviewed plan for this change; re-run the plan on a new PR")
	}
	if !rerun && len(hist.missed) == 0 {
		if rv.fingerprint != full.Fingerprint {
			why := fmt.Sprintf("the plan changed since review on #%d (reviewed %s, now %s)", rv.number, rv.fingerprint, full.Fingerprint)
			return a.refuse(ctx, gh, rv, p, why, "refused: the plan changed since review; re-run the plan on a new PR")
		}
		return nil
	}
	allowed := slices.Clone(rv.state.Changes)
	if len(allowed) == 0 && rv.fingerprint == full.Fingerprint {
		allowed = digests(full)
	}
	for _, m := range hist.missed {
		allowed = append(allowed, m.state.Changes...)
	}
	var unreviewed []string
	for _, c := range p.Changes {
		if !slices.Contains(allowed, digest(c)) {
			unreviewed = append(unreviewed, c.Address)
		}
	}
	if len(unreviewed) == 0 {
		return nil
	}
	if len(hist.missed) == 0 {
		why := fmt.Sprintf("the changes left to apply are not the ones reviewed on #%d (%s)", rv.number, strings.Join(unreviewed, ", "))
		return a.refuse(ctx, gh, rv, p, why, "refused: the plan changed since review; re-run the plan on a new PR")
	}
	// An earlier merge was never applied and the union is not what was
	// reviewed: name it, on it and here.
	oldest := hist.missed[len(hist.missed)-1]
	var names []string
	for _, m := range slices.Backward(hist.missed) {
		names = append(names, fmt.Sprintf("#%d", m.number))
		if m.comment != 0 && a.in.comment {
			if err := gh.UpdateStatus(ctx, a.run.owner, a.run.repo, m.comment,
				fmt.Sprintf("refused: this plan was never applied (its apply run did not run), and the apply of #%d found changes no pull request reviewed; plan again in a new pull request%s", rv.number, a.runSuffix())); err != nil {
				a.gha.Warningf("update the status of #%d: %v", m.number, err)
			}
		}
	}
	why := fmt.Sprintf("the reviewed plan of pull request %s was never applied (its push's apply run was cancelled or failed), and the live settings now need changes that are not exactly the reviewed plans of %s and #%d (%s)",
		strings.Join(names, ", "), strings.Join(names, ", "), rv.number, strings.Join(unreviewed, ", "))
	a.gha.Errorf("ztsync: pull request #%d's plan was never applied; see the job summary", oldest.number)
	return a.refuse(ctx, gh, rv, p, why, fmt.Sprintf("refused: the plan of #%d was never applied, and together with this one it is not what was reviewed; plan again in a new pull request", oldest.number))
}

// markMissedApplied records on each missed merge's comment that the apply
// of this merge applied its plan.
func (a *action) markMissedApplied(ctx context.Context, gh *ghclient.Client, rv reviewed, hist history, sha string) {
	for _, m := range hist.missed {
		if m.comment == 0 {
			continue
		}
		st := m.state
		st.By, st.Phase, st.Left, st.Run, st.Attempt = sha, phaseDone, 0, a.run.runID, a.run.runAttempt
		status := fmt.Sprintf("applied with the merge of #%d (%s), whose run covered this plan after its own run did not run%s", rv.number, shortSHA(sha), a.runSuffix())
		if err := gh.Edit(ctx, a.run.owner, a.run.repo, m.comment, func(body string) string {
			return ghclient.SetStatus(withState(body, st), status)
		}); err != nil {
			a.gha.Warningf("record on #%d that its plan was applied: %v", m.number, err)
		}
	}
}

// mergeSHA is the pushed commit.
func (a *action) mergeSHA() string {
	if a.run.sha != "" {
		return a.run.sha
	}
	return a.run.event.After
}

// prList names the pull requests an apply covers.
func (a *action) prList(rv reviewed, hist history) string {
	names := []string{fmt.Sprintf("#%d", rv.number)}
	for _, m := range hist.missed {
		names = append(names, fmt.Sprintf("#%d (merged at %s, never applied)", m.number, shortCommitText(m.commit)))
	}
	return strings.Join(names, ", ")
}

// runName is "run N, attempt K" with a link when the run is known.
func (a *action) runName(id, attempt string) string {
	if id == "" {
		return "an earlier run"
	}
	name := "run " + id
	if attempt != "" {
		name += ", attempt " + attempt
	}
	if a.run.owner != "" {
		name += ": " + fmt.Sprintf("%s/%s/%s/actions/runs/%s", a.run.serverURL, a.run.owner, a.run.repo, id)
		if attempt != "" {
			name += "/attempts/" + attempt
		}
	}
	return name
}

// hasRevocation reports whether p revokes anything.
func hasRevocation(p *planner.Plan) bool {
	for _, c := range p.Changes {
		if c.Action == planner.Revoke {
			return true
		}
	}
	return false
}

// writtenDigests counts the changes the report says were written, or may
// have been (an answer lost on the way), and returns the digests of those
// that are revocations. Only revocations are recorded: a create or an
// update that was written is gone from the next plan (the live state
// shows it), but a revocation leaves no trace to plan against, so without
// the record a re-run would post it again.
func writtenDigests(p *planner.Plan, r *applier.Report) (int, []string) {
	byAddr := map[string]planner.Change{}
	for _, c := range p.Changes {
		byAddr[c.Address] = c
	}
	n := 0
	var revoked []string
	for _, res := range r.Results {
		maybe := res.Err != nil && errors.Is(res.Err, cfapi.ErrAmbiguous)
		if res.Status != applier.Applied && res.Status != applier.NotConverged && !maybe {
			continue
		}
		n++
		if c, ok := byAddr[res.Address]; ok && c.Action == planner.Revoke {
			revoked = append(revoked, digest(c))
		}
	}
	return n, revoked
}

// findReviewed finds the merged pull request of the pushed commit and its
// sticky comment (ours only). A commit from no pull request is refused.
func (a *action) findReviewed(ctx context.Context, gh *ghclient.Client, sha string) (reviewed, error) {
	if sha == "" {
		return reviewed{}, pipeline.WithCode(pipeline.ExitRefused, errors.New("GITHUB_SHA is not set: cannot find the pull request that was reviewed"))
	}
	pr, err := gh.PullRequestForCommit(ctx, a.run.owner, a.run.repo, sha)
	if err != nil {
		return reviewed{}, err
	}
	if pr == nil {
		err := fmt.Errorf("commit %s comes from no merged pull request: there is no reviewed plan to apply", sha)
		a.summaryLine("## ztsync apply refused\n\n" + err.Error() + "\n")
		return reviewed{}, pipeline.WithCode(pipeline.ExitRefused, err)
	}
	rv := reviewed{number: pr.GetNumber()}
	rv.comment, err = gh.FindComment(ctx, a.run.owner, a.run.repo, rv.number, a.marker())
	if err != nil {
		return reviewed{}, err
	}
	if rv.comment != nil {
		rv.fingerprint = ghclient.ReviewedFingerprint(rv.comment.GetBody())
		rv.state = readState(rv.comment.GetBody())
	}
	return rv, nil
}

// refuse says on the pull request and in the summary that the plan is not
// the reviewed one, and exits 4. The comment keeps the reviewed
// fingerprint; a pull request without a comment gets one, without a
// fingerprint, so a re-run is refused too.
func (a *action) refuse(ctx context.Context, gh *ghclient.Client, rv reviewed, p *planner.Plan, why, status string) error {
	status += a.runSuffix()
	if rv.comment != nil {
		a.setStatus(ctx, gh, rv, status)
	} else if a.in.comment {
		body, err := a.planComment(p, "", status, reviewState{})
		if err == nil {
			if _, _, err = gh.Upsert(ctx, a.run.owner, a.run.repo, rv.number, a.marker(), body); err != nil {
				a.gha.Warningf("plan comment: %v", err)
			}
		}
	}
	if err := a.applySummary(p, "refused: "+render.EscapeMarkdown(why), ""); err != nil {
		a.gha.Warningf("%v", err)
	}
	return pipeline.WithCode(pipeline.ExitRefused, fmt.Errorf("%s: nothing applied; re-run the plan on a new pull request", why))
}

// setStatus updates the reviewed comment's status line, if there is a
// comment; failures are warnings (the apply's outcome is in the log).
func (a *action) setStatus(ctx context.Context, gh *ghclient.Client, rv reviewed, status string) {
	if rv.comment == nil || !a.in.comment {
		return
	}
	if err := gh.UpdateStatus(ctx, a.run.owner, a.run.repo, rv.comment.GetID(), status); err != nil {
		a.gha.Warningf("update the plan comment's status: %v", err)
	}
}

// setState records st in comment's hidden state. It is written even when
// the comment input is false: it is what keeps a re-run from writing
// twice. A failure is a warning.
func (a *action) setState(ctx context.Context, gh *ghclient.Client, comment *gogithub.IssueComment, st reviewState) {
	if comment == nil {
		return
	}
	if err := gh.Edit(ctx, a.run.owner, a.run.repo, comment.GetID(), func(body string) string { return withState(body, st) }); err != nil {
		a.gha.Warningf("record the apply's progress in the plan comment (a re-run could not tell what was applied): %v", err)
	}
}

// runSuffix is " · [run N](URL)", or "" when the run is unknown.
func (a *action) runSuffix() string {
	if l := a.run.runLink(); l != "" {
		return " · " + l
	}
	return ""
}

// applySummary writes the fresh plan with status, and the apply report
// when there is one, to the step summary.
func (a *action) applySummary(p *planner.Plan, status, report string) error {
	md, err := a.markdown(p, status, true)
	if err != nil {
		return err
	}
	if report != "" {
		md += "\n### Apply\n\n" + codeBlock(report)
	}
	if err := writeSummary(a.run.summaryFile, md); err != nil {
		return fmt.Errorf("write step summary: %w", err)
	}
	fmt.Fprintln(a.e.Stderr, render.Summary(p))
	return nil
}

// applySummaryQuiet is applySummary whose failure is a warning.
func (a *action) applySummaryQuiet(p *planner.Plan, status string) {
	if err := a.applySummary(p, status, ""); err != nil {
		a.gha.Warningf("%v", err)
	}
}
