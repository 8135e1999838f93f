package ghaction

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/sethvargo/go-githubactions"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/ghclient"
	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/planner/render"
	"github.com/ztsync/ztsync/safetext"
)

// Env is what the Action may touch of the process; package main fills it.
type Env struct {
	// Getenv reads the step's environment: INPUT_*, GITHUB_*, RUNNER_TEMP,
	// CLOUDFLARE_*.
	Getenv func(string) string
	// Stdout receives workflow commands (annotations); Stderr the log.
	Stdout, Stderr io.Writer
	// Version is the tool version recorded in plans.
	Version string
}

// Run is the GitHub Action's entry point (docs/github-action.md). It reads the
// action's inputs (INPUT_*) and what GitHub gives every step (GITHUB_*),
// and acts on the event:
//
//   - command validate, any event: validate, errors as annotations.
//   - pull_request (and pull_request_target): validate, plan with the pull
//     request's base as --base, the sticky comment, the step summary and the
//     outputs. Command apply plans here: it applies after the merge.
//   - push with command apply: find the merged pull request, plan afresh,
//     and apply only when the plan's fingerprint is the reviewed one (else
//     exit 4); then update the comment's status line.
//   - any other event (schedule, workflow_dispatch, push with plan): a drift
//     check, a plan with its summary and outputs. Like plan, it exits 2 on
//     changes only when the args input holds --detailed-exitcode.
//
// The error carries the exit code (pipeline.Code).
func Run(ctx context.Context, e Env) error {
	a, err := newAction(e)
	if err == nil {
		err = a.dispatch(ctx)
	}
	// A fatal error is an annotation too, so it shows on the run's page
	// and not only in the log. Exit 2 (changes) is no error.
	var done *annotated
	var reported *pipeline.Reported
	if err != nil && !errors.As(err, &reported) && !errors.As(err, &done) {
		githubactions.New(githubactions.WithGetenv(e.Getenv), githubactions.WithWriter(e.Stdout)).
			WithFieldsMap(map[string]string{"title": "ztsync"}).Errorf("%s", safetext.Line(err.Error()))
	}
	return err
}

// annotated is an error whose details are annotations already: Run adds
// no error annotation of its own.
type annotated struct{ error }

func (e *annotated) Unwrap() error { return e.error }

// action is one run of `ztsync action`.
type action struct {
	e     Env // Getenv sees the cloudflare-api-token input as CLOUDFLARE_API_TOKEN
	in    actionInputs
	run   ghRun
	gha   *githubactions.Action
	flags actionFlags
	// secrets never go into an output.
	secrets []string
	// dir is dirName's answer, once known.
	dir string
	// outputs are written once, at the end, whatever happened.
	outputs map[string]string
}

// actionFlags are the plan and apply flags the args input may hold.
type actionFlags struct {
	detailed         bool
	targets          pipeline.StringList
	maxChangePercent float64
	api              *pipeline.APIFlags
	scope            *pipeline.ScopeFlags
}

// newAction reads the inputs, the run and the args input.
func newAction(e Env) (*action, error) {
	in, err := readInputs(e.Getenv)
	if err != nil {
		return nil, err
	}
	run, err := readRun(e.Getenv)
	if err != nil {
		return nil, err
	}
	inner := e
	inner.Getenv = func(k string) string {
		if k == "CLOUDFLARE_API_TOKEN" && in.cloudflareToken != "" {
			return in.cloudflareToken
		}
		return e.Getenv(k)
	}
	a := &action{
		e:   inner,
		in:  in,
		run: run,
		gha: githubactions.New(githubactions.WithGetenv(inner.Getenv), githubactions.WithWriter(e.Stdout)),
		outputs: map[string]string{
			"has-changes": "false",
			"plan-file":   "",
			"summary":     "",
		},
	}
	for _, s := range []string{in.githubToken, in.jobToken, inner.Getenv("CLOUDFLARE_API_TOKEN"), inner.Getenv("CLOUDFLARE_API_KEY")} {
		if len(s) >= 4 {
			a.secrets = append(a.secrets, s)
		}
	}
	if err := a.parseArgs(); err != nil {
		return nil, err
	}
	return a, nil
}

