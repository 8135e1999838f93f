package planner

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/ztsync/ztsync/schema"
)

// Options are the inputs of Build besides the desired and live state. Build
// reads no clock and no repository: the caller passes what it needs.
type Options struct {
	// Base is the configuration at --base REF; nil when no --base was
	// given, and then no revocation is planned.
	Base *schema.Config
	// BaseRef is the --base argument as the user wrote it; it is recorded
	// as Source.Base.
	BaseRef string
	// Targets limits the plan to these addresses or address prefixes
	// ("account/prod"). Empty means everything. A target that selects no
	// declared resource is a *ConfigError.
	Targets []string
	// ToolVersion is recorded as the plan's tool_version.
	ToolVersion string
	// CreatedAt is recorded as the plan's created_at (in UTC).
	CreatedAt time.Time
	// Source says where the configuration came from; Base is filled from
	// BaseRef when empty.
	Source Source
	// Coverage limits the plan to its scopes (Select) and is recorded in
	// the plan; nil plans every scope. Declared still counts the resources
	// of every scope (within Targets), so the mass-change guard means the
	// same as in a plan of every scope; Summary.Unchanged counts the
	// covered ones only.
	Coverage *Coverage
}

// Build compares the desired configuration with the live state and returns
// the ordered plan (docs/plan-format.md). It is pure: no I/O, no clock, and the
// same inputs give the same plan, byte for byte.
//
// Argument order is always (desired, live). live must hold an Observed for
// every resource Fetch reads for desired and opts.Targets; a missing one is
// an error, never "absent". Problems of the configuration (an organization
// to create without name or auth_domain, DoH for an organization that does
// not exist and is not created, a --target that selects nothing) are
// returned as *ConfigError values, joined with errors.Join when there are
// several.
//
// Rules:
//   - Only managed fields (those written in the configuration) are
//     compared, after normalisation: null ≡ absent ≡ false ≡ "" ≡ {} ≡ [];
//     durations by value; nested objects sub-field by sub-field.
//   - update: the PUT body is Body's: the fields the scope's API takes,
//     managed ones from the configuration (null clears), the others from
//     live; never a response-only or unknown key (NotSent lists the
//     unknown ones in the change).
//   - create: the POST body holds the managed fields POST accepts (nulls
//     left out: there is nothing to clear); the rest (custom_pages) go in
//     a FollowUp PUT.
//   - DoH: update only, with Body's DoH body (GET's "id" is the service
//     token id). The DoH of an organization created in the same plan is
//     absent.
//   - revoke: planned only when opts.Base is set and the entry (same scope
//     address and email) is absent there. Its live_digest is the digest of
//     "absent": there is nothing to read back.
func Build(desired *schema.Config, live Live, opts Options) (*Plan, error) {
	ts, err := checkTargets(desired, opts.Targets)
	if err != nil {
		return nil, err
	}
	b := &builder{live: live, opts: opts, targets: ts}
	covered := opts.Coverage.covered()
	for _, sc := range desired.Scopes() {
		if covered(sc.Scope.Address()) {
			b.scope(sc)
		} else {
			b.unread += declaredIn(sc) // declared, but not read: not "unchanged"
		}
	}
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	if b.unplannedRevocations > 0 {
		noun := "revocations"
		if b.unplannedRevocations == 1 {
			noun = "revocation"
		}
		b.warnings = append(b.warnings, fmt.Sprintf("%d %s declared; none planned without --base", b.unplannedRevocations, noun))
	}

	p := &Plan{
		FormatVersion: FormatVersion,
		ToolVersion:   opts.ToolVersion,
		CreatedAt:     opts.CreatedAt.UTC(),
		Source:        opts.Source,
		Changes:       b.changes,
		Warnings:      b.warnings,
		Coverage:      opts.Coverage,
	}
	p.Source.Base = cmp.Or(p.Source.Base, opts.BaseRef)
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	if p.Warnings == nil {
		p.Warnings = []string{}
	}
	p.Summary = CountChanges(p.Changes)
	// Untargeted resources included (the plan leaves them alone); those of
	// unread scopes are not: the plan cannot know, and the coverage counts them.
	p.Summary.Unchanged = b.declaredAll - len(p.Changes)
	p.Declared = b.declaredAll + b.unread
	p.Fingerprint = Fingerprint(p)
	return p, nil
}

