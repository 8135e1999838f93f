package ghaction

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mattn/go-shellwords"
	"github.com/sethvargo/go-githubactions"

	"github.com/ztsync/ztsync/ghclient"
	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/pipeline"
)

// The action's inputs, as the composite action.yml maps them into env:
// INPUT_ + the input's name upper-cased, hyphens kept.
const (
	inputCommand         = "INPUT_COMMAND"
	inputDirectory       = "INPUT_DIRECTORY"
	inputBase            = "INPUT_BASE"
	inputComment         = "INPUT_COMMENT"
	inputGitHubToken     = "INPUT_GITHUB-TOKEN"
	inputCloudflareToken = "INPUT_CLOUDFLARE-API-TOKEN"
	inputArgs            = "INPUT_ARGS"
	// jobToken is the job's own GITHUB_TOKEN, which action.yml passes so
	// that a github-token input equal to it is known to post as
	// github-actions[bot] (that token may not call GET /user).
	jobToken = "ZTSYNC_JOB_TOKEN"
)

// Limits GitHub applies to what a step shows.
const (
	// maxErrorAnnotations is how many error annotations GitHub shows per step.
	maxErrorAnnotations = 10
	// maxStepSummary is the step summary's size limit (1 MiB).
	maxStepSummary = 1 << 20
)

// actionInputs are the action's inputs, parsed.
type actionInputs struct {
	command         string // validate, plan or apply
	directory       string
	base            string
	comment         bool
	githubToken     string
	cloudflareToken string
	args            []string
	jobToken        string
}

// readInputs reads and checks the INPUT_* variables.
func readInputs(getenv func(string) string) (actionInputs, error) {
	in := actionInputs{
		command:         strings.ToLower(strings.TrimSpace(getenv(inputCommand))),
		directory:       strings.TrimSpace(getenv(inputDirectory)),
		base:            strings.TrimSpace(getenv(inputBase)),
		githubToken:     strings.TrimSpace(getenv(inputGitHubToken)),
		cloudflareToken: strings.TrimSpace(getenv(inputCloudflareToken)),
		jobToken:        strings.TrimSpace(getenv(jobToken)),
		comment:         true,
	}
	args, err := splitArgs(getenv(inputArgs))
	if err != nil {
		return in, pipeline.Usagef("input args: %v", err)
	}
	in.args = args
	in.command = cmp.Or(in.command, "plan")
	switch in.command {
	case "validate", "plan", "apply":
	default:
		return in, pipeline.Usagef("input command: %q is not one of validate, plan, apply", in.command)
	}
	in.directory = cmp.Or(in.directory, ".")
	in.githubToken = cmp.Or(in.githubToken, strings.TrimSpace(getenv("GITHUB_TOKEN")))
	if v := strings.TrimSpace(getenv(inputComment)); v != "" {
		b, err := parseBoolInput(v)
		if err != nil {
			return in, pipeline.Usagef("input comment: %v", err)
		}
		in.comment = b
	}
	return in, nil
}

// splitArgs splits the args input as a shell does: quotes group words,
// backslashes escape; nothing is expanded ($VAR, `cmd` stay literal).
func splitArgs(s string) ([]string, error) {
	p := shellwords.NewParser()
	p.ParseEnv = false
	p.ParseBacktick = false
	args, err := p.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	if p.Position != -1 {
		// The parser stops at ; & | and similar: those are not flags.
		return nil, fmt.Errorf("%q: unexpected %q; give only flags and their values", s, s[p.Position:])
	}
	return args, nil
}

