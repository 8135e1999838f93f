package applier

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// RefusedError is why a change was refused just before its write: the
// resource moved since the plan was made (another apply, a console edit),
// or the plan's body does not match the fresh object plus the plan's diff
// (a tampered or hand-edited plan file). Nothing was written for it.
type RefusedError struct {
	// Address is the change's address.
	Address string
	// Reason says what did not match.
	Reason string
}

// Error is e.g. "account/prod/organization changed since the plan was made
// (session_duration); not written: run plan again".
func (e *RefusedError) Error() string { return e.Reason }

// change makes one change: it reads the resource again, refuses when it
// moved or when the plan's body is not the fresh object plus the diff,
// writes, and reads the result back.
func (a *applier) change(ctx context.Context, c *planner.Change, orgCreated bool) Result {
	r := Result{Address: c.Address, Action: c.Action}
	switch {
	case c.Resource == planner.Revocation && c.Action == planner.Revoke:
		if err := checkRevokeBody(c); err != nil {
			r.Status, r.Err = Refused, err
			return r
		}
		err := a.call(ctx, func(ctx context.Context) error {
			return a.t.RevokeUser(ctx, c.Scope, c.Body)
		})
		if err != nil {
			r.Status, r.Err = Failed, err
			return r
		}
		r.Status = Applied
		return r
	case c.Resource == planner.Organization && (c.Action == planner.Update || c.Action == planner.Create),
		c.Resource == planner.DoH && c.Action == planner.Update:
	default:
		r.Status = Failed
		r.Err = fmt.Errorf("%s of %s is not a change ztsync makes", c.Action, c.Resource)
		return r
	}

	fresh, err := a.read(ctx, c)
	if err != nil {
		r.Status, r.Err = Failed, fmt.Errorf("reading it again before the write failed, so nothing was written: %w", err)
		return r
	}
	if err := checkFresh(c, fresh, orgCreated); err != nil {
		r.Status, r.Err = Refused, err
		return r
	}
	if err := CheckBody(c, fresh); err != nil {
		r.Status, r.Err = Refused, err
		return r
	}

	var got *planner.Observed // the read-back, when the write's answer was lost
	if c.Action == planner.Create {
		got, err = a.create(ctx, c)
	} else {
		got, err = a.write(ctx, c, func(ctx context.Context) error {
			var err error
			if c.Resource == planner.DoH {
				_, err = a.t.UpdateDoH(ctx, c.Scope, c.Body)
			} else {
				_, err = a.t.UpdateOrganization(ctx, c.Scope, c.Body)
			}
			return err
		}, func(o planner.Observed) bool { return converged(c, o) })
	}
	if err != nil {
		r.Status, r.Err = Failed, err
		return r
	}
	if got != nil {
		r.Note = "the answer to the write was lost; reading it back shows it applied"
	}
	// A create with a follow-up changed the object after any read made
	// while confirming, so read it back in every case.
	back, err := a.read(ctx, c)
	if err != nil {
		r.Status = NotConverged
		r.Err = fmt.Errorf("written, but reading it back failed: %w", err)
		return r
	}
	if fields := unconverged(c, back.Object); len(fields) > 0 {
		r.Status, r.Fields = NotConverged, fields
		return r
	}
	r.Status = Applied
	return r
}

// read GETs the resource of c the way planner.Fetch does, so that digests
// agree: a missing organization is an Observed that does not exist.
func (a *applier) read(ctx context.Context, c *planner.Change) (planner.Observed, error) {
	var now planner.Observed
	err := a.call(ctx, func(ctx context.Context) error {
		var err error
		now, err = planner.Observe(ctx, a.t, c.Scope, c.Resource)
		return err
	})
	return now, err
}

