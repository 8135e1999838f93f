package ghclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gogithub "github.com/google/go-github/v75/github"
)

// ActionsBot is the account the job's GITHUB_TOKEN posts as.
const ActionsBot = "github-actions[bot]"

// Identity is the account a token posts comments as: a person or machine
// user for a personal access token, "slug[bot]" for a GitHub App.
type Identity struct {
	// Login is the author login comments show, e.g. "octocat" or
	// "my-app[bot]".
	Login string
	// Via says how it was found, for messages: "GET /user", "GraphQL
	// viewer", "GET /app", or "the job's GITHUB_TOKEN".
	Via string
}

// ErrUnknownIdentity is returned when no endpoint tells which account the
// token posts as. The sticky comment cannot then be told from a forgery.
var ErrUnknownIdentity = errors.New("cannot tell which account the GitHub token posts as (GET /user, the GraphQL viewer and GET /app all refused it)")

// AssumeIdentity tells the client which account its token posts as
// without asking GitHub: for the job's own GITHUB_TOKEN, which is
// github-actions[bot] and may not call GET /user.
func (c *Client) AssumeIdentity(id Identity) { c.me = &id }

// Identity returns the account the token posts as, asking GitHub once:
// GET /user (personal access tokens, user-to-server tokens), else the
// GraphQL viewer (GitHub App installation tokens answer "slug[bot]"),
// else GET /app (a GitHub App's own token). Refusals (401, 403, 404) of
// one endpoint move on to the next; ErrUnknownIdentity when all refuse.
func (c *Client) Identity(ctx context.Context) (Identity, error) {
	if c.me != nil {
		return *c.me, nil
	}
	var tried []string
	if u, _, err := c.gh.Users.Get(ctx, ""); err == nil && u.GetLogin() != "" {
		return c.remember(Identity{Login: u.GetLogin(), Via: "GET /user"}), nil
	} else if !refused(err) && err != nil {
		return Identity{}, c.clean(fmt.Errorf("GET /user: %w", err))
	} else if err != nil {
		tried = append(tried, "GET /user: "+statusText(err))
	}
	if login, err := c.viewer(ctx); err == nil && login != "" {
		return c.remember(Identity{Login: login, Via: "GraphQL viewer"}), nil
	} else if err != nil {
		tried = append(tried, "GraphQL viewer: "+statusText(err))
	}
	if app, _, err := c.gh.Apps.Get(ctx, ""); err == nil && app.GetSlug() != "" {
		return c.remember(Identity{Login: app.GetSlug() + "[bot]", Via: "GET /app"}), nil
	} else if err != nil {
		tried = append(tried, "GET /app: "+statusText(err))
	}
	return Identity{}, fmt.Errorf("%w: %s", ErrUnknownIdentity, c.scrub(strings.Join(tried, "; ")))
}

func (c *Client) remember(id Identity) Identity {
	c.me = &id
	return id
}

// viewer asks GraphQL for the token's login.
func (c *Client) viewer(ctx context.Context) (string, error) {
	u := *c.gh.BaseURL
	// GitHub Enterprise Server serves GraphQL at /api/graphql, next to
	// /api/v3/; github.com at /graphql.
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v3") + "/graphql"
	req, err := c.gh.NewRequest(http.MethodPost, u.String(), map[string]string{"query": "query { viewer { login } }"})
	if err != nil {
		return "", err
	}
	var out struct {
		Data struct {
			Viewer struct {
				Login string `json:"login"`
			} `json:"viewer"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if _, err := c.gh.Do(ctx, req, &out); err != nil {
		return "", err
	}
	if out.Data.Viewer.Login == "" {
		msg := "no login"
		if len(out.Errors) > 0 {
			msg = out.Errors[0].Message
		}
		return "", errors.New(msg)
	}
	return out.Data.Viewer.Login, nil
}

// refused reports whether err is GitHub refusing the token for an
// endpoint (401, 403, 404), as opposed to a network or server failure.
func refused(err error) bool {
	var er *gogithub.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			return true
		}
	}
	return false
}

// statusText is the HTTP status of err, or its message.
func statusText(err error) string {
	var er *gogithub.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.Status
	}
	return err.Error()
}