// parseArgs parses the args input: plan and apply flags.
func (a *action) parseArgs() error {
	fs := flag.NewFlagSet("action (input args)", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the error below says what is wrong; no usage dump in the log
	fs.BoolVar(&a.flags.detailed, "detailed-exitcode", false, "exit 2 when the plan has changes")
	fs.Var(&a.flags.targets, "target", "plan only this `ADDR`ess or address prefix; repeatable")
	fs.Float64Var(&a.flags.maxChangePercent, "max-change-percent", applier.DefaultMaxChangePercent, "mass-change guard: refuse to apply a plan changing more than `N` % of the declared resources (when more than 10)")
	a.flags.api = pipeline.AddAPIFlags(fs)
	a.flags.scope = pipeline.AddScopeFlags(fs)
	if err := fs.Parse(a.in.args); err != nil {
		return pipeline.Usagef("input args %q: %v (args takes the flags of ztsync plan and apply: ztsync plan --help lists them)", strings.Join(a.in.args, " "), err)
	}
	if fs.NArg() > 0 {
		return pipeline.Usagef("input args: unexpected argument %q", fs.Arg(0))
	}
	if err := pipeline.CheckPercent("max-change-percent", a.flags.maxChangePercent); err != nil {
		return pipeline.Usagef("input args: %v", err)
	}
	return nil
}

// dispatch runs the flow for the command and the event, then writes the
// outputs.
func (a *action) dispatch(ctx context.Context) error {
	var err error
	switch {
	case a.in.command == "validate":
		_, err = a.validate(ctx)
	case a.isPullRequest():
		if a.in.command == "apply" {
			a.gha.Noticef("command apply plans on pull requests; the reviewed plan is applied after the merge, on push")
		}
		err = a.pullRequest(ctx)
	case a.in.command == "apply":
		err = a.applyPush(ctx)
	default:
		err = a.drift(ctx)
	}
	if oerr := a.writeOutputs(); oerr != nil && err == nil {
		err = oerr
	}
	return err
}

func (a *action) isPullRequest() bool {
	return a.run.eventName == "pull_request" || a.run.eventName == "pull_request_target"
}

// writeOutputs writes has-changes, plan-file and summary.
func (a *action) writeOutputs() error {
	var outs []output
	for _, name := range []string{"has-changes", "plan-file", "summary"} {
		outs = append(outs, output{name, a.outputs[name]})
	}
	if err := writeOutputs(a.run.outputFile, outs, a.secrets); err != nil {
		return fmt.Errorf("write step outputs: %w", err)
	}
	return nil
}

// marker is the sticky comment's marker for the input directory.
func (a *action) marker() string {
	return ghclient.Marker(a.dirName())
}

// dirName is the directory as the comment and titles show it.
func (a *action) dirName() string {
	if a.dir == "" {
		a.dir = repoDir(a.in.directory)
	}
	return a.dir
}

// repoDir is dir relative to the root of the git repository it is in
// (the pull_request_target recipe checks the pull request out under pr/,
// and its comment must carry the same marker as a plan of zt/), or dir
// cleaned when it is in none.
func repoDir(dir string) string {
	clean := filepath.ToSlash(filepath.Clean(dir))
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return clean
	}
	wt, err := repo.Worktree()
	if err != nil {
		return clean
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return clean
	}
	root := wt.Filesystem.Root()
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return clean
	}
	return filepath.ToSlash(rel)
}

