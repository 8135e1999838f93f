package ghclient_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/ghclient"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/planner/render"
)

const note = "[cut]\n"

func TestTruncate(t *testing.T) {
	t.Parallel()
	tail := strings.Repeat("zzzzzzzzz\n", 4)
	tests := []struct {
		name string
		body string
		max  int
		want string
	}{
		{"fits", "a\nb\n", 100, "a\nb\n"},
		{"line boundary", "aaaa\nbbbb\n" + tail, 10 + len(note), "aaaa\nbbbb\n" + note},
		{"closes fence", "s\n```diff\n+a\n" + tail, 13 + 4 + len(note), "s\n```diff\n+a\n```\n" + note},
		{"closes longer fence", "s\n````\n```\n+b\n" + tail, 14 + 5 + len(note), "s\n````\n```\n+b\n````\n" + note},
		{"closes tilde fence", "~~~\nx\n" + tail, 6 + 4 + len(note), "~~~\nx\n~~~\n" + note},
		{"closed fence needs nothing", "```\nx\n```\n" + tail, 10 + len(note), "```\nx\n```\n" + note},
		{"closes details", "<details>\n\n```\nx\n" + tail, 17 + 15 + len(note), "<details>\n\n```\nx\n```\n</details>\n" + note},
		{"first line too long", strings.Repeat("é", 10), 5 + len(note), "éé\n" + note},
		{"invalid utf-8 repaired", "a\xffb\n", 100, "a\uFFFDb\n"},
		{"tiny max", "abcdef", 3, "[cu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ghclient.Truncate(tt.body, tt.max, note)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(got) > tt.max {
				t.Errorf("len = %d > %d", len(got), tt.max)
			}
		})
	}
}

func TestTruncateLarge(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("## Plan\n\n**1 to update** · risky\n\n> [!CAUTION]\n> risky: auth_domain\n\n")
	b.WriteString("```diff\n")
	for b.Len() < 200_000 {
		b.WriteString("+ login_design.footer_text: \"Grüße, 世界 — ✓\"\n")
	}
	b.WriteString("```\n")
	body := b.String()
	got := ghclient.Truncate(body, ghclient.MaxComment, note)
	if len(got) > ghclient.MaxComment {
		t.Fatalf("len = %d > %d", len(got), ghclient.MaxComment)
	}
	if len(got) < ghclient.MaxComment-200 {
		t.Errorf("len = %d: cut far more than needed", len(got))
	}
	if !utf8.ValidString(got) {
		t.Error("invalid UTF-8")
	}
	if !strings.HasPrefix(got, "## Plan\n\n**1 to update** · risky\n\n> [!CAUTION]\n> risky: auth_domain\n") {
		t.Error("lost the summary and risky block")
	}
	if !strings.HasSuffix(got, "\n```\n"+note) {
		t.Errorf("fence not closed before the note: ...%q", got[len(got)-80:])
	}
	if strings.Count(got, "```")%2 != 0 {
		t.Error("odd number of fences")
	}
}

func FuzzTruncate(f *testing.F) {
	f.Add("```\na\nb\n", 12)
	f.Add("<details>\nx\n~~~~\ny\n", 9)
	f.Fuzz(func(t *testing.T, body string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		got := ghclient.Truncate(body, max, note)
		if len(got) > max {
			t.Fatalf("len %d > max %d", len(got), max)
		}
		if !utf8.ValidString(got) {
			t.Fatal("invalid UTF-8")
		}
	})
}

// stickyBody builds a sticky comment the way the Action does: the hidden
// header, then render.Markdown with the status between its markers.
func stickyBody(t *testing.T, marker, fp, status string) string {
	t.Helper()
	p := &planner.Plan{FormatVersion: planner.FormatVersion, Changes: []planner.Change{}, Warnings: []string{}}
	var md strings.Builder
	if err := render.Markdown(&md, p, render.MarkdownOptions{Status: ghclient.StatusText(status)}); err != nil {
		t.Fatal(err)
	}
	return ghclient.Header(marker, fp) + "\n" + md.String()
}

func TestMarkersAndStatus(t *testing.T) {
	t.Parallel()
	fp := "sha256:" + strings.Repeat("0", 64)
	body := stickyBody(t, ghclient.Marker("zt/prod"), fp, "planned for abc")
	wantStart := "<!-- ztsync:plan:zt/prod -->\n<!-- ztsync:fingerprint:" + fp + " -->\n\n"
	if !strings.HasPrefix(body, wantStart) {
		t.Errorf("comment starts %q, want %q", body[:min(len(body), len(wantStart))], wantStart)
	}
	if s, ok := ghclient.Status(body); !ok || s != "planned for abc" {
		t.Errorf("Status = %q, %v; want the status the comment was made with", s, ok)
	}
	if got := ghclient.ReviewedFingerprint(body); got != fp {
		t.Errorf("ReviewedFingerprint = %q", got)
	}
	if got := ghclient.ReviewedFingerprint("<!-- ztsync:fingerprint:sha256:zz -->"); got != "" {
		t.Errorf("malformed fingerprint read as %q", got)
	}
	if got := ghclient.Marker("a-->b\n--c"); strings.Count(got, "-->") != 1 || strings.Contains(got, "\n") {
		t.Errorf("Marker not escaped: %q", got)
	}

	updated := ghclient.SetStatus(body, "refused\nsecond <!-- x -->")
	if s, ok := ghclient.Status(updated); !ok || s != "refused second &lt;!-- x -->" {
		t.Errorf("Status = %q, %v", s, ok)
	}
	if ghclient.ReviewedFingerprint(updated) != fp {
		t.Error("status update lost the fingerprint")
	}
	noStatus := ghclient.Marker("d") + "\n## Plan\n"
	got := ghclient.SetStatus(noStatus, "applied")
	if want := ghclient.Marker("d") + "\n\n" + ghclient.StatusLine("applied") + "\n\n## Plan\n"; got != want {
		t.Errorf("SetStatus without a status line:\n got %q\nwant %q", got, want)
	}
}
