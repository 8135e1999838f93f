package loader

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"cuelang.org/go/cue"

	"github.com/ztsync/ztsync/schema"
)

// The fast path. Unifying a large configuration with #Config costs more
// than everything else a load does: CUE evaluates the schema's rules, and
// its `| error("...")` disjunctions, for every one of tens of thousands of
// values. A configuration that is valid does not need that work to say so:
// the loader evaluates the user's files alone, takes the (concrete) result
// apart into Go values, and judges those with the rules of fields.go,
// which are the schema's rules written in Go and held to it by tests
// (rules_test.go, fast_test.go). Only a configuration they accept is
// accepted this way. Anything else (an error or an incomplete value in the
// user's files, a value the Go rules refuse, a value they cannot see
// exactly) goes the full way, unification with #Config, which finds and
// explains the problems; so every message still comes from there.
//
// The Go rules must accept exactly what unification accepts. A value they
// refuse that the schema accepts is a bug in them; it is reported as a
// problem (never accepted), and the differential tests catch it.
//
// Why the user's value alone is enough: the schema has no defaults and no
// concrete values, so unifying with it can refuse a concrete value but not
// change it. Optional fields, hidden fields, definitions and let clauses do
// not reach the result; the schema accepts them in any case. The one thing
// the schema can change is which default of a user's disjunction (*a | b)
// is taken, when it refuses the default; files that mark defaults
// therefore always go the full way.

// number is a number in a tree, as CUE prints it.
type number string

// errNotData means a value cannot be taken apart exactly (it is not
// concrete, or a string is not UTF-8, which JSON would alter).
var errNotData = errors.New("value is not plain data")

// tree returns the concrete value v as Go values: map[string]any for a
// struct (its regular fields only), []any for a list, string, bool, nil for
// null, []byte for bytes and number for a number. Defaults are taken, as
// MarshalJSON takes them.
func tree(v cue.Value) (any, error) {
	v, _ = v.Default()
	switch v.Kind() {
	case cue.StructKind:
		it, err := v.Fields()
		if err != nil {
			return nil, err
		}
		m := map[string]any{}
		for it.Next() {
			sel := it.Selector()
			if !sel.IsString() {
				return nil, errNotData
			}
			k := sel.Unquoted()
			if !utf8.ValidString(k) {
				return nil, errNotData
			}
			x, err := tree(it.Value())
			if err != nil {
				return nil, err
			}
			m[k] = x
		}
		return m, nil
	case cue.ListKind:
		it, err := v.List()
		if err != nil {
			return nil, err
		}
		l := []any{}
		for it.Next() {
			x, err := tree(it.Value())
			if err != nil {
				return nil, err
			}
			l = append(l, x)
		}
		return l, nil
	case cue.StringKind:
		s, err := v.String()
		if err != nil {
			return nil, err
		}
		if !utf8.ValidString(s) {
			return nil, errNotData
		}
		return s, nil
	case cue.BoolKind:
		return v.Bool()
	case cue.NullKind:
		return nil, nil
	case cue.BytesKind:
		return v.Bytes()
	case cue.IntKind, cue.FloatKind, cue.NumberKind:
		return number(fmt.Sprint(v)), nil
	}
	return nil, errNotData
}

// kindOf returns the CUE kind of a tree value and its text if a string.
func kindOf(x any) (cue.Kind, string) {
	switch x := x.(type) {
	case string:
		return cue.StringKind, x
	case bool:
		return cue.BoolKind, ""
	case nil:
		return cue.NullKind, ""
	case map[string]any:
		return cue.StructKind, ""
	case []any:
		return cue.ListKind, ""
	case []byte:
		return cue.BytesKind, ""
	case number:
		return cue.NumberKind, ""
	}
	return cue.BottomKind, ""
}

// describeTree prints a tree value for a message, as describe does.
func describeTree(x any) string {
	switch x := x.(type) {
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	case map[string]any:
		return "a struct"
	case []any:
		return "a list"
	case []byte:
		return "a bytes value"
	case number:
		return string(x)
	}
	return fmt.Sprintf("%v", x)
}

// shapeKind says how a shape's value is judged.
type shapeKind int

const (
	shapeLeaf  shapeKind = iota // a scalar, by its site's rule
	shapeFixed                  // a struct with a fixed set of fields
	shapeKeyed                  // a struct keyed by names or emails
	shapeList                   // a list, each element by item
)

// shape is the schema's tree of sites, built once from classify: what
// every path of a configuration must hold.
type shape struct {
	kind   shapeKind
	site   site
	fields map[string]*shape // shapeFixed: the fields allowed
	keys   *shape            // shapeKeyed: every entry
	item   *shape            // shapeList: every element
}

// buildShape returns the shape of the value at labels.
func buildShape(labels []string) *shape {
	s := classify(labels)
	sh := &shape{site: s}
	child := func(label string) []string { return append(labels[:len(labels):len(labels)], label) }
	switch {
	case s.vt == tStringList:
		sh.kind, sh.item = shapeList, buildShape(child("0"))
	case s.vt != tStruct:
		sh.kind = shapeLeaf
	case len(s.fields) > 0:
		sh.kind, sh.fields = shapeFixed, map[string]*shape{}
		for _, f := range s.fields {
			sh.fields[f] = buildShape(child(f))
		}
	default:
		// accounts, zones and revoke: entries under any valid key. "*"
		// stands for every key (classify does not read it); keys are
		// checked on their own, and judge names an entry by its key.
		sh.kind, sh.keys = shapeKeyed, buildShape(child("*"))
	}
	return sh
}

