package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ztsync/ztsync/planner"
)

// JSON writes the plan file of DESIGN.md §4: indented by two spaces, keys in
// the order the planner's structs declare them, "changes", "warnings" and
// each change's "diff" written as [] rather than null, and no HTML escaping
// of "<", ">" and "&". Reading it back with encoding/json (UseNumber) gives
// the same plan.
func JSON(w io.Writer, p *planner.Plan) error {
	if p == nil {
		return errors.New("render json: nil plan")
	}
	out := *p
	out.Changes = make([]planner.Change, len(p.Changes))
	for i, c := range p.Changes {
		if c.Diff == nil {
			c.Diff = []planner.FieldDiff{}
		}
		out.Changes[i] = c
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("render json: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("render json: %w", err)
	}
	return nil
}
