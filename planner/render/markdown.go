package render

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/safetext"
)

// MarkdownOptions configures Markdown.
type MarkdownOptions struct {
	// Title is the heading, Markdown allowed, e.g. "ztsync plan for
	// `config/`". "" gives "ztsync plan for `DIR`" from the plan's source.
	Title string
	// RunURL, when set, is linked from the footer (the workflow run).
	RunURL string
	// Status, when set, is a line under the title, Markdown allowed, e.g.
	// "Applied by run #42"; the GitHub Action updates it.
	Status string
	// MaxBytes, when positive, is the most the output may take (a
	// comment's 65,536 characters less what the caller adds). A plan
	// that does not fit first loses its full diff, then its table gets one
	// row per change, then the last rows and risky items give way to a
	// line that says how many more there are; FullPlanURL is linked
	// wherever something was left out.
	MaxBytes int
	// FullPlanURL is where the whole plan is (the workflow run's step
	// summary, an artifact).
	FullPlanURL string
}

// tableValueMax is how many characters of a value the summary table shows;
// the full diff below it has every value whole.
const tableValueMax = 60

// Markdown writes the plan for a pull-request comment or a job summary: the
// title and status, the summary line (the counts), a table of every
// changed field with its current and desired value, a warning callout
// listing the risky changes and why, the full diff in a collapsed ```diff
// block, the warnings, and a footer with the fingerprint and the source
// commit. The caller adds the hidden marker that finds the comment again.
//
// With opts.MaxBytes the output fits that many bytes, giving up detail
// from the end (see MarkdownOptions.MaxBytes): the counts and the table
// come first and stay.
func Markdown(w io.Writer, p *planner.Plan, opts MarkdownOptions) error {
	if p == nil {
		return errors.New("render markdown: nil plan")
	}
	out := markdownWithin(p, opts)
	if _, err := io.WriteString(w, out); err != nil {
		return fmt.Errorf("render markdown: %w", err)
	}
	return nil
}

// writeRiskCallout lists the risky changes and why, in a GitHub warning
// callout. It writes nothing when no change is risky.
func writeRiskCallout(b *strings.Builder, p *planner.Plan) {
	var items []string
	for i := range p.Changes {
		c := &p.Changes[i]
		if !c.Risky {
			continue
		}
		addr := CodeSpan(c.Address)
		if c.Action == planner.Revoke {
			r := revocationOf(c)
			item := addr + ": " + revokeReason(r, CodeSpan(r.email))
			if c.Reason != "" {
				item += " (reason: " + escapeMD(oneLine(c.Reason)) + ")"
			}
			items = append(items, item)
			continue
		}
		n := 0
		for _, d := range c.Diff {
			if d.Risky {
				items = append(items, addr+" "+CodeSpan(d.Path)+": "+escapeMD(riskReason(d)))
				n++
			}
		}
		if n == 0 {
			items = append(items, addr+": marked risky")
		}
	}
	if len(items) == 0 {
		return
	}
	b.WriteString("> [!WARNING]\n")
	fmt.Fprintf(b, "> **%s.** Review before applying:\n", plural(len(items), "risky change", "risky changes"))
	for _, it := range items {
		b.WriteString("> - " + it + "\n")
	}
	b.WriteString("\n")
}

