package planner

import (
	"maps"
	"slices"
	"strings"

	"github.com/ztsync/ztsync/schema"
)

// The request bodies of docs/api-fields.md: each scope's PUT carries
// exactly the fields that scope's API takes (schema.Field.At), the
// managed ones from the configuration and the others from live, and
// never a response-only or unknown key.

// Body returns the PUT body of resource r (Organization or DoH) in a scope
// of kind k, built from the desired fields (the configuration's, nil when
// none are managed) and the live object as GET returned it (nil when
// nothing was read).
//
// The body holds exactly the fields the scope's API takes
// (schema.Field.At(k) == schema.ReadWrite):
//   - a field desired holds has desired's value: null for a cleared field,
//     a nested object merged sub-field by sub-field with live, and live's
//     own representation where the two are equal after normalisation
//     (live "1440m" for desired "24h");
//   - every other writable field keeps live's value (read under its
//     schema.Field.ReadAs name, DoH's "id"), so that a PUT that replaces
//     the whole object resets nothing; unmanaged blocks (the PIV-key
//     requirements) pass through as they are.
//
// Response-only fields (created_at, cache_device_posture, at zone scope
// deny_unmatched_requests, ...) and keys the field table does not know are
// never included; NotSent lists the latter. Body does not modify its
// arguments and shares nothing with them. The planner builds every update
// with it, and a write rebuilt from a fresh GET must use it too.
func Body(k schema.Kind, r Resource, desired, live schema.Object) schema.Object {
	body := schema.Object{}
	fill(body, fieldsOf(r), k, desired, live)
	return body
}

// NotSent returns the keys of the live object ("parent.sub" inside nested
// objects) that Body leaves out although they are not known to be
// response-only: keys the field table does not know, and fields the
// scope's API does not take. Sorted.
func NotSent(k schema.Kind, r Resource, live schema.Object) []string {
	var out []string
	var walk func(fields []schema.Field, obj map[string]any, prefix string)
	walk = func(fields []schema.Field, obj map[string]any, prefix string) {
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			f, known := findField(fields, key)
			if !known {
				f, known = readAs(fields, key)
			}
			switch {
			case !known || f.At(k) == schema.Absent:
				out = append(out, prefix+key)
			case f.At(k) == schema.ReadWrite && f.Type == schema.Nested:
				if m, ok := obj[key].(map[string]any); ok {
					walk(f.Sub, m, prefix+key+".")
				}
			}
		}
	}
	walk(fieldsOf(r), live, "")
	return out
}

// fieldsOf returns the field table of resource r.
func fieldsOf(r Resource) []schema.Field {
	if r == DoH {
		return schema.DoHFields()
	}
	return schema.OrganizationFields()
}

// readAs returns the field GET calls name (its ReadAs), if any.
func readAs(fields []schema.Field, name string) (schema.Field, bool) {
	for _, f := range fields {
		if f.ReadAs == name {
			return f, true
		}
	}
	return schema.Field{}, false
}

// liveValue returns live's value of f, under f's name or its ReadAs name.
func liveValue(live map[string]any, f schema.Field) (any, bool) {
	v, ok := live[f.Name]
	if !ok && f.ReadAs != "" {
		v, ok = live[f.ReadAs]
	}
	return v, ok
}

// fill sets body's fields (see Body) from the table fields.
func fill(body map[string]any, fields []schema.Field, k schema.Kind, desired, live map[string]any) {
	for _, f := range fields {
		if f.At(k) != schema.ReadWrite {
			continue
		}
		lv, hasLive := liveValue(live, f)
		d, managed := desired[f.Name]
		if f.Unmanaged != "" {
			managed = false
		}
		switch {
		case !managed && !hasLive:
		case !managed && f.Type == schema.Nested:
			lm, ok := lv.(map[string]any)
			if !ok {
				body[f.Name] = schema.Clone(lv)
				continue
			}
			sub := map[string]any{}
			fill(sub, f.Sub, k, nil, lm)
			body[f.Name] = sub
		case !managed:
			body[f.Name] = schema.Clone(lv)
		case d == nil:
			body[f.Name] = nil
		case f.Type == schema.Nested:
			dm, ok := d.(map[string]any)
			if !ok {
				body[f.Name] = schema.Clone(d)
				continue
			}
			lm, _ := lv.(map[string]any)
			sub := map[string]any{}
			fill(sub, f.Sub, k, dm, lm)
			body[f.Name] = sub
		case hasLive && lv != nil && equalField(f, true, d, lv):
			body[f.Name] = schema.Clone(lv)
		default:
			body[f.Name] = schema.Clone(d)
		}
	}
}

// diffs returns the managed fields of desired that differ from live, in
// table order, "parent.sub" for sub-fields.
func diffs(fields []schema.Field, desired, live map[string]any, prefix string) []FieldDiff {
	var out []FieldDiff
	for _, f := range fields {
		d, managed := desired[f.Name]
		if !managed {
			continue
		}
		lv, _ := liveValue(live, f)
		if dm, ok := d.(map[string]any); ok && f.Type == schema.Nested {
			lm, _ := lv.(map[string]any)
			out = append(out, diffs(f.Sub, dm, lm, prefix+f.Name+".")...)
			continue
		}
		if equalField(f, true, d, lv) {
			continue
		}
		risky, why := riskOf(Update, prefix+f.Name, f.Risky, d)
		out = append(out, FieldDiff{Path: prefix + f.Name, Before: schema.Clone(lv), After: schema.Clone(d), Risky: risky, RiskReason: why})
	}
	return out
}

// needsWrite reports whether diffs hold a change of their own. A field the
// API may not read back (schema.Field.NotReadBack) that live lacks rides
// along with another change but never makes one: were it planned on its
// own, the plan would never settle.
func needsWrite(r Resource, diffs []FieldDiff) bool {
	for _, d := range diffs {
		if f, known := lookup(r, d.Path); !known || !f.NotReadBack || !schema.IsEmpty(d.Before) {
			return true
		}
	}
	return false
}

// Unconverged returns the diff paths of c whose value in got (the object
// read back after c was applied) is not the planned value, in diff order.
// Values compare as Equal compares them; a field the API may not read
// back (schema.Field.NotReadBack) that got lacks counts as written.
func Unconverged(c *Change, got schema.Object) []string {
	var out []string
	for _, d := range c.Diff {
		f, known := lookup(c.Resource, d.Path)
		v, present := valueAt(got, d.Path, f)
		if known && f.NotReadBack && (!present || schema.IsEmpty(v)) {
			continue
		}
		if !equalField(f, known, d.After, v) {
			out = append(out, d.Path)
		}
	}
	return out
}

// lookup returns the table's field at path of resource r.
func lookup(r Resource, path string) (schema.Field, bool) {
	if r == DoH {
		return schema.LookupDoH(path)
	}
	return schema.Lookup(path)
}

// valueAt returns the value at a dotted path of obj (the last part read
// under f's ReadAs name when GET uses it) and whether it is there.
func valueAt(obj schema.Object, path string, f schema.Field) (any, bool) {
	var cur any = map[string]any(obj)
	parts := strings.Split(path, ".")
	for i, part := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok := m[part]
		if !ok && i == len(parts)-1 && f.ReadAs != "" {
			v, ok = m[f.ReadAs]
		}
		if !ok {
			return nil, false
		}
		cur = v
	}
	return cur, true
}