// validate loads the configuration. Problems become annotations (as many
// as GitHub shows), a notice for the rest, and the full list in the step
// summary; the error then exits 3.
func (a *action) validate(ctx context.Context) (*loader.Result, error) {
	l, err := loader.New(loader.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	res, err := l.LoadDir(a.in.directory)
	var problems loader.Errors
	if errors.As(err, &problems) {
		a.reportProblems(problems)
		return nil, pipeline.WithCode(pipeline.ExitInvalid, &annotated{fmt.Errorf("%d problems in the configuration in %s (see the annotations and the step summary)", len(problems), a.dirName())})
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", a.dirName(), err)
	}
	if a.in.command == "validate" {
		msg := fmt.Sprintf("The configuration in %s is valid (%d files).", render.CodeSpan(a.dirName()), len(res.Files))
		a.outputs["summary"] = fmt.Sprintf("valid: %s", pipeline.Plural(len(res.Files), "file"))
		if err := writeSummary(a.run.summaryFile, "## ztsync validate\n\n"+msg+"\n"); err != nil {
			return nil, fmt.Errorf("write step summary: %w", err)
		}
		fmt.Fprintln(a.e.Stderr, strings.ReplaceAll(msg, "`", ""))
	}
	return res, nil
}

// reportProblems annotates the problems and lists them all in the step
// summary and the log.
func (a *action) reportProblems(problems loader.Errors) {
	probs := make([]problem, len(problems))
	var list strings.Builder
	for i, p := range problems {
		probs[i] = problemOf(p, repoRelative(a.run.workspace, p.File))
		fmt.Fprintln(a.e.Stderr, safetext.Line(p.Error()))
		list.WriteString(safetext.Line(p.Error()))
		list.WriteString("\n")
	}
	annotate(a.gha, probs, maxErrorAnnotations, "ztsync validate")
	a.outputs["summary"] = "invalid: " + pipeline.Plural(len(problems), "problem")
	fence := render.Fence(list.String())
	md := fmt.Sprintf("## ztsync: the configuration in %s is invalid\n\n%d problems:\n\n%s\n%s%s\n",
		render.CodeSpan(a.dirName()), len(problems), fence, list.String(), fence)
	if err := writeSummary(a.run.summaryFile, md); err != nil {
		a.gha.Warningf("write step summary: %v", err)
	}
}

// plan reads the live state and builds the plan of the loaded
// configuration res against base ("" for no base). The caller closes the
// session.
func (a *action) plan(ctx context.Context, res *loader.Result, base string) (*planner.Plan, *pipeline.Session, error) {
	out, err := pipeline.Plan(ctx, pipeline.Request{
		Dir:         a.in.directory,
		SourceDir:   a.dirName(),
		Loaded:      res,
		Base:        base,
		Targets:     a.flags.targets,
		Scope:       *a.flags.scope,
		API:         a.flags.api,
		Getenv:      a.e.Getenv,
		Log:         a.e.Stderr,
		ToolVersion: a.e.Version,
		// The plan warns when apply will refuse it at the args' threshold.
		MaxChangePercent: &a.flags.maxChangePercent,
	})
	if err != nil {
		return nil, nil, err
	}
	return out.Plan, out.Session, nil
}

// recordPlan writes the plan file and sets the outputs.
func (a *action) recordPlan(p *planner.Plan) error {
	dir, err := a.run.tempDir()
	if err != nil {
		return fmt.Errorf("plan file: %w", err)
	}
	var buf bytes.Buffer
	if err := planner.WritePlan(&buf, p); err != nil {
		return fmt.Errorf("plan file: %w", err)
	}
	path := filepath.Join(dir, "ztsync-plan-"+fileSafe(a.dirName())+".json")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("plan file: %w", err)
	}
	a.outputs["plan-file"] = path
	a.outputs["summary"] = summaryOutput(p)
	a.outputs["has-changes"] = fmt.Sprint(p.HasChanges())
	return nil
}

// markdown renders the plan with status (plain Markdown) between the
// hidden status markers, and a link to the run when withRun.
func (a *action) markdown(p *planner.Plan, status string, withRun bool) (string, error) {
	opts := render.MarkdownOptions{Status: ghclient.StatusText(status)}
	if withRun {
		opts.RunURL = a.run.runURL()
	}
	var b strings.Builder
	if err := render.Markdown(&b, p, opts); err != nil {
		return "", err
	}
	return b.String(), nil
}

// statusSlack is room kept in a comment for a longer status line later
// (applied, failed, refused with a reason).
const statusSlack = 1000

