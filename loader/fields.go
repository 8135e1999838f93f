package loader

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"

	"github.com/ztsync/ztsync/schema"
)

// This file knows the shape of a configuration (from the field table in
// package schema) well enough to name what a path is and to say, for a
// value the schema refused, what is wrong with it in words. The same rules
// judge a configuration on the fast path (fast.go), which must accept
// exactly what the CUE schema accepts: the schema stays the source of
// truth, and rules_test.go and fast_test.go hold the rules to it (the
// regular expressions below are the schema's, character for character).

// valueType is the rule a value is described by.
type valueType int

const (
	tAny valueType = iota
	tStruct
	tString
	tNonEmptyString
	tBool
	tID
	tField      // a scalar field of the schema's table: the rule is site.field's
	tStringList // a list field of the table; its elements are sites of their own
)

// siteKind says what a path in the configuration is.
type siteKind int

const (
	siteUnknown siteKind = iota // something the schema does not describe
	siteRoot
	siteField // a field whose parent has a fixed set of fields
	siteName  // an account or zone name
	siteEmail // a revoke key
	siteItem  // an element of a list field
)

// site is what classify knows about a path.
type site struct {
	kind  siteKind
	scope schema.Kind // for paths under accounts or zones
	name  string      // the last label
	vt    valueType   // the value's rule
	// field is the table's entry (schema.Field) for a field of an
	// organization, DoH or revoke entry, or for a list element; hasField
	// says it is set. Its rule (kind, minimum, pattern, null) is the one
	// the value is judged by.
	field    schema.Field
	hasField bool
	// parent names the enclosing struct in messages ("an account's
	// organization"); allowed are its field names, and within are the
	// table's fields of that struct (for messages about the others).
	parent  string
	allowed []string
	within  []schema.Field
	// fields is set when the value is itself a struct with fixed fields.
	fields []string
}

// The schema's regular expressions (TestRegexpsAreTheSchemas compares them).
var (
	emailRE = regexp.MustCompile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
)

var (
	topFields     = []string{"accounts", "zones"}
	accountFields = []string{"id", "organization", "doh", "revoke"}
	zoneFields    = []string{"id", "organization", "revoke"}
)

// managed returns the fields of table a configuration for scope kind k
// may write.
func managed(table []schema.Field, k schema.Kind) []schema.Field {
	var out []schema.Field
	for _, f := range table {
		if f.Managed(k) {
			out = append(out, f)
		}
	}
	return out
}