// declaredIn counts the resources sc declares.
func declaredIn(sc schema.ScopeConfig) int {
	n := len(sc.Revoke)
	if sc.Organization != nil {
		n++
	}
	if sc.DoH != nil {
		n++
	}
	return n
}

// builder accumulates one plan.
type builder struct {
	live    Live
	opts    Options
	targets targets

	changes              []Change
	warnings             []string
	errs                 []error
	declaredAll          int // declared resources of the covered scopes, targets or not
	unread               int // declared resources of the scopes the coverage leaves unread
	unplannedRevocations int
}

// scope plans one account or zone: organization, then DoH, then
// revocations by email.
func (b *builder) scope(sc schema.ScopeConfig) {
	// The guard's denominator is the whole configuration: --target
	// narrows a plan, it never makes the guard more permissive.
	b.declaredAll += declaredIn(sc)
	orgAddr := Address(sc.Scope, Organization, "")
	dohAddr := Address(sc.Scope, DoH, "")
	wantOrg := sc.Organization != nil && b.targets.match(orgAddr)
	wantDoH := sc.DoH != nil && b.targets.match(dohAddr)
	var revs []string
	for _, email := range slices.Sorted(maps.Keys(sc.Revoke)) {
		if b.targets.match(Address(sc.Scope, Revocation, email)) {
			revs = append(revs, email)
		}
	}
	// The scope's kind and id are checked whatever --target selects: no
	// plan is made from a configuration that names a scope wrongly.
	if err := sc.Scope.Validate(); err != nil {
		b.errs = append(b.errs, &ConfigError{Address: sc.Scope.Address(), Scope: sc.Scope, Message: err.Error()})
		return
	}

	if wantOrg {
		if field, err := checkManaged(sc.Scope.Kind, schema.OrganizationFields(), sc.Organization, ""); err != "" {
			b.errs = append(b.errs, &ConfigError{Address: orgAddr, Scope: sc.Scope, Resource: Organization, Field: field, Message: err})
			return
		}
	}
	if wantDoH {
		if field, err := checkManaged(sc.Scope.Kind, schema.DoHFields(), sc.DoH, ""); err != "" {
			b.errs = append(b.errs, &ConfigError{Address: dohAddr, Scope: sc.Scope, Resource: DoH, Field: field, Message: err})
			return
		}
	}
	if wantOrg || wantDoH {
		org, ok := b.live[orgAddr]
		if !ok {
			b.errs = append(b.errs, fmt.Errorf("%s: no live state was read; refusing to plan against a missing read", orgAddr))
			return
		}
		if wantOrg {
			b.organization(sc, org)
		}
		if wantDoH {
			b.doh(sc, org, wantOrg)
		}
	}
	for _, email := range revs {
		b.revocation(sc, email)
	}
}

// organization plans the organization of sc: a create when it does not
// exist, else an update when a managed field differs.
func (b *builder) organization(sc schema.ScopeConfig, live Observed) {
	addr := Address(sc.Scope, Organization, "")
	path := sc.Scope.Prefix() + "/access/organizations"
	fields := schema.OrganizationFields()
	if !live.Exists {
		b.createOrganization(sc, addr, path, fields)
		return
	}

	body := Body(sc.Scope.Kind, Organization, sc.Organization, live.Object)
	diffs := diffs(fields, sc.Organization, live.Object, "")
	if !needsWrite(Organization, diffs) {
		return
	}
	c := Change{
		Address:    addr,
		Scope:      sc.Scope,
		Resource:   Organization,
		Action:     Update,
		Method:     methodPut,
		Path:       path,
		Body:       body,
		Diff:       diffs,
		Risky:      anyRisky(diffs),
		NotSent:    NotSent(sc.Scope.Kind, Organization, live.Object),
		LiveDigest: live.Digest(),
	}
	b.readOnlyWarning(sc, addr, diffs)
	b.changes = append(b.changes, c)
}