// parseBoolInput accepts YAML 1.2's core booleans, as actions/toolkit's
// getBooleanInput does.
func parseBoolInput(v string) (bool, error) {
	switch v {
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", v)
}

// ghEvent is the part of the event payload (GITHUB_EVENT_PATH) the action
// reads.
type ghEvent struct {
	// push
	Before string `json:"before"`
	After  string `json:"after"`
	Ref    string `json:"ref"`
	// pull_request
	PullRequest *struct {
		Number int `json:"number"`
		Base   struct {
			SHA string `json:"sha"`
			Ref string `json:"ref"`
		} `json:"base"`
		Head struct {
			SHA  string `json:"sha"`
			Repo *struct {
				Fork     bool   `json:"fork"`
				FullName string `json:"full_name"`
			} `json:"repo"`
		} `json:"head"`
	} `json:"pull_request"`
	Repository struct {
		DefaultBranch string `json:"default_branch"`
	} `json:"repository"`
}

// ghRun is what GitHub tells every step about the run.
type ghRun struct {
	eventName   string
	event       ghEvent
	owner, repo string
	apiURL      string
	serverURL   string
	runID       string
	runAttempt  string
	sha         string
	workspace   string
	runnerTemp  string
	outputFile  string
	summaryFile string
}

// readRun reads the GITHUB_* variables and the event payload.
func readRun(getenv func(string) string) (ghRun, error) {
	r := ghRun{
		eventName:   getenv("GITHUB_EVENT_NAME"),
		apiURL:      getenv("GITHUB_API_URL"),
		serverURL:   strings.TrimSuffix(getenv("GITHUB_SERVER_URL"), "/"),
		runID:       getenv("GITHUB_RUN_ID"),
		runAttempt:  getenv("GITHUB_RUN_ATTEMPT"),
		sha:         getenv("GITHUB_SHA"),
		workspace:   getenv("GITHUB_WORKSPACE"),
		runnerTemp:  getenv("RUNNER_TEMP"),
		outputFile:  getenv("GITHUB_OUTPUT"),
		summaryFile: getenv("GITHUB_STEP_SUMMARY"),
	}
	if r.eventName == "" {
		return r, pipeline.Usagef("GITHUB_EVENT_NAME is not set: 'ztsync action' runs inside a GitHub Actions step")
	}
	r.serverURL = cmp.Or(r.serverURL, "https://github.com")
	if repo := getenv("GITHUB_REPOSITORY"); repo != "" {
		owner, name, ok := strings.Cut(repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			return r, pipeline.Usagef("GITHUB_REPOSITORY %q is not OWNER/REPO", repo)
		}
		r.owner, r.repo = owner, name
	}
	if p := getenv("GITHUB_EVENT_PATH"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			return r, fmt.Errorf("read the event payload: %w", err)
		}
		if err := json.Unmarshal(data, &r.event); err != nil {
			return r, fmt.Errorf("event payload %s: %w", p, err)
		}
	}
	return r, nil
}

// runURL is the link to this workflow run, or "" when unknown.
func (r *ghRun) runURL() string {
	if r.owner == "" || r.runID == "" {
		return ""
	}
	return fmt.Sprintf("%s/%s/%s/actions/runs/%s", r.serverURL, r.owner, r.repo, r.runID)
}

// runLink is a Markdown link to the run, or "" when unknown.
func (r *ghRun) runLink() string {
	if u := r.runURL(); u != "" {
		return "[run " + r.runID + "](" + u + ")"
	}
	return ""
}

// tempDir is where the plan file goes: RUNNER_TEMP, else a new temporary
// directory.
func (r *ghRun) tempDir() (string, error) {
	if r.runnerTemp != "" {
		return r.runnerTemp, nil
	}
	return os.MkdirTemp("", "ztsync-action-")
}

// output is one step output.
type output struct{ name, value string }

// writeOutputs appends outputs to the GITHUB_OUTPUT file in the heredoc
// form, with a random delimiter per value (go-githubactions uses a fixed
// one a value could end early). A value holding one of secrets is
// refused. Without a GITHUB_OUTPUT file it does nothing.
func writeOutputs(path string, outs []output, secrets []string) error {
	if path == "" {
		return nil
	}
	var b strings.Builder
	for _, o := range outs {
		for _, s := range secrets {
			if s != "" && strings.Contains(o.value, s) {
				return fmt.Errorf("output %s: refusing to write a value that holds a secret", o.name)
			}
		}
		delim, err := randomDelimiter()
		if err != nil {
			return err
		}
		for strings.Contains(o.value, delim) || strings.Contains(o.name, delim) {
			if delim, err = randomDelimiter(); err != nil {
				return err
			}
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.name, delim, o.value, delim)
	}
	return appendFile(path, b.String())
}

