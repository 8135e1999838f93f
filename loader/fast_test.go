package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/ztsync/ztsync/bench/gentree"
	"github.com/ztsync/ztsync/schema"
)

// verdict is what agree found about one configuration.
type verdict int

const (
	fastAccepted verdict = iota // the fast path accepted it
	fastRefused                 // a Go rule refused it (the full path explains)
	fastSkipped                 // not judged by the Go rules (errors, incomplete, defaults)
)

// agree loads files with and without the fast path and fails t unless the
// two agree exactly: the same configuration, or the same problems. It
// also holds the fast check itself to the full path: what it accepts the
// schema accepts, with the same configuration; what it refuses the schema
// refuses.
func agree(t *testing.T, l *Loader, files []srcFile) verdict {
	t.Helper()
	fullRes, fullErr := l.loadVia(files, true)
	res, err := l.loadVia(files, false)
	if diff := cmp.Diff(describeOutcome(fullRes, fullErr), describeOutcome(res, err)); diff != "" {
		t.Fatalf("with the fast path, the load differs (-full +fast):\n%s", diff)
	}
	return agreeCheck(t, l, files)
}

// agreeCheck is the second half of agree: the Go rules against the
// schema, scope by scope, on one evaluation of the files. What they accept
// the schema accepts, with the same configuration; a scope they refuse
// the schema refuses (unless a default is involved, which the schema may
// take differently), and a refusal above the scopes too.
func agreeCheck(t *testing.T, l *Loader, files []srcFile) verdict {
	t.Helper()
	raw, _, defaults, err := l.build(files)
	if err != nil {
		return fastSkipped
	}
	// The schema's verdict (the duplicate-id check comes after both).
	fullConfig, fullErr := l.full(raw)
	if raw.Validate(cue.Concrete(true)) != nil {
		return fastSkipped
	}
	x, err := tree(raw)
	if err != nil {
		return fastSkipped
	}
	top, bad := l.judgeScopes(x)
	switch {
	case top != nil:
		if fullErr == nil && !defaults {
			t.Fatalf("the fast check refuses what the schema accepts: %s: %s", formatPath(top.labels, nil), top.msg)
		}
		return fastRefused
	case len(bad) == 0:
		if fullErr != nil {
			t.Fatalf("the fast check accepts what the schema refuses:\n%v", fullErr)
		}
		c, ok := toConfig(x)
		if !ok {
			t.Fatal("the fast check accepts a tree it cannot decode")
		}
		if diff := cmp.Diff(fullConfig, c); diff != "" {
			t.Fatalf("the fast check decodes a different configuration (-full +fast):\n%s", diff)
		}
		return fastAccepted
	}
	if defaults {
		return fastRefused
	}
	var problems Errors
	if !errors.As(fullErr, &problems) {
		t.Fatalf("the fast check refuses %s: %s; the schema accepts (%v)", formatPath(bad[0].labels, nil), bad[0].msg, fullErr)
	}
	for _, f := range bad {
		scope := formatPath(f.labels[:2], nil)
		found := false
		for _, p := range problems {
			found = found || p.Path == scope || strings.HasPrefix(p.Path, scope+".")
		}
		if !found {
			t.Fatalf("the fast check refuses %s: %s; the schema has no problem there:\n%v", formatPath(f.labels, nil), f.msg, problems)
		}
	}
	return fastRefused
}

// describeOutcome prints a load's outcome for comparison.
func describeOutcome(res *Result, err error) any {
	var problems Errors
	switch {
	case errors.As(err, &problems):
		return "problems:\n" + renderProblems(problems)
	case err != nil:
		return "error: " + err.Error()
	}
	// Position is a function of the evaluated value: compare what it says
	// about the top of the configuration, not the function itself.
	return struct {
		Config   *schema.Config
		Files    []string
		Accounts string
	}{res.Config, res.Files, res.Position("accounts")}
}

