package ghclient

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"

	gogithub "github.com/google/go-github/v75/github"
)

const statePrefix = "<!-- ztsync:state:"

// stateRE matches the hidden state line SetState writes: standard base64,
// which holds no "-" and so cannot end the HTML comment.
var stateRE = regexp.MustCompile(`<!-- ztsync:state:([A-Za-z0-9+/=]*) -->\n?`)

// State returns the hidden state a sticky comment carries (what SetState
// stored), or nil when it carries none or an unreadable one.
func State(body string) []byte {
	m := stateRE.FindStringSubmatch(body)
	if m == nil {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		return nil
	}
	return b
}

// SetState returns body carrying state in a hidden line: it replaces the
// state line there is, or goes after the leading hidden markers (so a cut
// body keeps it). Empty state removes the line.
func SetState(body string, state []byte) string {
	line := ""
	if len(state) > 0 {
		line = statePrefix + base64.StdEncoding.EncodeToString(state) + " -->\n"
	}
	if loc := stateRE.FindStringIndex(body); loc != nil {
		return body[:loc[0]] + line + body[loc[1]:]
	}
	body, pos := afterHiddenLines(body)
	return body[:pos] + line + body[pos:]
}

// Edit reads comment commentID, applies change to its body and writes the
// result back, cut to MaxComment; an unchanged body is not written. A 403
// is a *PermissionError.
func (c *Client) Edit(ctx context.Context, owner, repo string, commentID int64, change func(body string) string) error {
	cm, _, err := c.gh.Issues.GetComment(ctx, owner, repo, commentID)
	if err != nil {
		return c.clean(fmt.Errorf("get comment %d in %s/%s: %w", commentID, owner, repo, err))
	}
	body := Truncate(change(cm.GetBody()), MaxComment, defaultNote)
	if body == cm.GetBody() {
		return nil
	}
	if _, _, err := c.gh.Issues.EditComment(ctx, owner, repo, commentID, &gogithub.IssueComment{Body: gogithub.Ptr(body)}); err != nil {
		return c.writeError("edit comment", owner, repo, err)
	}
	return nil
}