// randomDelimiter is a heredoc delimiter no value can guess, as
// actions/toolkit makes them.
func randomDelimiter() (string, error) {
	var buf [16]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", fmt.Errorf("random output delimiter: %w", err)
	}
	return "ghadelimiter_" + hex.EncodeToString(buf[:]), nil
}

// writeSummary appends markdown to the step summary, cut to GitHub's 1 MiB.
// Without a GITHUB_STEP_SUMMARY file it does nothing.
func writeSummary(path, markdown string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil {
		markdown = ghclient.Truncate(markdown, maxStepSummary-int(st.Size()), "\n\n> [!WARNING]\n> Cut to fit GitHub's 1 MiB step summary limit: write the plan with `ztsync plan --out` to see all of it.\n")
	} else {
		markdown = ghclient.Truncate(markdown, maxStepSummary, "\n")
	}
	if !strings.HasSuffix(markdown, "\n") {
		markdown += "\n"
	}
	return appendFile(path, markdown)
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(s)
	if err := f.Close(); werr == nil {
		werr = err
	}
	return werr
}

// problem is one configuration problem to annotate.
type problem struct {
	file      string // relative to the repository root
	line, col int
	msg       string
}

// problemOf is the annotation of the loader's problem p in file: its
// message after the path it is about.
func problemOf(p loader.Error, file string) problem {
	msg := p.Msg
	if p.Path != "" {
		msg = p.Path + ": " + msg
	}
	return problem{file: file, line: p.Line, col: p.Col, msg: msg}
}

// WriteAnnotations writes every problem to w as a GitHub Actions error
// annotation (::error col=C,file=F,line=L::PATH: MESSAGE), escaped by
// go-githubactions, with the file as the loader names it: validate
// --format github.
func WriteAnnotations(w io.Writer, problems loader.Errors) {
	a := githubactions.New(githubactions.WithWriter(w), githubactions.WithGetenv(func(string) string { return "" }))
	probs := make([]problem, len(problems))
	for i, p := range problems {
		probs[i] = problemOf(p, p.File)
	}
	annotate(a, probs, len(probs), "")
}

// annotate writes at most max error annotations (the Action: as many as
// GitHub shows for a step), then a notice for the rest, which the caller
// lists elsewhere; title, when set, titles each.
func annotate(a *githubactions.Action, probs []problem, max int, title string) {
	for i, p := range probs {
		if i == max {
			a.Noticef("%d more problems: see the step summary", len(probs)-max)
			return
		}
		fields := map[string]string{}
		if title != "" {
			fields["title"] = title
		}
		if p.file != "" {
			fields["file"] = p.file
			if p.line > 0 {
				fields["line"] = strconv.Itoa(p.line)
			}
			if p.col > 0 {
				fields["col"] = strconv.Itoa(p.col)
			}
		}
		a.WithFieldsMap(fields).Errorf("%s", p.msg)
	}
}

// repoRelative makes file relative to the workspace when it is absolute
// and inside it; otherwise it is already relative to the current
// directory, which is the workspace in a step.
func repoRelative(workspace, file string) string {
	if file == "" || !filepath.IsAbs(file) || workspace == "" {
		return filepath.ToSlash(file)
	}
	rel, err := filepath.Rel(workspace, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(file)
	}
	return filepath.ToSlash(rel)
}

// isPermission reports whether err is GitHub refusing a write (a pull
// request from a fork), which the action turns into a warning.
func isPermission(err error) bool {
	var pe *ghclient.PermissionError
	return errors.As(err, &pe)
}
