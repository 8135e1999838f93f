package safetext_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/safetext"
)

func TestLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, line, lines string }{
		{"plain", "plain", "plain"},
		{"a\nb", `a\nb`, "a\nb"},
		{"x\n::error file=a::pwned", `x\n::error file=a::pwned`, "x\n::error file=a::pwned"},
		{"\x1b[2J\a", `\x1b[2J\a`, `\x1b[2J\a`},
		{"tab\there", `tab\there`, "tab\there"},
		{"rtl\u202eevil", `rtl\u202eevil`, `rtl\u202eevil`},
		{"c1\u0085", `c1\u0085`, `c1\u0085`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`, `ls\u2028ps\u2029`},
		{"bad\xffutf8", "bad\uFFFDutf8", "bad\uFFFDutf8"},
		{"\r\n", `\r\n`, "\\r\n"},
	}
	for _, tt := range tests {
		if got := safetext.Line(tt.in); got != tt.line {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.line)
		}
		if got := safetext.Lines(tt.in); got != tt.lines {
			t.Errorf("Lines(%q) = %q, want %q", tt.in, got, tt.lines)
		}
	}
}

func TestCut(t *testing.T) {
	t.Parallel()
	if got := safetext.Cut("héllo wörld", 5); got != "héllo…" {
		t.Errorf("Cut = %q", got)
	}
	if got := safetext.Cut("short", 5); got != "short" {
		t.Errorf("Cut = %q", got)
	}
}

// TestScrubForms: every form a credential can take in an answer, an error
// or a log is scrubbed, and scrubbing before cutting leaves no prefix.
func TestScrubForms(t *testing.T) {
	t.Parallel()
	const secret = "tok-SECRET/3f9a+7c1e"
	s := safetext.NewScrubber(secret, "", "short")
	forms := []string{
		secret,
		`tok\u002dSECRET\/3f9a+7c1e`,
		`tok\u002DSECRET\u002f3f9a\u002b7c1e`,
		url.QueryEscape(secret),
		url.PathEscape(secret),
		strings.ReplaceAll(url.QueryEscape(secret), "%2F", "%2f"),
	}
	for _, f := range forms {
		got := s.Scrub("before " + f + " after")
		if got != "before [REDACTED] after" {
			t.Errorf("Scrub(%q) = %q", f, got)
		}
	}
	if got := s.Scrub("a short word"); got != "a short word" {
		t.Errorf("a short secret is scrubbed: %q", got)
	}
	long := strings.Repeat("x", 195) + secret
	if got := safetext.Cut(s.Scrub(long), 200); strings.Contains(got, secret[:5]) {
		t.Errorf("cut after scrubbing leaks a prefix: %q", got)
	}
	var buf bytes.Buffer
	w := s.Writer(&buf)
	if _, err := w.Write([]byte("log: " + `tok\u002dSECRET\/3f9a+7c1e` + "\n")); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "log: [REDACTED]\n" {
		t.Errorf("Writer wrote %q", buf.String())
	}
	var nilScrubber *safetext.Scrubber
	if nilScrubber.Scrub(secret) != secret {
		t.Error("a nil Scrubber changed text")
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://api.example.com/client/v4?token=abc123", "https://api.example.com/client/v4?token=REDACTED"},
		{"https://user:pass@api.example.com/v4", "https://REDACTED@api.example.com/v4"},
		{"https://api.example.com/v4#frag", "https://api.example.com/v4#REDACTED"},
		{"https://api.example.com/v4", "https://api.example.com/v4"},
		{"http://x\n::error::y", `http://x\n::error::y`},
	}
	for _, tt := range tests {
		if got := safetext.RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
