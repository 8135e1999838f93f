package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/planner"
)

func TestCoverageNote(t *testing.T) {
	t.Parallel()
	p := finish(basePlan(), 0)
	if got := CoverageNote(p); got != "" {
		t.Errorf("a plan of every scope has a coverage note %q", got)
	}
	p.Coverage = &planner.Coverage{Selection: "changed", Base: "origin/main", Scopes: []string{"account/prod"}, Unread: 999,
		Reason: "unchanged since origin/main", Removed: []string{"zone/old.example"}}
	want := "Read 1 of 1000 scopes (account/prod); 999 left unread: unchanged since origin/main. No longer declared, so not read and left as they are: zone/old.example."
	if got := CoverageNote(p); got != want {
		t.Errorf("CoverageNote = %q, want %q", got, want)
	}
	var text, md bytes.Buffer
	if err := Text(&text, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(text.String(), want+"\n") {
		t.Errorf("text rendering does not end with the coverage note:\n%s", text.String())
	}
	if err := Markdown(&md, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), `_Read 1 of 1000 scopes (account/prod); 999 left unread: unchanged since origin/main. No longer declared`) {
		t.Errorf("markdown rendering lacks the coverage note:\n%s", md.String())
	}
	// Many scopes are counted, not listed.
	p.Coverage = &planner.Coverage{Selection: "shard", Shard: "2/4", Scopes: []string{"a/1", "a/2", "a/3", "a/4", "a/5", "a/6"}, Unread: 18, Reason: "outside shard 2/4"}
	if got, want := CoverageNote(p), "Read 6 of 24 scopes; 18 left unread: outside shard 2/4."; got != want {
		t.Errorf("CoverageNote = %q, want %q", got, want)
	}
}