// createOrganization plans the POST (and the custom_pages PUT) of an
// organization that does not exist, or reports why it cannot.
func (b *builder) createOrganization(sc schema.ScopeConfig, addr, path string, fields []schema.Field) {
	var missing []string
	for _, k := range []string{"name", "auth_domain"} {
		if s, _ := asString(sc.Organization[k]); s == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		what := missing[0] + " is"
		if len(missing) == 2 {
			what = "name and auth_domain are"
		}
		b.errs = append(b.errs, &ConfigError{
			Address:  addr,
			Scope:    sc.Scope,
			Resource: Organization,
			Message:  fmt.Sprintf("the organization does not exist, so it would be created, and %s required to create it", what),
		})
		return
	}

	post := schema.Object{}
	later := schema.Object{}
	var diffs []FieldDiff
	for _, k := range orderedKeys(sc.Organization, fields) {
		f, known := findField(fields, k)
		v := sc.Organization[k]
		if v == nil {
			continue // nothing to clear on a create
		}
		if known && !f.OnCreate {
			if !schema.IsEmpty(v) {
				later[k] = schema.WithoutNulls(v)
			}
		} else {
			post[k] = schema.WithoutNulls(v)
		}
		diffs = append(diffs, createDiffs(k, f, known, v)...)
	}
	c := Change{
		Address:    addr,
		Scope:      sc.Scope,
		Resource:   Organization,
		Action:     Create,
		Method:     methodPost,
		Path:       path,
		Body:       post,
		Diff:       diffs,
		Risky:      anyRisky(diffs),
		LiveDigest: Observed{}.Digest(),
	}
	if diffs == nil {
		c.Diff = []FieldDiff{}
	}
	if len(later) > 0 {
		c.FollowUp = &FollowUp{Method: methodPut, Path: path, Body: later}
	}
	b.readOnlyWarning(sc, addr, diffs)
	b.changes = append(b.changes, c)
}

// createDiffs lists the fields a create sets: every declared field (every
// declared sub-field of a nested one), with no before value. A field the
// table marks risky is risky when it is set to a non-empty value.
func createDiffs(k string, f schema.Field, known bool, v any) []FieldDiff {
	if m, ok := v.(map[string]any); ok && (!known || f.Type == schema.Nested) {
		var out []FieldDiff
		for _, sk := range orderedKeys(m, f.Sub) {
			if m[sk] == nil {
				continue
			}
			sf, sknown := findField(f.Sub, sk)
			out = append(out, createDiffs(k+"."+sk, sf, sknown, m[sk])...)
		}
		return out
	}
	risky, why := riskOf(Create, k, known && f.Risky, v)
	return []FieldDiff{{Path: k, After: schema.Clone(v), Risky: risky, RiskReason: why}}
}

// doh plans the DoH settings of sc. org is the organization as read;
// orgPlanned says the organization is planned too, so that one that does
// not exist is created earlier in this plan (or its create could not be
// planned, which is an error of its own and fails the whole Build).
func (b *builder) doh(sc schema.ScopeConfig, org Observed, orgPlanned bool) {
	addr := Address(sc.Scope, DoH, "")
	live, ok := b.live[addr]
	if !ok {
		b.errs = append(b.errs, fmt.Errorf("%s: no live state was read; refusing to plan against a missing read", addr))
		return
	}
	if !org.Exists && !orgPlanned {
		orgAddr := Address(sc.Scope, Organization, "")
		msg := "the organization does not exist; add --target " + orgAddr + " to create it first"
		if sc.Organization == nil {
			msg = "the organization does not exist; declare " + orgAddr + " with name and auth_domain to create it first"
		}
		b.errs = append(b.errs, &ConfigError{Address: addr, Scope: sc.Scope, Resource: DoH, Message: msg})
		return
	}

	var view schema.Object
	if org.Exists && live.Exists {
		view = live.Object
	}
	body := Body(sc.Scope.Kind, DoH, sc.DoH, view)
	diffs := diffs(schema.DoHFields(), sc.DoH, view, "")
	if !needsWrite(DoH, diffs) {
		return
	}
	b.changes = append(b.changes, Change{
		Address:    addr,
		Scope:      sc.Scope,
		Resource:   DoH,
		Action:     Update,
		Method:     methodPut,
		Path:       sc.Scope.Prefix() + "/access/organizations/doh",
		Body:       body,
		Diff:       diffs,
		Risky:      anyRisky(diffs),
		LiveDigest: live.Digest(),
	})
}

