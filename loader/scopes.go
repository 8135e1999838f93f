package loader

import (
	"maps"
	"slices"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/errors"

	"github.com/ztsync/ztsync/schema"
)

// The scoped path: what a load does for every configuration whose own
// value is concrete and error-free (the common case, valid or not).
//
// The user's value is evaluated on its own and judged scope by scope
// (every account and zone) by the Go rules (fast.go). Scopes they accept
// are taken as they are; only the scopes they refuse are unified with the
// schema's #Account or #Zone, which decides and explains. So a valid
// configuration is never unified with the schema, and a configuration
// with one bad scope unifies that scope alone; every message still comes
// from the schema, positioned as the whole-tree unification positions it.
//
// Why judging scopes apart is exact: #Config relates nothing across
// scopes (it is `accounts?: [#Name]: #Account` and the same for zones),
// and the one rule that does, unique ids, is checked in Go on the decoded
// configuration either way. What sits above the scopes (the top-level
// fields, the names) is judged first; a problem there goes the full way.
//
// Defaults: unifying with the schema can change which default of a user's
// disjunction (*a | b) is taken only by refusing it, since the schema has
// no defaults of its own. A scope whose defaults the Go rules accept is
// therefore exactly what the schema makes of it; a scope they refuse is
// unified, and if the schema accepts it (it took another branch), its
// value is read from that unification.

// scopeKinds are the top-level fields whose entries are scopes, with the
// schema definition each entry is unified with.
var scopeKinds = map[string]string{"accounts": "#Account", "zones": "#Zone"}

// scoped loads raw the scoped way. done is false when raw cannot be
// judged so (an error or incomplete value in the user's own files, a
// value that is not plain data, a problem above the scopes, a batch that
// holds a scope it was not given); suspect is then the rule the Go check
// found broken above the scopes, if any.
func (l *Loader) scoped(raw *user, defaults bool) (c *schema.Config, done bool, suspect *finding, err error) {
	for _, v := range raw.values() {
		if v.Validate(cue.Concrete(true)) != nil {
			return nil, false, nil, nil
		}
	}
	x, err := raw.tree()
	if err != nil {
		return nil, false, nil, nil
	}
	top, bad := l.judgeScopes(x)
	if top != nil {
		return nil, false, top, nil
	}
	var problems Errors
	var cueErr errors.Error
	var refused [][]string
	for _, f := range bad {
		scope := f.labels[:2]
		u := lookupScope(raw.at(scope), scope).Unify(l.scopeDefs[scope[0]])
		if err := u.Validate(cue.Concrete(true)); err != nil {
			cueErr = errors.Append(cueErr, errors.Promote(err, ""))
			refused = append(refused, scope)
			continue
		}
		if !defaults {
			problems = append(problems, inconsistency(f, raw))
			continue
		}
		// The schema took another default: read the scope from it.
		y, err := tree(u)
		if err != nil {
			return nil, false, nil, nil
		}
		x.(map[string]any)[scope[0]].(map[string]any)[scope[1]] = y
	}
	if cueErr != nil {
		problems = append(problems, l.diagnoseScopes(cueErr, raw, refused)...)
	}
	if len(problems) > 0 {
		return nil, true, nil, sortErrors(problems)
	}
	c, ok := toConfig(x)
	if !ok {
		return nil, true, nil, Errors{{Msg: "the fast check accepted a value it cannot decode (a bug in ztsync, please report it)"}}
	}
	return c, true, nil, nil
}

// tree is the user's value as Go values (see tree), the batches' merged.
func (u *user) tree() (any, error) {
	if u.batches == nil {
		return tree(u.whole)
	}
	out := map[string]any{}
	for i, v := range u.batches {
		x, err := tree(v)
		if err != nil {
			return nil, err
		}
		m, ok := x.(map[string]any)
		if !ok {
			return nil, errNotData
		}
		for k, y := range m {
			if scopeKinds[k] == "" {
				if i == 0 {
					out[k] = y // the same in every batch
				}
				continue
			}
			entries, ok := y.(map[string]any)
			if !ok {
				return nil, errNotData
			}
			all, _ := out[k].(map[string]any)
			if all == nil {
				all = map[string]any{}
				out[k] = all
			}
			for name, e := range entries {
				if j, ok := u.owner[scopeKey{k, name}]; !ok || j != i {
					return nil, errNotData // a scope from a shared declaration
				}
				all[name] = e
			}
		}
	}
	return out, nil
}

// lookupScope returns the value of scope (kind, name) in raw.
func lookupScope(raw cue.Value, scope []string) cue.Value {
	return raw.LookupPath(cue.MakePath(cue.Str(scope[0]), cue.Str(scope[1])))
}

// judgeScopes judges the tree x of a whole configuration. top is the first
// rule broken above the scopes (the top-level fields, the kinds, the
// names), in a fixed order; otherwise bad holds the first rule each
// refused scope breaks, in order of kind and name.
func (l *Loader) judgeScopes(x any) (top *finding, bad []*finding) {
	above := func() *finding {
		if f := l.shape.judge(nil, x, true); f != nil {
			return f
		}
		return &finding{msg: "the fast check found a problem above the scopes it cannot place"}
	}
	m, ok := x.(map[string]any)
	if !ok {
		return above(), nil
	}
	for _, kind := range slices.Sorted(maps.Keys(m)) {
		ksh := l.shape.fields[kind]
		entries, ok := m[kind].(map[string]any)
		if ksh == nil || ksh.kind != shapeKeyed || !ok || scopeKinds[kind] == "" {
			return above(), nil
		}
		k, str := kindOf(entries)
		if ksh.site.judge(k, str, func() string { return describeTree(entries) }) != "" {
			return above(), nil
		}
		for _, name := range slices.Sorted(maps.Keys(entries)) {
			if !validKey(ksh.keys.site.kind, name) {
				return above(), nil
			}
			labels := []string{kind, name}
			if ksh.keys.judge(labels, entries[name], false) != nil {
				// Judge again in a fixed order, for a stable message.
				bad = append(bad, ksh.keys.judge(labels, entries[name], true))
			}
		}
	}
	return nil, bad
}
