package planner

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/ztsync/ztsync/schema"
)

// The comparison rules of docs/plan-format.md: both sides are normalised before
// they are compared. null, absent, false, "", {} and [] are all "empty" and
// equal to each other (the API omits false booleans and unset objects);
// durations are compared by value; hostnames and uuids without regard to
// case; lists the table marks as sets (exempted zone names, MFA
// authenticators and AAGUIDs) without regard to order; other strings
// exactly.

// equalField reports whether the desired value d and the live value l of
// field f are equal after normalisation. known is false for a field the
// field table does not list; it is compared with the generic rules.
func equalField(f schema.Field, known bool, d, l any) bool {
	if !known {
		return equalGeneric(d, l)
	}
	// Booleans need no case of their own: the generic rules compare them
	// by value with null and absent as false.
	switch f.Type {
	case schema.String, schema.Hostname, schema.UUID:
		ds, ok1 := asString(d)
		ls, ok2 := asString(l)
		if ok1 && ok2 {
			return equalText(f.Type, ds, ls)
		}
	case schema.Duration:
		ds, ok1 := asString(d)
		ls, ok2 := asString(l)
		if ok1 && ok2 {
			return equalDuration(ds, ls)
		}
	case schema.StringList, schema.HostnameList, schema.UUIDList:
		dl, ok1 := asStrings(d)
		ll, ok2 := asStrings(l)
		if ok1 && ok2 {
			return equalList(f, dl, ll)
		}
	}
	return equalGeneric(d, l)
}

// equalText compares two strings of type t: hostnames and uuids without
// regard to case (DNS and RFC 4122 say case does not matter), other
// strings exactly.
func equalText(t schema.FieldType, a, b string) bool {
	if t == schema.Hostname || t == schema.UUID {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// equalList compares two lists of field f: element by element in order,
// or, for a set (f.Set), as sets: order and repeats do not matter.
func equalList(f schema.Field, a, b []string) bool {
	elem := f.Type.Elem()
	if !f.Set {
		return slices.EqualFunc(a, b, func(x, y string) bool { return equalText(elem, x, y) })
	}
	return setOf(elem, a).equal(setOf(elem, b))
}

// textSet is a set of strings, folded as equalText compares them.
type textSet map[string]bool

func setOf(t schema.FieldType, list []string) textSet {
	s := textSet{}
	for _, x := range list {
		if t == schema.Hostname || t == schema.UUID {
			x = strings.ToLower(x)
		}
		s[x] = true
	}
	return s
}

func (s textSet) equal(o textSet) bool {
	if len(s) != len(o) {
		return false
	}
	for x := range s {
		if !o[x] {
			return false
		}
	}
	return true
}

// equalDuration compares two duration strings by value when both parse
// ("24h" equals "1440m"), else as text. The empty string is "unset" and
// does not parse, so it equals only itself: "0s" is a value, not the
// absence of one.
func equalDuration(a, b string) bool {
	da, err1 := time.ParseDuration(a)
	db, err2 := time.ParseDuration(b)
	if err1 == nil && err2 == nil {
		return da == db
	}
	return a == b
}

// asBool reads a boolean; nil is false.
func asBool(v any) (bool, bool) {
	switch v := v.(type) {
	case nil:
		return false, true
	case bool:
		return v, true
	}
	return false, false
}

// asString reads a string; nil is "".
func asString(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	}
	return "", false
}

// asStrings reads a list of strings; nil is the empty list.
func asStrings(v any) ([]string, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case []string:
		return v, true
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// equalGeneric compares two JSON values with the empty-value rule applied at
// every level. Numbers compare by their text when both are numbers.
func equalGeneric(a, b any) bool {
	if schema.IsEmpty(a) && schema.IsEmpty(b) {
		return true
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, x := range av {
			if !equalGeneric(x, bv[k]) {
				return false
			}
		}
		for k, y := range bv {
			if _, seen := av[k]; !seen && !schema.IsEmpty(y) {
				return false
			}
		}
		return true
	case []any, []string:
		al, bl := asList(a), asList(b)
		if bl == nil || len(al) != len(bl) {
			return false
		}
		for i := range al {
			if !equalGeneric(al[i], bl[i]) {
				return false
			}
		}
		return true
	}
	if an, ok := numberText(a); ok {
		bn, ok := numberText(b)
		return ok && an == bn
	}
	return reflect.DeepEqual(a, b)
}

// asList returns v as []any, or nil when it is not a list. A nil []any
// stays nil: equalGeneric has already matched an empty list with any
// empty value, and refuses a nil one against a non-empty list.
func asList(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out
	}
	return nil
}

// numberText returns the text of a JSON number of any Go representation.
func numberText(v any) (string, bool) {
	switch v := v.(type) {
	case json.Number:
		return v.String(), true
	case int, int64, int32, uint, uint64, uint32, float64, float32:
		return fmt.Sprint(v), true
	}
	return "", false
}
