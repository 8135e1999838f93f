package applier

import (
	"fmt"
	"io"
	"strings"

	"github.com/ztsync/ztsync/planner"
)

// Status is what happened to one change.
type Status string

const (
	// Applied: the call succeeded and the read-back matches the plan.
	Applied Status = "applied"
	// Failed: a call failed; Err says which and why. The rest of the scope
	// is skipped.
	Failed Status = "failed"
	// Skipped: not attempted because an earlier change of the same scope
	// failed.
	Skipped Status = "skipped"
	// NotConverged: the write succeeded but the read-back differs from the
	// plan in Fields (or could not be made: Err). The rest of the scope
	// still runs.
	NotConverged Status = "not converged"
	// Interrupted: not started because the apply was cancelled.
	Interrupted Status = "interrupted"
	// Refused: not written because, read again just before its write, the
	// resource had moved since the plan, or the plan's body was not the
	// live object plus the plan's diff (Err is a *RefusedError). The rest
	// of the scope is skipped.
	Refused Status = "refused"
)

// Result is the outcome of one change.
type Result struct {
	// Address is the change's address.
	Address string
	// Action is the change's action.
	Action planner.Action
	// Status is what happened.
	Status Status
	// Err is the API error for Failed, the read-back error for a
	// NotConverged without Fields, the reason for Skipped, Interrupted and
	// Refused; nil for Applied.
	Err error
	// Fields are the managed fields that did not converge (NotConverged).
	Fields []string
	// Note is said of an Applied change that needed explaining, e.g. a
	// write whose answer was lost and that a read-back showed applied.
	Note string
}

// Report is the outcome of Apply: one Result per change, in plan order.
type Report struct {
	Results []Result
}

// Counts is the number of results of each status.
type Counts struct {
	Applied, Failed, Skipped, NotConverged, Interrupted, Refused int
}

// Counts counts the results by status.
func (r *Report) Counts() Counts {
	var c Counts
	for _, res := range r.Results {
		switch res.Status {
		case Applied:
			c.Applied++
		case Failed:
			c.Failed++
		case Skipped:
			c.Skipped++
		case NotConverged:
			c.NotConverged++
		case Interrupted:
			c.Interrupted++
		case Refused:
			c.Refused++
		}
	}
	return c
}

// OK reports whether every change was applied and converged.
func (r *Report) OK() bool {
	for _, res := range r.Results {
		if res.Status != Applied {
			return false
		}
	}
	return true
}

// Summary is the report's last line, e.g. "Apply complete: 2 applied, 1
// failed, 1 skipped." ("Apply interrupted: …" after a cancellation; not
// converged, refused and interrupted counts appear when not zero).
func (r *Report) Summary() string {
	c := r.Counts()
	head := "Apply complete"
	if c.Interrupted > 0 {
		head = "Apply interrupted"
	}
	s := fmt.Sprintf("%s: %d applied, %d failed, %d skipped", head, c.Applied, c.Failed, c.Skipped)
	if c.NotConverged > 0 {
		s += fmt.Sprintf(", %d not converged", c.NotConverged)
	}
	if c.Refused > 0 {
		s += fmt.Sprintf(", %d refused", c.Refused)
	}
	if c.Interrupted > 0 {
		s += fmt.Sprintf(", %d not started", c.Interrupted)
	}
	return s + "."
}

// String is the result's line in Write: "ADDRESS: STATUS (ACTION)", then
// the fields that did not converge and the error, if any.
func (res Result) String() string {
	s := fmt.Sprintf("%s: %s (%s)", res.Address, res.Status, res.Action)
	if len(res.Fields) > 0 {
		s += ": " + strings.Join(res.Fields, ", ")
	}
	if res.Err != nil {
		s += fmt.Sprintf(": %v", res.Err)
	}
	if res.Note != "" {
		s += " (" + res.Note + ")"
	}
	return s
}

// String returns what Write writes.
func (r *Report) String() string {
	var b strings.Builder
	_ = r.Write(&b)
	return b.String()
}

// Write writes one line per change, with the API error of a failure and
// the fields that did not converge, then the Summary line:
//
//	account/prod/organization: applied (update)
//	account/prod/doh: failed (update): PUT /accounts/…/doh: 500 Internal Server Error: …
//	account/prod/revoke/bob@example.com: skipped (revoke): not attempted: account/prod/doh failed earlier in account/prod
//	zone/example.com/organization: not converged (update): login_design.header_text
//	Apply complete: 1 applied, 1 failed, 1 skipped, 1 not converged.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	for _, res := range r.Results {
		b.WriteString(res.String())
		b.WriteByte('\n')
	}
	b.WriteString(r.Summary())
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
