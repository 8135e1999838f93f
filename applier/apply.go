package applier

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// Target is the part of the Cloudflare API the applier calls.
// *cfapi.Client satisfies it. A missing organization is an error wrapping
// schema.ErrNotFound.
type Target interface {
	GetOrganization(ctx context.Context, s schema.Scope) (schema.Object, error)
	CreateOrganization(ctx context.Context, s schema.Scope, body schema.Object) (schema.Object, error)
	UpdateOrganization(ctx context.Context, s schema.Scope, body schema.Object) (schema.Object, error)
	GetDoH(ctx context.Context, s schema.Scope) (schema.Object, error)
	UpdateDoH(ctx context.Context, s schema.Scope, body schema.Object) (schema.Object, error)
	RevokeUser(ctx context.Context, s schema.Scope, body schema.Object) error
}

// DefaultMaxChangePercent is the mass-change guard's default threshold
// (docs/security.md).
const DefaultMaxChangePercent = 30

// DefaultCallTimeout bounds one API call (its retries included) once the
// caller's context no longer can: calls run under context.WithoutCancel so
// that Ctrl-C never cuts a write in half.
const DefaultCallTimeout = 5 * time.Minute

// maxWrites is how many times one write (a create's POST, an update's
// PUT) is sent at most: a write that failed ambiguously is sent again only
// when a GET shows that it did not happen and that nothing else moved.
const maxWrites = 3

// Options tune Apply.
type Options struct {
	// Concurrency is how many scopes are applied at once; 1 when not
	// positive. Changes inside one scope always run one after another.
	Concurrency int
	// MaxChangePercent is the mass-change guard's threshold (see Guard),
	// taken as it is: a pointer to 0 refuses any change the guard judges.
	// Nil means DefaultMaxChangePercent. 100 turns the guard off.
	MaxChangePercent *float64
	// Confirm, when set, is called once the guard has passed and before
	// the first call: the place to ask "apply these changes?". An error
	// stops Apply, which returns it as it is, having written nothing.
	Confirm func(ctx context.Context) error
	// Progress, when set, is called as each change starts and ends. Calls
	// never overlap, so it needs no locking; it must not block for long.
	Progress func(Event)
	// Ambiguous reports whether a failed write (POST create, PUT) may have
	// reached the server (cfapi: errors.Is(err, cfapi.ErrAmbiguous)); such
	// a write is checked with a GET before it is sent again. Nil treats
	// every failed write as ambiguous, which is safe and costs one GET.
	// Deadline and cancellation errors always count as ambiguous.
	Ambiguous func(error) bool
	// CallTimeout bounds each API call; DefaultCallTimeout when zero.
	CallTimeout time.Duration
}

// Event is one progress report: a change starts (Done false) or ends (Done
// true, Result set).
type Event struct {
	// Index is the change's index in the plan.
	Index int
	// Change is the plan's change.
	Change *planner.Change
	// Done is false when the change starts and true when it ends.
	Done bool
	// Result is the outcome when Done.
	Result Result
}

