package ghclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gogithub "github.com/google/go-github/v75/github"
)

// DefaultAPIURL is github.com's REST API, GITHUB_API_URL's value there.
const DefaultAPIURL = "https://api.github.com"

// Comment actions Upsert reports.
const (
	Created   = "created"
	Updated   = "updated"
	Unchanged = "unchanged"
)

// defaultNote is what Upsert appends when it has to cut a body that is
// still too long.
const defaultNote = "\n\n> [!WARNING]\n> Cut to fit GitHub's 65,536-character limit: see the workflow run's step summary for the full plan.\n"

// PermissionError is a write GitHub refused with 403, typically a pull
// request from a fork, whose GITHUB_TOKEN is read-only. The action reports it
// as a warning rather than a failure.
type PermissionError struct {
	// Op is what was attempted, e.g. "create comment".
	Op  string
	Err error
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("%s: no permission (a pull request from a fork gets a read-only token; grant pull-requests: write): %v", e.Op, e.Err)
}

func (e *PermissionError) Unwrap() error { return e.Err }

// Client posts and updates sticky comments through GitHub's REST API.
// Every error it returns has the token scrubbed and no control
// characters.
type Client struct {
	gh    *gogithub.Client
	token string
	me    *Identity // the token's account, once known
}

// New returns a client authenticated with token (none when ""). apiURL is
// GITHUB_API_URL: "" or github.com's keeps the default; anything else (GitHub
// Enterprise Server's "https://HOST/api/v3", a test server) is used as the
// base URL as it is. httpClient nil is a client with a 30-second timeout
// that follows no redirect (a redirect would carry the token to wherever
// it points; GitHub's API answers without one).
func New(httpClient *http.Client, token, apiURL string) (*Client, error) {
	if httpClient == nil {
		httpClient = &http.Client{
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	gh := gogithub.NewClient(httpClient)
	if token != "" {
		gh = gh.WithAuthToken(token)
	}
	apiURL = strings.TrimSpace(apiURL)
	if apiURL != "" && strings.TrimSuffix(apiURL, "/") != DefaultAPIURL {
		u, err := url.Parse(apiURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("github api url %q: must be an absolute http(s) URL", apiURL)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		gh.BaseURL = u
		up := *u
		up.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v3") + "/api/uploads/"
		gh.UploadURL = &up
	}
	return &Client{gh: gh, token: token}, nil
}

// FindComment returns the oldest comment on issue or pull request number
// that contains marker and was written by the token's own account
// (Identity), or nil when there is none. It pages through every comment,
// 100 at a time. Comments by anyone else (people quoting the marker, other
// apps) are ignored, so nobody else can capture the sticky comment or
// inject a fingerprint.
func (c *Client) FindComment(ctx context.Context, owner, repo string, number int, marker string) (*gogithub.IssueComment, error) {
	me, err := c.Identity(ctx)
	if err != nil {
		return nil, err
	}
	opts := &gogithub.IssueListCommentsOptions{ListOptions: gogithub.ListOptions{PerPage: 100}}
	for {
		comments, resp, err := c.gh.Issues.ListComments(ctx, owner, repo, number, opts)
		if err != nil {
			return nil, c.clean(fmt.Errorf("list comments on %s/%s#%d: %w", owner, repo, number, err))
		}
		for _, cm := range comments {
			if strings.EqualFold(cm.GetUser().GetLogin(), me.Login) && strings.Contains(cm.GetBody(), marker) {
				return cm, nil
			}
		}
		if resp == nil || resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

// Upsert makes body the sticky comment carrying marker on issue or pull
// request number: it edits the comment FindComment finds, or creates one.
// body gets marker as its first line if it does not contain it, and is cut
// to MaxComment. It returns the comment's id and Created, Updated or
// Unchanged; an unchanged body makes no write. A 403 is a *PermissionError.
func (c *Client) Upsert(ctx context.Context, owner, repo string, number int, marker, body string) (int64, string, error) {
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	body = Truncate(body, MaxComment, defaultNote)
	found, err := c.FindComment(ctx, owner, repo, number, marker)
	if err != nil {
		return 0, "", err
	}
	if found != nil {
		if found.GetBody() == body {
			return found.GetID(), Unchanged, nil
		}
		cm, _, err := c.gh.Issues.EditComment(ctx, owner, repo, found.GetID(), &gogithub.IssueComment{Body: gogithub.Ptr(body)})
		if err != nil {
			return 0, "", c.writeError("edit comment", owner, repo, err)
		}
		return cm.GetID(), Updated, nil
	}
	cm, _, err := c.gh.Issues.CreateComment(ctx, owner, repo, number, &gogithub.IssueComment{Body: gogithub.Ptr(body)})
	if err != nil {
		return 0, "", c.writeError("create comment", owner, repo, err)
	}
	return cm.GetID(), Created, nil
}

// UpdateStatus replaces the status line of comment commentID with
// statusLine (see SetStatus). An unchanged comment is not written. A 403 is
// a *PermissionError.
func (c *Client) UpdateStatus(ctx context.Context, owner, repo string, commentID int64, statusLine string) error {
	return c.Edit(ctx, owner, repo, commentID, func(body string) string { return SetStatus(body, statusLine) })
}

// PullRequestForCommit returns the merged pull request that commit sha
// belongs to: the one whose merge commit is sha, else the first merged one.
// It returns nil when sha came from no merged pull request (a direct push).
func (c *Client) PullRequestForCommit(ctx context.Context, owner, repo, sha string) (*gogithub.PullRequest, error) {
	opts := &gogithub.ListOptions{PerPage: 100}
	var first *gogithub.PullRequest
	for {
		prs, resp, err := c.gh.PullRequests.ListPullRequestsWithCommit(ctx, owner, repo, sha, opts)
		if err != nil {
			return nil, c.clean(fmt.Errorf("list pull requests of commit %s in %s/%s: %w", sha, owner, repo, err))
		}
		for _, pr := range prs {
			if pr.MergedAt == nil && !pr.GetMerged() {
				continue
			}
			if pr.GetMergeCommitSHA() == sha {
				return pr, nil
			}
			if first == nil {
				first = pr
			}
		}
		if resp == nil || resp.NextPage == 0 {
			return first, nil
		}
		opts.Page = resp.NextPage
	}
}

// writeError wraps a failed write, as a *PermissionError for a 403 that is
// not a rate limit.
func (c *Client) writeError(op, owner, repo string, err error) error {
	var er *gogithub.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusForbidden {
		return &PermissionError{Op: op + " in " + owner + "/" + repo, Err: c.clean(err)}
	}
	return c.clean(fmt.Errorf("%s in %s/%s: %w", op, owner, repo, err))
}
