package ghaction

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gogithub "github.com/google/go-github/v75/github"

	"github.com/ztsync/ztsync/applier"
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
}

// applyPush applies the plan reviewed on the pull request the pushed commit
// came from, if planning afresh gives the same fingerprint.
func (a *action) applyPush(ctx context.Context) error {
	if a.run.eventName != "push" {
		return pipeline.WithCode(pipeline.ExitRefused, fmt.Errorf("command apply applies on push events to the default branch, not on %s events: nothing here was reviewed", a.run.eventName))
	}
	ev := a.run.event
	if def := ev.Repository.DefaultBranch; def != "" && ev.Ref != "refs/heads/"+def {
		return pipeline.WithCode(pipeline.ExitRefused, fmt.Errorf("command apply applies pushes to the default branch %s, not to %s", def, ev.Ref))
	}
	res, err := a.validate()
	if err != nil {
		return err
	}
	gh, err := a.githubClient()
	if err != nil {
		return pipeline.WithCode(pipeline.ExitRefused, fmt.Errorf("cannot find the reviewed plan: %w", err))
	}
	rv, err := a.findReviewed(ctx, gh)
	if err != nil {
		return err
	}

	base := a.in.base
	if base == "" && ev.Before != zeroSHA {
		base = ev.Before
	}
	p, sess, err := a.plan(ctx, res, base)
	if err != nil {
		a.setStatus(ctx, gh, rv, "failed: could not plan: "+oneLineMsg(err.Error())+a.runSuffix())
		a.summaryLine("## ztsync apply failed\n\n" + codeBlock(err.Error()))
		return err
	}
	defer sess.Close()
	if err := a.recordPlan(p); err != nil {
		return err
	}

	switch {
	case !p.HasChanges():
		// Nothing to write, so nothing to refuse. A re-run after a
		// successful apply keeps the "applied" status.
		status := "nothing to apply: the live settings already match the configuration" + a.runSuffix()
		if prev, _ := ghclient.Status(rv.comment.GetBody()); !strings.HasPrefix(prev, "applied") {
			a.setStatus(ctx, gh, rv, status)
		}
		return a.applySummary(p, status, "")
	case rv.fingerprint == "":
		why := fmt.Sprintf("pull request #%d has no reviewed ztsync plan for %s", rv.number, a.dirName())
		return a.refuse(ctx, gh, rv, p, why, "refused: no reviewed plan for this change; re-run the plan on a new PR")
	case rv.fingerprint != p.Fingerprint:
		why := fmt.Sprintf("the plan changed since review on #%d (reviewed %s, now %s)", rv.number, rv.fingerprint, p.Fingerprint)
		return a.refuse(ctx, gh, rv, p, why, "refused: the plan changed since review; re-run the plan on a new PR")
	}

	fmt.Fprintf(a.e.Stderr, "The plan matches the one reviewed on #%d (%s); applying.\n", rv.number, p.Fingerprint)
	if err := applier.CheckStale(ctx, sess.Client, p, a.flags.api.Concurrency); err != nil {
		var se *applier.StaleError
		if errors.As(err, &se) {
			a.setStatus(ctx, gh, rv, "refused: "+oneLineMsg(err.Error())+a.runSuffix())
			a.applySummaryQuiet(p, "refused: "+err.Error())
			return pipeline.WithCode(pipeline.ExitRefused, err)
		}
		a.setStatus(ctx, gh, rv, "failed: "+oneLineMsg(err.Error())+a.runSuffix())
		a.applySummaryQuiet(p, "failed: "+err.Error())
		return err
	}
	report, err := pipeline.Apply(ctx, sess, p, a.flags.api.Concurrency, a.flags.maxChangePercent, a.e.Stderr)
	if err != nil {
		var ge *applier.GuardError
		if errors.As(err, &ge) {
			a.setStatus(ctx, gh, rv, "refused: "+oneLineMsg(err.Error())+a.runSuffix())
			a.applySummaryQuiet(p, "refused: "+err.Error())
			return pipeline.WithCode(pipeline.ExitRefused, err)
		}
		return err
	}
	if err := sess.Save(); err != nil {
		a.gha.Warningf("%v", err)
	}
	if !report.OK() {
		status := "failed: " + report.Summary() + a.runSuffix()
		a.setStatus(ctx, gh, rv, status)
		if err := a.applySummary(p, status, report.String()); err != nil {
			a.gha.Warningf("%v", err)
		}
		return errors.New(strings.TrimSuffix(report.Summary(), "."))
	}
	status := "applied: " + report.Summary() + a.runSuffix()
	a.setStatus(ctx, gh, rv, status)
	return a.applySummary(p, status, report.String())
}

// findReviewed finds the merged pull request of the pushed commit and its
// sticky comment. A commit from no pull request is refused.
func (a *action) findReviewed(ctx context.Context, gh *ghclient.Client) (reviewed, error) {
	sha := a.run.sha
	if sha == "" {
		sha = a.run.event.After
	}
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
		md, err := a.markdown(p, status, true)
		if err == nil {
			body := a.commentBody("", md)
			if _, _, err = gh.Upsert(ctx, a.run.owner, a.run.repo, rv.number, a.marker(), body); err != nil {
				a.gha.Warningf("plan comment: %v", err)
			}
		}
	}
	if err := a.applySummary(p, "refused: "+why, ""); err != nil {
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