// TestFastPathAgreesGolden runs every golden case with and without the
// fast path, and checks that the valid ones take it.
func TestFastPathAgreesGolden(t *testing.T) {
	l := newLoader(t)
	accepted := 0
	forEachGolden(t, func(t *testing.T, _ string, ar *txtar.Archive) {
		files, problems, err := readDisk("cfg", l.limits)
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) > 0 {
			return // refused before either path
		}
		v := agree(t, l, files)
		valid := false
		for _, f := range ar.Files {
			valid = valid || f.Name == "want.json"
		}
		if valid && v != fastAccepted {
			t.Errorf("valid configuration not accepted by the fast path (verdict %d)", v)
		}
		if v == fastAccepted {
			accepted++
		}
	})
	if accepted < 2 {
		t.Errorf("the fast path accepted %d golden cases, want the valid ones", accepted)
	}
}

// TestFastPathTakesGeneratedTree: the benchmark's kind of configuration,
// small, goes the fast way and decodes as the full path does.
func TestFastPathTakesGeneratedTree(t *testing.T) {
	t.Parallel()
	l := newLoader(t)
	var files []srcFile
	tree := gentree.Fleet{Accounts: 20, Zones: 80, Files: 10}.Tree()
	for _, name := range slices.Sorted(maps.Keys(tree)) {
		files = append(files, srcFile{rel: name, name: filepath.Join("cfg", name), data: tree[name]})
	}
	if v := agree(t, l, files); v != fastAccepted {
		t.Fatalf("verdict %d, want the fast path to accept", v)
	}
}

// TestFastPathInconsistencyRefuses: when the Go rules refuse a value the
// schema accepts (here by removing a field from the rules), the load
// fails with a positioned problem that says so; it never accepts.
func TestFastPathInconsistencyRefuses(t *testing.T) {
	t.Parallel()
	l := newLoader(t)
	src := "accounts: prod: {\n\tid: \"699d98642c564d2e855e9661899b7252\"\n\torganization: name: \"Widget\"\n}\n"
	files := []srcFile{{rel: "a.cue", name: "cfg/a.cue", data: []byte(src)}}
	if v := agree(t, l, files); v != fastAccepted {
		t.Fatalf("verdict %d, want the fast path to accept", v)
	}
	// A copy of the rules in which an account's organization has no name.
	broken := buildShape(nil)
	delete(broken.fields["accounts"].keys.fields["organization"].fields, "name")
	l.shape = broken
	_, err := l.load(files)
	var problems Errors
	if !errors.As(err, &problems) || len(problems) != 1 {
		t.Fatalf("load = %v, want one problem", err)
	}
	p := problems[0]
	if p.Position() != "cfg/a.cue:3:22" || p.Path != "accounts.prod.organization.name" ||
		!strings.Contains(p.Msg, "a bug in ztsync") {
		t.Errorf("problem = %s", p.Error())
	}
}

// TestShapeFollowsClassify: every fixed field of the rules is one that
// classify allows at its place, and keyed entries are names and emails.
func TestShapeFollowsClassify(t *testing.T) {
	t.Parallel()
	var walk func(labels []string, sh *shape)
	n := 0
	walk = func(labels []string, sh *shape) {
		n++
		switch sh.kind {
		case shapeFixed:
			for f, c := range sh.fields {
				l := append(labels[:len(labels):len(labels)], f)
				if s := classify(l); s.kind != siteField || !s.allows(f) {
					t.Errorf("%v: classify does not allow %s", l, f)
				}
				walk(l, c)
			}
		case shapeKeyed:
			if k := sh.keys.site.kind; k != siteName && k != siteEmail {
				t.Errorf("%v: entries are %d, want names or emails", labels, k)
			}
			walk(append(labels, "*"), sh.keys)
		case shapeList:
			if sh.item.site.kind != siteItem {
				t.Errorf("%v: list items are not items", labels)
			}
		}
	}
	walk(nil, buildShape(nil))
	// root, accounts, zones, 2 names, 3+4 scope fields, organization
	// fields, sub-fields, ...: a sanity floor, not an exact count.
	if n < 40 {
		t.Errorf("shape has %d nodes", n)
	}
}

