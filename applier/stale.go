package applier

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// StaleError is CheckStale's refusal: resources that changed since the plan
// was made.
type StaleError struct {
	Resources []StaleResource
}

// StaleResource is one resource whose live state moved.
type StaleResource struct {
	// Address is the resource's address.
	Address string
	// Detail is how it moved: Changed, Created or Gone.
	Detail Staleness
	// Fields are the fields that changed, when Detail is Changed and
	// they can be told: the plan keeps the old values of the fields it
	// changes (its diff) and of every other field (its PUT body), but not
	// those of created_at/updated_at or of DoH fields it does not write, so
	// a change only there leaves Fields empty.
	Fields []string
}

// Staleness is how a resource moved since its plan was made; its text is
// what StaleError's message says.
type Staleness string

// How a resource moved since its plan was made.
const (
	// Changed: the resource exists, as it did, with other values.
	Changed Staleness = "changed"
	// Created: the plan saw no resource, and now there is one.
	Created Staleness = "was created"
	// Gone: the plan saw the resource, and now there is none.
	Gone Staleness = "no longer exists"
)

// Error is e.g. "plan is stale: account/prod/organization changed
// (session_duration); run plan again".
func (e *StaleError) Error() string {
	parts := make([]string, len(e.Resources))
	for i, r := range e.Resources {
		parts[i] = r.Address + " " + string(r.Detail)
		if len(r.Fields) > 0 {
			parts[i] += " (" + strings.Join(r.Fields, ", ") + ")"
		}
	}
	return "plan is stale: " + strings.Join(parts, ", ") + "; run plan again"
}

// CheckStale re-reads every organization and DoH object the plan changes
// (revocations read nothing), at most concurrency at a time, and compares
// its digest with the change's live_digest. When any moved it returns a
// *StaleError naming them, in plan order; a failed read is returned as an
// error naming the address. It writes nothing.
func CheckStale(ctx context.Context, t Target, p *planner.Plan, concurrency int) error {
	if p == nil {
		return errors.New("check plan: no plan")
	}
	if concurrency <= 0 {
		concurrency = 1
	}
	stale := make([]*StaleResource, len(p.Changes))
	errs := make([]error, len(p.Changes))
	var g errgroup.Group
	g.SetLimit(concurrency)
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Resource == planner.Revocation {
			continue
		}
		if ctx.Err() != nil {
			errs[i] = fmt.Errorf("check %s: %w", c.Address, context.Cause(ctx))
			break
		}
		g.Go(func() error {
			stale[i], errs[i] = checkOne(ctx, t, c)
			return nil
		})
	}
	_ = g.Wait() // each failure is in errs, by change
	if err := firstError(errs); err != nil {
		return err
	}
	var out StaleError
	for _, s := range stale {
		if s != nil {
			out.Resources = append(out.Resources, *s)
		}
	}
	if len(out.Resources) > 0 {
		return &out
	}
	return nil
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkOne reads one resource and returns a StaleResource when it moved.
func checkOne(ctx context.Context, t Target, c *planner.Change) (*StaleResource, error) {
	// The same reading as planner.Fetch, so that digests agree.
	now, err := planner.Observe(ctx, t, c.Scope, c.Resource)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", c.Address, err)
	}
	if now.Digest() == c.LiveDigest {
		return nil, nil
	}
	absent := planner.Observed{}.Digest()
	switch {
	case c.LiveDigest == absent && now.Exists:
		return &StaleResource{Address: c.Address, Detail: Created}, nil
	case !now.Exists:
		return &StaleResource{Address: c.Address, Detail: Gone}, nil
	}
	return &StaleResource{Address: c.Address, Detail: Changed, Fields: staleFields(c, now.Object)}, nil
}

// staleFields names the writable fields that changed between the plan's
// view of the live object and now. The plan's body is the old object's
// writable fields (planner.Body) with the diff's new values laid over;
// putting the diff's old values back gives the old view, and planner.Body
// of now, with nothing desired, the current one.
func staleFields(c *planner.Change, now schema.Object) []string {
	old := planner.CopyObject(c.Body)
	for _, d := range c.Diff {
		setPath(old, d.Path, d.Before)
	}
	cur := planner.Body(c.Scope.Kind, c.Resource, nil, now)
	return changedFields(c.Resource, old, cur)
}

// GuardError is the mass-change guard's refusal.
type GuardError struct {
	// Changes is the number of changes in the plan.
	Changes int
	// Declared is the number of resources the configuration declares.
	Declared int
	// Percent is 100 * Changes / Declared.
	Percent float64
	// Max is the threshold that refused it.
	Max float64
}

// Error names the numbers and the flag that allows the plan.
func (e *GuardError) Error() string {
	return fmt.Sprintf("refusing to change %d of %d declared resources (%s%%): more than the %s%% the mass-change guard allows; review the plan, then run again with --max-change-percent %s to allow it",
		e.Changes, e.Declared, Percent(e.Percent), Percent(e.Max), e.Allow())
}

// Allow is the smallest whole --max-change-percent that lets the plan
// through, as people write it ("37").
func (e *GuardError) Allow() string {
	return strconv.FormatFloat(math.Ceil(e.Percent), 'f', -1, 64)
}

// Percent prints a percentage as people write it, to one decimal: 36.4,
// 30, 33.3 — the one format of the guard's numbers, in plans and applies.
func Percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

// Guard is the mass-change guard of docs/security.md (octoDNS's): when more than
// 10 resources are declared, a plan that changes more than
// maxChangePercent % of them is refused with a *GuardError.
func Guard(p *planner.Plan, maxChangePercent float64) error {
	if p == nil || p.Declared <= 10 {
		return nil
	}
	pct := 100 * float64(len(p.Changes)) / float64(p.Declared)
	if pct > maxChangePercent {
		return &GuardError{Changes: len(p.Changes), Declared: p.Declared, Percent: pct, Max: maxChangePercent}
	}
	return nil
}