// planComment is the sticky comment for plan p: the hidden header (marker,
// fingerprint unless "", state), then the plan in Markdown fitted to
// GitHub's limit: counts and table first, and a link to the full plan in
// the run's step summary when something had to be left out.
func (a *action) planComment(p *planner.Plan, fingerprint, status string, st reviewState) (string, error) {
	header := withState(ghclient.Header(a.marker(), fingerprint), st)
	var b strings.Builder
	err := render.Markdown(&b, p, render.MarkdownOptions{
		Status:      ghclient.StatusText(status),
		MaxBytes:    ghclient.MaxComment - len(header) - statusSlack,
		FullPlanURL: a.run.runURL(),
	})
	if err != nil {
		return "", err
	}
	return a.commentBody(header, b.String()), nil
}

// commentBody is the sticky comment: the hidden header, then the
// Markdown, cut under GitHub's limit with a pointer to the step summary
// (planComment already fits a plan; this is the last guard).
func (a *action) commentBody(header, markdown string) string {
	note := "\n\n> [!NOTE]\n> The plan is too long for a comment (GitHub's 65,536-character limit) and was cut here: the full plan is in the step summary"
	if link := a.run.runLink(); link != "" {
		note += " of " + link
	}
	note += ".\n"
	return ghclient.Truncate(header+"\n"+markdown, ghclient.MaxComment, note)
}

// githubClient returns the client for the GitHub API, or an error when
// there is no token or repository.
func (a *action) githubClient() (*ghclient.Client, error) {
	if a.in.githubToken == "" {
		return nil, errors.New("no GitHub token: set the github-token input (default ${{ github.token }})")
	}
	if a.run.owner == "" {
		return nil, errors.New("GITHUB_REPOSITORY is not set")
	}
	gh, err := ghclient.New(nil, a.in.githubToken, a.run.apiURL)
	if err != nil {
		return nil, err
	}
	if a.in.jobToken != "" && a.in.githubToken == a.in.jobToken {
		gh.AssumeIdentity(ghclient.Identity{Login: ghclient.ActionsBot, Via: "the job's GITHUB_TOKEN"})
	}
	return gh, nil
}

// upsertComment makes body the sticky comment on pull request number. It
// does nothing when the comment input is false; a refusal (fork) or a
// missing token is a warning; other failures are errors.
func (a *action) upsertComment(ctx context.Context, number int, body string) error {
	if !a.in.comment {
		return nil
	}
	gh, err := a.githubClient()
	if err != nil {
		a.gha.Warningf("no plan comment: %v", err)
		return nil
	}
	id, what, err := gh.Upsert(ctx, a.run.owner, a.run.repo, number, a.marker(), body)
	if isPermission(err) || errors.Is(err, ghclient.ErrUnknownIdentity) {
		a.gha.Warningf("no plan comment: %v", err)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.e.Stderr, "Plan comment %d on #%d: %s\n", id, number, what)
	return nil
}

