package planner

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/ztsync/ztsync/schema"
)

// Coverage records which scopes a plan read and planned when it is not
// every declared scope: a changed-scope plan (--base without --all) or a
// shard (--shard K/N). A plan without Coverage covers every declared scope.
// Apply writes the plan's changes and nothing else, so it writes exactly
// what the plan covers.
type Coverage struct {
	// Selection is how the scopes were chosen: "changed" (their evaluated
	// configuration differs from Base), "shard" (Shard's slice of every
	// scope), or "changed+shard" (both at once).
	Selection string `json:"selection"`
	// Base is the git revision compared with, for "changed".
	Base string `json:"base,omitempty"`
	// Shard is "K/N" for "shard".
	Shard string `json:"shard,omitempty"`
	// Scopes are the addresses ("account/prod", "zone/example.com") of the
	// declared scopes the plan read and planned, in plan order.
	Scopes []string `json:"scopes"`
	// Removed are the scopes declared at Base and no longer: nothing is
	// read or written for them (ztsync never deletes an organization).
	Removed []string `json:"removed,omitempty"`
	// Unread counts the declared scopes left unread.
	Unread int `json:"unread"`
	// Reason says why they were left unread, for people.
	Reason string `json:"reason"`
}

// covered returns the test of whether the scope at an address is
// covered; a nil Coverage covers everything.
func (c *Coverage) covered() func(address string) bool {
	if c == nil {
		return func(string) bool { return true }
	}
	set := make(map[string]bool, len(c.Scopes))
	for _, a := range c.Scopes {
		set[a] = true
	}
	return func(a string) bool { return set[a] }
}

// checkCoverage refuses a plan file whose coverage does not fit its
// changes: a change outside the scopes it says it covers, a negative
// count, an unknown selection.
func checkCoverage(p *Plan) error {
	c := p.Coverage
	if c == nil {
		return nil
	}
	switch c.Selection {
	case "changed", "shard", "changed+shard":
	default:
		return fmt.Errorf("plan file: coverage.selection %q is not changed, shard or changed+shard", truncate(c.Selection, 40))
	}
	if c.Unread < 0 {
		return fmt.Errorf("plan file: coverage.unread is %d, not a count", c.Unread)
	}
	in := c.covered()
	for i, ch := range p.Changes {
		if !in(ch.Scope.Address()) {
			return fmt.Errorf("plan file: change %d (%s) is in a scope the plan's coverage does not list", i+1, truncate(ch.Address, 200))
		}
	}
	return nil
}

// scopeValue is what a scope's evaluated configuration is compared by.
type scopeValue struct {
	ID           string                       `json:"id"`
	Organization schema.Object                `json:"organization,omitempty"`
	DoH          schema.Object                `json:"doh,omitempty"`
	Revoke       map[string]schema.Revocation `json:"revoke,omitempty"`
}

func valueOf(sc schema.ScopeConfig) string {
	return hashJSON(scopeValue{ID: sc.Scope.ID, Organization: sc.Organization, DoH: sc.DoH, Revoke: sc.Revoke})
}

// ChangedScopes compares the evaluated configuration of every scope of
// head with the same scope (kind and name) of base and returns, in plan
// order, the addresses of the scopes of head that differ (an added scope
// differs) and of the scopes of base that head no longer declares. The
// configurations are compared after evaluation, so a changed shared
// default, template or definition changes every scope that uses it, and a
// change that evaluates to the same values (a file split, a field moved
// into a template) changes none. A nil base is an empty configuration.
func ChangedScopes(base, head *schema.Config) (changed, removed []string) {
	before := map[string]string{}
	for _, sc := range base.Scopes() {
		before[sc.Scope.Address()] = valueOf(sc)
	}
	seen := map[string]bool{}
	for _, sc := range head.Scopes() {
		addr := sc.Scope.Address()
		seen[addr] = true
		if v, ok := before[addr]; !ok || v != valueOf(sc) {
			changed = append(changed, addr)
		}
	}
	for _, sc := range base.Scopes() {
		if addr := sc.Scope.Address(); !seen[addr] {
			removed = append(removed, addr)
		}
	}
	return changed, removed
}

// Shard is one of N stable slices of the scopes: K is 1-based.
type Shard struct{ K, N int }

// ParseShard reads "K/N" (1 ≤ K ≤ N ≤ 1000).
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	K, errK := strconv.Atoi(k)
	N, errN := strconv.Atoi(n)
	if !ok || errK != nil || errN != nil || N < 1 || N > 1000 || K < 1 || K > N {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 1 ≤ K ≤ N ≤ 1000, such as 1/4", s)
	}
	return Shard{K: K, N: N}, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.K, s.N) }

// Contains reports whether scope s falls in the shard. The slice is a
// hash of the scope's kind and id only: it does not depend on names, files
// or the other scopes, so adding or removing a scope moves no other scope
// between shards, and the N shards together hold every scope exactly once.
func (s Shard) Contains(sc schema.Scope) bool {
	return ShardIndex(sc, s.N) == s.K
}

// ShardIndex is the 1-based shard of n that scope s belongs to.
func ShardIndex(s schema.Scope, n int) int {
	sum := sha256.Sum256([]byte(string(s.Kind) + "/" + strings.ToLower(s.ID)))
	return int(binary.BigEndian.Uint64(sum[:8])%uint64(max(n, 1))) + 1
}

// Select builds the Coverage of a plan of desired: with base set, the
// scopes whose evaluated configuration differs from base (ChangedScopes,
// baseRef naming it); with shard set (N > 0), the scopes in the shard;
// with both, the scopes in both. With neither it returns nil: every scope.
func Select(desired, base *schema.Config, baseRef string, shard Shard) *Coverage {
	if base == nil && shard.N == 0 {
		return nil
	}
	c := &Coverage{Scopes: []string{}}
	var reasons []string
	keep := map[string]bool{}
	all := desired.Scopes()
	for _, sc := range all {
		keep[sc.Scope.Address()] = true
	}
	if base != nil {
		c.Selection, c.Base = "changed", baseRef
		changed, removed := ChangedScopes(base, desired)
		c.Removed = removed
		in := map[string]bool{}
		for _, a := range changed {
			in[a] = true
		}
		for a := range keep {
			keep[a] = in[a]
		}
		reasons = append(reasons, "unchanged since "+baseRef)
	}
	if shard.N > 0 {
		c.Shard = shard.String()
		if c.Selection == "" {
			c.Selection = "shard"
		} else {
			c.Selection += "+shard"
		}
		for _, sc := range all {
			if !shard.Contains(sc.Scope) {
				keep[sc.Scope.Address()] = false
			}
		}
		reasons = append(reasons, "outside shard "+shard.String())
	}
	for _, sc := range all {
		if keep[sc.Scope.Address()] {
			c.Scopes = append(c.Scopes, sc.Scope.Address())
		}
	}
	c.Unread = len(all) - len(c.Scopes)
	c.Reason = strings.Join(reasons, " or ")
	return c
}
