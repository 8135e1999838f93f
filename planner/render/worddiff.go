package render

import (
	"strings"
	"unicode"

	dmp "github.com/sergi/go-diff/diffmatchpatch"
)

// Words are diffed as runes, one rune per token, as go-diff's
// DiffLinesToRunes does with lines. Surrogate code points cannot live in a
// Go string (one becomes U+FFFD), and go-diff returns its diffs as strings:
// token numbers skip that range.
const (
	surrogateMin = 0xD800
	surrogateLen = 0x800
	// maxTokens is how many distinct tokens fit in valid runes.
	maxTokens = unicode.MaxRune + 1 - surrogateLen
)

// tokenRune is the rune that stands for token number i.
func tokenRune(i int) rune {
	if i >= surrogateMin {
		i += surrogateLen
	}
	return rune(i)
}

// runeToken is the inverse of tokenRune.
func runeToken(r rune) int {
	i := int(r)
	if i >= surrogateMin+surrogateLen {
		i -= surrogateLen
	}
	return i
}

// wordDiff diffs a and b word by word: words, runs of white space and single
// punctuation characters each become one rune, go-diff diffs the runes with
// no deadline (so the result never depends on machine load), and the result
// is decoded back to text. ok is false when the texts cannot be encoded or
// the diff does not reproduce them; callers then show before and after whole.
func wordDiff(a, b string) (diffs []dmp.Diff, ok bool) {
	tokens := []string{""} // token 0 is unused: rune 0 is a valid but odd rune
	index := map[string]rune{}
	encode := func(s string) ([]rune, bool) {
		toks := tokenize(s)
		rs := make([]rune, 0, len(toks))
		for _, tok := range toks {
			r, seen := index[tok]
			if !seen {
				if len(tokens) >= maxTokens {
					return nil, false
				}
				r = tokenRune(len(tokens))
				index[tok] = r
				tokens = append(tokens, tok)
			}
			rs = append(rs, r)
		}
		return rs, true
	}
	ra, okA := encode(a)
	rb, okB := encode(b)
	if !okA || !okB {
		return nil, false
	}
	d := dmp.New()
	d.DiffTimeout = 0
	diffs = d.DiffMainRunes(ra, rb, false)
	// Merge equalities that are small next to the edits around them, in
	// token space: "[-a-] [-b-]{+c+} {+d+}" becomes "[-a b-]{+c d+}".
	diffs = d.DiffCleanupSemantic(diffs)
	var gotA, gotB strings.Builder
	for i := range diffs {
		var sb strings.Builder
		for _, r := range diffs[i].Text {
			t := runeToken(r)
			if t <= 0 || t >= len(tokens) {
				return nil, false
			}
			sb.WriteString(tokens[t])
		}
		diffs[i].Text = sb.String()
		if diffs[i].Type != dmp.DiffInsert {
			gotA.WriteString(diffs[i].Text)
		}
		if diffs[i].Type != dmp.DiffDelete {
			gotB.WriteString(diffs[i].Text)
		}
	}
	if gotA.String() != a || gotB.String() != b {
		return nil, false
	}
	return diffs, true
}

// Token classes: a word (letters, digits, '_', '-', '.', so host names and
// versions stay whole), a run of white space, or one punctuation character.
const (
	classWord = iota
	classSpace
	classPunct
)

func tokenClass(r rune) int {
	switch {
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == '-' || r == '.':
		return classWord
	case unicode.IsSpace(r):
		return classSpace
	}
	return classPunct
}

// tokenize splits s into words, runs of white space and single punctuation
// characters; joined, the tokens give s back. '.', '-' and '_' belong to a
// word only inside it ("acme.cloudflareaccess.com", "v1.2.3"); at its end
// they are punctuation ("Acme." is "Acme" and ".").
func tokenize(s string) []string {
	var toks []string
	emit := func(tok string, class int) {
		if class != classWord {
			toks = append(toks, tok)
			return
		}
		word := strings.TrimRight(tok, ".-_")
		if word != "" {
			toks = append(toks, word)
		}
		for _, r := range tok[len(word):] {
			toks = append(toks, string(r))
		}
	}
	start, prev := 0, -1
	for i, r := range s {
		c := tokenClass(r)
		if i > 0 && (c != prev || c == classPunct) {
			emit(s[start:i], prev)
			start = i
		}
		prev = c
	}
	if start < len(s) {
		emit(s[start:], prev)
	}
	return toks
}
