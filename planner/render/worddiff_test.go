package render

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	dmp "github.com/sergi/go-diff/diffmatchpatch"
)

// plainWordDiff is the uncoloured rendering without the surrounding quotes.
func plainWordDiff(t *testing.T, a, b string) string {
	t.Helper()
	diffs, ok := wordDiff(a, b)
	if !ok {
		t.Fatalf("wordDiff(%q, %q) failed", a, b)
	}
	s := renderWordDiff(painter{}, diffs)
	return s[1 : len(s)-1]
}

func TestWordDiff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ a, b, want string }{
		{"Welcome to Acme", "Welcome to Acme Corp", "Welcome to Acme{+ Corp+}"},
		{"Sign in with your Okta account", "Sign in with your company account", "Sign in with your [-Okta-]{+company+} account"},
		// Host names, versions and identifiers are one word each.
		{"login via acme.cloudflareaccess.com now", "login via corp.cloudflareaccess.com now",
			"login via [-acme.cloudflareaccess.com-]{+corp.cloudflareaccess.com+} now"},
		{"v1.2.3 is out", "v1.2.4 is out", "[-v1.2.3-]{+v1.2.4+} is out"},
		// Punctuation is one token per character.
		{"a, b", "a; b", "a[-,-]{+;+} b"},
		// A full stop after a word is not part of it.
		{"Welcome to Acme. Sign in.", "Welcome to Acme Corp. Sign in.", "Welcome to Acme{+ Corp+}. Sign in."},
		// Multi-byte runes, CJK, emoji and combining marks.
		{"Grüße aus München", "Grüße aus Köln", "Grüße aus [-München-]{+Köln+}"},
		{"ようこそ 株式会社", "ようこそ 合同会社", "ようこそ [-株式会社-]{+合同会社+}"},
		{"party 🎉 time", "party 🎊 time", "party [-🎉-]{+🎊+} time"},
		{"Cafe\u0301 open", "Café open", "[-Cafe\u0301-]{+Café+} open"},
		// Nearby edits are merged rather than interleaved with single spaces.
		{"one two three four", "uno dos three four", "[-one two-]{+uno dos+} three four"},
		// Newlines and quotes are JSON-escaped inside the rendering.
		{"line one\nline two", "line one\nline \"2\"", `line one\nline [-two-]{+\"2\"+}`},
		{"same text here", "same text here", "same text here"},
		{"", "now something", "{+now something+}"},
	} {
		if got := plainWordDiff(t, tc.a, tc.b); got != tc.want {
			t.Errorf("wordDiff(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestWordDiffColour(t *testing.T) {
	t.Parallel()
	diffs, ok := wordDiff("keep old words", "keep new words")
	if !ok {
		t.Fatal("wordDiff failed")
	}
	got := renderWordDiff(painter{on: true}, diffs)
	want := "\"keep \x1b[31mold\x1b[0m\x1b[32mnew\x1b[0m words\""
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// A deleted space is shown with a background colour, not invisible red.
	diffs, _ = wordDiff("a  b", "a b")
	if got := renderWordDiff(painter{on: true}, diffs); !strings.Contains(got, ansiRedBg) && !strings.Contains(got, ansiGrnBg) {
		t.Errorf("white space edit not visible: %q", got)
	}
}

func TestWordDiffDeterministic(t *testing.T) {
	t.Parallel()
	a := strings.Repeat("the quick brown fox jumps over the lazy dog ", 200)
	b := strings.ReplaceAll(a, "lazy", "sleepy")
	b = strings.Replace(b, "quick", "slow", 50)
	first, ok := wordDiff(a, b)
	if !ok {
		t.Fatal("wordDiff failed")
	}
	for range 5 {
		again, _ := wordDiff(a, b)
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("word diff differs between runs:\n%s", diff)
		}
	}
	checkReproduces(t, first, a, b)
}

// checkReproduces checks that the diff's equal+delete text is a and its
// equal+insert text is b, and that every edit is whole tokens.
func checkReproduces(t *testing.T, diffs []dmp.Diff, a, b string) {
	t.Helper()
	var ga, gb strings.Builder
	for _, d := range diffs {
		if d.Type != dmp.DiffInsert {
			ga.WriteString(d.Text)
		}
		if d.Type != dmp.DiffDelete {
			gb.WriteString(d.Text)
		}
	}
	if ga.String() != a || gb.String() != b {
		t.Error("diff does not reproduce its inputs")
	}
}

func TestTokenize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"Hello,  world!", []string{"Hello", ",", "  ", "world", "!"}},
		{"Acme. Sign-in_ ok-- ...", []string{"Acme", ".", " ", "Sign-in", "_", " ", "ok", "-", "-", " ", ".", ".", "."}},
		{"v1.2.3.", []string{"v1.2.3", "."}},
		{"acme.cloudflareaccess.com/login", []string{"acme.cloudflareaccess.com", "/", "login"}},
		{"snake_case kebab-case", []string{"snake_case", " ", "kebab-case"}},
		{"((x))", []string{"(", "(", "x", ")", ")"}},
		{"Grüße\t東京🎉🎉", []string{"Grüße", "\t", "東京", "🎉", "🎉"}},
		{"e\u0301te", []string{"e\u0301te"}},
		{"bad\xffbyte", []string{"bad", "\xff", "byte"}},
	} {
		got := tokenize(tc.in)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("tokenize(%q) (-want +got):\n%s", tc.in, diff)
		}
		if strings.Join(got, "") != tc.in {
			t.Errorf("tokenize(%q) does not join back", tc.in)
		}
	}
}