// pullRequest validates, plans against the pull request's base and posts
// the plan.
func (a *action) pullRequest(ctx context.Context) error {
	pr := a.run.event.PullRequest
	if pr == nil || pr.Number == 0 {
		return fmt.Errorf("the %s event payload has no pull request", a.run.eventName)
	}
	head := cmp.Or(pr.Head.SHA, a.run.sha)
	// What is checked out: the pull request's merge commit on
	// pull_request, the base branch on pull_request_target.
	checkout, known := head, false
	if info, err := loader.GitInfo(a.in.directory); err == nil && info.Commit != "" {
		checkout, known = info.Commit, true
	}
	fork := pr.Head.Repo != nil && pr.Head.Repo.Fork
	if fork && a.run.eventName == "pull_request" {
		// A fork's pull request gets no secrets and a read-only token:
		// validate (annotations) and say why there is no plan.
		if _, err := a.validate(ctx); err != nil {
			return err
		}
		return a.skipPlan(fmt.Sprintf("pull request #%d comes from the fork %s, and GitHub gives workflows on forks' pull requests no secrets, so there is no plan here.", pr.Number, forkName(pr.Head.Repo.FullName)),
			"A maintainer gets a plan by pushing the branch to this repository (a pull request from a branch here is planned), or with the pull_request_target recipe in docs/github-action.md, which plans the fork's files as data.")
	}
	if a.run.eventName == "pull_request_target" && (!known || checkout == pr.Base.SHA || checkout == a.run.sha) {
		// pull_request_target checks out the base branch: its plan is
		// not the pull request's, and posting it would say "no changes"
		// about changes nobody planned.
		if _, err := a.validate(ctx); err != nil {
			return err
		}
		what := "the base branch (" + shortCommitText(checkout) + ")"
		if !known {
			what = "a directory that is not in a git checkout, so it may be the base branch"
		}
		return a.skipPlan(fmt.Sprintf("on pull_request_target the workflow checked out %s, not pull request #%d, so a plan here would not be the pull request's.", what, pr.Number),
			"Use the pull_request_target recipe in docs/github-action.md: it checks out the pull request's files as data in their own directory and plans those.")
	}
	res, err := a.validate(ctx)
	if err != nil {
		a.failedComment(ctx, pr.Number, "not planned: the configuration at "+shortSHA(checkout)+" is invalid; see the annotations and the summary of "+a.runRef())
		return err
	}
	if why := a.noCredentials(); why != "" {
		return a.skipPlan("no Cloudflare credentials in this job: "+why+".",
			"A maintainer gets a plan by setting the cloudflare-api-token input from a repository or environment secret (a read-only token is enough to plan), or by re-running the job where that secret is available.")
	}
	base := cmp.Or(a.in.base, pr.Base.SHA)
	p, sess, err := a.plan(ctx, res, base)
	if err != nil {
		a.failedComment(ctx, pr.Number, "not planned: "+render.EscapeMarkdown(err.Error())+a.runSuffix())
		a.summaryLine("## ztsync plan failed\n\n" + codeBlock(err.Error()))
		return err
	}
	sess.Close()
	if err := a.recordPlan(p); err != nil {
		return err
	}

	// The status names the commit the footer names: the one planned.
	planned := shortSHA(p.Source.Commit)
	status := "planned at " + planned + "; merging applies this plan if the live settings still need exactly these changes"
	if !p.HasChanges() {
		status = "no changes at " + planned
	}
	summary, err := a.markdown(p, status, true)
	if err != nil {
		return err
	}
	if err := writeSummary(a.run.summaryFile, summary); err != nil {
		return fmt.Errorf("write step summary: %w", err)
	}
	// The comment has no run link unless the plan is too long for it, so
	// re-running an unchanged plan does not edit it. The hidden state
	// carries the digest of each reviewed change: the apply of a later
	// merge checks what it applies against them when this merge's own
	// apply never ran, and a re-run what is left.
	body, err := a.planComment(p, p.Fingerprint, status, reviewState{Changes: digests(p)})
	if err != nil {
		return err
	}
	if err := a.upsertComment(ctx, pr.Number, body); err != nil {
		return err
	}
	fmt.Fprintln(a.e.Stderr, render.Summary(p))
	if a.flags.detailed && p.HasChanges() {
		return pipeline.ChangesReported()
	}
	return nil
}

// failedComment replaces the sticky comment with a status and no
// fingerprint, so that an old plan cannot be applied after a run that
// could not plan. Its own failures are warnings.
func (a *action) failedComment(ctx context.Context, number int, status string) {
	body := ghclient.Header(a.marker(), "") + "\n## ztsync plan for " + render.CodeSpan(a.dirName()) + "\n\n" + ghclient.StatusLine(status) + "\n"
	if err := a.upsertComment(ctx, number, body); err != nil {
		a.gha.Warningf("plan comment: %v", err)
	}
}

