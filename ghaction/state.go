package ghaction

import (
	"encoding/json"
	"slices"

	"github.com/ztsync/ztsync/ghclient"
	"github.com/ztsync/ztsync/planner"
)

// digestLen is how many hex characters of a change's fingerprint the
// comment keeps: 48 bits tell a plan's changes apart, and 600 of them fit
// the comment next to the plan.
const digestLen = 12

// Apply phases in reviewState.Phase.
const (
	phaseApplying = "applying" // an apply started and has not recorded its outcome
	phaseDone     = "done"     // the apply ran to its end (applied, failed or refused)
)

// reviewState is the hidden state of a sticky comment (our own only, see
// ghclient.FindComment): what was reviewed, and what the apply runs did.
// A later run (a re-run of the job, or the apply of a later merge) reads
// it to post no revocation twice and to find merges whose apply never ran.
type reviewState struct {
	// Changes are the digests of the reviewed plan's changes.
	Changes []string `json:"changes,omitempty"`
	// Commit is the merge commit an apply ran for ("" before any).
	Commit string `json:"commit,omitempty"`
	// By is the merge commit whose apply applied this plan, when it is
	// not Commit (a later merge applied the union).
	By string `json:"by,omitempty"`
	// Phase is phaseApplying or phaseDone.
	Phase string `json:"phase,omitempty"`
	// Applied are the digests of the revocations written (or maybe
	// written: an answer lost on the way) so far; they are never written
	// again. Creates and updates need no record: once written, the next
	// plan no longer has them.
	Applied []string `json:"applied,omitempty"`
	// Left is how many reviewed changes still wait to be applied.
	Left int `json:"left,omitempty"`
	// Run and Attempt are the workflow run (and its attempt: "Re-run
	// jobs" keeps the run and counts attempts) that wrote the state.
	Run     string `json:"run,omitempty"`
	Attempt string `json:"attempt,omitempty"`
}

// readState reads a comment body's state (zero when none).
func readState(body string) reviewState {
	var st reviewState
	if b := ghclient.State(body); b != nil {
		_ = json.Unmarshal(b, &st) // an unreadable state is no state
	}
	return st
}

// withState returns body carrying st.
func withState(body string, st reviewState) string {
	b, err := json.Marshal(st)
	if err != nil {
		return body
	}
	return ghclient.SetState(body, b)
}

// digest is a change's short fingerprint: the same API call against the
// same live values gives the same digest in every run.
func digest(c planner.Change) string {
	fp := planner.Fingerprint(&planner.Plan{Changes: []planner.Change{c}})
	if len(fp) > len("sha256:")+digestLen {
		return fp[len("sha256:") : len("sha256:")+digestLen]
	}
	return fp
}

// digests are the digests of p's changes, in order.
func digests(p *planner.Plan) []string {
	out := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		out[i] = digest(c)
	}
	return out
}

// appliedDone reports whether the state says the plan was applied whole.
func (st reviewState) appliedDone() bool {
	return st.Phase == phaseDone && st.Left == 0 && (st.Commit != "" || st.By != "")
}

// without returns p with the changes whose digest is in skip removed, and
// how many were removed.
func without(p *planner.Plan, skip []string) (*planner.Plan, int) {
	if len(skip) == 0 {
		return p, 0
	}
	q := *p
	q.Changes = nil
	n := 0
	for _, c := range p.Changes {
		if slices.Contains(skip, digest(c)) {
			n++
			continue
		}
		q.Changes = append(q.Changes, c)
	}
	return &q, n
}
