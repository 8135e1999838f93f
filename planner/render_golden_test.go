package planner_test

import (
	"bytes"
	"testing"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/planner/render"
)

// renderAll renders p in every golden format.
func renderAll(t *testing.T, p *planner.Plan) map[string][]byte {
	t.Helper()
	var txt, md, js bytes.Buffer
	if err := render.Text(&txt, p, render.TextOptions{}); err != nil {
		t.Fatalf("render.Text: %v", err)
	}
	if err := render.Markdown(&md, p, render.MarkdownOptions{}); err != nil {
		t.Fatalf("render.Markdown: %v", err)
	}
	if err := render.JSON(&js, p); err != nil {
		t.Fatalf("render.JSON: %v", err)
	}
	return map[string][]byte{"plan.txt": txt.Bytes(), "plan.md": md.Bytes(), "plan.json": js.Bytes()}
}
