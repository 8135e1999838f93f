package ghclient

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// maxErrorText is how much of an error message from GitHub is kept, after
// scrubbing.
const maxErrorText = 500

// cleanError is an error whose message came from GitHub, made safe to
// print: the token scrubbed, control characters escaped, cut. Unwrap
// keeps errors.As working on the original (for its status code).
type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string { return e.msg }
func (e *cleanError) Unwrap() error { return e.err }

// clean makes err's message safe for a log line, an annotation or a
// comment: the token (raw, JSON-escaped, URL-encoded) is replaced by
// "[redacted]" before anything is cut, control and bidirectional
// characters are escaped, and the result is cut to maxErrorText bytes.
func (c *Client) clean(err error) error {
	if err == nil {
		return nil
	}
	return &cleanError{msg: c.scrub(err.Error()), err: err}
}

// scrub is clean for a string.
func (c *Client) scrub(s string) string {
	if c.token != "" {
		forms := []string{c.token, url.QueryEscape(c.token), url.PathEscape(c.token)}
		if b, err := json.Marshal(c.token); err == nil {
			js := string(b[1 : len(b)-1])
			forms = append(forms, js, strings.ReplaceAll(js, "/", `\/`))
		}
		// json.Marshal keeps most characters; a fully \u-escaped form
		// is what some servers echo.
		var u strings.Builder
		for _, r := range c.token {
			u.WriteString(`\u` + leftPad(strconv.FormatInt(int64(r), 16), 4))
		}
		forms = append(forms, u.String())
		for _, f := range forms {
			if f != "" {
				s = strings.ReplaceAll(s, f, "[redacted]")
			}
		}
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > maxErrorText {
		out = runePrefix(out, maxErrorText) + "…"
	}
	return out
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}
