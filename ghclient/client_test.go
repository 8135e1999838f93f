package ghclient_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/ghclient"
	"github.com/ztsync/ztsync/ghclient/githubtest"
)

const (
	owner = "acme"
	repo  = "zt"
	pr    = 7
	token = "ghs_test_token"
)

func newClient(t *testing.T, srv *githubtest.Server) *ghclient.Client {
	t.Helper()
	c, err := ghclient.New(nil, token, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.AssumeIdentity(ghclient.Identity{Login: ghclient.ActionsBot, Via: "the job's GITHUB_TOKEN"})
	return c
}

// fill adds n unrelated comments to the pull request.
func fill(srv *githubtest.Server, n int) {
	for i := range n {
		srv.AddComment(pr, "someone", "User", fmt.Sprintf("comment %d", i))
	}
}

func TestUpsertLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := githubtest.NewServer(t, token)
	srv.SetPageSize(2)
	fill(srv, 4) // the sticky comment lands on page 3
	c := newClient(t, srv)
	marker := ghclient.Marker("config")
	body1 := stickyBody(t, marker, "sha256:"+strings.Repeat("a", 64), "planned") + "\none change\n"

	steps := []struct {
		name       string
		body       string
		wantAction string
		wantWrites int
		wantLists  int
	}{
		{"first run creates", body1, ghclient.Created, 1, 2},
		{"second run edits", strings.Replace(body1, "one change", "two changes", 1), ghclient.Updated, 1, 3},
		{"same body makes no write", strings.Replace(body1, "one change", "two changes", 1), ghclient.Unchanged, 0, 3},
	}
	var firstID int64
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			srv.Reset()
			id, action, err := c.Upsert(ctx, owner, repo, pr, marker, st.body)
			if err != nil {
				t.Fatal(err)
			}
			if firstID == 0 {
				firstID = id
			}
			if id != firstID {
				t.Errorf("id = %d, want the same comment %d", id, firstID)
			}
			if action != st.wantAction {
				t.Errorf("action = %q, want %q", action, st.wantAction)
			}
			if got := srv.Count("POST") + srv.Count("PATCH"); got != st.wantWrites {
				t.Errorf("writes = %d, want %d (%v)", got, st.wantWrites, srv.Requests())
			}
			if got := srv.Count("GET"); got != st.wantLists {
				t.Errorf("list pages = %d, want %d", got, st.wantLists)
			}
			cm, ok := srv.Comment(id)
			if !ok || cm.Body != st.body {
				t.Errorf("stored body = %q, want %q", cm.Body, st.body)
			}
		})
	}
	if n := len(srv.Comments(pr)); n != 5 {
		t.Errorf("comments = %d, want 5 (4 + one sticky)", n)
	}
}

func TestFindCommentIgnoresPeople(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := githubtest.NewServer(t, token)
	marker := ghclient.Marker("config")
	srv.AddComment(pr, "mallory", "User", marker+"\n"+ghclient.FingerprintMarker("sha256:"+strings.Repeat("b", 64)))
	c := newClient(t, srv)

	got, err := c.FindComment(ctx, owner, repo, pr, marker)
	if err != nil {
		t.Fatal(err)
	}
	if got != nil {
		t.Fatalf("found a person's comment %d", got.GetID())
	}
	id, action, err := c.Upsert(ctx, owner, repo, pr, marker, marker+"\nbody")
	if err != nil || action != ghclient.Created {
		t.Fatalf("Upsert = %d, %q, %v; want a new comment", id, action, err)
	}
	srv.AddComment(pr, "other-marker", "Bot", ghclient.Marker("other")+"\nx")
	got, err = c.FindComment(ctx, owner, repo, pr, marker)
	if err != nil || got.GetID() != id {
		t.Fatalf("FindComment = %v, %v; want %d", got, err, id)
	}
}

func TestUpsertForbidden(t *testing.T) {
	t.Parallel()
	srv := githubtest.NewServer(t, token)
	srv.SetForbidWrites(true)
	c := newClient(t, srv)
	_, _, err := c.Upsert(context.Background(), owner, repo, pr, ghclient.Marker("."), "x")
	var pe *ghclient.PermissionError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *PermissionError", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error shows the token: %v", err)
	}
}

func TestBadCredentials(t *testing.T) {
	t.Parallel()
	srv := githubtest.NewServer(t, "right")
	c, err := ghclient.New(nil, "wrong", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.FindComment(context.Background(), owner, repo, pr, "m")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want a 401", err)
	}
}

func TestUpdateStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := githubtest.NewServer(t, token)
	c := newClient(t, srv)
	marker := ghclient.Marker("config")
	fp := "sha256:" + strings.Repeat("c", 64)
	id := srv.AddComment(pr, githubtest.BotLogin, "Bot", stickyBody(t, marker, fp, "planned"))

	if err := c.UpdateStatus(ctx, owner, repo, id, "applied by [run 5](https://example/run/5)"); err != nil {
		t.Fatal(err)
	}
	cm, _ := srv.Comment(id)
	want := stickyBody(t, marker, fp, "applied by [run 5](https://example/run/5)")
	if diff := cmp.Diff(want, cm.Body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if got := ghclient.ReviewedFingerprint(cm.Body); got != fp {
		t.Errorf("fingerprint = %q, want %q", got, fp)
	}
	srv.Reset()
	if err := c.UpdateStatus(ctx, owner, repo, id, "applied by [run 5](https://example/run/5)"); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count("PATCH"); n != 0 {
		t.Errorf("unchanged status made %d writes", n)
	}
}

func TestPullRequestForCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := githubtest.NewServer(t, token)
	srv.AddPullRequest("m1", githubtest.PullRequest{Number: 3, Merged: false})
	srv.AddPullRequest("m1", githubtest.PullRequest{Number: 4, Merged: true, MergeCommitSHA: "other"})
	srv.AddPullRequest("m1", githubtest.PullRequest{Number: 5, Merged: true, MergeCommitSHA: "m1"})
	srv.AddPullRequest("m2", githubtest.PullRequest{Number: 6, Merged: true, MergeCommitSHA: "x"})
	srv.AddPullRequest("m3", githubtest.PullRequest{Number: 8, Merged: false})
	c := newClient(t, srv)
	tests := []struct {
		sha  string
		want int
	}{
		{"m1", 5},
		{"m2", 6},
		{"m3", 0},
		{"none", 0},
	}
	for _, tt := range tests {
		t.Run(tt.sha, func(t *testing.T) {
			got, err := c.PullRequestForCommit(ctx, owner, repo, tt.sha)
			if err != nil {
				t.Fatal(err)
			}
			if got.GetNumber() != tt.want {
				t.Errorf("pull request = %d, want %d", got.GetNumber(), tt.want)
			}
		})
	}
}

func TestNewAPIURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		api     string
		wantErr bool
	}{
		{"", false},
		{"https://api.github.com", false},
		{"https://api.github.com/", false},
		{"https://ghe.example/api/v3", false},
		{"ftp://x", true},
		{"not a url", true},
	}
	for _, tt := range tests {
		_, err := ghclient.New(nil, "t", tt.api)
		if (err != nil) != tt.wantErr {
			t.Errorf("New(%q) err = %v, wantErr %v", tt.api, err, tt.wantErr)
		}
	}
}
