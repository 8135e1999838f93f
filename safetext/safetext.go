package safetext

import (
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s as one line of printable text: invalid UTF-8 becomes
// U+FFFD, and control characters (newlines and tabs included), the line
// and paragraph separators U+2028 and U+2029, and bidirectional formatting
// characters become Go escapes (\n, \x1b, \u2028, \u202e).
func Line(s string) string { return escape(s, false) }

// Lines is Line but keeps newlines and tabs, for text that lists several
// problems one per line.
func Lines(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return unsafe(r, keepLines) }) {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unsafe(r, keepLines) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unsafe(r rune, keepLines bool) bool {
	if keepLines && (r == '\n' || r == '\t') {
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
}

// Cut shortens s to at most n runes, ending it with "…" when cut.
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// Redacted replaces a scrubbed secret.
const Redacted = "[REDACTED]"

// MinSecretLen is the shortest secret a Scrubber scrubs: shorter ones are
// not credentials, and replacing them everywhere would garble the output.
const MinSecretLen = 8

// Scrubber replaces secrets in text. The zero value and nil scrub nothing.
type Scrubber struct {
	res []*regexp.Regexp
}

// NewScrubber returns a Scrubber for the secrets; empty and short ones
// (under MinSecretLen) are ignored.
func NewScrubber(secrets ...string) *Scrubber {
	s := &Scrubber{}
	for _, secret := range secrets {
		if len(secret) >= MinSecretLen {
			s.res = append(s.res, pattern(secret))
		}
	}
	return s
}

// pattern matches secret with any of its bytes written raw, as a JSON
// escape (\u002d, \/) or URL-encoded (%2D, %2d).
func pattern(secret string) *regexp.Regexp {
	var b strings.Builder
	for i := 0; i < len(secret); i++ {
		c := secret[i]
		alts := []string{regexp.QuoteMeta(string(c))}
		if c < utf8.RuneSelf {
			h := fmt.Sprintf("%02x", c)
			alts = append(alts, `\\u00`+hexAnyCase(h), `%`+hexAnyCase(h))
			if c == '/' {
				alts = append(alts, `\\/`)
			}
			if c == ' ' {
				alts = append(alts, `\+`)
			}
		}
		b.WriteString("(?:" + strings.Join(alts, "|") + ")")
	}
	return regexp.MustCompile(b.String())
}

func hexAnyCase(h string) string {
	var b strings.Builder
	for _, r := range h {
		if 'a' <= r && r <= 'f' {
			b.WriteString("[" + string(r) + strings.ToUpper(string(r)) + "]")
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Scrub replaces every secret in s, in any of its forms, with Redacted.
func (s *Scrubber) Scrub(text string) string {
	if s == nil {
		return text
	}
	for _, re := range s.res {
		text = re.ReplaceAllLiteralString(text, Redacted)
	}
	return text
}

// Writer returns a writer that scrubs each Write before passing it to w.
// A secret split across two writes is not seen: write whole lines.
func (s *Scrubber) Writer(w io.Writer) io.Writer {
	if s == nil || len(s.res) == 0 {
		return w
	}
	return &scrubWriter{s: s, w: w}
}

type scrubWriter struct {
	s *Scrubber
	w io.Writer
}

func (sw *scrubWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(sw.w, sw.s.Scrub(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// RedactURL returns raw with its user info, query and fragment values
// hidden ("https://REDACTED@host/path?token=REDACTED"), for messages that
// echo a URL someone gave. Text that is not a URL is returned as one line,
// cut to 200 runes.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Cut(Line(raw), 200)
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		u.RawQuery = q.Encode()
	}
	if u.Fragment != "" {
		u.Fragment, u.RawFragment = "REDACTED", ""
	}
	return Line(u.String())
}
