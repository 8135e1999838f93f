package ghaction

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/ztsync/ztsync/ghclient"
)

// maxHistory is how many commits that change the configuration directory
// the apply looks back through for merges whose apply never ran.
const maxHistory = 20

// merge is one merged pull request of the directory's history.
type merge struct {
	commit  string
	number  int
	comment int64 // 0 when the pull request has no comment of ours
	status  string
	state   reviewState
	planned bool // the comment carries a reviewed fingerprint
}

// history is what lies between the last applied merge and this push.
type history struct {
	// missed are merged pull requests, newest first, whose reviewed plan
	// was never applied (their push's run was cancelled or failed).
	missed []merge
	// lastApplied is the newest commit known applied ("" when unknown).
	lastApplied string
	// note says why the walk stopped where it did, for the log.
	note string
}

// findMissed walks the first-parent history from before (the branch's
// previous head) back to the last merge whose apply ran, and returns the
// merged pull requests on the way whose plan for this directory was never
// applied. Commits that do not change the directory are passed over
// without asking GitHub.
func (a *action) findMissed(ctx context.Context, gh *ghclient.Client, before string) (history, error) {
	var h history
	if before == "" || before == zeroSHA {
		h.note = "the push created the branch"
		return h, nil
	}
	repo, err := git.PlainOpenWithOptions(a.in.directory, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return h, fmt.Errorf("open the repository to look for merges whose apply never ran: %w", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return h, err
	}
	abs, err := filepath.Abs(a.in.directory)
	if err != nil {
		return h, err
	}
	rel, err := filepath.Rel(wt.Filesystem.Root(), abs)
	if err != nil {
		return h, err
	}
	rel = filepath.ToSlash(rel)
	c, err := repo.CommitObject(plumbing.NewHash(before))
	if err != nil {
		return h, fmt.Errorf("commit %s (the push's before) is not in the checkout: fetch the history (actions/checkout with fetch-depth: 0): %w", before, err)
	}
	for seen := 0; ; {
		parent, err := c.Parent(0)
		if errors.Is(err, object.ErrParentNotFound) {
			parent = nil
		} else if err != nil {
			h.note = fmt.Sprintf("history ends at %s (shallow clone?)", shortCommitText(c.Hash.String()))
			return h, nil
		}
		changed, err := dirChanged(c, parent, rel)
		if err != nil {
			return h, err
		}
		if changed {
			seen++
			m, err := a.mergeOf(ctx, gh, c.Hash.String())
			if err != nil {
				return h, err
			}
			switch {
			case m.number == 0:
				h.lastApplied = m.commit
				h.note = fmt.Sprintf("commit %s changed the configuration without a pull request", shortCommitText(m.commit))
				return h, nil
			case m.applied():
				h.lastApplied = m.commit
				h.note = fmt.Sprintf("pull request #%d (%s) was applied", m.number, shortCommitText(m.commit))
				return h, nil
			}
			h.missed = append(h.missed, m)
			if seen >= maxHistory {
				h.note = fmt.Sprintf("looked back through %d merges", maxHistory)
				return h, nil
			}
		}
		if parent == nil {
			h.note = "reached the first commit"
			return h, nil
		}
		c = parent
	}
}

// applied reports whether a merge's plan is known applied: its state says
// so, or (a comment from before the state existed) its status line does.
func (m merge) applied() bool {
	if m.state.appliedDone() {
		return true
	}
	if m.state.Phase != "" {
		return false
	}
	for _, p := range []string{"applied", "nothing to apply", "already applied"} {
		if strings.HasPrefix(m.status, p) {
			return true
		}
	}
	// A pull request planned with no changes has nothing to apply.
	return m.comment != 0 && !m.planned && strings.HasPrefix(m.status, "no changes")
}

// mergeOf finds the merged pull request of commit sha and its comment.
func (a *action) mergeOf(ctx context.Context, gh *ghclient.Client, sha string) (merge, error) {
	m := merge{commit: sha}
	pr, err := gh.PullRequestForCommit(ctx, a.run.owner, a.run.repo, sha)
	if err != nil || pr == nil {
		return m, err
	}
	m.number = pr.GetNumber()
	cm, err := gh.FindComment(ctx, a.run.owner, a.run.repo, m.number, a.marker())
	if err != nil || cm == nil {
		return m, err
	}
	m.comment = cm.GetID()
	m.status, _ = ghclient.Status(cm.GetBody())
	m.state = readState(cm.GetBody())
	m.planned = ghclient.ReviewedFingerprint(cm.GetBody()) != ""
	return m, nil
}

// dirChanged reports whether commit c changed the tree at dir compared
// with parent (nil: c is the first commit).
func dirChanged(c, parent *object.Commit, dir string) (bool, error) {
	h1, err := treeHash(c, dir)
	if err != nil {
		return false, err
	}
	if parent == nil {
		return h1 != plumbing.ZeroHash, nil
	}
	h0, err := treeHash(parent, dir)
	if err != nil {
		return false, err
	}
	return h0 != h1, nil
}

// treeHash is the hash of dir's tree in c (ZeroHash when absent).
func treeHash(c *object.Commit, dir string) (plumbing.Hash, error) {
	t, err := c.Tree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if dir == "." || dir == "" {
		return t.Hash, nil
	}
	e, err := t.FindEntry(dir)
	if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return e.Hash, nil
}
