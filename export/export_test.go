package export

import (
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testTime and testSource are the header's values in every golden file.
var testTime = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

const testSource = "https://api.cloudflare.com/client/v4"

// goldenCase is one testdata/<name>.json: an Input without source and time.
type goldenCase struct {
	Kind         schema.Kind   `json:"kind"`
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	AllFields    bool          `json:"all_fields"`
	Organization schema.Object `json:"organization"`
	DoH          schema.Object `json:"doh"`
}

func (c goldenCase) input() Input {
	return Input{
		Scope:        schema.Scope{Kind: c.Kind, ID: c.ID, Name: c.Name},
		Organization: c.Organization,
		DoH:          c.DoH,
		AllFields:    c.AllFields,
		Source:       testSource,
		Time:         testTime,
	}
}

// goldenCases reads every testdata/*.json case, by name.
func goldenCases(t *testing.T) map[string]goldenCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no testdata/*.json cases")
	}
	cases := map[string]goldenCase{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var c goldenCase
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		cases[strings.TrimSuffix(filepath.Base(p), ".json")] = c
	}
	return cases
}

// TestGolden exports every testdata/*.json case and compares the output
// with testdata/*.cue (-update rewrites them). Every output must also parse
// and validate against the embedded schema.
func TestGolden(t *testing.T) {
	t.Parallel()
	for name, c := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := CUE(&buf, c.input()); err != nil {
				t.Fatalf("CUE: %v", err)
			}
			got := buf.String()
			golden := filepath.Join("testdata", name+".cue")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("CUE() mismatch (-want +got):\n%s", diff)
			}
			if err := validateAgainstSchema(buf.Bytes()); err != nil {
				t.Errorf("output does not validate: %v\n%s", err, got)
			}
		})
	}
}

func TestCUEErrors(t *testing.T) {
	t.Parallel()
	const id = "699d98642c564d2e855e9661899b7252"
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"bad kind", Input{Scope: schema.Scope{Kind: "org", ID: id}}, `unknown scope kind "org"`},
		{"bad id", Input{Scope: schema.Scope{Kind: schema.KindAccount, ID: "ABC"}}, `id "ABC" is not 32 lowercase hex`},
		{"bad name", Input{Scope: schema.Scope{Kind: schema.KindZone, ID: id, Name: "-x"}}, `name "-x" must match`},
		{"space in name", Input{Scope: schema.Scope{Kind: schema.KindZone, ID: id, Name: "a b"}}, `name "a b" must match`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := CUE(&buf, tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CUE() error = %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("CUE() wrote %q on error", buf.String())
			}
		})
	}
}

func TestDefaultName(t *testing.T) {
	t.Parallel()
	const id = "699d98642c564d2e855e9661899b7252"
	tests := []struct {
		name string
		kind schema.Kind
		org  schema.Object
		want string
	}{
		{"team name", schema.KindAccount, schema.Object{"auth_domain": "widgetcorps.cloudflareaccess.com", "name": "Widget"}, "widgetcorps"},
		{"team name upper case", schema.KindAccount, schema.Object{"auth_domain": "WidgetCorps.CloudflareAccess.com."}, "widgetcorps"},
		{"custom domain", schema.KindAccount, schema.Object{"auth_domain": "access.example.com"}, "access.example.com"},
		{"from name", schema.KindAccount, schema.Object{"name": "Widget Corps (Prod)!"}, "widget-corps-prod"},
		{"unicode name", schema.KindAccount, schema.Object{"name": "Ünïcode & Co."}, "n-code-co"},
		{"name keeps @ and _", schema.KindAccount, schema.Object{"name": "ops@acme_eu"}, "ops@acme_eu"},
		{"invalid auth_domain uses the name", schema.KindAccount, schema.Object{"auth_domain": "not a host", "name": "Acme"}, "acme"},
		{"nothing usable", schema.KindAccount, schema.Object{"name": "!!!", "auth_domain": 7}, "account-699d9864"},
		{"nil org", schema.KindAccount, nil, "account-699d9864"},
		{"zone ignores the org", schema.KindZone, schema.Object{"auth_domain": "x.cloudflareaccess.com"}, "zone-699d9864"},
		{"long name is cut", schema.KindAccount, schema.Object{"name": strings.Repeat("ab-", 40)}, strings.TrimSuffix(strings.Repeat("ab-", 21), "-")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultName(tt.kind, id, tt.org)
			if got != tt.want {
				t.Errorf("DefaultName() = %q, want %q", got, tt.want)
			}
			if !schema.IsName(got) {
				t.Errorf("DefaultName() = %q does not pass schema.IsName", got)
			}
		})
	}
}

// TestHeader checks the header comment: the source without credentials or
// line breaks, the time in UTC, and no time when it is zero.
func TestHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		source string
		when   time.Time
		want   string
	}{
		{"url and time", "https://api.cloudflare.com/client/v4", time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)),
			"// Exported by ztsync export from https://api.cloudflare.com/client/v4 at 2026-01-02T02:04:05Z; edit freely.\n"},
		{"credentials dropped", "https://user:secret@example.com/v4?token=secret#frag", time.Time{},
			"// Exported by ztsync export from https://example.com/v4; edit freely.\n"},
		{"line breaks", "emulator\npackage evil", time.Time{},
			"// Exported by ztsync export from emulator\\npackage evil; edit freely.\n"},
		{"no source", "", time.Time{}, "// Exported by ztsync export; edit freely.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			in := Input{Scope: schema.Scope{Kind: schema.KindAccount, ID: "699d98642c564d2e855e9661899b7252", Name: "x"}, Source: tt.source, Time: tt.when}
			if err := CUE(&buf, in); err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(buf.String(), "\n")
			if diff := cmp.Diff(tt.want, first+"\n"); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}
			if strings.Contains(buf.String(), "secret") {
				t.Errorf("output holds a credential:\n%s", buf.String())
			}
		})
	}
}

// schemaValue compiles the embedded schema once per test binary.
var schemaValue = sync.OnceValues(func() (cue.Value, error) {
	ctx := cuecontext.New()
	var src []byte
	err := fs.WalkDir(schema.CUEFiles(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".cue") {
			return err
		}
		b, err := fs.ReadFile(schema.CUEFiles(), p)
		src = append(src, b...)
		src = append(src, '\n')
		return err
	})
	if err != nil {
		return cue.Value{}, err
	}
	v := ctx.CompileBytes(src, cue.Filename("schema.cue"))
	return v.LookupPath(cue.ParsePath("#Config")), v.Err()
})

// validateAgainstSchema parses src as a file (as the loader does) and
// unifies it with the embedded #Config.
func validateAgainstSchema(src []byte) error {
	f, err := parser.ParseFile("export.cue", src, parser.ParseComments)
	if err != nil {
		return err
	}
	def, err := schemaValue()
	if err != nil {
		return err
	}
	v := cuecontext.New().BuildFile(f) // values of different contexts may be unified
	if v.Err() != nil {
		return v.Err()
	}
	return def.Unify(v).Validate(cue.Concrete(true))
}

// TestValidMatchesSchema checks the field table's value rules, which
// export leaves live values out by, against the embedded CUE schema for
// values on both sides of each rule.
func TestValidMatchesSchema(t *testing.T) {
	t.Parallel()
	values := map[string][]string{
		"session_duration":                   {"24h", "1440m", "1h30m", "1.5h", ".5h", "+1h", "0", "0s", "-1h", "1d", "3 days", "10µs", "10us", "h", "1H"},
		"warp_auth_session_duration":         {"24h", "90m", "1h30m", "3600s", "1.5h", "+2h", "0", "-1h", "1d"},
		"user_seat_expiration_inactive_time": {"730h", "729h60m", "729h59m", "43800m", "1y", "8760h", "24h"},
		"auth_domain":                        {"a.cloudflareaccess.com", "localhost", "EXAMPLE.com", "-x.example.com", "x_y.example.com", "a..b", strings.Repeat("a", 64) + ".com", "xn--bcher-kva.example"},
		"login_design.background_color":      {"#fff", "#FFFFFF", "#ffff", "red", "fff", "#ggg"},
		"login_design.logo_path":             {"https://example.com/logo.png", "http://x", "ftp://x", "https://", "https://a b", "https://x?y#z", "//x", "/logo.png"},
		"mfa_config.session_duration":        {"24h", "1d", "-1h"},
		"name":                               {"x", "Widget Corps", "\n"},
	}
	for name, vals := range values {
		f, ok := schema.Lookup(name)
		if !ok {
			t.Fatalf("no field %s", name)
		}
		for _, s := range vals {
			path := strings.Split(name, ".")
			leaf := path[len(path)-1]
			got := valid(f, s)
			// Build `accounts: a: {id: ..., organization: a: b: "s"}` and
			// ask the schema.
			obj := map[string]any{leaf: s}
			for i := len(path) - 2; i >= 0; i-- {
				obj = map[string]any{path[i]: obj}
			}
			doc := map[string]any{"accounts": map[string]any{"a": map[string]any{"id": "699d98642c564d2e855e9661899b7252", "organization": obj}}}
			b, _ := json.Marshal(doc)
			want := validateAgainstSchema(b) == nil
			if got != want {
				t.Errorf("valid(%s, %q) = %v, schema says %v", name, s, got, want)
			}
		}
	}
}