// TestShapeJudgesAsClassify: the rules built once (buildShape) say of a
// value what classify's site at the value's own labels says, keyed entries
// and list items included (named by their key and index, not by the
// stand-in the shape was built with).
func TestShapeJudgesAsClassify(t *testing.T) {
	t.Parallel()
	id := "699d98642c564d2e855e9661899b7252"
	for _, x := range []map[string]any{
		{"accounts": map[string]any{"prod": map[string]any{"id": id, "revoke": map[string]any{"bob@example.com": "x"}}}},
		{"zones": map[string]any{"example.com": map[string]any{"id": id, "revoke": map[string]any{"eve@example.com": []any{}}}}},
		{"accounts": map[string]any{"prod": "x"}},
		{"zones": map[string]any{"example.com": true}},
		{"accounts": map[string]any{"prod": map[string]any{"id": id, "organization": map[string]any{"login_design": "x"}}}},
		{"accounts": map[string]any{"prod": map[string]any{"id": id, "organization": map[string]any{
			"deny_unmatched_requests_exempted_zone_names": []any{"a.com", true}}}}},
	} {
		f := buildShape(nil).judge(nil, x, true)
		if f == nil {
			t.Fatalf("%v: no finding", x)
		}
		var v any = x
		for _, l := range f.labels {
			switch c := v.(type) {
			case map[string]any:
				v = c[l]
			case []any:
				i, _ := strconv.Atoi(l)
				v = c[i]
			}
		}
		k, str := kindOf(v)
		want := classify(f.labels).judge(k, str, func() string { return describeTree(v) })
		if f.msg != want || want == "" {
			t.Errorf("%s: judge says %q, classify's site %q", formatPath(f.labels, nil), f.msg, want)
		}
	}
}

// TestRegexpsAreTheSchemas: the Go rules' regular expressions are the
// schema's, character for character.
func TestRegexpsAreTheSchemas(t *testing.T) {
	t.Parallel()
	src, err := fs.ReadFile(schema.CUEFiles(), "schema.cue")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile("schema.cue", src)
	if err != nil {
		t.Fatal(err)
	}
	defs := map[string]string{}
	for _, d := range f.Decls {
		field, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, _, _ := ast.LabelName(field.Label)
		ast.Walk(field.Value, func(n ast.Node) bool {
			if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.MAT {
				if lit, ok := u.X.(*ast.BasicLit); ok {
					s, err := literal.Unquote(lit.Value)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					defs[name] = s
				}
			}
			return true
		}, nil)
	}
	for def, re := range map[string]string{
		"#Name":         schema.NamePattern,
		"#ID":           schema.IDPattern,
		"#UUID":         schema.UUIDPattern,
		"#Hostname":     schema.HostnamePattern,
		"#Email":        emailRE.String(),
		"#MinutesHours": schema.MinutesHoursPattern,
	} {
		if defs[def] != re {
			t.Errorf("%s: schema has %q, Go has %q", def, defs[def], re)
		}
	}
}

// fuzzFiles splits fuzz input into one or two files at "-- b.cue --".
func fuzzFiles(src string) []srcFile {
	files := []srcFile{{rel: "a.cue", name: filepath.Join("cfg", "a.cue")}}
	if a, b, ok := strings.Cut(src, "\n-- b.cue --\n"); ok {
		files[0].data = []byte(a)
		return append(files, srcFile{rel: "b.cue", name: filepath.Join("cfg", "b.cue"), data: []byte(b)})
	}
	files[0].data = []byte(src)
	return files
}

