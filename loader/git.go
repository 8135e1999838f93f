package loader

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrNotRepo is returned (wrapped) by GitInfo and LoadRevision when the
// directory is not inside a git repository. Callers that only want
// provenance may ignore it.
var ErrNotRepo = errors.New("not in a git repository")

// Info says which commit a configuration directory is at.
type Info struct {
	// Commit is the full hash of HEAD; empty before the first commit.
	Commit string
	// Dirty is true when the directory's .cue files (as the loader picks
	// them) differ from HEAD's: modified, added (even untracked) or deleted.
	Dirty bool
}

// openRepo opens the repository that contains dir (walking up; linked
// worktrees work) and returns dir relative to the repository root,
// slash-separated ("." for the root).
func openRepo(dir string) (*git.Repository, string, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", "", err
	}
	if a, err := filepath.EvalSymlinks(abs); err == nil {
		abs = a
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, "", "", fmt.Errorf("%s: %w", dir, ErrNotRepo)
	}
	if err != nil {
		return nil, "", "", fmt.Errorf("open git repository of %s: %w", dir, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, "", "", fmt.Errorf("open git worktree of %s: %w", dir, err)
	}
	root := wt.Filesystem.Root()
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, "", "", fmt.Errorf("%s is outside the repository at %s", dir, root)
	}
	return repo, filepath.ToSlash(rel), root, nil
}

// resolve turns a revision (HEAD~1, a branch, a tag, origin/main, a full
// or short hash) into a commit, with an error that says what to do.
func resolve(repo *git.Repository, rev string) (*object.Commit, error) {
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, revisionError(repo, rev, err)
	}
	c, err := repo.CommitObject(*h)
	if err != nil {
		return nil, revisionError(repo, rev, err)
	}
	return c, nil
}

// RevisionError is a git revision that does not name a commit that can be
// read: a ref that does not resolve, history that ends before it, a
// missing object. Shallow says the repository is a shallow clone, where
// that usually means the commit was not fetched. Other failures while
// reading a revision (a corrupt object store) are returned as they are.
type RevisionError struct {
	// Rev is the revision as given.
	Rev string
	// Shallow is set when the repository is a shallow clone.
	Shallow bool
	// Err is go-git's error.
	Err error
}

const unshallowHint = "fetch more history (git fetch --unshallow, or actions/checkout with fetch-depth: 0)"

func (e *RevisionError) Error() string {
	switch {
	case errors.Is(e.Err, io.EOF) && e.Shallow:
		return fmt.Sprintf("revision %q: the history has fewer commits; this is a shallow clone: %s", e.Rev, unshallowHint)
	case errors.Is(e.Err, io.EOF):
		return fmt.Sprintf("revision %q: the history has fewer commits", e.Rev)
	case errors.Is(e.Err, plumbing.ErrObjectNotFound) && e.Shallow:
		return fmt.Sprintf("revision %q: %v; this is a shallow clone: %s", e.Rev, e.Err, unshallowHint)
	case errors.Is(e.Err, plumbing.ErrObjectNotFound):
		return fmt.Sprintf("revision %q: %v; if this is a shallow clone, %s", e.Rev, e.Err, unshallowHint)
	case e.Shallow:
		return fmt.Sprintf("revision %q does not resolve; this is a shallow clone, so it may not have been fetched: %s", e.Rev, unshallowHint)
	}
	return fmt.Sprintf("revision %q does not resolve: no branch, tag or commit by that name here; a branch of the remote must be fetched first (actions/checkout with fetch-depth: 0 fetches them all)", e.Rev)
}

func (e *RevisionError) Unwrap() error { return e.Err }

// revisionError types err when it says the revision names no readable
// commit (*RevisionError), and wraps it with the revision otherwise.
func revisionError(repo *git.Repository, rev string, err error) error {
	shallow := false
	if s, serr := repo.Storer.Shallow(); serr == nil && len(s) > 0 {
		shallow = true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, plumbing.ErrObjectNotFound) || errors.Is(err, plumbing.ErrReferenceNotFound) {
		return &RevisionError{Rev: rev, Shallow: shallow, Err: err}
	}
	return fmt.Errorf("revision %q: %w", rev, err)
}