// revocation plans the revocation of email in sc when --base is given and
// the entry is new since base.
func (b *builder) revocation(sc schema.ScopeConfig, email string) {
	if b.opts.Base == nil {
		b.unplannedRevocations++
		return
	}
	if inBase(b.opts.Base, sc.Scope, email) {
		return
	}
	r := sc.Revoke[email]
	b.changes = append(b.changes, Change{
		Address:    Address(sc.Scope, Revocation, email),
		Scope:      sc.Scope,
		Resource:   Revocation,
		Action:     Revoke,
		Method:     methodPost,
		Path:       sc.Scope.Prefix() + "/access/organizations/revoke_user",
		Body:       r.Body(sc.Scope.Kind, email),
		Diff:       []FieldDiff{},
		Risky:      true,
		Reason:     r.Reason,
		LiveDigest: Observed{}.Digest(),
	})
}

// inBase reports whether the base configuration declares the revocation of
// email in the scope with the same kind and name.
func inBase(base *schema.Config, s schema.Scope, email string) bool {
	var revs map[string]schema.Revocation
	switch s.Kind {
	case schema.KindAccount:
		if a := base.Accounts[s.Name]; a != nil {
			revs = a.Revoke
		}
	case schema.KindZone:
		if z := base.Zones[s.Name]; z != nil {
			revs = z.Revoke
		}
	}
	_, ok := revs[email]
	return ok
}

// readOnlyWarning warns when is_ui_read_only changes and no
// ui_read_only_toggle_reason is declared.
func (b *builder) readOnlyWarning(sc schema.ScopeConfig, addr string, diffs []FieldDiff) {
	for _, d := range diffs {
		if d.Path != "is_ui_read_only" {
			continue
		}
		before, _ := asBool(d.Before)
		after, ok := asBool(d.After)
		if !ok || before == after {
			return
		}
		if s, _ := asString(sc.Organization["ui_read_only_toggle_reason"]); s != "" {
			return
		}
		b.warnings = append(b.warnings, fmt.Sprintf("%s: is_ui_read_only changes to %t without ui_read_only_toggle_reason; declare a reason for the audit log", addr, after))
		return
	}
}

// orderedKeys returns the keys of m: those in the field table first, in
// its order, then unknown ones sorted.
func orderedKeys(m map[string]any, fields []schema.Field) []string {
	out := make([]string, 0, len(m))
	known := map[string]bool{}
	for _, f := range fields {
		known[f.Name] = true
		if _, ok := m[f.Name]; ok {
			out = append(out, f.Name)
		}
	}
	var rest []string
	for k := range m {
		if !known[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func findField(fields []schema.Field, name string) (schema.Field, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return schema.Field{}, false
}

func anyRisky(diffs []FieldDiff) bool {
	for _, d := range diffs {
		if d.Risky {
			return true
		}
	}
	return false
}

// copyObject returns a deep copy of o, never nil.
func copyObject(o schema.Object) schema.Object {
	// Clone makes a new map even of a nil one.
	return schema.Clone(map[string]any(o)).(map[string]any)
}

// checkManaged returns what is wrong when desired holds a field a
// configuration for scope kind k may not write (unknown, response-only,
// unmanaged or of the other scope) or an object where the field is not
// one, or "". The loader refuses such fields first; Build does not send
// or drop what it does not know.
func checkManaged(k schema.Kind, fields []schema.Field, desired map[string]any, prefix string) (field, msg string) {
	for _, key := range slices.Sorted(maps.Keys(desired)) {
		f, ok := findField(fields, key)
		if !ok || !f.Managed(k) {
			return prefix + key, fmt.Sprintf("%s%s is not a field ztsync manages at %s scope", prefix, key, k)
		}
		if m, ok := desired[key].(map[string]any); ok {
			if f.Type != schema.Nested {
				return prefix + key, fmt.Sprintf("%s%s is an object, but it is a %s field", prefix, key, f.Type)
			}
			if field, msg := checkManaged(k, f.Sub, m, prefix+key+"."); msg != "" {
				return field, msg
			}
		}
	}
	return "", ""
}
