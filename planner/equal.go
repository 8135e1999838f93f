package planner

import "github.com/ztsync/ztsync/schema"

// Equal reports whether a and b are the same value of the field at path
// ("session_duration", "login_design.header_text") of resource r, under the
// comparison rules of docs/plan-format.md: null, absent, false, "", {} and [] are
// equal; durations compare by value; fields the table does not list compare
// with the generic rules. The planner diffs with it and the applier checks
// read-backs and stale objects with it, so the two never disagree.
func Equal(r Resource, path string, a, b any) bool {
	var f schema.Field
	var known bool
	if r == DoH {
		f, known = schema.LookupDoH(path)
	} else {
		f, known = schema.Lookup(path)
	}
	return equalField(f, known, a, b)
}

// CopyObject returns a deep copy of o, never nil.
func CopyObject(o schema.Object) schema.Object { return copyObject(o) }
