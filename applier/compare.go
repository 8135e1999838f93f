package applier

import (
	"maps"
	"slices"
	"strings"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// Read-backs and stale objects are compared with planner.Equal, the same
// rules the planner diffs with (docs/plan-format.md), so the two never disagree.

// unconverged returns the diff paths of c whose value in got (the object
// read back) is not the planned value, in diff order (planner.Unconverged:
// fields the API does not read back count as written).
func unconverged(c *planner.Change, got schema.Object) []string {
	return planner.Unconverged(c, got)
}

// converged reports whether o, a read of c's resource, exists and holds
// every planned value of c.
func converged(c *planner.Change, o planner.Observed) bool {
	return o.Exists && len(unconverged(c, o.Object)) == 0
}

// changedFields compares two versions of an object and returns the paths
// that differ: top-level keys, and "parent.sub" inside objects on both
// sides. created_at and updated_at are ignored.
func changedFields(r planner.Resource, before, after schema.Object) []string {
	var out []string
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if isReadOnly(k) {
			continue
		}
		b, a := before[k], after[k]
		bm, ok1 := b.(map[string]any)
		am, ok2 := a.(map[string]any)
		if ok1 && ok2 {
			for _, sub := range changedFields(r, bm, am) {
				out = append(out, k+"."+sub)
			}
			continue
		}
		if !planner.Equal(r, k, b, a) {
			out = append(out, k)
		}
	}
	return out
}

func isReadOnly(k string) bool { return slices.Contains(schema.ReadOnlyFields(), k) }

// setPath sets the value at a dotted path, creating objects on the way;
// v nil sets null, which every reader here (planner.Equal, over the keys of
// both sides) takes as absent, and sets nothing under a parent that is not
// an object.
func setPath(obj map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	cur := obj
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			if v == nil {
				return
			}
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = copyValue(v)
}

// copyValue deep-copies a JSON value.
func copyValue(v any) any {
	return planner.CopyObject(schema.Object{"v": v})["v"]
}