// The values every field rule is tried with: valid and invalid edges of
// every type.
var seedValues = []string{
	`"24h"`, `"1h30m"`, `"0"`, `"0s"`, `"-0s"`, `"+1h"`, `"-1h"`, `".5h"`, `"1.5h"`, `"90m"`, `"90s"`, `"1d"`,
	`"730h"`, `"729h59m59s"`, `"43800m"`, `"+730h"`, `"2562047h"`, `"9999999999h"`, `"300ms"`, `"2µs"`,
	`"#fff"`, `"#FFF"`, `"#c5ed1b"`, `"#ffff"`, `"red"`, `"fff"`,
	`"example.com"`, `"a-b.c.d"`, `"localhost"`, `"-a.com"`, `"a..b"`, `"a_b.com"`, `"EXAMPLE.COM"`,
	`"` + strings.Repeat("a.", 126) + `com"`, `"` + strings.Repeat("a.", 125) + `com"`, `"` + strings.Repeat("a", 64) + `.com"`,
	`"https://example.com/a.png"`, `"http://x"`, `"ftp://x"`, `"https://"`, `"https://a b"`, `"https://a/b c"`, `"https://a?q"`,
	`"699d98642c564d2e855e9661899b7252"`, `"699D98642C564D2E855E9661899B7252"`, `"abc"`,
	`"3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4"`, `"3F9B1A52-6C1E-4D0A-9B9E-2F64C1A0E7D4"`, `"3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d"`,
	`["totp", "biometrics"]`, `{allowed_authenticators: ["totp"]}`,
	`""`, `"x"`, `"\u00e9"`, `"\t"`, `'bytes'`, `''`,
	`true`, `false`, `null`, `0`, `1`, `1.5`, `-1`, `1e3`,
	`[]`, `["example.com"]`, `["example.com", "a.b"]`, `["x"]`, `[1]`, `[null]`, `[[]]`, `[{}]`, `["a.com", ...string]`,
	`{}`, `{x: 1}`, `{background_color: "#fff"}`, `{forbidden: "x"}`, `{name: "x"}`,
	`string`, `"a" | "b"`, `*"a" | "b"`, `*"" | "x"`, `=~"^a"`, `_`, `_|_`,
	`strings.ToUpper("a.com")`, `strings.ByteSlice("abc", 0, 1)`, `"\(1)h"`,
}

// seedPlaces are the places a value is tried at, as a CUE field path
// under a valid account or zone.
var seedPlaces = []string{
	"id",
	"organization",
	"organization: name", "organization: auth_domain", "organization: session_duration",
	"organization: warp_auth_session_duration", "organization: user_seat_expiration_inactive_time",
	"organization: allow_authenticate_via_warp", "organization: auto_redirect_to_identity",
	"organization: is_ui_read_only", "organization: ui_read_only_toggle_reason",
	"organization: login_design", "organization: login_design: background_color",
	"organization: login_design: text_color", "organization: login_design: logo_path",
	"organization: login_design: header_text", "organization: login_design: footer_text",
	"organization: custom_pages", "organization: custom_pages: forbidden", "organization: custom_pages: identity_denied",
	"organization: deny_unmatched_requests", "organization: deny_unmatched_requests_exempted_zone_names",
	"organization: mfa_config", "organization: mfa_config: allowed_authenticators",
	"organization: mfa_config: session_duration", "organization: mfa_config: amr_matching_session_duration",
	"organization: mfa_config: required_aaguids", "organization: mfa_required_for_all_apps",
	"organization: mfa_ssh_piv_key_requirements", "organization: mfa_configuration_allowed",
	"organization: created_at", "organization: bogus",
	"doh", "doh: doh_jwt_duration", "doh: service_token_id", "doh: bogus",
	"revoke", `revoke: "bob@example.com"`, `revoke: "bob@example.com": devices`,
	`revoke: "bob@example.com": warp_session_reauth`, `revoke: "bob@example.com": user_uid`,
	`revoke: "bob@example.com": reason`, `revoke: "not an email"`, "bogus",
}

