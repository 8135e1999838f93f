package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// formatValue renders v as compact JSON on one line, without HTML escaping:
// strings are quoted, control characters and newlines escaped, maps sorted
// by key. A value JSON cannot encode is shown with %v instead.
func formatValue(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return quoteString(fmt.Sprint(v))
	}
	return escapeC1(strings.TrimSuffix(buf.String(), "\n"))
}

// quoteString returns s as a JSON string literal.
func quoteString(s string) string { return formatValue(s) }

// escapeFragment escapes s as it would appear inside a JSON string literal,
// without the quotes, so fragments of a word diff can be joined and wrapped
// in one pair of quotes.
func escapeFragment(s string) string {
	q := quoteString(s)
	return q[1 : len(q)-1]
}

// escapeC1 escapes the C1 control characters and DEL, which encoding/json
// leaves as they are and some terminals interpret, and the bidirectional
// formatting characters (U+202E and kin), which would let a value display
// as something other than what it is in a terminal or a PR comment.
func escapeC1(s string) string {
	if !strings.ContainsFunc(s, isC1) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isC1(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isC1(r rune) bool {
	return r == 0x7f || 0x80 <= r && r <= 0x9f || unicode.Is(unicode.Bidi_Control, r)
}

// longText reports whether v is a string worth a word diff: longer than
// 40 characters or holding a space.
func longText(v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	return s, utf8.RuneCountInString(s) > 40 || strings.ContainsAny(s, " \t\n")
}

// shorten cuts s to at most n runes, ending it with "…" when cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for j := range s {
		if count == n-1 {
			i = j
			break
		}
		count++
	}
	return s[:i] + "…"
}
