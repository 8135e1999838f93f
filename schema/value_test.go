package schema

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsEmpty(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		want bool
	}{
		{nil, true}, {false, true}, {"", true}, {map[string]any{}, true}, {[]any{}, true}, {[]string{}, true},
		{true, false}, {"x", false}, {map[string]any{"a": nil}, false}, {[]any{""}, false},
		{json.Number("0"), false}, // a number is a value, even zero
	}
	for _, tt := range tests {
		if got := IsEmpty(tt.v); got != tt.want {
			t.Errorf("IsEmpty(%#v) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	t.Parallel()
	orig := map[string]any{
		"login_design": map[string]any{"header_text": "hi"},
		"zones":        []any{"a.example", map[string]any{"k": "v"}},
		"names":        []string{"x"},
		"n":            json.Number("42"),
	}
	c := Clone(orig).(map[string]any)
	if diff := cmp.Diff(orig, c); diff != "" {
		t.Fatalf("Clone changed the value (-orig +clone):\n%s", diff)
	}
	c["login_design"].(map[string]any)["header_text"] = "changed"
	c["zones"].([]any)[1].(map[string]any)["k"] = "changed"
	c["names"].([]string)[0] = "changed"
	if orig["login_design"].(map[string]any)["header_text"] != "hi" ||
		orig["zones"].([]any)[1].(map[string]any)["k"] != "v" ||
		orig["names"].([]string)[0] != "x" {
		t.Fatalf("Clone shares memory with the original: %v", orig)
	}
}

// TestWithoutNulls: null fields go at every depth, nothing else does, and
// the result shares no map or list with its argument.
func TestWithoutNulls(t *testing.T) {
	t.Parallel()
	in := map[string]any{
		"a": nil,
		"b": map[string]any{"c": nil, "d": "x", "e": map[string]any{"f": nil}},
		"g": []any{"h", nil},
		"i": false,
	}
	got := WithoutNulls(in).(map[string]any)
	want := map[string]any{"b": map[string]any{"d": "x", "e": map[string]any{}}, "g": []any{"h", nil}, "i": false}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("WithoutNulls = %#v, want %#v", got, want)
	}
	got["b"].(map[string]any)["d"] = "changed"
	got["g"].([]any)[0] = "changed"
	if in["b"].(map[string]any)["d"] != "x" || in["g"].([]any)[0] != "h" {
		t.Error("the result shares maps or lists with its argument")
	}
	if WithoutNulls("s") != "s" || WithoutNulls(nil) != nil {
		t.Error("a scalar is not returned as it is")
	}
}