// placedValues returns every value at every place, in an account and in
// a zone.
func placedValues() []string {
	var out []string
	for _, kind := range []string{"accounts", "zones"} {
		for _, place := range seedPlaces {
			for _, v := range seedValues {
				src := placedScope(kind, "prod-1", place, v)
				if strings.Contains(v, "strings.") {
					src = "import \"strings\"\n\n" + src
				}
				out = append(out, src)
			}
		}
	}
	return out
}

// placedScope is an account or zone (kind) named name with the value v at
// place, and the id 699d98642c564d2e855e9661899b7252 unless the place is
// the id.
func placedScope(kind, name, place, v string) string {
	return placedScopeID(kind, name, place, v, "699d98642c564d2e855e9661899b7252")
}

// placedScopeID is placedScope with the given id.
func placedScopeID(kind, name, place, v, id string) string {
	if place == "id" {
		return fmt.Sprintf("%s: %q: id: %s\n", kind, name, v)
	}
	return fmt.Sprintf("%s: %q: {\n\tid: %q\n\t%s: %s\n}\n", kind, name, id, place, v)
}

// wholeConfigs are configurations that try one thing each: keys, empty
// and odd top levels, optional, required, hidden and pattern fields,
// references, comprehensions, the schema imported.
func wholeConfigs() []string {
	id := `"699d98642c564d2e855e9661899b7252"`
	return []string{
		"",
		"accounts: {}\nzones: {}\n",
		"null\n", "5\n", "[]\n", "accounts: null\n", "zones: 5\n",
		"accounts: \"-bad\": id: " + id + "\n",
		"accounts: \"a b\": id: " + id + "\n",
		"accounts: \"ok.name_2@x\": id: " + id + "\n",
		"accounts: a: {}\n",
		"accounts: a: id?: " + id + "\n",
		"accounts: a: id!: " + id + "\n",
		"accounts: a: {id: " + id + ", bogus?: 1, _hidden: 2, #Def: 3}\n",
		"accounts: a: {id: " + id + ", organization: name?: 5}\n",
		"accounts: [string]: organization: name: \"x\"\naccounts: a: id: " + id + "\n",
		"accounts: [string]: bogus: 1\naccounts: a: id: " + id + "\n",
		"accounts: [string]: bogus: 1\n",
		"zones: a: {id: " + id + ", doh: {}}\n",
		"zones: a: {id: " + id + ", organization: session_duration: \"24h\"}\n",
		"zones: a: {id: " + id + ", organization: custom_pages: {}}\n",
		"accounts: a: {id: " + id + "}\nzones: a: {id: " + id + "}\n",
		"accounts: a: {id: " + id + "}\naccounts: b: {id: " + id + "}\n",
		"x: 1\n", "_x: 1 & 2\naccounts: {}\n", "#X: 1 & 2\n", "let x = 1\ny: x\n",
		"accounts: a: {id: " + id + ", organization: name: \"x\"}\n-- b.cue --\naccounts: a: organization: name: \"y\"\n",
		"zones: z: {id: " + id + ", organization: accounts.a.organization}\naccounts: a: {id: " + id + ", organization: session_duration: \"1h\"}\n",
		"for i in [1, 2] {\n\tzones: \"z\\(i).example.com\": id: \"\\(i)99d98642c564d2e855e9661899b7252\"\n}\n",
		"import \"github.com/ztsync/ztsync/schema\"\nschema.#Config & {zones: z: schema.#Zone & {id: " + id + "}}\n",
		"import \"github.com/ztsync/ztsync/schema\"\naccounts: a: organization: schema.#AccountOrganization & {name: \"x\"}\naccounts: a: id: " + id + "\n",
		// Defaults: the schema takes another branch only by refusing one.
		"accounts: a: {id: " + id + ", organization: session_duration: *\"bad\" | \"8h\"}\n",
		"accounts: a: {id: " + id + ", organization: session_duration: *\"8h\" | \"bad\"}\n",
		"accounts: a: {id: " + id + ", organization: session_duration: *\"bad\" | \"worse\"}\n",
		"accounts: a: {id: " + id + ", organization: *{name: \"\"} | {name: \"x\"}}\n",
		"accounts: a: {id: " + id + ", organization: *{bogus: 1} | {name: \"x\"}}\n",
		"accounts: a: {id: " + id + ", doh: *5 | {doh_jwt_duration: \"1h\"}}\n",
		"#B: {id: string, organization: is_ui_read_only: *false | bool}\naccounts: a: #B & {id: " + id + "}\naccounts: b: #B & {id: \"799d98642c564d2e855e9661899b7252\", organization: is_ui_read_only: 5}\n",
		"#B: {organization: user_seat_expiration_inactive_time: *\"24h\" | string, ...}\nzones: z: #B & {id: " + id + "}\nzones: y: #B & {id: \"799d98642c564d2e855e9661899b7252\", organization: user_seat_expiration_inactive_time: \"800h\"}\n",
		"#B: {id: *" + id + " | string}\naccounts: [string]: #B\naccounts: a: {}\naccounts: b: {}\n",
	}
}

