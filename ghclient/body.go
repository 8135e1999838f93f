package ghclient

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxComment is GitHub's limit for an issue or pull request comment body
// (422 "Body is too long (maximum is 65536 characters)"). Bodies are capped
// at this many bytes, which is safe whatever GitHub counts.
const MaxComment = 65536

const (
	statusOpen  = "<!-- ztsync:status -->"
	statusClose = "<!-- /ztsync:status -->"
	fpPrefix    = "<!-- ztsync:fingerprint:"
)

// fingerprintRE matches the fingerprint marker FingerprintMarker writes.
var fingerprintRE = regexp.MustCompile(`<!-- ztsync:fingerprint:(sha256:[0-9a-f]{64}) -->`)

// Marker returns the hidden HTML comment that identifies the sticky comment
// for the configuration directory dir: one comment per directory.
func Marker(dir string) string {
	return "<!-- ztsync:plan:" + markerSafe(dir) + " -->"
}

// markerSafe keeps s from ending the HTML comment early or spanning lines.
func markerSafe(s string) string {
	r := strings.NewReplacer("%", "%25", "\n", "%0A", "\r", "%0D", "<", "%3C", ">", "%3E")
	s = r.Replace(s)
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-%2D")
	}
	return s
}

// FingerprintMarker returns the hidden HTML comment carrying a plan's
// fingerprint ("sha256:HEX"), which ReviewedFingerprint reads back.
func FingerprintMarker(fingerprint string) string {
	return fpPrefix + markerSafe(fingerprint) + " -->"
}

// ReviewedFingerprint returns the fingerprint a sticky comment carries, or
// "" when it carries none.
func ReviewedFingerprint(body string) string {
	m := fingerprintRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// StatusLine returns the visible status line: "**Status:** " and
// StatusText(status).
func StatusLine(status string) string {
	return "**Status:** " + StatusText(status)
}

// StatusText returns status between the hidden status markers, where
// UpdateStatus finds it again, for a renderer that writes its own
// "Status:" label. Line breaks in status are turned into spaces.
func StatusText(status string) string {
	return statusOpen + oneLine(status) + statusClose
}

// Header returns the hidden lines a sticky comment starts with: the marker
// and, unless fingerprint is "", the fingerprint marker, each on its line.
func Header(marker, fingerprint string) string {
	h := marker + "\n"
	if fingerprint != "" {
		h += FingerprintMarker(fingerprint) + "\n"
	}
	return h
}

func oneLine(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	// The closing marker inside the status would end it early.
	return strings.ReplaceAll(s, "<!--", "&lt;!--")
}

// Status returns the status text of body's status line, and whether body
// has one.
func Status(body string) (string, bool) {
	i := strings.Index(body, statusOpen)
	if i < 0 {
		return "", false
	}
	rest := body[i+len(statusOpen):]
	j := strings.Index(rest, statusClose)
	if j < 0 {
		return "", false
	}
	return rest[:j], true
}

// SetStatus returns body with the text of its status line replaced by
// status. A body without a status line gets one after its leading hidden
// markers.
func SetStatus(body, status string) string {
	if i := strings.Index(body, statusOpen); i >= 0 {
		start := i + len(statusOpen)
		if j := strings.Index(body[start:], statusClose); j >= 0 {
			return body[:start] + oneLine(status) + body[start+j:]
		}
	}
	body, pos := afterHiddenLines(body)
	return body[:pos] + "\n" + StatusLine(status) + "\n\n" + body[pos:]
}

// afterHiddenLines returns body (with a final newline added when it is
// all hidden lines) and the offset just after its leading lines that are
// hidden HTML comments, where hidden state and a status line go.
func afterHiddenLines(body string) (string, int) {
	pos := 0
	for pos < len(body) && strings.HasPrefix(body[pos:], "<!--") {
		nl := strings.IndexByte(body[pos:], '\n')
		if nl < 0 {
			return body + "\n", len(body) + 1
		}
		pos += nl + 1
	}
	return body, pos
}

// Truncate returns body cut to at most max bytes, note included. It keeps
// the start of body (which holds the summary and the risky changes), cuts at
// a line boundary, keeps valid UTF-8 (invalid bytes become U+FFFD), closes a
// code fence left open (``` or ~~~, of any length) and <details> blocks left
// open, and appends note. A body that fits is returned unchanged.
func Truncate(body string, max int, note string) string {
	if !utf8.ValidString(body) {
		body = strings.ToValidUTF8(body, "\uFFFD")
	}
	if len(body) <= max {
		return body
	}
	if max <= 0 {
		return ""
	}
	note = strings.ToValidUTF8(note, "\uFFFD")
	if len(note) >= max {
		return runePrefix(note, max)
	}
	budget := max - len(note)

	// Forward scan: the open state after every line that ends within the
	// budget. Cuts are only made right after a '\n'.
	type point struct {
		end     int // offset just past the '\n'
		closers string
	}
	var points []point
	var st mdState
	for pos := 0; pos < len(body); {
		nl := strings.IndexByte(body[pos:], '\n')
		if nl < 0 || pos+nl+1 > budget {
			break
		}
		st.line(body[pos : pos+nl])
		pos += nl + 1
		points = append(points, point{end: pos, closers: st.closers()})
	}
	for i := len(points) - 1; i >= 0; i-- {
		p := points[i]
		if p.end+len(p.closers) <= budget {
			return body[:p.end] + p.closers + note
		}
	}
	// Not even the first line fits: cut inside it.
	return runePrefix(body, budget-1) + "\n" + note
}

// runePrefix returns the longest prefix of s of at most n bytes that does
// not split a rune.
func runePrefix(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// mdState follows the Markdown constructs a cut must close: a fenced code
// block and <details> elements.
type mdState struct {
	fenceChar byte // '`' or '~'; 0 outside a fence
	fenceLen  int
	details   int
}

// line advances the state over one line (without its '\n').
func (s *mdState) line(l string) {
	l = strings.TrimSuffix(l, "\r")
	trimmed := l
	for i := 0; i < 3 && strings.HasPrefix(trimmed, " "); i++ {
		trimmed = trimmed[1:]
	}
	if s.fenceChar != 0 {
		// Closing fence: the same character, at least as many, nothing else.
		n := countPrefix(trimmed, s.fenceChar)
		if n >= s.fenceLen && strings.TrimSpace(trimmed[n:]) == "" {
			s.fenceChar, s.fenceLen = 0, 0
		}
		return
	}
	for _, c := range []byte{'`', '~'} {
		n := countPrefix(trimmed, c)
		if n >= 3 && (c == '~' || !strings.ContainsRune(trimmed[n:], '`')) {
			s.fenceChar, s.fenceLen = c, n
			return
		}
	}
	lower := strings.ToLower(l)
	s.details += strings.Count(lower, "<details") - strings.Count(lower, "</details>")
	if s.details < 0 {
		s.details = 0
	}
}

// closers is what closes the open constructs, one per line.
func (s *mdState) closers() string {
	var b strings.Builder
	if s.fenceChar != 0 {
		b.WriteString(strings.Repeat(string(s.fenceChar), s.fenceLen))
		b.WriteString("\n")
	}
	for range s.details {
		b.WriteString("</details>\n")
	}
	return b.String()
}

func countPrefix(s string, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}
