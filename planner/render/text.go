package render

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	dmp "github.com/sergi/go-diff/diffmatchpatch"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/safetext"
)

// TextOptions configures Text.
type TextOptions struct {
	// Color turns on ANSI colours. The caller decides: a terminal, and
	// NO_COLOR unset.
	Color bool
}

// ANSI SGR sequences.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBoldRd = "\x1b[1;31m"
	ansiRedBg  = "\x1b[41m"
	ansiGrnBg  = "\x1b[42m"
)

// painter wraps text in ANSI colours, or leaves it alone.
type painter struct{ on bool }

func (p painter) paint(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return code + s + ansiReset
}

// Text writes the plan for a person at a terminal, like Terraform's plan
// output: one block per change (symbol, address, what happens, then one line
// per field), the warnings, and the summary line.
//
//	  ~ account/prod/organization will be updated (risky)
//	      ~ auth_domain: "a.cloudflareaccess.com" → "b.cloudflareaccess.com"  # risky: …
//	      ~ login_design.header_text: "Welcome to [-Acme-]{+Acme Corp+}"
//
//	Plan: 0 to create, 1 to update, 0 revocations. 2 resources unchanged.
func Text(w io.Writer, p *planner.Plan, opts TextOptions) error {
	if p == nil {
		return errors.New("render text: nil plan")
	}
	pt := painter{on: opts.Color}
	var b strings.Builder
	if p.HasChanges() {
		b.WriteString("ztsync will perform the following actions:\n")
		for i := range p.Changes {
			b.WriteString("\n")
			writeTextChange(&b, pt, &p.Changes[i])
		}
		b.WriteString("\n")
	}
	if len(p.Warnings) > 0 {
		b.WriteString(pt.paint(ansiBold+ansiYellow, "Warnings:") + "\n")
		for _, wn := range p.Warnings {
			lines := strings.Split(safetext.Lines(wn), "\n")
			b.WriteString("  " + pt.paint(ansiYellow, "-") + " " + lines[0] + "\n")
			for _, l := range lines[1:] {
				b.WriteString("    " + l + "\n")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString(pt.paint(ansiBold, Summary(p)))
	if n := unchangedNote(p); n != "" {
		b.WriteString(" " + n)
	}
	b.WriteString("\n")
	if n := CoverageNote(p); n != "" {
		b.WriteString(safetext.Line(n) + "\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("render text: %w", err)
	}
	return nil
}

// actionLook is how an action is shown: its symbol, colour and verb.
func actionLook(a planner.Action) (symbol, color, verb string) {
	switch a {
	case planner.Create:
		return "+", ansiGreen, "will be created"
	case planner.Update:
		return "~", ansiYellow, "will be updated"
	case planner.Revoke:
		return "!", ansiRed, "will be revoked"
	}
	return "?", ansiBold, "will be changed (" + safetext.Line(string(a)) + ")"
}

func writeTextChange(b *strings.Builder, pt painter, c *planner.Change) {
	sym, col, verb := actionLook(c.Action)
	b.WriteString("  " + pt.paint(col, sym) + " " + pt.paint(ansiBold, safetext.Line(c.Address)) + " " + verb)
	if c.Risky {
		b.WriteString(" " + pt.paint(ansiBoldRd, "(risky)"))
	}
	b.WriteString("\n")
	const ind = "      "
	if c.Action == planner.Revoke {
		r := revocationOf(c)
		fmt.Fprintf(b, "%semail: %s\n", ind, quoteString(r.email))
		if r.userUID != "" {
			fmt.Fprintf(b, "%suser_uid: %s\n", ind, quoteString(r.userUID))
		}
		fmt.Fprintf(b, "%sdevices: %t\n", ind, r.devices)
		fmt.Fprintf(b, "%swarp_session_reauth: %t\n", ind, r.warpSessionReauth)
		reason := "(none given)"
		if c.Reason != "" {
			reason = quoteString(c.Reason)
		}
		fmt.Fprintf(b, "%sreason: %s\n", ind, reason)
		b.WriteString(ind + pt.paint(ansiRed, "# risky: "+revokeReason(r, safetext.Line(r.email))) + "\n")
		return
	}
	for _, d := range c.Diff {
		b.WriteString(ind + textFieldLine(pt, c.Action, d))
		if d.Risky {
			b.WriteString("  " + pt.paint(ansiRed, "# risky: "+riskReason(d)))
		}
		b.WriteString("\n")
	}
	if f := c.FollowUp; f != nil {
		fmt.Fprintf(b, "%sthen %s %s: %s\n", ind, safetext.Line(f.Method), safetext.Line(f.Path), followUpFields(f))
	}
	if len(c.NotSent) > 0 {
		b.WriteString(ind + pt.paint(ansiYellow, "# not sent (unknown to ztsync, left to Cloudflare): "+notSent(c)) + "\n")
	}
}

// notSent lists the live keys a change does not send, cleaned.
func notSent(c *planner.Change) string {
	keys := make([]string, len(c.NotSent))
	for i, k := range c.NotSent {
		keys[i] = safetext.Line(k)
	}
	return strings.Join(keys, ", ")
}

// followUpFields lists the top-level fields a follow-up sends, sorted.
func followUpFields(f *planner.FollowUp) string {
	keys := make([]string, 0, len(f.Body))
	for k := range f.Body {
		keys = append(keys, safetext.Line(k))
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return "(no fields)"
	}
	return strings.Join(keys, ", ")
}

// diffKind is how one field changes.
type diffKind int

const (
	fieldChanged diffKind = iota
	fieldAdded
	fieldRemoved
)

func kindOf(a planner.Action, d planner.FieldDiff) diffKind {
	switch {
	case a == planner.Create || d.Before == nil:
		return fieldAdded
	case d.After == nil:
		return fieldRemoved
	}
	return fieldChanged
}

func textFieldLine(pt painter, a planner.Action, d planner.FieldDiff) string {
	path := safetext.Line(d.Path)
	switch kindOf(a, d) {
	case fieldAdded:
		return pt.paint(ansiGreen, "+") + " " + path + ": " + formatValue(d.After)
	case fieldRemoved:
		return pt.paint(ansiRed, "-") + " " + path + ": " + formatValue(d.Before)
	}
	head := pt.paint(ansiYellow, "~") + " " + path + ": "
	if before, ok := longText(d.Before); ok {
		if after, ok := longText(d.After); ok {
			if diffs, ok := wordDiff(before, after); ok {
				return head + renderWordDiff(pt, diffs)
			}
		}
	}
	return head + formatValue(d.Before) + " → " + formatValue(d.After)
}

// renderWordDiff shows a word diff as one JSON-quoted string:
// [-removed-]{+added+} without colour, red and green with it.
func renderWordDiff(pt painter, diffs []dmp.Diff) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, d := range diffs {
		t := escapeFragment(d.Text)
		switch d.Type {
		case dmp.DiffEqual:
			sb.WriteString(t)
		case dmp.DiffDelete:
			if pt.on {
				sb.WriteString(pt.paint(pick(t, ansiRed, ansiRedBg), t))
			} else {
				sb.WriteString("[-" + t + "-]")
			}
		case dmp.DiffInsert:
			if pt.on {
				sb.WriteString(pt.paint(pick(t, ansiGreen, ansiGrnBg), t))
			} else {
				sb.WriteString("{+" + t + "+}")
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// pick returns bg for white space only text (a coloured space is invisible),
// fg otherwise.
func pick(t, fg, bg string) string {
	if strings.TrimSpace(t) == "" {
		return bg
	}
	return fg
}