// TestFastPathAgreesEverywhere: every value at every place, and every
// whole configuration, judged the same by the fast check and the schema;
// both verdicts occur often.
//
// The places run in parallel, each with a Loader of its own (a Loader is
// not safe for concurrent use; a fresh CUE context keeps the heap small).
// At one place, the values that are concrete and mark no default are
// judged together, one scope each (see agreeScopes); the others, which
// the fast check does not judge or judges differently (defaults), one by
// one, as subtests numbered by their index in placedValues().
func TestFastPathAgreesEverywhere(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	count := map[verdict]int{}
	tally := func(v verdict) {
		mu.Lock()
		count[v]++
		mu.Unlock()
	}
	t.Run("places", func(t *testing.T) {
		n := 0
		for _, kind := range []string{"accounts", "zones"} {
			for _, place := range seedPlaces {
				first := n
				n += len(seedValues)
				t.Run(kind+"/"+place, func(t *testing.T) {
					t.Parallel()
					l := newLoader(t)
					var together, alone []int
					for i, v := range seedValues {
						if concreteAlone(v) {
							together = append(together, i)
						} else {
							alone = append(alone, i)
						}
					}
					verdicts, ok := agreeScopes(t, l, kind, place, together)
					if !ok {
						alone = append(alone, together...)
						verdicts = nil
					}
					for _, v := range verdicts {
						tally(v)
					}
					for _, i := range alone {
						t.Run(fmt.Sprint(first+i), func(t *testing.T) {
							tally(agreeCheck(t, l, fuzzFiles(valueImports(seedValues[i])+placedScope(kind, "prod-1", place, seedValues[i]))))
						})
					}
				})
			}
		}
		t.Run("whole", func(t *testing.T) {
			t.Parallel()
			l := newLoader(t)
			for i, src := range wholeConfigs() {
				t.Run(fmt.Sprint(i), func(t *testing.T) { tally(agreeCheck(t, l, fuzzFiles(src))) })
			}
		})
	})
	t.Logf("accepted %d, refused %d, not judged %d", count[fastAccepted], count[fastRefused], count[fastSkipped])
	if count[fastAccepted] < 500 || count[fastRefused] < 3000 {
		t.Errorf("accepted %d, refused %d: the cases no longer reach the fast check", count[fastAccepted], count[fastRefused])
	}
}

// valueImports is the import a seed value needs, if any.
func valueImports(v string) string {
	if strings.Contains(v, "strings.") {
		return "import \"strings\"\n\n"
	}
	return ""
}

// concreteAlone reports whether a seed value is concrete on its own and
// marks no default: wherever it is placed, the fast check judges it.
func concreteAlone(v string) bool {
	if strings.Contains(v, "*") {
		return false
	}
	x := cuecontext.New().CompileString(valueImports(v) + "x: " + v)
	return x.Validate(cue.Concrete(true)) == nil
}