// writeTable writes one row per changed field; the address and action are
// written on a change's first row only.
func writeTable(b *strings.Builder, p *planner.Plan) {
	b.WriteString("| Address | Action | Field | Current | Desired |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for i := range p.Changes {
		c := &p.Changes[i]
		addr := TableCode(c.Address)
		action := escapeMD(oneLine(string(c.Action)))
		if c.Action == planner.Revoke {
			r := revocationOf(c)
			what := []string{"Access tokens revoked"}
			if r.devices {
				what = append(what, "devices revoked")
			}
			if r.warpSessionReauth {
				what = append(what, "WARP re-authentication")
			}
			tableRow(b, addr, action+" ⚠️", "", "", strings.Join(what, ", "))
			continue
		}
		anyRisky := false
		for _, d := range c.Diff {
			anyRisky = anyRisky || d.Risky
		}
		if c.Risky && !anyRisky {
			action += " ⚠️"
		}
		if len(c.Diff) == 0 {
			tableRow(b, addr, action, "", "", "")
		}
		for j, d := range c.Diff {
			field := TableCode(d.Path)
			if d.Risky {
				field += " ⚠️"
			}
			var before, after string
			switch kindOf(c.Action, d) {
			case fieldAdded:
				after = tableValue(d.After)
			case fieldRemoved:
				before = tableValue(d.Before)
			default:
				before, after = tableValue(d.Before), tableValue(d.After)
			}
			if j == 0 {
				tableRow(b, addr, action, field, before, after)
			} else {
				tableRow(b, "", "", field, before, after)
			}
		}
		if f := c.FollowUp; f != nil {
			tableRow(b, "", "", "", "", "then "+TableCode(f.Method+" "+f.Path)+": "+escapeMD(followUpFields(f)))
		}
	}
	b.WriteString("\n")
}