func fieldNames(fs []schema.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func findField(fs []schema.Field, name string) (schema.Field, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return schema.Field{}, false
}

// fieldSite is the site of a value of the table's field f: a struct of
// its sub-fields, a list, or a scalar judged by f's rule.
func fieldSite(s site, f schema.Field) site {
	s.field, s.hasField = f, true
	switch {
	case f.Type == schema.Nested:
		s.vt, s.fields = tStruct, fieldNames(f.Sub)
	case f.Type.IsList():
		s.vt = tStringList
	default:
		s.vt = tField
	}
	return s
}

// itemSite is the site of an element of the list field f.
func itemSite(s site, f schema.Field) site {
	s.kind, s.vt, s.hasField = siteItem, tField, true
	s.field = schema.Field{Name: f.Name, Type: f.Type.Elem()}
	return s
}

// tableSite describes labels (below the struct whose fields are table,
// with parent as its name in messages) by the table.
func tableSite(s site, table []schema.Field, parent string, labels []string) site {
	s.parent, s.allowed, s.within = parent, fieldNames(managed(table, s.scope)), table
	f, ok := findField(managed(table, s.scope), labels[0])
	if len(labels) == 1 {
		if ok {
			return fieldSite(s, f)
		}
		return s
	}
	if !ok {
		return site{}
	}
	switch {
	case f.Type == schema.Nested:
		return tableSite(s, f.Sub, f.Name, labels[1:])
	case f.Type.IsList() && len(labels) == 2:
		return itemSite(s, f)
	}
	return site{}
}

func kindWord(k schema.Kind) string {
	if k == schema.KindZone {
		return "zone"
	}
	return "account"
}

// classify says what the path labels (unquoted) designate.
func classify(labels []string) site {
	n := len(labels)
	if n == 0 {
		return site{kind: siteRoot, vt: tStruct, fields: topFields}
	}
	s := site{kind: siteField, name: labels[n-1]}
	if n == 1 {
		s.parent, s.allowed = "the configuration", topFields
		if s.name == "accounts" || s.name == "zones" {
			s.vt = tStruct
		}
		return s
	}
	var k schema.Kind
	switch labels[0] {
	case "accounts":
		k = schema.KindAccount
	case "zones":
		k = schema.KindZone
	default:
		return site{}
	}
	s.scope = k
	scopeFields := accountFields
	if k == schema.KindZone {
		scopeFields = zoneFields
	}
	if n == 2 {
		return site{kind: siteName, scope: k, name: labels[1], vt: tStruct, fields: scopeFields}
	}
	if n == 3 {
		s.parent, s.allowed = "a zone", scopeFields
		if k == schema.KindAccount {
			s.parent = "an account"
		}
		switch s.name {
		case "id":
			s.vt = tID
		case "organization":
			s.vt, s.fields = tStruct, fieldNames(managed(schema.OrganizationFields(), k))
		case "doh":
			if k == schema.KindAccount {
				s.vt, s.fields = tStruct, fieldNames(managed(schema.DoHFields(), k))
			}
		case "revoke":
			s.vt = tStruct
		}
		return s
	}
	switch labels[2] {
	case "organization":
		parent := "a zone organization"
		if k == schema.KindAccount {
			parent = "an account organization"
		}
		return tableSite(s, schema.OrganizationFields(), parent, labels[3:])
	case "doh":
		if n == 4 && k == schema.KindAccount {
			return tableSite(s, schema.DoHFields(), "doh", labels[3:])
		}
	case "revoke":
		if n == 4 {
			return site{kind: siteEmail, scope: k, name: s.name, vt: tStruct, fields: fieldNames(managed(schema.RevokeFields(), k))}
		}
		if n == 5 {
			return tableSite(s, schema.RevokeFields(), "a revoke entry", labels[4:])
		}
	}
	return site{}
}

// allows reports whether the struct at s (a site with fields) accepts a
// field called name.
func (s site) allows(name string) bool {
	return slices.Contains(s.allowed, name)
}

// notAllowed explains why the field at s is refused.
func (s site) notAllowed() string {
	switch s.kind {
	case siteName:
		return fmt.Sprintf("%q is not a valid %s name: use a letter or digit, then letters, digits, '.', '_', '@' or '-'", s.name, kindWord(s.scope))
	case siteEmail:
		return fmt.Sprintf("%q is not an email address; revoke entries are keyed by the user's email", s.name)
	}
	if f, ok := findField(s.within, s.name); ok {
		if msg := refusal(s, f); msg != "" {
			return msg
		}
	}
	if s.scope == schema.KindZone && s.parent == "a zone" && s.name == "doh" {
		return "doh is an account-only setting; zones accept: " + strings.Join(s.allowed, ", ")
	}
	if len(s.allowed) > 0 {
		if c := closest(s.name, s.allowed); c != "" {
			return fmt.Sprintf("field not allowed (did you mean %s?)", c)
		}
		return fmt.Sprintf("field not allowed; %s accepts: %s", s.parent, strings.Join(s.allowed, ", "))
	}
	return "field not allowed"
}

// refusal says why the table's field f, which the scope of s may not
// write, is refused there, or "" when the table does not say.
func refusal(s site, f schema.Field) string {
	switch {
	case f.Unmanaged != "":
		return fmt.Sprintf("%s is not managed by ztsync: %s; ztsync keeps the live value as it is", f.Name, f.Unmanaged)
	case f.Account != schema.ReadWrite && f.Zone != schema.ReadWrite:
		return fmt.Sprintf("%s is read-only: Cloudflare sets it", f.Name)
	case s.scope == schema.KindZone && f.Zone == schema.ResponseOnly:
		return fmt.Sprintf("%s is response-only at zone scope: the zone API returns it but does not accept it; set it on an account organization", f.Name)
	case s.scope == schema.KindZone && f.Account == schema.ReadWrite && s.parent == "a revoke entry":
		return fmt.Sprintf("%s needs the account scope: the zone revoke_user API takes only the email; declare this revocation under the account", f.Name)
	case s.scope == schema.KindZone && f.Account == schema.ReadWrite:
		return fmt.Sprintf("%s is an account-only field; zones accept: %s", f.Name, strings.Join(s.allowed, ", "))
	}
	return ""
}

// closest returns the allowed name nearest to name if it is near enough to
// be a typo, or "".
func closest(name string, allowed []string) string {
	best, bestD := "", math.MaxInt
	for _, a := range allowed {
		if d := editDistance(strings.ToLower(name), a); d < bestD {
			best, bestD = a, d
		}
	}
	limit := 2
	if len(name) >= 12 {
		limit = 3
	}
	if bestD <= limit && bestD < len(name) {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// describe prints v for a message: CUE syntax for scalars, a word for
// structs and lists.
func describe(v cue.Value) string {
	switch v.Kind() {
	case cue.StringKind:
		s, _ := v.String()
		return strconv.Quote(s)
	case cue.StructKind:
		return "a struct"
	case cue.ListKind:
		return "a list"
	case cue.BytesKind:
		return "a bytes value"
	}
	return fmt.Sprint(v)
}

// check returns what is wrong with the concrete value v under rule vt, in
// words, or "" if the rule has nothing to say.
func (s site) check(v cue.Value) string {
	str := ""
	if v.Kind() == cue.StringKind {
		str, _ = v.String()
	}
	return s.judge(v.Kind(), str, func() string { return describe(v) })
}

// judge is check on a value taken apart: its kind, its text if it is a
// string, and how to print it. The loader's fast path (fast.go) judges the
// decoded configuration with it, so the rules exist once.
func (s site) judge(k cue.Kind, str string, describe func() string) string {
	isStr := k == cue.StringKind
	if s.hasField && k == cue.NullKind && s.kind != siteItem {
		switch {
		case s.field.Clearable:
			return ""
		case s.field.Type == schema.Bool:
			return "null is not a bool (use true or false)"
		}
		return fmt.Sprintf("%s cannot be cleared with null: write a value, or remove the field to stop managing it", s.field.Name)
	}
	switch s.vt {
	case tStruct:
		if k != cue.StructKind {
			d := describe()
			what := s.name
			if s.kind == siteRoot || what == "" {
				what = "the configuration"
			}
			if s.kind == siteName {
				what = "an account"
				if s.scope == schema.KindZone {
					what = "a zone"
				}
			}
			if len(s.fields) > 0 {
				return fmt.Sprintf("%s is not a struct; %s takes fields: %s", d, what, strings.Join(s.fields, ", "))
			}
			return d + " is not a struct"
		}
	case tString:
		if !isStr {
			return describe() + " is not a string"
		}
	case tNonEmptyString:
		if !isStr {
			return describe() + " is not a string"
		}
		if str == "" {
			return "must not be empty"
		}
	case tBool:
		if k != cue.BoolKind {
			return describe() + " is not a bool (use true or false)"
		}
	case tID:
		if !isStr || !schema.IsID(str) {
			return describe() + " is not an id (32 lowercase hex characters)"
		}
	case tField:
		return s.judgeField(k, str, describe)
	case tStringList:
		if k != cue.ListKind {
			switch s.field.Type {
			case schema.HostnameList:
				return describe() + ` is not a list of hostnames (e.g. ["example.com"])`
			case schema.UUIDList:
				return describe() + " is not a list of uuids"
			}
			return describe() + " is not a list of strings"
		}
	}
	return ""
}

// judgeField judges a scalar by the table's rule for it (schema.Field).
func (s site) judgeField(k cue.Kind, str string, describe func() string) string {
	f := s.field
	if f.Type == schema.Bool {
		if k != cue.BoolKind {
			return describe() + " is not a bool (use true or false)"
		}
		return ""
	}
	if k != cue.StringKind {
		switch f.Type {
		case schema.Duration:
			return describe() + ` is not a duration; write a string such as "12h"`
		case schema.Hostname:
			return describe() + " is not a hostname (e.g. example.com)"
		case schema.UUID:
			return describe() + " is not a uuid"
		}
		return describe() + " is not a string"
	}
	if p := f.Problem(str); p != "" {
		if p == "must not be empty" {
			return p
		}
		return describe() + " " + p
	}
	return ""
}

// incomplete explains a value that is only constrained, not given.
func (s site) incomplete() string {
	hint := map[valueType]string{
		tString:         "a string",
		tNonEmptyString: "a string",
		tBool:           "true or false",
		tID:             "the 32-character id",
		tStringList:     "a list",
	}[s.vt]
	if s.vt == tField {
		hint = map[schema.FieldType]string{
			schema.String:   "a string",
			schema.Bool:     "true or false",
			schema.Duration: `a duration such as "24h"`,
			schema.Hostname: `a hostname such as "example.com"`,
			schema.UUID:     "a uuid",
		}[s.field.Type]
		if s.field.Min > 0 {
			hint = fmt.Sprintf("a duration such as %q", schema.DurationText(s.field.Min))
		}
	}
	if s.vt == tStringList && s.field.Type == schema.HostnameList {
		hint = `a list such as ["example.com"]`
	}
	if hint == "" {
		return "no concrete value: ztsync needs data here, not only a constraint"
	}
	return "no concrete value: write " + hint
}

// nullConflictRE is CUE's message for a value that is not the null of a
// `T | null` disjunction.
var nullConflictRE = regexp.MustCompile(`^conflicting values .* and null \(mismatched types \w+ and null\)$`)

// nullBranch reports whether p is only CUE's account of the null branch
// of a clearable field failing for a value that is not null: the
// disjunction's header, or the conflict with null.
func nullBranch(p cueProblem, raw *user) bool {
	s := classify(p.labels)
	if !s.hasField || !s.field.Clearable {
		return false
	}
	if v, _ := lookup(raw.at(p.labels), p.labels); v.Exists() && v.Kind() == cue.NullKind {
		return false
	}
	return strings.Contains(p.msg, "errors in empty disjunction") || nullConflictRE.MatchString(p.msg)
}

// at returns the shape of the value at labels below sh, or nil.
func (sh *shape) at(labels []string) *shape {
	for _, l := range labels {
		if sh == nil {
			return nil
		}
		switch sh.kind {
		case shapeFixed:
			sh = sh.fields[l]
		case shapeKeyed:
			sh = sh.keys
		case shapeList:
			sh = sh.item
		default:
			return nil
		}
	}
	return sh
}

// findAll returns every rule the tree value x at labels breaks, in a fixed
// order: judge's findings, all of them, not only the first.
func (sh *shape) findAll(labels []string, x any) []finding {
	at := func(labels []string, msg string) finding {
		return finding{labels: append([]string(nil), labels...), msg: msg}
	}
	k, str := kindOf(x)
	if msg := sh.site.judge(k, str, func() string { return describeTree(x) }); msg != "" {
		return []finding{at(labels, msg)}
	}
	var out []finding
	switch m := x.(type) {
	case map[string]any:
		if sh.kind != shapeFixed {
			return nil
		}
		for _, name := range slices.Sorted(maps.Keys(m)) {
			l := append(labels[:len(labels):len(labels)], name)
			c := sh.fields[name]
			if c == nil {
				out = append(out, at(l, classify(l).notAllowed()))
				continue
			}
			out = append(out, c.findAll(l, m[name])...)
		}
	case []any:
		if sh.kind != shapeList {
			return nil
		}
		for i, e := range m {
			out = append(out, sh.item.findAll(append(labels[:len(labels):len(labels)], strconv.Itoa(i)), e)...)
		}
	}
	return out
}

// nullBranchProblems explains the value at labels whose `T | null`
// disjunction failed (p, the disjunction's header) by every rule it
// breaks: inside a disjunction CUE reports only the first problem of each
// branch, so a list with three bad names would show one.
// Values the structure check already reported (covered) are left out.
func (l *Loader) nullBranchProblems(labels []string, raw *user, covered map[string]bool) Errors {
	v, _ := lookup(raw.at(labels), labels)
	if !v.Exists() || (v.Kind() != cue.StructKind && v.Kind() != cue.ListKind) {
		return nil
	}
	x, err := tree(v)
	if err != nil {
		return nil
	}
	sh := l.shape.at(labels)
	if sh == nil {
		return nil
	}
	var out Errors
	for _, f := range sh.findAll(labels, x) {
		if isCovered(covered, f.labels) {
			continue
		}
		_, index := lookup(raw.at(f.labels), f.labels)
		out = append(out, errorAt(nearestUserPos(raw, f.labels), formatPath(f.labels, index), f.msg))
	}
	return out
}
