package loader

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/schema"
)

// The fast path's own decoding (tree, toConfig) held to what it stands
// for: CUE's JSON of the value, and encoding/json's decoding of that JSON
// into a schema.Config. Either they give the same, or they refuse (and
// the load goes the full way); never a different value.

// jsonTree returns a tree as encoding/json would decode its JSON (with
// UseNumber): numbers as json.Number, bytes as base64 text.
func jsonTree(x any) any {
	switch x := x.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, v := range x {
			m[k] = jsonTree(v)
		}
		return m
	case []any:
		l := []any{}
		for _, v := range x {
			l = append(l, jsonTree(v))
		}
		return l
	case number:
		return json.Number(x)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	}
	return x
}

// TestTreeIsTheJSON: tree takes a concrete value apart exactly as its JSON
// reads, and refuses a value that is not concrete anywhere inside, or
// has a field name that is not UTF-8 (which JSON would alter; CUE itself
// turns every string value into UTF-8, a Go caller's map keys it keeps).
func TestTreeIsTheJSON(t *testing.T) {
	ctx := cuecontext.New()
	compile := func(src string) cue.Value { return ctx.CompileString(src) }
	tests := []struct {
		name string
		v    cue.Value
		ok   bool
	}{
		{"configuration", compile(`accounts: a: {id: "699d98642c564d2e855e9661899b7252", organization: {name: "é", n: 1, f: 1.5, b: true, z: null, l: ["a", 2, [], {}], s: {}}}
_hidden: 1
#Def: 2
optional?: 3
let x = 4
y: x`), true},
		{"defaults", compile(`a: *"x" | "y"
b: *[1] | [2]
c: *{d: 1} | {e: 2}`), true},
		{"bytes", compile(`a: 'ab'`), true},
		{"scalar", compile(`"x"`), true},
		{"field not concrete", compile(`a: {b: string}`), false},
		{"field in error", compile(`a: {b: 1 & 2}`), false},
		{"list item not concrete", compile(`a: [1, string]`), false},
		{"list item in error", compile(`a: [[1 & 2]]`), false},
		{"not concrete", compile(`string`), false},
		{"name not UTF-8", ctx.Encode(map[string]any{"a": map[string]any{"\xff": "x"}}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := tree(tt.v)
			if !tt.ok {
				if !errors.Is(err, errNotData) {
					t.Fatalf("tree = %#v, %v; want errNotData", x, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("tree: %v", err)
			}
			b, err := tt.v.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			var want any
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, jsonTree(x)); diff != "" {
				t.Errorf("tree differs from the JSON %s (-json +tree):\n%s", b, diff)
			}
		})
	}
}

// TestToConfigIsTheJSON: toConfig decodes a tree as encoding/json decodes
// the tree's JSON into a schema.Config (unknown fields refused), and it
// refuses every tree that decoding refuses: a value of the wrong type at
// any level, a field a scope or a revocation does not have, DoH in a zone;
// and a scope without an id, which decoding would take as "".
func TestToConfigIsTheJSON(t *testing.T) {
	const id = "699d98642c564d2e855e9661899b7252"
	account := func(k string, v any) map[string]any {
		return map[string]any{"accounts": map[string]any{"a": map[string]any{"id": id, k: v}}}
	}
	revoke := func(k string, v any) map[string]any {
		return account("revoke", map[string]any{"bob@example.com": map[string]any{k: v}})
	}
	valid := map[string]any{
		"accounts": map[string]any{
			"prod": map[string]any{
				"id": id,
				"organization": map[string]any{"name": "Widget", "is_ui_read_only": true,
					"login_design":     map[string]any{"text_color": "#fff"},
					"custom_pages":     nil,
					"mfa_config":       map[string]any{"allowed_authenticators": []any{"totp"}},
					"auth_domain":      "widget.cloudflareaccess.com",
					"session_duration": "24h"},
				"doh": map[string]any{"doh_jwt_duration": "1h"},
				"revoke": map[string]any{
					"bob@example.com": map[string]any{"devices": true, "warp_session_reauth": false, "user_uid": "u-1", "reason": "left"},
					"eve@example.com": map[string]any{},
				},
			},
			"dev": map[string]any{"id": "799d98642c564d2e855e9661899b7252"},
		},
		"zones": map[string]any{
			"example.com": map[string]any{"id": id, "organization": map[string]any{"name": "Z"}, "revoke": map[string]any{}},
		},
	}
	tests := []struct {
		name string
		x    any
		ok   bool
		// stricter: toConfig refuses what decoding the JSON accepts (a
		// scope without an id, which the schema requires).
		stricter bool
	}{
		{"configuration", valid, true, false},
		{"empty", map[string]any{}, true, false},
		{"no zones", map[string]any{"accounts": map[string]any{}}, true, false},
		{"not a struct", []any{}, false, false},
		{"accounts not a struct", map[string]any{"accounts": "a"}, false, false},
		{"account not a struct", map[string]any{"accounts": map[string]any{"a": true}}, false, false},
		{"zones not a struct", map[string]any{"zones": []any{}}, false, false},
		{"zone not a struct", map[string]any{"zones": map[string]any{"z": "x"}}, false, false},
		{"doh in a zone", map[string]any{"zones": map[string]any{"z": map[string]any{"id": id, "doh": map[string]any{}}}}, false, false},
		{"id not a string", map[string]any{"accounts": map[string]any{"a": map[string]any{"id": true}}}, false, false},
		{"organization not a struct", account("organization", "x"), false, false},
		{"doh not a struct", account("doh", []any{}), false, false},
		{"unknown scope field", account("bogus", "x"), false, false},
		{"revoke not a struct", account("revoke", "bob@example.com"), false, false},
		{"revocation not a struct", account("revoke", map[string]any{"bob@example.com": true}), false, false},
		{"devices not a bool", revoke("devices", "yes"), false, false},
		{"warp_session_reauth not a bool", revoke("warp_session_reauth", "no"), false, false},
		{"user_uid not a string", revoke("user_uid", true), false, false},
		{"reason not a string", revoke("reason", false), false, false},
		{"unknown revocation field", revoke("bogus", true), false, false},
		{"account without an id", map[string]any{"accounts": map[string]any{"a": map[string]any{}}}, false, true},
		{"zone without an id", map[string]any{"zones": map[string]any{"z": map[string]any{"organization": map[string]any{"name": "x"}}}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.x)
			if err != nil {
				t.Fatal(err)
			}
			var want schema.Config
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			dec.DisallowUnknownFields()
			jsonErr := dec.Decode(&want)
			if (jsonErr == nil) != (tt.ok || tt.stricter) {
				t.Fatalf("the case is wrong: decoding its JSON %s gives %v", b, jsonErr)
			}
			c, ok := toConfig(tt.x)
			if ok != tt.ok {
				t.Fatalf("toConfig ok = %v (%+v), want %v; decoding the JSON gives %v", ok, c, tt.ok, jsonErr)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff(&want, c); diff != "" {
				t.Errorf("toConfig differs from decoding the JSON (-json +toConfig):\n%s", diff)
			}
		})
	}
}

// TestSeveralConfigurationsListsEight: a directory holding ten
// configurations names the first eight and counts the rest.
func TestSeveralConfigurationsListsEight(t *testing.T) {
	root := filepath.Join(t.TempDir(), "repo")
	var listed []string
	for i := range 10 {
		d := filepath.Join(root, fmt.Sprintf("c%d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "a.cue"), fmt.Appendf(nil, "package p%d\n", i), 0o644); err != nil {
			t.Fatal(err)
		}
		if i < 8 {
			listed = append(listed, fmt.Sprintf("c%d (package p%d)", i, i))
		}
	}
	_, err := newLoader(t).LoadDir(root)
	wantProblem(t, err, root, "this directory holds more than one configuration: files of 10 packages in "+
		strings.Join(listed, ", ")+", and 2 more. ztsync reads every .cue file below the directory as one configuration: "+
		"point it at one of them (--dir "+filepath.Join(root, "c0")+")")
}

// TestSeveralConfigurationsHere: run in a directory holding several
// configurations (--dir .), the problem is the directory "." and the
// advice a path relative to it.
func TestSeveralConfigurationsHere(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, d := range []string{"prod", "staging"} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "a.cue"), []byte("package "+d+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := newLoader(t).LoadDir(".")
	wantProblem(t, err, ".", "this directory holds more than one configuration: files of 2 packages in prod (package prod), staging (package staging). "+
		"ztsync reads every .cue file below the directory as one configuration: point it at one of them (--dir prod)")
}

// TestInconsistencyNamesTheFirstField: when the Go rules wrongly refuse
// two fields of a scope, the problem names the first by name, every time
// (not whichever a map gives first).
func TestInconsistencyNamesTheFirstField(t *testing.T) {
	l := newLoader(t)
	broken := buildShape(nil)
	org := broken.fields["accounts"].keys.fields["organization"].fields
	delete(org, "name")
	delete(org, "auth_domain")
	l.shape = broken
	src := "accounts: prod: {\n\tid: \"699d98642c564d2e855e9661899b7252\"\n\torganization: name: \"Widget\"\n\torganization: auth_domain: \"widget.cloudflareaccess.com\"\n}\n"
	for range 20 {
		_, err := l.load([]srcFile{{rel: "a.cue", name: "cfg/a.cue", data: []byte(src)}})
		var problems Errors
		if !errors.As(err, &problems) || len(problems) != 1 {
			t.Fatalf("load = %v, want one problem", err)
		}
		if p := problems[0]; p.Position() != "cfg/a.cue:4:29" || p.Path != "accounts.prod.organization.auth_domain" {
			t.Fatalf("problem = %s (%s), want auth_domain's", p.Error(), p.Path)
		}
	}
}