func tableRow(b *strings.Builder, cells ...string) {
	b.WriteString("|")
	for _, c := range cells {
		if c == "" {
			b.WriteString(" |")
			continue
		}
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n")
}

// tableValue is a value for a table cell: JSON, shortened, in a code span.
func tableValue(v any) string {
	return TableCode(shorten(formatValue(v), tableValueMax))
}

// writeFullDiff writes every change as -/+ lines in a ```diff block inside
// a collapsed <details>. Values are one-line JSON, and every line starts
// with "@@", "-", "+", "!" or two spaces and a word, so no line can close
// the fence; the fence is still made longer than any run of backticks in
// the block.
func writeFullDiff(b *strings.Builder, p *planner.Plan) {
	var d strings.Builder
	for i := range p.Changes {
		c := &p.Changes[i]
		if i > 0 {
			d.WriteString("\n")
		}
		head := safetext.Line(c.Address) + ": " + safetext.Line(string(c.Action))
		if c.Risky {
			head += " (risky)"
		}
		d.WriteString("@@ " + head + " @@\n")
		if c.Action == planner.Revoke {
			r := revocationOf(c)
			d.WriteString("! revoke every Access token of " + quoteString(r.email) + "\n")
			if r.userUID != "" {
				d.WriteString("  user_uid: " + quoteString(r.userUID) + "\n")
			}
			fmt.Fprintf(&d, "  devices: %t\n  warp_session_reauth: %t\n", r.devices, r.warpSessionReauth)
			if c.Reason != "" {
				d.WriteString("  reason: " + quoteString(c.Reason) + "\n")
			}
			continue
		}
		for _, fd := range c.Diff {
			path := safetext.Line(fd.Path)
			switch kindOf(c.Action, fd) {
			case fieldAdded:
				d.WriteString("+ " + path + ": " + formatValue(fd.After) + "\n")
			case fieldRemoved:
				d.WriteString("- " + path + ": " + formatValue(fd.Before) + "\n")
			default:
				d.WriteString("- " + path + ": " + formatValue(fd.Before) + "\n")
				d.WriteString("+ " + path + ": " + formatValue(fd.After) + "\n")
			}
		}
		if f := c.FollowUp; f != nil {
			d.WriteString("  then " + safetext.Line(f.Method) + " " + safetext.Line(f.Path) + ": " + followUpFields(f) + "\n")
		}
		if len(c.NotSent) > 0 {
			d.WriteString("  not sent (unknown to ztsync, left to Cloudflare): " + notSent(c) + "\n")
		}
	}
	body := d.String()
	fence := Fence(body)
	b.WriteString("<details><summary>Full diff</summary>\n\n")
	b.WriteString(fence + "diff\n" + body + fence + "\n\n</details>\n\n")
}

// writeFooter writes the fingerprint, the source, the base, the tool
// version and the run link on one small line.
func writeFooter(b *strings.Builder, p *planner.Plan, runURL string) {
	var parts []string
	if p.Fingerprint != "" {
		parts = append(parts, "fingerprint "+CodeSpan(p.Fingerprint))
	}
	if s := p.Source; s.Dir != "" || s.Commit != "" {
		src := "source"
		if s.Dir != "" {
			src += " " + CodeSpan(s.Dir)
		}
		if s.Commit != "" {
			src += " at " + CodeSpan(shortCommit(s.Commit))
		}
		if s.Dirty {
			src += " (dirty)"
		}
		parts = append(parts, src)
	} else if p.Source.Dirty {
		parts = append(parts, "source (dirty)")
	}
	if p.Source.Base != "" {
		parts = append(parts, "base "+CodeSpan(p.Source.Base))
	}
	if p.ToolVersion != "" {
		parts = append(parts, "ztsync "+escapeMD(oneLine(p.ToolVersion)))
	}
	if u := linkURL(runURL); u != "" {
		parts = append(parts, "[workflow run]("+u+")")
	}
	if len(parts) == 0 {
		return
	}
	b.WriteString("<sub>" + strings.Join(parts, " · ") + "</sub>\n")
}

// shortCommit keeps the first 12 characters of a commit hash.
func shortCommit(c string) string {
	if len(c) > 12 && strings.Trim(c, "0123456789abcdef") == "" {
		return c[:12]
	}
	return c
}

// CodeSpan puts s in a Markdown code span: newlines and control
// characters are escaped, and the delimiter is one backtick longer than the
// longest run of backticks in s, padded with spaces when s starts or ends
// with one. Every Markdown ztsync writes (plans, the Action's comments)
// quotes text with it.
func CodeSpan(s string) string {
	return delimitCode(safetext.Line(s))
}

// Fence is the backtick fence for a code block holding s: at least three,
// and longer than any run of backticks in s, so s cannot close it.
func Fence(s string) string {
	return strings.Repeat("`", max(3, longestRun(s, '`')+1))
}

// TableCode is CodeSpan for a table cell: GFM splits the row at pipes
// before it parses code spans, so pipes are backslash-escaped (GFM removes
// the backslash again).
func TableCode(s string) string {
	return delimitCode(strings.ReplaceAll(safetext.Line(s), "|", `\|`))
}

func delimitCode(s string) string {
	if s == "" {
		return ""
	}
	delim := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.Trim(s, " ") == "" {
		s = " " + s + " "
	}
	return delim + s + delim
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// oneLine joins the lines of s with spaces and escapes control characters.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\r", " ")), " ")
	return safetext.Line(s)
}

// escapeMD escapes the characters that would make plain text Markdown or
// HTML: inline markup everywhere, block markup at the start; and it defuses
// @mentions (an @ after a letter or digit, as in an email address, is no
// mention and is kept).
func escapeMD(s string) string {
	var b strings.Builder
	prev := ' '
	for i, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '&', '#', '!':
			b.WriteByte('\\')
		case '+', '-', '=':
			if i == 0 {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
		if r == '@' && !unicode.IsLetter(prev) && !unicode.IsDigit(prev) {
			// "@team" would notify the team (a backslash does not stop
			// GitHub's mentions); a zero-width space after the @ does.
			b.WriteString("\u200b")
		}
		prev = r
	}
	out := b.String()
	// "1. text" at the start would become an ordered list.
	if j := strings.IndexFunc(out, func(r rune) bool { return r < '0' || r > '9' }); j > 0 && (out[j] == '.' || out[j] == ')') &&
		(j+1 == len(out) || out[j+1] == ' ' || out[j+1] == '\t') {
		out = out[:j] + `\` + out[j:]
	}
	return out
}

// linkURL makes u safe as a Markdown link destination, or "" when it is not
// an http(s) URL.
func linkURL(u string) string {
	u = strings.TrimSpace(u)
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return ""
	}
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "\n", "", "\r", "", "\t", "%09").Replace(u)
}
