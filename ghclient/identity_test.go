package ghclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/ghclient"
	"github.com/ztsync/ztsync/ghclient/githubtest"
	"github.com/ztsync/ztsync/safetext"
)

// TestStickyCommentAnyToken: with a personal access token (a User author)
// and a GitHub App installation token ("slug[bot]"), the sticky comment is
// found by the marker and the token's own account, edited and never
// duplicated; the same marker from another bot or a person is ignored.
func TestStickyCommentAnyToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		account githubtest.Account
		via     string
	}{
		{"personal access token", githubtest.Account{Login: "zt-bot-user", UserType: "User", Kind: githubtest.PersonalToken}, "GET /user"},
		{"GitHub App token", githubtest.Account{Login: "acme-ztsync[bot]", UserType: "Bot", Kind: githubtest.AppToken}, "GraphQL viewer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv := githubtest.NewServer(t, token)
			srv.SetAccount(tt.account)
			marker := ghclient.Marker("zt")
			fp := ghclient.FingerprintMarker("sha256:" + strings.Repeat("e", 64))
			// Forgeries: another app and a person carry the marker and a fingerprint.
			srv.AddComment(pr, "random-app[bot]", "Bot", marker+"\n"+fp)
			srv.AddComment(pr, "mallory", "User", marker+"\n"+fp)
			c, err := ghclient.New(nil, token, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			id, err := c.Identity(ctx)
			if err != nil || id.Login != tt.account.Login || id.Via != tt.via {
				t.Fatalf("Identity = %+v, %v; want %s via %s", id, err, tt.account.Login, tt.via)
			}
			if got, err := c.FindComment(ctx, owner, repo, pr, marker); err != nil || got != nil {
				t.Fatalf("FindComment = %v, %v: a forged comment was taken as ours", got, err)
			}
			first, action, err := c.Upsert(ctx, owner, repo, pr, marker, marker+"\nplan 1")
			if err != nil || action != ghclient.Created {
				t.Fatalf("first Upsert: %q, %v", action, err)
			}
			second, action, err := c.Upsert(ctx, owner, repo, pr, marker, marker+"\nplan 2")
			if err != nil || action != ghclient.Updated || second != first {
				t.Fatalf("second Upsert: %d %q, %v; want an edit of %d", second, action, err, first)
			}
			ours := 0
			for _, cm := range srv.Comments(pr) {
				if cm.Login == tt.account.Login {
					ours++
				}
			}
			if ours != 1 {
				t.Errorf("%d comments by %s, want 1", ours, tt.account.Login)
			}
		})
	}
}

func TestIdentityUnknown(t *testing.T) {
	t.Parallel()
	srv := githubtest.NewServer(t, token) // a job token that nobody told the client about
	c, err := ghclient.New(nil, token, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.FindComment(context.Background(), owner, repo, pr, ghclient.Marker("zt"))
	if !errors.Is(err, ghclient.ErrUnknownIdentity) {
		t.Fatalf("err = %v, want ErrUnknownIdentity", err)
	}
	if !strings.Contains(err.Error(), "403") {
		t.Errorf("the error does not say what GitHub answered: %v", err)
	}
}

// TestErrorBodiesScrubbed: a GitHub error message with line breaks, a
// forged workflow command and the token (raw, JSON-escaped, URL-encoded)
// comes back as one line without the token.
func TestErrorBodiesScrubbed(t *testing.T) {
	t.Parallel()
	const tok = "ghp_secret/token+value"
	srv := githubtest.NewServer(t, tok)
	srv.SetWriteError(http.StatusUnprocessableEntity, "bad\n::error::forged\r\ntoken "+tok+" json ghp_secret\\/token+value url ghp_secret%2Ftoken%2Bvalue \x1b[31m")
	c, err := ghclient.New(nil, tok, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.AssumeIdentity(ghclient.Identity{Login: ghclient.ActionsBot})
	_, _, err = c.Upsert(context.Background(), owner, repo, pr, ghclient.Marker("zt"), "x")
	if err == nil {
		t.Fatal("the write did not fail")
	}
	msg := err.Error()
	for _, bad := range []string{"\n", "\r", "\x1b", tok, "ghp_secret\\/token", "ghp_secret%2Ftoken", "ghp_secret"} {
		if strings.Contains(msg, bad) {
			t.Errorf("error holds %q: %q", bad, msg)
		}
	}
	if !strings.Contains(msg, safetext.Redacted) || !strings.Contains(msg, "422") {
		t.Errorf("error = %q", msg)
	}
}

// TestNoRedirects: a redirect from the API is an error, and the token
// never reaches where it points.
func TestNoRedirects(t *testing.T) {
	t.Parallel()
	var elsewhere int
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere++
		w.Write([]byte(`[]`))
	}))
	defer target.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusFound)
	}))
	defer api.Close()
	c, err := ghclient.New(nil, token, api.URL+"/api/v3")
	if err != nil {
		t.Fatal(err)
	}
	c.AssumeIdentity(ghclient.Identity{Login: ghclient.ActionsBot})
	if _, err := c.FindComment(context.Background(), owner, repo, pr, ghclient.Marker("zt")); err == nil {
		t.Error("a redirected request succeeded")
	}
	if elsewhere != 0 {
		t.Errorf("the redirect was followed %d times", elsewhere)
	}
}
