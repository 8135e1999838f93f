package planner

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/ztsync/ztsync/schema"
)

// DefaultConcurrency is the number of reads Fetch keeps in flight when
// FetchOptions.Concurrency is not positive (docs/cli.md: --concurrency
// defaults to 8).
const DefaultConcurrency = 8

// FetchOptions tune Fetch.
type FetchOptions struct {
	// Concurrency is the most reads in flight at once; DefaultConcurrency
	// when not positive. The rate limit is the Reader's business.
	Concurrency int
	// Targets limits the reads to the resources Build will plan for the
	// same targets (see Options.Targets).
	Targets []string
	// Coverage limits the reads to its scopes (see Options.Coverage); nil
	// reads every scope.
	Coverage *Coverage
}

// scopeReads are the GETs of one scope: its organization, then, when
// doh is set and the organization exists, its DoH.
type scopeReads struct {
	scope schema.Scope
	org   string // address of the organization
	doh   string // address of the DoH settings; "" when not read
}

// reads lists the reads a plan of desired needs, in plan order: the
// organization of every scope that declares organization or doh (DoH needs
// to know whether its organization exists), and DoH where it is declared.
// Revocations need no read.
func reads(desired *schema.Config, ts targets, cov *Coverage) []scopeReads {
	var out []scopeReads
	covered := cov.covered()
	for _, sc := range desired.Scopes() {
		if !covered(sc.Scope.Address()) {
			continue
		}
		orgAddr := Address(sc.Scope, Organization, "")
		dohAddr := Address(sc.Scope, DoH, "")
		wantOrg := sc.Organization != nil && ts.match(orgAddr)
		wantDoH := sc.DoH != nil && ts.match(dohAddr)
		if !wantOrg && !wantDoH {
			continue
		}
		r := scopeReads{scope: sc.Scope, org: orgAddr}
		if wantDoH {
			r.doh = dohAddr
		}
		out = append(out, r)
	}
	return out
}

// Fetch reads the live state of every resource desired declares (within
// opts.Targets): one GET each, and no other call. Reads of different scopes
// run concurrently, at most opts.Concurrency in flight; inside a scope the
// DoH read follows the organization read and is skipped when the
// organization does not exist (its DoH is then absent: Observed{}).
//
// An organization that does not exist (an error wrapping
// schema.ErrNotFound) is Observed{Exists: false}, and so is a DoH read that
// says not found. Any other failed read cancels the reads still running and
// returns an error naming the address and wrapping the API error: a plan is
// never made against a missing read. When several reads fail, the first
// failure in plan order among those that were not cancelled is returned.
// The result does not depend on the order in which reads complete.
//
// A --target that selects nothing is a *ConfigError, as in Build.
func Fetch(ctx context.Context, r Reader, desired *schema.Config, opts FetchOptions) (Live, error) {
	ts, err := checkTargets(desired, opts.Targets)
	if err != nil {
		return nil, err
	}
	list := reads(desired, ts, opts.Coverage)
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}

	type result struct{ org, doh Observed }
	results := make([]result, len(list))
	errs := make([]error, len(list))
	// The group cancels gctx at the first failure; errs keeps every
	// failure by index, so the one returned does not depend on timing.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for i, rd := range list {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if gctx.Err() != nil {
				return nil // a read failed (in errs) or ctx ended (checked below)
			}
			org, err := Observe(gctx, r, rd.scope, Organization)
			if err != nil {
				errs[i] = fmt.Errorf("read %s: %w", rd.org, err)
				return errs[i]
			}
			results[i].org = org
			if rd.doh == "" || !org.Exists {
				return nil
			}
			doh, err := Observe(gctx, r, rd.scope, DoH)
			if err != nil {
				errs[i] = fmt.Errorf("read %s: %w", rd.doh, err)
				return errs[i]
			}
			results[i].doh = doh
			return nil
		})
	}
	_ = g.Wait() // the failures are in errs

	// Prefer a real failure over the cancellations it caused.
	var first error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if first == nil {
			first = err
		}
		if !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		// Cancelled from outside before every read was made.
		return nil, fmt.Errorf("read live state: %w", context.Cause(ctx))
	}
	live := make(Live, 2*len(list))
	for i, rd := range list {
		live[rd.org] = results[i].org
		if rd.doh != "" {
			live[rd.doh] = results[i].doh
		}
	}
	return live, nil
}

// Observe reads one resource with one GET and returns it as the plan sees
// it: an organization that does not exist (an error wrapping
// schema.ErrNotFound) is Observed{Exists: false}, and so is a DoH read that
// says not found; any other failure is returned as it is. Fetch, the stale
// check and the re-read before each write all read through it, so their
// digests agree.
func Observe(ctx context.Context, r Reader, s schema.Scope, res Resource) (Observed, error) {
	var obj schema.Object
	var err error
	switch res {
	case Organization:
		obj, err = r.GetOrganization(ctx, s)
	case DoH:
		obj, err = r.GetDoH(ctx, s)
	default:
		return Observed{}, fmt.Errorf("no read for resource %q", res)
	}
	if errors.Is(err, schema.ErrNotFound) {
		return Observed{Exists: false}, nil
	}
	if err != nil {
		return Observed{}, err
	}
	if obj == nil {
		obj = schema.Object{}
	}
	return Observed{Exists: true, Object: obj}, nil
}