// LoadRevision loads the configuration in dir as it is at the git revision
// rev (HEAD~1, a branch, a tag, a full or short hash), read from the
// repository's objects without a checkout. dir is found in the repository
// that contains it. File names in problems are shown as for LoadDir. When
// dir does not exist at rev, the error wraps fs.ErrNotExist; when it holds
// no .cue files there, the Errors match ErrNoFiles.
func (l *Loader) LoadRevision(dir, rev string) (*Result, error) {
	repo, rel, _, err := openRepo(dir)
	if err != nil {
		return nil, err
	}
	c, err := resolve(repo, rev)
	if err != nil {
		return nil, err
	}
	t, err := subtree(c, rel)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", dir, rev, err)
	}
	col := &collector{dir: dir, limits: l.limits, root: t}
	if err := col.gitTree(repo, t, ""); err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", dir, rev, err)
	}
	col.finish()
	if len(col.problems) > 0 {
		return nil, sortErrors(col.problems)
	}
	return l.load(col.files)
}

// subtree returns the tree of rel ("." for the root) in commit c.
func subtree(c *object.Commit, rel string) (*object.Tree, error) {
	t, err := c.Tree()
	if err != nil {
		return nil, err
	}
	if rel == "." || rel == "" {
		return t, nil
	}
	sub, err := t.Tree(rel)
	if errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, fmt.Errorf("directory does not exist there: %w", fs.ErrNotExist)
	}
	return sub, err
}

// gitTree collects the .cue files of tree t, which is at prefix (slash
// path) below the configuration directory.
func (c *collector) gitTree(repo *git.Repository, t *object.Tree, prefix string) error {
	for _, e := range t.Entries {
		if c.tooMany {
			return nil // over the cap: nothing more is read
		}
		rel := path.Join(prefix, e.Name)
		switch e.Mode {
		case filemode.Dir:
			if skipDir(e.Name) {
				continue
			}
			sub, err := t.Tree(e.Name)
			if err != nil {
				return err
			}
			if err := c.gitTree(repo, sub, rel); err != nil {
				return err
			}
		case filemode.Symlink:
			if isCUE(rel) && c.capped() {
				return nil
			}
			if err := c.gitLink(repo, e, rel); err != nil {
				return err
			}
		case filemode.Regular, filemode.Executable:
			if !isCUE(e.Name) {
				continue
			}
			if c.capped() {
				return nil
			}
			if err := c.gitBlob(repo, e.Hash, rel); err != nil {
				return err
			}
		}
		// Submodules are not part of the configuration.
	}
	return nil
}

// gitLink follows a symbolic link stored in git (its blob is the target
// path) by name, within the configuration directory only.
func (c *collector) gitLink(repo *git.Repository, e object.TreeEntry, rel string) error {
	target, err := readBlob(repo, e.Hash, 4096)
	if err != nil {
		return err
	}
	text := string(target)
	cur, hops := rel, 0
	for {
		if path.IsAbs(text) {
			c.problem(rel, "symbolic link leaves the configuration directory (it points to %s); ztsync reads nothing outside it", string(target))
			return nil
		}
		next := path.Join(path.Dir(cur), text)
		if next == ".." || strings.HasPrefix(next, "../") {
			c.problem(rel, "symbolic link leaves the configuration directory (it points to %s); ztsync reads nothing outside it", string(target))
			return nil
		}
		if !isCUE(rel) {
			return nil // a link to a directory inside, read at its own place
		}
		f, err := c.root.FindEntry(next)
		if err != nil {
			c.problem(rel, "symbolic link is broken (it points to %s)", string(target))
			return nil
		}
		switch f.Mode {
		case filemode.Regular, filemode.Executable:
			return c.gitBlob(repo, f.Hash, rel)
		case filemode.Symlink:
			if hops++; hops > 8 {
				c.problem(rel, "symbolic link loops (it points to %s)", string(target))
				return nil
			}
			b, err := readBlob(repo, f.Hash, 4096)
			if err != nil {
				return err
			}
			cur, text = next, string(b)
		default:
			c.problem(rel, "symbolic link to something other than a regular file (it points to %s)", string(target))
			return nil
		}
	}
}