// checkFresh refuses a change whose resource moved since the plan was made:
// its digest, read just before the write, is not the plan's live_digest.
// This narrows the window of a lost update to the time between this GET
// and the write (the API has no conditional write). An account's DoH
// settings exist with its organization: when this apply created the
// organization (orgCreated), DoH settings the plan saw absent are fresh if
// they are still empty.
func checkFresh(c *planner.Change, fresh planner.Observed, orgCreated bool) error {
	if fresh.Digest() == c.LiveDigest {
		return nil
	}
	what := "changed since the plan was made"
	absent := planner.Observed{}.Digest()
	if orgCreated && c.Resource == planner.DoH && c.LiveDigest == absent && fresh.Exists && len(fresh.Object) == 0 {
		return nil
	}
	switch {
	case c.LiveDigest == absent && fresh.Exists:
		what = "was created since the plan was made"
	case !fresh.Exists:
		what = "no longer exists"
	default:
		if fields := staleFields(c, fresh.Object); len(fields) > 0 {
			what += " (" + strings.Join(fields, ", ") + ")"
		}
	}
	return &RefusedError{Address: c.Address, Reason: c.Address + " " + what + ", just before its write (another apply or an edit elsewhere); not written: run plan again"}
}

// write sends a write at most maxWrites times. When send fails in a way
// that may have reached the server, the resource is read: when done says
// the write took effect, that read is returned and the write counts as
// made; when the resource is still exactly as the plan saw it, the write is
// sent again; anything else is an error, so a write is never repeated over
// a change it cannot account for.
func (a *applier) write(ctx context.Context, c *planner.Change, send func(context.Context) error, done func(planner.Observed) bool) (*planner.Observed, error) {
	for attempt := 1; ; attempt++ {
		err := a.call(ctx, send)
		if err == nil {
			return nil, nil
		}
		if !a.ambiguous(err) {
			return nil, err
		}
		now, getErr := a.read(ctx, c)
		switch {
		case getErr != nil:
			return nil, fmt.Errorf("%w; reading it to see whether the write happened also failed, so it may or may not have been applied: %v", err, getErr)
		case done(now):
			return &now, nil
		case now.Digest() != c.LiveDigest:
			return nil, fmt.Errorf("%w; reading it back shows neither the planned values nor the state the plan was made from, so it was not written again: run plan again", err)
		case attempt == maxWrites:
			return nil, fmt.Errorf("%w; reading it back shows it was not applied, after %d attempts", err, attempt)
		}
	}
}

