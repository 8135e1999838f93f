package render

import (
	"fmt"
	"strings"

	"github.com/ztsync/ztsync/planner"
)

// mdParts are the sections of the Markdown rendering, in order.
type mdParts struct {
	head, counts, table, risky, diff, warnings, footer string
}

func (m mdParts) join() string {
	return m.head + m.counts + m.table + m.risky + m.diff + m.warnings + m.footer
}

// markdownParts renders each section.
func markdownParts(p *planner.Plan, opts MarkdownOptions) mdParts {
	var m mdParts
	title := oneLine(opts.Title)
	if title == "" {
		title = "ztsync plan"
		if p.Source.Dir != "" {
			title += " for " + CodeSpan(p.Source.Dir)
		}
	}
	head := "## " + title + "\n\n"
	if s := oneLine(opts.Status); s != "" {
		head += "**Status:** " + s + "\n\n"
	}
	m.head = head
	counts := "**" + escapeMD(Summary(p)) + "**"
	if n := unchangedNote(p); n != "" {
		counts += " " + n
	}
	m.counts = counts + "\n\n"
	if n := CoverageNote(p); n != "" {
		m.counts += "_" + escapeMD(oneLine(n)) + "_\n\n"
	}
	var b strings.Builder
	if p.HasChanges() {
		writeTable(&b, p)
		m.table = b.String()
		b.Reset()
		writeFullDiff(&b, p)
		m.diff = b.String()
		b.Reset()
	}
	writeRiskCallout(&b, p)
	m.risky = b.String()
	b.Reset()
	if len(p.Warnings) > 0 {
		b.WriteString("**Warnings**\n\n")
		for _, wn := range p.Warnings {
			b.WriteString("- " + escapeMD(oneLine(wn)) + "\n")
		}
		b.WriteString("\n")
		m.warnings = b.String()
		b.Reset()
	}
	writeFooter(&b, p, opts.RunURL)
	m.footer = b.String()
	return m
}

// markdownWithin renders the plan, within opts.MaxBytes when set.
func markdownWithin(p *planner.Plan, opts MarkdownOptions) string {
	m := markdownParts(p, opts)
	full := m.join()
	if opts.MaxBytes <= 0 || len(full) <= opts.MaxBytes {
		return full
	}
	link := "the workflow run's step summary"
	if u := linkURL(opts.FullPlanURL); u != "" {
		link = "[the full plan](" + u + ")"
	}
	// 1. The full diff goes.
	m.diff = "> [!NOTE]\n> The full diff is too long for a comment: see " + link + ".\n\n"
	if out := m.join(); len(out) <= opts.MaxBytes {
		return out
	}
	// 2. One row per change, with the names of its fields, then with
	// their number only.
	rows := compactRows(p, true)
	m.table = compactTable(rows, len(rows), "")
	if out := m.join(); len(out) <= opts.MaxBytes {
		return out
	}
	rows = compactRows(p, false)
	m.table = compactTable(rows, len(rows), "")
	if out := m.join(); len(out) <= opts.MaxBytes {
		return out
	}
	// 3. Risky items, then table rows, give way to a count. The table
	// keeps what the risky list gives up first.
	m.warnings = ""
	riskyItems := strings.Split(strings.TrimSuffix(m.risky, "\n\n"), "\n")
	fixed := len(m.head) + len(m.counts) + len(m.diff) + len(m.footer)
	budget := opts.MaxBytes - fixed
	// The risky callout keeps its heading and as many items as fit in a
	// quarter of what is left.
	if len(m.risky) > budget/4 && len(riskyItems) > 2 {
		keep := riskyItems[:2]
		size := len(keep[0]) + len(keep[1]) + 2
		n := 2
		for ; n < len(riskyItems) && size+len(riskyItems[n])+1 < budget/4-200; n++ {
			size += len(riskyItems[n]) + 1
		}
		m.risky = strings.Join(riskyItems[:n], "\n") + "\n" +
			fmt.Sprintf("> - … and %d more risky changes: see the table and %s\n\n", len(riskyItems)-n, link)
	}
	budget -= len(m.risky)
	// The header, the count row and its link take less than 300 bytes.
	n, size := 0, 300+len(link)
	for n < len(rows) && size+len(rows[n]) <= budget {
		size += len(rows[n])
		n++
	}
	m.table = compactTable(rows, n, link)
	return m.join()
}

// compactRows are one table row per change: address, action, the fields
// it changes (their names, or with names false their number).
func compactRows(p *planner.Plan, names bool) []string {
	out := make([]string, 0, len(p.Changes))
	for i := range p.Changes {
		c := &p.Changes[i]
		action := escapeMD(oneLine(string(c.Action)))
		if c.Risky {
			action += " ⚠️"
		}
		var fields []string
		switch {
		case c.Action == planner.Revoke:
			fields = append(fields, "tokens revoked")
		case !names:
			fields = append(fields, fmt.Sprint(len(c.Diff)))
		default:
			for _, d := range c.Diff {
				fields = append(fields, TableCode(d.Path))
			}
		}
		var b strings.Builder
		tableRow(&b, TableCode(c.Address), action, strings.Join(fields, ", "))
		out = append(out, b.String())
	}
	return out
}

// compactTable is the first n rows under a header, and a last row that
// counts the rest.
func compactTable(rows []string, n int, link string) string {
	var b strings.Builder
	b.WriteString("| Address | Action | Fields |\n|---|---|---|\n")
	for _, r := range rows[:n] {
		b.WriteString(r)
	}
	if n < len(rows) {
		fmt.Fprintf(&b, "| … | %d more changes | see %s |\n", len(rows)-n, link)
	}
	b.WriteString("\n")
	return b.String()
}