// agreeScopes is agreeCheck for many values at one place at once: one
// scope each (named v and the value's index in seedValues, with an id of
// its own), in one
// configuration. #Config relates no scope to another (scopes.go), so each
// scope's verdict is the one it would get alone, and the checks are
// agreeCheck's, scope by scope: a scope the fast check refuses has a
// problem in the schema's verdict; and no other scope has one; the scopes
// it accepts, loaded on their own, are accepted by the schema with the
// configuration the fast check decodes. It returns each value's verdict,
// or false if the configuration is not one the fast check judges (the
// caller then checks the values one by one).
func agreeScopes(t *testing.T, l *Loader, kind, place string, idx []int) ([]verdict, bool) {
	t.Helper()
	if len(idx) == 0 {
		return nil, true
	}
	var b strings.Builder
	imports := ""
	for _, i := range idx {
		// Ids of their own: the full path refuses a duplicate id.
		b.WriteString(placedScopeID(kind, fmt.Sprintf("v%d", i), place, seedValues[i], fmt.Sprintf("%032x", i+1)))
		if imports == "" {
			imports = valueImports(seedValues[i])
		}
	}
	files := fuzzFiles(imports + b.String())
	raw, _, defaults, err := l.build(files)
	if err != nil || defaults || raw.Validate(cue.Concrete(true)) != nil {
		return nil, false
	}
	x, err := tree(raw)
	if err != nil {
		return nil, false
	}
	top, bad := l.judgeScopes(x)
	if top != nil {
		return nil, false
	}
	value := func(name string) string {
		var i int
		fmt.Sscanf(name, "v%d", &i)
		return fmt.Sprintf("%s %s: %s", kind, place, seedValues[i])
	}
	fullConfig, fullErr := l.full(raw)
	if len(bad) == 0 {
		if fullErr != nil {
			t.Fatalf("the fast check accepts what the schema refuses:\n%v", fullErr)
		}
		c, ok := toConfig(x)
		if !ok {
			t.Fatal("the fast check accepts a tree it cannot decode")
		}
		if diff := cmp.Diff(fullConfig, c); diff != "" {
			t.Fatalf("the fast check decodes a different configuration (-full +fast):\n%s", diff)
		}
		out := make([]verdict, len(idx))
		for i := range out {
			out[i] = fastAccepted
		}
		return out, true
	}
	var problems Errors
	if !errors.As(fullErr, &problems) {
		t.Fatalf("the fast check refuses %s (%s: %s); the schema accepts (%v)", value(bad[0].labels[1]), formatPath(bad[0].labels, nil), bad[0].msg, fullErr)
	}
	refused := map[string]bool{}
	for _, f := range bad {
		scope := formatPath(f.labels[:2], nil)
		refused[scope] = true
		found := false
		for _, p := range problems {
			found = found || p.Path == scope || strings.HasPrefix(p.Path, scope+".")
		}
		if !found {
			t.Fatalf("the fast check refuses %s (%s: %s); the schema has no problem there:\n%v", value(f.labels[1]), formatPath(f.labels, nil), f.msg, problems)
		}
	}
	for _, p := range problems {
		parts := strings.SplitN(p.Path, ".", 3)
		if len(parts) < 2 || !refused[parts[0]+"."+parts[1]] {
			t.Fatalf("the schema refuses %s, which the fast check accepts: %s", p.Path, p.Error())
		}
	}
	var accepted []int
	var out []verdict
	for _, i := range idx {
		if refused[formatPath([]string{kind, fmt.Sprintf("v%d", i)}, nil)] {
			out = append(out, fastRefused)
		} else {
			accepted = append(accepted, i)
		}
	}
	more, ok := agreeScopes(t, l, kind, place, accepted)
	if !ok || len(more) != len(accepted) || slices.ContainsFunc(more, func(v verdict) bool { return v != fastAccepted }) {
		t.Fatalf("the scopes the fast check accepts among others, loaded on their own, are not all accepted (%v, %v)", ok, more)
	}
	return append(out, more...), true
}