// create POSTs a new organization (an ambiguous failure never creates
// twice: see write), then sends the follow-up PUT.
func (a *applier) create(ctx context.Context, c *planner.Change) (*planner.Observed, error) {
	var obj schema.Object
	confirmed, err := a.write(ctx, c, func(ctx context.Context) error {
		var err error
		obj, err = a.t.CreateOrganization(ctx, c.Scope, c.Body)
		return err
	}, func(o planner.Observed) bool { return o.Exists })
	if err != nil {
		return nil, err
	}
	if confirmed != nil {
		obj = confirmed.Object
	}
	if c.FollowUp == nil {
		return confirmed, nil
	}
	if len(obj) == 0 {
		now, err := a.read(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("created, but reading it for the follow-up PUT failed: %w", err)
		}
		obj = now.Object
	}
	// The scope's writable fields of the created object, with the POST's
	// and the follow-up's fields laid over (planner.Body).
	// CheckBody made sure that no field is in both.
	desired := planner.CopyObject(c.Body)
	maps.Copy(desired, c.FollowUp.Body)
	body := planner.Body(c.Scope.Kind, planner.Organization, desired, obj)
	err = a.call(ctx, func(ctx context.Context) error {
		_, err := a.t.UpdateOrganization(ctx, c.Scope, body)
		return err
	})
	if err != nil && a.ambiguous(err) {
		// The follow-up's answer was lost: it took effect when every
		// planned field reads back as planned.
		now, getErr := a.read(ctx, c)
		if getErr == nil && converged(c, now) {
			return &now, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("created, but the follow-up PUT failed: %w", err)
	}
	return confirmed, nil
}

// CheckBody checks that the body a change sends is what the plan's diff
// says and nothing more, rebuilt from fresh (the resource as read just
// before the write): for an update, the fresh object's writable fields
// (planner.Body with nothing desired) with each diff's after value laid
// over them; for a create, the diff's after values, POST body and follow-up
// together, a field never in both. Values are compared as the planner compares them (null ≡
// absent ≡ false ≡ "" ≡ {} ≡ [], durations by value), so the planner's own
// bodies always pass. Any other difference is a *RefusedError naming the
// fields: the plan file was edited after the plan was made, and applying
// it would write something no one reviewed.
func CheckBody(c *planner.Change, fresh planner.Observed) error {
	want := schema.Object{}
	sent := planner.CopyObject(c.Body)
	var bad []string
	switch {
	case c.Action == planner.Create:
		if c.FollowUp != nil {
			// The planner sends each field once, in the POST or in the
			// follow-up. A field in both would be POSTed unchecked (only
			// the follow-up's copy could be compared), and stay so when
			// the follow-up fails.
			for _, k := range slices.Sorted(maps.Keys(c.FollowUp.Body)) {
				if _, twice := sent[k]; twice {
					bad = append(bad, k+" (in both the POST and the follow-up)")
				}
			}
			maps.Copy(sent, c.FollowUp.Body)
		}
	case fresh.Exists:
		// The scope's writable fields of the fresh object, as the
		// planner builds a body (planner.Body).
		want = planner.Body(c.Scope.Kind, c.Resource, nil, fresh.Object)
	}
	for _, d := range c.Diff {
		setPath(want, d.Path, d.After)
	}
	differ(c.Resource, "", sent, want, &bad)
	if len(bad) == 0 {
		return nil
	}
	if len(bad) > 5 {
		bad = append(bad[:5], fmt.Sprintf("and %d more", len(bad)-5))
	}
	return &RefusedError{Address: c.Address, Reason: fmt.Sprintf(
		"%s: the plan's body does not match the live object plus the plan's diff (%s); the plan file was changed after it was made, so nothing was written: run plan again",
		c.Address, strings.Join(bad, ", "))}
}

// differ appends to bad the paths where a and b differ under planner.Equal,
// going into objects field by field.
func differ(r planner.Resource, prefix string, a, b map[string]any, bad *[]string) {
	keys := slices.Sorted(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		av, bv := a[k], b[k]
		am, aObj := av.(map[string]any)
		bm, bObj := bv.(map[string]any)
		if aObj && (bObj || bv == nil) || bObj && av == nil {
			differ(r, prefix+k+".", am, bm, bad)
			continue
		}
		if !planner.Equal(r, prefix+k, av, bv) {
			*bad = append(*bad, prefix+k)
		}
	}
}

// checkRevokeBody checks that a revocation sends what the plan shows: the
// email of its address and only the options revoke_user takes.
func checkRevokeBody(c *planner.Change) error {
	email := strings.TrimPrefix(c.Address, c.Scope.Address()+"/revoke/")
	refuse := func(why string) error {
		return &RefusedError{Address: c.Address, Reason: c.Address + ": " + why + "; the plan file was changed after it was made, so nothing was written: run plan again"}
	}
	if e, _ := c.Body["email"].(string); e != email {
		return refuse("the revocation's body is for another email than its address")
	}
	for k, v := range c.Body {
		switch k {
		case "email":
		case "devices", "warp_session_reauth":
			if b, ok := v.(bool); !ok || !b {
				return refuse(fmt.Sprintf("the revocation's %s is not true", k))
			}
		case "user_uid":
			if _, ok := v.(string); !ok {
				return refuse("the revocation's user_uid is not a string")
			}
		default:
			return refuse(fmt.Sprintf("the revocation's body holds %q, which revoke_user does not take from ztsync", k))
		}
	}
	return nil
}
