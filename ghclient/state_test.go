package ghclient_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/ghclient"
	"github.com/ztsync/ztsync/ghclient/githubtest"
)

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	marker := ghclient.Marker("zt")
	body := ghclient.Header(marker, "sha256:"+strings.Repeat("c", 64)) + "\n## plan\n\ntext --> <!-- x\n"
	if got := ghclient.State(body); got != nil {
		t.Fatalf("State of a body without state = %q", got)
	}
	state := []byte(`{"commit":"abc","applied":["0123456789ab"],"note":"--> -- <!--"}`)
	with := ghclient.SetState(body, state)
	if got := ghclient.State(with); string(got) != string(state) {
		t.Fatalf("State = %q, want %q", got, state)
	}
	if !strings.HasPrefix(with, ghclient.Header(marker, "sha256:"+strings.Repeat("c", 64))+"<!-- ztsync:state:") {
		t.Errorf("the state is not among the leading hidden lines:\n%s", with)
	}
	// The state line ends its HTML comment once, whatever the state holds.
	line := with[strings.Index(with, "<!-- ztsync:state:"):]
	line = line[:strings.IndexByte(line, '\n')]
	if strings.Count(line, "-->") != 1 || strings.Count(line, "--") != 2 {
		t.Errorf("state line %q", line)
	}
	again := ghclient.SetState(with, []byte(`{}`))
	if strings.Count(again, "ztsync:state:") != 1 || string(ghclient.State(again)) != `{}` {
		t.Errorf("replacing the state: %q", again)
	}
	if got := ghclient.SetState(with, nil); got != body {
		t.Errorf("removing the state:\n%q\nwant\n%q", got, body)
	}
	// A person's edit that breaks the encoding is no state.
	if got := ghclient.State(strings.Replace(with, "ztsync:state:", "ztsync:state:!!", 1)); got != nil {
		t.Errorf("a broken state line read as %q", got)
	}
}

func TestEditWritesOnlyChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := githubtest.NewServer(t, token)
	c := newClient(t, srv)
	id, _, err := c.Upsert(ctx, owner, repo, pr, ghclient.Marker("zt"), ghclient.Marker("zt")+"\nbody\n")
	if err != nil {
		t.Fatal(err)
	}
	srv.Reset()
	if err := c.Edit(ctx, owner, repo, id, func(b string) string { return b }); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count("PATCH"); n != 0 {
		t.Errorf("an unchanged body was written (%d PATCHes)", n)
	}
	if err := c.Edit(ctx, owner, repo, id, func(b string) string { return ghclient.SetState(b, []byte("x")) }); err != nil {
		t.Fatal(err)
	}
	cm, _ := srv.Comment(id)
	if srv.Count("PATCH") != 1 || string(ghclient.State(cm.Body)) != "x" {
		t.Errorf("PATCHes %d, state %q", srv.Count("PATCH"), ghclient.State(cm.Body))
	}
}