func (c *collector) gitBlob(repo *git.Repository, h plumbing.Hash, rel string) error {
	blob, err := repo.BlobObject(h)
	if err != nil {
		return err
	}
	if !c.admit(rel, blob.Size) {
		return nil
	}
	b, err := readBlob(repo, h, c.limits.fileSize)
	if err != nil {
		return err
	}
	c.add(rel, b)
	return nil
}

// readBlob reads at most limit bytes of a blob.
func readBlob(repo *git.Repository, h plumbing.Hash, limit int64) ([]byte, error) {
	blob, err := repo.BlobObject(h)
	if err != nil {
		return nil, err
	}
	r, err := blob.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, limit))
}

// GitInfo returns the commit HEAD is at in the repository that contains
// dir and whether dir's .cue files differ from HEAD's. It reads only the
// directory's files and HEAD's tree for it (not the whole worktree's
// status), so its cost does not grow with the repository. Line-ending
// conversions and clean filters (.gitattributes) are not applied. When dir
// is not in a repository the error wraps ErrNotRepo.
func GitInfo(dir string) (Info, error) {
	repo, rel, root, err := openRepo(dir)
	if err != nil {
		return Info{}, err
	}
	want := map[string]plumbing.Hash{}
	var info Info
	head, err := repo.Head()
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		// No commit yet: everything is uncommitted.
	case err != nil:
		return Info{}, fmt.Errorf("read HEAD: %w", err)
	default:
		info.Commit = head.Hash().String()
		c, err := repo.CommitObject(head.Hash())
		if err != nil {
			return Info{}, fmt.Errorf("read HEAD commit: %w", err)
		}
		t, err := subtree(c, rel)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return Info{}, fmt.Errorf("read HEAD tree: %w", err)
		default:
			if err := treeHashes(t, "", want); err != nil {
				return Info{}, fmt.Errorf("read HEAD tree: %w", err)
			}
		}
	}
	have := map[string]plumbing.Hash{}
	if err := diskHashes(filepath.Join(root, filepath.FromSlash(rel)), have); err != nil {
		return Info{}, err
	}
	info.Dirty = len(want) != len(have)
	for p, h := range have {
		if want[p] != h {
			info.Dirty = true
			break
		}
	}
	return info, nil
}

// treeHashes records the blob hash of every .cue file (or link) below t
// that the loader would consider.
func treeHashes(t *object.Tree, prefix string, out map[string]plumbing.Hash) error {
	for _, e := range t.Entries {
		rel := path.Join(prefix, e.Name)
		switch {
		case e.Mode == filemode.Dir:
			if skipDir(e.Name) {
				continue
			}
			sub, err := t.Tree(e.Name)
			if err != nil {
				return err
			}
			if err := treeHashes(sub, rel, out); err != nil {
				return err
			}
		case e.Mode.IsFile() && isCUE(e.Name):
			out[rel] = e.Hash
		}
	}
	return nil
}

// diskHashes records the git blob hash of every .cue file (or link) below
// dir on disk, as treeHashes does for a tree.
func diskHashes(dir string, out map[string]plumbing.Hash) error {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			if p != dir && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !isCUE(d.Name()) {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		var b []byte
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			b = []byte(filepath.ToSlash(t))
		case d.Type().IsRegular():
			if b, err = os.ReadFile(p); err != nil {
				return err
			}
		default:
			return nil
		}
		out[filepath.ToSlash(rel)] = plumbing.ComputeHash(plumbing.BlobObject, b)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read configuration: %w", err)
	}
	return nil
}