// Apply makes the plan's changes and reports what happened to each, in
// plan order. It first runs Guard with opts.MaxChangePercent, once, and
// returns its *GuardError, having called nothing, when the plan changes
// too much; then opts.Confirm. It does not check staleness: call
// CheckStale first for a plan file.
//
// Scopes run concurrently (opts.Concurrency); inside a scope the changes
// run in plan order and a failure or refusal skips the rest of that scope
// only.
//
// Before each organization or DoH write the resource is read again: when
// its digest is not the change's live_digest (it moved since the plan), or
// when the change's body is not that fresh object plus the change's diff
// (CheckBody: the plan file was edited), the change is Refused and nothing
// is written for it. A revocation whose body is not its address's email
// and revoke_user's options is refused too.
//
//   - update: PUT the planned body as it is (it is the whole object).
//   - create: POST the body, then, when the change has a follow-up, PUT
//     the object the POST returned (without created_at and updated_at)
//     with the planned body and the follow-up's laid over it.
//   - DoH: PUT the body. revoke: POST the body.
//
// A POST or PUT that failed in a way that may have reached the server
// (opts.Ambiguous) is followed by a GET: when it shows the write took
// effect, the change is Applied (with a Note); when the resource is still
// as the plan saw it, the write is sent again, at most three times in all;
// otherwise the change failed. A write is never repeated over a state it
// cannot account for.
//
// Every created or updated organization and DoH object is read back with a
// GET; a managed field of the change's diff that does not hold the planned
// value makes the result NotConverged, naming the fields.
//
// When ctx is cancelled the change in flight is finished (its calls run
// under context.WithoutCancel with opts.CallTimeout), nothing more is
// started, and the changes not started are Interrupted. Apply returns an
// error only for a nil plan, the guard or Confirm; API failures are in the
// Report.
func Apply(ctx context.Context, t Target, p *planner.Plan, opts Options) (*Report, error) {
	if p == nil {
		return nil, errors.New("apply: no plan")
	}
	max := float64(DefaultMaxChangePercent)
	if opts.MaxChangePercent != nil {
		max = *opts.MaxChangePercent
	}
	if err := Guard(p, max); err != nil {
		return nil, err
	}
	if opts.Confirm != nil {
		if err := opts.Confirm(ctx); err != nil {
			return nil, err
		}
	}
	a := &applier{t: t, p: p, opts: opts, results: make([]Result, len(p.Changes))}
	if a.opts.CallTimeout <= 0 {
		a.opts.CallTimeout = DefaultCallTimeout
	}
	n := opts.Concurrency
	if n <= 0 {
		n = 1
	}
	var g errgroup.Group
	g.SetLimit(n)
	for _, idx := range groupByScope(p.Changes) {
		g.Go(func() error {
			a.scope(ctx, idx)
			return nil
		})
	}
	_ = g.Wait() // scope reports in a.results, never an error

	return &Report{Results: a.results}, nil
}

// groupByScope returns the change indexes of each scope (kind and id), in
// order of first appearance, each in plan order.
func groupByScope(changes []planner.Change) [][]int {
	var groups [][]int
	at := map[string]int{}
	for i, c := range changes {
		key := string(c.Scope.Kind) + "/" + c.Scope.ID
		g, ok := at[key]
		if !ok {
			g = len(groups)
			at[key] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// applier is one Apply run.
type applier struct {
	t       Target
	p       *planner.Plan
	opts    Options
	results []Result // each index written by one goroutine only

	progressMu sync.Mutex
}

// scope runs the changes of one scope in order.
func (a *applier) scope(ctx context.Context, idx []int) {
	var failed string   // the change that failed or was refused, and which
	orgCreated := false // this apply created the scope's organization
	for _, i := range idx {
		c := &a.p.Changes[i]
		r := Result{Address: c.Address, Action: c.Action}
		switch {
		case failed != "":
			r.Status = Skipped
			r.Err = fmt.Errorf("not attempted: %s earlier in %s", failed, c.Scope.Address())
		case ctx.Err() != nil:
			r.Status = Interrupted
			r.Err = errors.New("not started: apply was interrupted")
		default:
			a.progress(Event{Index: i, Change: c})
			r = a.change(ctx, c, orgCreated)
			// A create that read back unconverged was made all the same.
			orgCreated = orgCreated || (c.Resource == planner.Organization && c.Action == planner.Create && (r.Status == Applied || r.Status == NotConverged))
			a.progress(Event{Index: i, Change: c, Done: true, Result: r})
			switch r.Status {
			case Failed:
				failed = c.Address + " failed"
			case Refused:
				failed = c.Address + " was refused"
			}
		}
		a.results[i] = r
	}
}

func (a *applier) progress(ev Event) {
	if a.opts.Progress == nil {
		return
	}
	a.progressMu.Lock()
	defer a.progressMu.Unlock()
	a.opts.Progress(ev)
}

// call runs f under a context that Ctrl-C does not cancel, bounded by the
// call timeout.
func (a *applier) call(ctx context.Context, f func(ctx context.Context) error) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.opts.CallTimeout)
	defer cancel()
	return f(cctx)
}

func (a *applier) ambiguous(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	if a.opts.Ambiguous == nil {
		return true
	}
	return a.opts.Ambiguous(err)
}
