package loader

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"
)

// testRepo is a git repository in a temporary directory, built with go-git.
type testRepo struct {
	t    *testing.T
	root string
	repo *git.Repository
	wt   *git.Worktree
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	root := t.TempDir()
	repo, err := git.PlainInit(root, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &testRepo{t: t, root: root, repo: repo, wt: wt}
}

func (r *testRepo) write(name, data string) {
	r.t.Helper()
	p := filepath.Join(r.root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) remove(name string) {
	r.t.Helper()
	if err := os.Remove(filepath.Join(r.root, filepath.FromSlash(name))); err != nil {
		r.t.Fatal(err)
	}
}

// commit stages everything and commits; it returns the commit hash.
func (r *testRepo) commit(msg string) plumbing.Hash {
	r.t.Helper()
	if err := r.wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.t.Fatal(err)
	}
	h, err := r.wt.Commit(msg, &git.CommitOptions{
		Author: &object.Signature{Name: "test", Email: "test@example.com", When: time.Unix(1700000000, 0)},
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

func (r *testRepo) branch(name string, h plumbing.Hash) {
	r.t.Helper()
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(name), h)); err != nil {
		r.t.Fatal(err)
	}
}

const (
	acct1 = `accounts: prod: {id: "699d98642c564d2e855e9661899b7252", organization: session_duration: "24h"}` + "\n"
	acct2 = `accounts: prod: {id: "699d98642c564d2e855e9661899b7252", organization: session_duration: "12h"}` + "\n"
	zone1 = `zones: z: id: "023e105f4ecef8ad9ca31a8372d0c353"` + "\n"
)

func sessionDuration(t *testing.T, res *Result) any {
	t.Helper()
	return res.Config.Accounts["prod"].Organization["session_duration"]
}

func TestLoadRevision(t *testing.T) {
	r := newTestRepo(t)
	r.write("README.md", "hello\n")
	r.write("zt/config/a.cue", acct1)
	r.write("zt/config/sub/z.cue", zone1)
	first := r.commit("first")
	r.branch("base", first)
	r.write("zt/config/a.cue", acct2)
	r.write("zt/config/b.cue", `zones: y: id: "123e105f4ecef8ad9ca31a8372d0c353"`+"\n")
	r.commit("second")
	// An uncommitted, invalid change must not matter to LoadRevision.
	r.write("zt/config/a.cue", "this is not CUE")

	t.Chdir(filepath.Join(r.root, "zt"))
	l := newLoader(t)
	tests := []struct {
		rev      string
		duration string
		zones    int
	}{
		{"HEAD", "12h", 2},
		{"HEAD~1", "24h", 1},
		{"base", "24h", 1},
		{first.String()[:8], "24h", 1},
		{first.String(), "24h", 1},
		{"master", "12h", 2},
	}
	for _, tt := range tests {
		t.Run(tt.rev, func(t *testing.T) {
			res, err := l.LoadRevision("config", tt.rev)
			if err != nil {
				t.Fatalf("LoadRevision(%q): %v", tt.rev, err)
			}
			if got := sessionDuration(t, res); got != tt.duration {
				t.Errorf("session_duration = %v, want %v", got, tt.duration)
			}
			if got := len(res.Config.Zones); got != tt.zones {
				t.Errorf("%d zones, want %d", got, tt.zones)
			}
			for _, f := range res.Files {
				if !strings.HasPrefix(f, "config"+string(filepath.Separator)) {
					t.Errorf("file %q not shown under the directory as given", f)
				}
			}
		})
	}

	t.Run("working tree is invalid", func(t *testing.T) {
		_, err := l.LoadDir("config")
		var es Errors
		if !errors.As(err, &es) {
			t.Fatalf("LoadDir: %v, want Errors", err)
		}
	})

	t.Run("missing revision", func(t *testing.T) {
		_, err := l.LoadRevision("config", "no-such-branch")
		if err == nil || !strings.Contains(err.Error(), `revision "no-such-branch" does not resolve`) {
			t.Errorf("err = %v", err)
		}
		_, err = l.LoadRevision("config", "HEAD~5")
		if err == nil || !strings.Contains(err.Error(), "fewer commits") {
			t.Errorf("HEAD~5: err = %v", err)
		}
		var re *RevisionError
		if !errors.As(err, &re) || re.Shallow {
			t.Errorf("HEAD~5: err = %#v, want a *RevisionError of a full clone", err)
		}
	})

	t.Run("directory missing at revision", func(t *testing.T) {
		if err := os.MkdirAll(filepath.Join(r.root, "zt", "new"), 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := l.LoadRevision("new", "HEAD")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("invalid at revision", func(t *testing.T) {
		r.write("zt/config/a.cue", `accounts: prod: {id: "699d98642c564d2e855e9661899b7252", organization: session_duration: "1 day"}`+"\n")
		r.commit("third")
		_, err := l.LoadRevision("config", "HEAD")
		want := `config/a.cue:1:90: accounts.prod.organization.session_duration: "1 day" is not a duration (use e.g. 12h, 90m)`
		if err == nil || err.Error() != filepath.FromSlash(want) {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})
}

// TestLoadRevisionShallow makes a repository look like a depth-1 clone
// (a shallow file, the parent commit's object gone) and asks for HEAD~1.
func TestLoadRevisionShallow(t *testing.T) {
	r := newTestRepo(t)
	r.write("cfg/a.cue", acct1)
	first := r.commit("first")
	r.write("cfg/a.cue", acct2)
	second := r.commit("second")
	hex := first.String()
	if err := os.Remove(filepath.Join(r.root, ".git", "objects", hex[:2], hex[2:])); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.root, ".git", "shallow"), []byte(second.String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := newLoader(t)
	if _, err := l.LoadRevision(filepath.Join(r.root, "cfg"), "HEAD"); err != nil {
		t.Fatalf("HEAD: %v", err)
	}
	for _, rev := range []string{"HEAD~1", hex, hex[:7]} {
		_, err := l.LoadRevision(filepath.Join(r.root, "cfg"), rev)
		if err == nil || !strings.Contains(err.Error(), "shallow clone") || !strings.Contains(err.Error(), "fetch-depth: 0") {
			t.Errorf("%s: err = %v, want a hint about the shallow clone", rev, err)
		}
		// Callers tell it by type, not by its words.
		var re *RevisionError
		if !errors.As(err, &re) || !re.Shallow || re.Rev != rev {
			t.Errorf("%s: err = %#v, want a *RevisionError of a shallow clone", rev, err)
		}
	}
}

func TestLoadRevisionNotRepo(t *testing.T) {
	dir := t.TempDir()
	_, err := newLoader(t).LoadRevision(dir, "HEAD")
	if !errors.Is(err, ErrNotRepo) {
		t.Errorf("err = %v, want ErrNotRepo", err)
	}
}

func TestLoadRevisionSymlinks(t *testing.T) {
	r := newTestRepo(t)
	r.write("outside.cue", acct1)
	r.write("cfg/real/zone.txt", zone1)
	r.write("cfg/a.cue", `accounts: x: id: "899d98642c564d2e855e9661899b7252"`+"\n")
	for name, target := range map[string]string{"cfg/out.cue": "../outside.cue", "cfg/in.cue": "real/zone.txt"} {
		if err := os.Symlink(target, filepath.Join(r.root, name)); err != nil {
			t.Fatal(err)
		}
	}
	r.commit("links")
	t.Chdir(r.root)
	_, err := newLoader(t).LoadRevision("cfg", "HEAD")
	want := "cfg/out.cue: symbolic link leaves the configuration directory (it points to ../outside.cue); ztsync reads nothing outside it"
	if err == nil || err.Error() != filepath.FromSlash(want) {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	r.remove("cfg/out.cue")
	r.commit("drop the outside link")
	res, err := newLoader(t).LoadRevision("cfg", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Config.Zones["z"]; !ok {
		t.Errorf("zone from the link inside not loaded: %+v", res.Config)
	}
}

func TestGitInfo(t *testing.T) {
	r := newTestRepo(t)
	dir := filepath.Join(r.root, "zt")

	// Before the first commit.
	r.write("zt/a.cue", acct1)
	info, err := GitInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Info{Dirty: true}, info); diff != "" {
		t.Errorf("unborn (-want +got):\n%s", diff)
	}

	r.write("zt/sub/z.cue", zone1)
	r.write("zt/testdata/x.cue", "ignored")
	r.write("other/o.cue", "elsewhere")
	head := r.commit("first").String()
	steps := []struct {
		name  string
		do    func()
		dirty bool
	}{
		{"clean", func() {}, false},
		{"change outside the directory", func() { r.write("other/o.cue", "changed") }, false},
		{"change in a skipped directory", func() { r.write("zt/testdata/x.cue", "changed") }, false},
		{"non-cue file added", func() { r.write("zt/README.md", "hi") }, false},
		{"modified", func() { r.write("zt/a.cue", acct2) }, true},
		{"modified back", func() { r.write("zt/a.cue", acct1) }, false},
		{"untracked cue file in a sub-directory", func() { r.write("zt/sub/new.cue", zone1) }, true},
		{"untracked file removed", func() { r.remove("zt/sub/new.cue") }, false},
		{"deleted", func() { r.remove("zt/sub/z.cue") }, true},
	}
	for _, s := range steps {
		s.do()
		info, err := GitInfo(dir)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(Info{Commit: head, Dirty: s.dirty}, info); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.name, diff)
		}
	}

	if _, err := GitInfo(t.TempDir()); !errors.Is(err, ErrNotRepo) {
		t.Errorf("outside a repository: err = %v, want ErrNotRepo", err)
	}
}