// FuzzFastPathAgrees: on any text, loading with the fast path gives what
// loading without it gives, and the fast check's own verdict agrees with
// the schema's (see agree).
func FuzzFastPathAgrees(f *testing.F) {
	addGoldenSeeds(f)
	// One in 16 of the placed values (the test above tries them all).
	for i, s := range placedValues() {
		if i%16 == 0 {
			f.Add(s)
		}
	}
	for _, s := range wholeConfigs() {
		f.Add(s)
	}
	// Small generated trees, plain and templated, valid and not: the
	// baseline file and one file of scopes.
	for _, fl := range []gentree.Fleet{
		{Accounts: 2, Zones: 3, Templated: true},
		{Accounts: 2, Zones: 3, Templated: true, Invalid: 2},
		{Accounts: 2, Zones: 3, Invalid: 1},
	} {
		tree := fl.Tree()
		src := string(tree[gentree.FileName(0)])
		if b, ok := tree[gentree.BaselineFile]; ok {
			src = string(b) + "\n-- b.cue --\n" + src
		}
		f.Add(src)
	}
	var l *Loader
	n := 0
	f.Fuzz(func(t *testing.T, src string) {
		// A CUE context keeps what it has built: a fresh Loader now and
		// then keeps a long run from slowing down.
		if n%100 == 0 {
			l = newLoader(t)
		}
		n++
		agree(t, l, fuzzFiles(src))
	})
}

// FuzzFastPathValues puts any string at any place of an account or a
// zone, as a field's value, as the scope's name or as a revoke entry's
// email, where text fuzzing rarely reaches: the string rules
// (durations, hostnames, colors, URLs, names, emails) are where the Go
// rules and the schema could part.
func FuzzFastPathValues(f *testing.F) {
	for i := range seedPlaces {
		for j, v := range seedValues {
			if s, err := literal.Unquote(v); err == nil && strings.HasPrefix(v, `"`) && j%3 == i%3 {
				f.Add(uint8(i+128*(j%2)), "prod-1", s) // accounts and zones
			}
		}
	}
	for _, name := range []string{"a", "-bad", "a b", "ok.name_2@x", "", "é", "1"} {
		f.Add(uint8(0), name, "699d98642c564d2e855e9661899b7252")
	}
	for _, email := range []string{"bob@example.com", "a.b+c@x.co.uk", "bob", "bob@x", "@x.com", "b@-x.com", "b@x..com", ""} {
		f.Add(uint8(len(seedPlaces)), "prod", email)
	}
	var l *Loader
	n := 0
	f.Fuzz(func(t *testing.T, place uint8, name, value string) {
		if n%100 == 0 {
			l = newLoader(t)
		}
		n++
		agree(t, l, fuzzFiles(placedConfig(place, name, value)))
	})
}

// placedConfig is FuzzFastPathValues' configuration: an account (place
// below 128) or a zone named name with value at seedPlaces[place%128], or
// as a revoke entry's email past the end of seedPlaces.
func placedConfig(place uint8, name, value string) string {
	kind := "accounts"
	if place >= 128 {
		kind = "zones"
	}
	p := int(place%128) % (len(seedPlaces) + 1)
	field := ""
	if p == len(seedPlaces) {
		field = "revoke: " + literal.String.Quote(value) + ": {}"
	} else {
		field = seedPlaces[p] + ": " + literal.String.Quote(value)
	}
	id := "\tid: \"699d98642c564d2e855e9661899b7252\"\n"
	if seedPlaces[0] == "id" && p == 0 {
		id = "" // the value is the id
	}
	return fmt.Sprintf("%s: %s: {\n%s\t%s\n}\n", kind, literal.String.Quote(name), id, field)
}