// finding is a rule of the schema that a configuration breaks, as the fast
// path sees it.
type finding struct {
	labels []string
	msg    string
}

// judge returns the first rule the tree value x at labels breaks, or nil.
// Fields are visited in map order unless sorted is set.
func (sh *shape) judge(labels []string, x any, sorted bool) *finding {
	at := func(labels []string, msg string) *finding {
		return &finding{labels: append([]string(nil), labels...), msg: msg}
	}
	k, str := kindOf(x)
	s := sh.site
	if len(labels) > 0 {
		s.name = labels[len(labels)-1] // the entry's key, the item's index
	}
	msg := s.judge(k, str, func() string { return describeTree(x) })
	if msg != "" {
		return at(labels, msg)
	}
	if x == nil {
		return nil // a null its site's rule accepts: a field cleared
	}
	switch sh.kind {
	case shapeFixed, shapeKeyed:
		m, ok := x.(map[string]any)
		if !ok {
			return at(labels, describeTree(x)+" is not a struct")
		}
		if sh.site.kind == siteName {
			if _, ok := m["id"]; !ok {
				id := append(labels[:len(labels):len(labels)], "id")
				return at(id, requiredMessage(id))
			}
		}
		keys := func(yield func(string) bool) {
			if sorted {
				for _, k := range slices.Sorted(maps.Keys(m)) {
					if !yield(k) {
						return
					}
				}
				return
			}
			for k := range m {
				if !yield(k) {
					return
				}
			}
		}
		for name := range keys {
			l := append(labels[:len(labels):len(labels)], name)
			var c *shape
			if sh.kind == shapeFixed {
				if c = sh.fields[name]; c == nil {
					return at(l, classify(l).notAllowed())
				}
			} else {
				c = sh.keys
				if !validKey(c.site.kind, name) {
					return at(l, classify(l).notAllowed())
				}
			}
			if f := c.judge(l, m[name], sorted); f != nil {
				return f
			}
		}
	case shapeList:
		list, ok := x.([]any)
		if !ok {
			return at(labels, describeTree(x)+" is not a list")
		}
		for i, e := range list {
			if f := sh.item.judge(append(labels[:len(labels):len(labels)], strconv.Itoa(i)), e, sorted); f != nil {
				return f
			}
		}
	}
	return nil
}

// validKey reports whether name may key an entry of kind k: an account or
// zone name (#Name), or a revoke entry's email (#Email).
func validKey(k siteKind, name string) bool {
	switch k {
	case siteName:
		return schema.IsName(name)
	case siteEmail:
		return emailRE.MatchString(name)
	}
	return false
}

// toConfig builds the Config from a judged tree, as decoding its JSON
// would: Organization and DoH hold the tree's own maps (strings, bools,
// []any and nested maps, as encoding/json gives them).
func toConfig(x any) (*schema.Config, bool) {
	top, ok := x.(map[string]any)
	if !ok {
		return nil, false
	}
	c := &schema.Config{}
	if v, ok := top["accounts"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		c.Accounts = make(map[string]*schema.Account, len(m))
		for name, v := range m {
			e, ok := decodeEntry(v)
			if !ok {
				return nil, false
			}
			c.Accounts[name] = &schema.Account{ID: e.id, Organization: e.org, DoH: e.doh, Revoke: e.revoke}
		}
	}
	if v, ok := top["zones"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		c.Zones = make(map[string]*schema.Zone, len(m))
		for name, v := range m {
			e, ok := decodeEntry(v)
			if !ok || e.doh != nil {
				return nil, false
			}
			c.Zones[name] = &schema.Zone{ID: e.id, Organization: e.org, Revoke: e.revoke}
		}
	}
	return c, true
}

// entry is an account or zone taken from a tree.
type entry struct {
	id       string
	org, doh schema.Object
	revoke   map[string]schema.Revocation
}

func decodeEntry(x any) (entry, bool) {
	var e entry
	m, ok := x.(map[string]any)
	if !ok {
		return e, false
	}
	if e.id, ok = m["id"].(string); !ok {
		return e, false
	}
	for k, v := range m {
		switch k {
		case "id":
		case "organization":
			e.org, ok = v.(map[string]any)
		case "doh":
			e.doh, ok = v.(map[string]any)
		case "revoke":
			e.revoke, ok = decodeRevoke(v)
		default:
			ok = false
		}
		if !ok {
			return e, false
		}
	}
	return e, true
}

func decodeRevoke(x any) (map[string]schema.Revocation, bool) {
	m, ok := x.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]schema.Revocation, len(m))
	for email, v := range m {
		fields, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		var r schema.Revocation
		for k, v := range fields {
			switch k {
			case "devices":
				r.Devices, ok = v.(bool)
			case "warp_session_reauth":
				r.WarpSessionReauth, ok = v.(bool)
			case "user_uid":
				r.UserUID, ok = v.(string)
			case "reason":
				r.Reason, ok = v.(string)
			default:
				ok = false
			}
			if !ok {
				return nil, false
			}
		}
		out[email] = r
	}
	return out, true
}
