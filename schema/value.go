package schema

// IsEmpty reports whether v is one of the values the API treats as "unset":
// nil, false, "", an empty object or an empty list. The API omits false
// booleans and unset objects from its answers (docs/api-fields.md), so
// an empty value and an absent one are the same setting (docs/plan-format.md).
func IsEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case string:
		return v == ""
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	case []string:
		return len(v) == 0
	}
	return false
}

// Clone deep-copies a JSON value (objects, lists, scalars), so that a plan
// or a state never shares maps or slices with the value it came from.
func Clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = Clone(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = Clone(x)
		}
		return out
	case []string:
		return append([]string(nil), v...)
	}
	return v
}

// WithoutNulls returns a deep copy of v without null fields at any depth:
// what a create sends (it has nothing to clear), and what the API keeps
// of a body (null clears a field).
func WithoutNulls(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return Clone(v)
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		if x != nil {
			out[k] = WithoutNulls(x)
		}
	}
	return out
}