func TestTokenRuneSkipsSurrogates(t *testing.T) {
	t.Parallel()
	for _, i := range []int{1, 0x7f, 0x80, 0xD7FF, 0xD800, 0xD801, 0xDFFF, 0xE000, 0xFFFF, maxTokens - 1} {
		r := tokenRune(i)
		if !utf8.ValidRune(r) {
			t.Errorf("tokenRune(%#x) = %#x, not a valid rune", i, r)
		}
		if got := runeToken(r); got != i {
			t.Errorf("runeToken(tokenRune(%#x)) = %#x", i, got)
		}
		// The rune survives a trip through a string, as go-diff's Text does.
		if back := []rune(string([]rune{r})); back[0] != r {
			t.Errorf("rune %#x for token %#x does not survive a string", r, i)
		}
	}
	if tokenRune(0xD7FF) >= tokenRune(0xD800) || tokenRune(0xD800) != 0xE000 {
		t.Error("token numbering not monotonic across the surrogate range")
	}
}

func TestWordDiffPastSurrogateRange(t *testing.T) {
	t.Parallel()
	// More distinct tokens than 0xD800, so some map above the surrogate
	// range; the edit is among the high ones.
	n := 0xD800 + 64
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	a := strings.Join(words, " ")
	words[n-10] = "changed"
	b := strings.Join(words, " ")
	diffs, ok := wordDiff(a, b)
	if !ok {
		t.Fatal("wordDiff failed")
	}
	checkReproduces(t, diffs, a, b)
	var edits []string
	for _, d := range diffs {
		if d.Type != dmp.DiffEqual {
			edits = append(edits, fmt.Sprint(d.Type, " ", d.Text))
		}
	}
	want := []string{fmt.Sprintf("Delete w%d", n-10), "Insert changed"}
	if diff := cmp.Diff(want, edits); diff != "" {
		t.Errorf("edits (-want +got):\n%s", diff)
	}
}

func TestLongText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   any
		want bool
	}{
		{"short", false},
		{"has space", true},
		{strings.Repeat("x", 40), false},
		{strings.Repeat("x", 41), true},
		{strings.Repeat("ü", 40), false}, // runes, not bytes
		{true, false},
		{nil, false},
	} {
		if _, got := longText(tc.in); got != tc.want {
			t.Errorf("longText(%#v) = %v", tc.in, got)
		}
	}
}

func TestTextFieldLine(t *testing.T) {
	t.Parallel()
	pt := painter{}
	for _, tc := range []struct {
		name string
		d    fieldCase
		want string
	}{
		{"change", fieldCase{"session_duration", "24h", "12h"}, `~ session_duration: "24h" → "12h"`},
		{"added", fieldCase{"login_design.text_color", nil, "#fff"}, `+ login_design.text_color: "#fff"`},
		{"removed", fieldCase{"ui_read_only_toggle_reason", "because", nil}, `- ui_read_only_toggle_reason: "because"`},
		{"one side short", fieldCase{"name", "Acme", "Acme Corp"}, `~ name: "Acme" → "Acme Corp"`},
		{"word diff", fieldCase{"name", "Acme Inc", "Acme Corp"}, `~ name: "Acme [-Inc-]{+Corp+}"`},
		{"bool", fieldCase{"is_ui_read_only", false, true}, `~ is_ui_read_only: false → true`},
		{"list", fieldCase{"x", []any{"a"}, []any{"a", "b"}}, `~ x: ["a"] → ["a","b"]`},
	} {
		got := textFieldLine(pt, "update", fd(tc.d.path, tc.d.before, tc.d.after))
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

type fieldCase struct {
	path          string
	before, after any
}

func FuzzWordDiff(f *testing.F) {
	f.Add("Welcome to Acme.", "Welcome to Acme Corp.")
	f.Add("Grüße 🎉", "Grüße 🎊\n")
	f.Add("bad\xff", "\xfe bad")
	f.Fuzz(func(t *testing.T, a, b string) {
		diffs, ok := wordDiff(a, b)
		if !ok {
			return // the caller shows before → after
		}
		checkReproduces(t, diffs, a, b)
		if out := renderWordDiff(painter{}, diffs); strings.ContainsAny(out, "\n\r\x1b") {
			t.Errorf("rendering holds a raw control character: %q", out)
		}
	})
}
