package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// manyChanges has n changes: updates of zones with a long footer, and every
// tenth a revocation.
func manyChanges(n int) *planner.Plan {
	p := basePlan()
	p.Changes = nil
	for i := range n {
		s := schema.Scope{Kind: schema.KindZone, Name: fmt.Sprintf("zone-%04d.example.com", i), ID: fmt.Sprintf("%032x", i)}
		if i%10 == 0 {
			c := planner.Change{Address: planner.Address(s, planner.Revocation, fmt.Sprintf("user%d@example.com", i)), Scope: s,
				Resource: planner.Revocation, Action: planner.Revoke, Risky: true, Reason: "offboarded",
				Body: schema.Object{"email": fmt.Sprintf("user%d@example.com", i), "devices": true}}
			p.Changes = append(p.Changes, c)
			continue
		}
		p.Changes = append(p.Changes, update(s, planner.Organization, nil,
			fd("login_design/footer_text", strings.Repeat("old footer text ", 6), strings.Repeat("new footer text ", 6)),
			fd("session_duration", "24h", "12h")))
	}
	p.Summary = planner.Summary{Update: n - n/10, Revoke: n / 10}
	return p
}

// TestMarkdownWithinBudget: a 600-change plan fits a comment with the
// counts and the table visible and a link to the full plan.
func TestMarkdownWithinBudget(t *testing.T) {
	t.Parallel()
	const budget = 60000
	for _, n := range []int{30, 600, 3000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := manyChanges(n)
			var full, cut bytes.Buffer
			if err := Markdown(&full, p, MarkdownOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := Markdown(&cut, p, MarkdownOptions{MaxBytes: budget, FullPlanURL: "https://github.example/acme/zt/actions/runs/7"}); err != nil {
				t.Fatal(err)
			}
			out := cut.String()
			if len(out) > budget {
				t.Fatalf("%d bytes, over %d", len(out), budget)
			}
			if full.Len() <= budget {
				if out != full.String() {
					t.Error("a plan that fits was changed")
				}
				return
			}
			counts, table, link := strings.Index(out, "**Plan: 0 to create"), strings.Index(out, "| Address | Action |"), strings.Index(out, "actions/runs/7")
			if counts < 0 || table < counts || link < 0 {
				t.Fatalf("counts at %d, table at %d, link at %d:\n%.3000s", counts, table, link, out)
			}
			if warn := strings.Index(out, "> [!WARNING]"); warn >= 0 && warn < table {
				t.Error("the risky changes come before the table")
			}
			rows := strings.Count(out[table:], "\n| `zone/")
			if n == 600 && rows != n {
				t.Errorf("%d table rows for %d changes: the table of a 600-change plan is whole", rows, n)
			}
			if rows < n && !strings.Contains(out, fmt.Sprintf("%d more changes", n-rows)) {
				t.Errorf("%d of %d rows and no count of the rest", rows, n)
			}
		})
	}
}