// drift plans (against the base input, if any) and reports whether the
// live settings drifted from the configuration.
func (a *action) drift(ctx context.Context) error {
	res, err := a.validate(ctx)
	if err != nil {
		return err
	}
	p, sess, err := a.plan(ctx, res, a.in.base)
	if err != nil {
		a.summaryLine("## ztsync drift check failed\n\n" + codeBlock(err.Error()))
		return err
	}
	sess.Close()
	if err := a.recordPlan(p); err != nil {
		return err
	}
	status := "no drift: the live settings match the configuration"
	if p.HasChanges() {
		status = "drift: the live settings differ from the configuration"
		a.gha.Warningf("drift in %s: %s", a.dirName(), render.Summary(p))
	}
	md, err := a.markdown(p, status, true)
	if err != nil {
		return err
	}
	if err := writeSummary(a.run.summaryFile, md); err != nil {
		return fmt.Errorf("write step summary: %w", err)
	}
	fmt.Fprintln(a.e.Stderr, render.Summary(p))
	if a.flags.detailed && p.HasChanges() {
		return pipeline.ChangesReported()
	}
	return nil
}

// summaryLine appends md to the step summary; a failure is a warning.
func (a *action) summaryLine(md string) {
	if err := writeSummary(a.run.summaryFile, md); err != nil {
		a.gha.Warningf("write step summary: %v", err)
	}
}

// skipPlan ends a pull request run that cannot plan without failing it:
// a notice with why and how a maintainer gets a plan, the step summary
// and the summary output; exit 0.
func (a *action) skipPlan(why, how string) error {
	a.gha.Noticef("ztsync: plan skipped: %s %s", why, how)
	a.outputs["summary"] = "not planned: " + why
	a.summaryLine("## ztsync plan skipped\n\n" + render.EscapeMarkdown(why) + "\n\n" + render.EscapeMarkdown(how) + "\n")
	fmt.Fprintf(a.e.Stderr, "Plan skipped: %s\n%s\n", why, how)
	return nil
}

// noCredentials says why the job has no Cloudflare credentials, or ""
// when it has some (or plans against the emulator).
func (a *action) noCredentials() string {
	if a.flags.api.Set("emulator") {
		return ""
	}
	g := a.e.Getenv
	if g("CLOUDFLARE_API_TOKEN") != "" || (g("CLOUDFLARE_API_KEY") != "" && g("CLOUDFLARE_EMAIL") != "") {
		return ""
	}
	if g("CLOUDFLARE_API_KEY") != "" || g("CLOUDFLARE_EMAIL") != "" {
		return "" // half set: planning says exactly what is missing
	}
	return "the cloudflare-api-token input is empty and neither CLOUDFLARE_API_TOKEN nor CLOUDFLARE_API_KEY is set (a secret that is not available to this workflow reads as empty)"
}

// forkName is the fork's owner/repo for a message, or "a fork".
func forkName(full string) string {
	if full == "" {
		return "a fork"
	}
	return safetext.Line(full)
}

// shortCommitText is the first 12 characters of a commit hash.
func shortCommitText(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// runRef is "[run N](URL)", or "the workflow run" when unknown.
func (a *action) runRef() string {
	if l := a.run.runLink(); l != "" {
		return l
	}
	return "the workflow run"
}

// shortSHA is the first 12 characters of a commit hash in a code span, or
// "the head commit" when unknown.
func shortSHA(sha string) string {
	if sha == "" {
		return "the head commit"
	}
	if len(sha) > 12 {
		sha = sha[:12]
	}
	return render.CodeSpan(sha)
}

// codeBlock is s in a fenced code block.
func codeBlock(s string) string {
	f := render.Fence(s)
	return f + "\n" + strings.TrimRight(s, "\n") + "\n" + f + "\n"
}

// summaryOutput is the summary output of a plan, in the format action.yml
// documents: "N to create, N to update, N to revoke, N unchanged".
func summaryOutput(p *planner.Plan) string {
	c := planner.CountChanges(p.Changes)
	return fmt.Sprintf("%d to create, %d to update, %d to revoke, %d unchanged", c.Create, c.Update, c.Revoke, max(0, p.Summary.Unchanged))
}

// fileSafe turns a directory into a file name part.
func fileSafe(dir string) string {
	var b strings.Builder
	for _, r := range dir {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if s := strings.Trim(b.String(), "_"); s != "" {
		return s
	}
	return "root"
}
