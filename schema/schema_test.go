package schema

import (
	"io/fs"
	"sort"
	"strings"
	"testing"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"github.com/google/go-cmp/cmp"
)

// compiled compiles the embedded schema files into one value.
func compiled(t *testing.T) cue.Value {
	t.Helper()
	b, err := fs.ReadFile(CUEFiles(), "schema.cue")
	if err != nil {
		t.Fatal(err)
	}
	v := cuecontext.New().CompileBytes(b, cue.Filename("schema.cue"))
	if err := v.Err(); err != nil {
		t.Fatalf("compile schema.cue: %v", err)
	}
	return v
}

func def(t *testing.T, v cue.Value, name string) cue.Value {
	t.Helper()
	d := v.LookupPath(cue.ParsePath(name))
	if !d.Exists() {
		t.Fatalf("schema has no %s", name)
	}
	return d
}

// labels lists a definition's fields, optional and required included.
func labels(t *testing.T, v cue.Value) []string {
	t.Helper()
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for it.Next() {
		out = append(out, it.Selector().Unquoted())
	}
	sort.Strings(out)
	return out
}

func names(fs []Field, keep func(Field) bool) []string {
	var out []string
	for _, f := range fs {
		if keep(f) {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// TestSchemaAgreesWithFieldTable checks that the CUE definitions have
// exactly the fields of the Go table, per scope.
func TestSchemaAgreesWithFieldTable(t *testing.T) {
	t.Parallel()
	v := compiled(t)
	all := func(Field) bool { return true }
	tests := []struct {
		def  string
		want []string
	}{
		{"#AccountOrganization", names(OrganizationFields(), func(f Field) bool { return f.Managed(KindAccount) })},
		{"#ZoneOrganization", names(OrganizationFields(), func(f Field) bool { return f.Managed(KindZone) })},
		{"#DoH", names(DoHFields(), func(f Field) bool { return f.Managed(KindAccount) })},
		{"#Revocation", names(RevokeFields(), func(f Field) bool { return f.Managed(KindAccount) })},
		{"#ZoneRevocation", names(RevokeFields(), func(f Field) bool { return f.Managed(KindZone) })},
		{"#Account", []string{"doh", "id", "organization", "revoke"}},
		{"#Zone", []string{"id", "organization", "revoke"}},
		{"#Config", []string{"accounts", "zones"}},
	}
	for _, f := range OrganizationFields() {
		if f.Type == Nested {
			d := map[string]string{"login_design": "#LoginDesign", "custom_pages": "#CustomPages", "mfa_config": "#MFAConfig"}[f.Name]
			if d == "" {
				t.Errorf("nested field %s has no definition in this test", f.Name)
				continue
			}
			tests = append(tests, struct {
				def  string
				want []string
			}{d, names(f.Sub, all)})
		}
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, labels(t, def(t, v, tt.def))); diff != "" {
			t.Errorf("%s fields (-table +schema):\n%s", tt.def, diff)
		}
	}
	// Every zone field is writable by the zone scope.
	for _, name := range labels(t, def(t, v, "#ZoneOrganization")) {
		if !Writable(KindZone, name) {
			t.Errorf("#ZoneOrganization has %s, which Writable(KindZone) refuses", name)
		}
	}
	// The null rule: exactly the clearable fields take null.
	for _, sc := range []struct {
		def    string
		kind   Kind
		fields []Field
	}{{"#AccountOrganization", KindAccount, OrganizationFields()}, {"#ZoneOrganization", KindZone, OrganizationFields()}, {"#DoH", KindAccount, DoHFields()}} {
		for _, f := range sc.fields {
			if !f.Managed(sc.kind) {
				continue
			}
			x := cuecontext.New().CompileString("{" + f.Name + ": null}")
			got := def(t, v, sc.def).Unify(x).Validate(cue.Concrete(true)) == nil
			if got != f.Clearable {
				t.Errorf("%s takes %s: null = %v, the table's Clearable is %v", sc.def, f.Name, got, f.Clearable)
			}
			for _, sub := range f.Sub {
				x := cuecontext.New().CompileString("{" + f.Name + ": " + sub.Name + ": null}")
				got := def(t, v, sc.def).Unify(x).Validate(cue.Concrete(true)) == nil
				if got != sub.Clearable {
					t.Errorf("%s takes %s.%s: null = %v, the table's Clearable is %v", sc.def, f.Name, sub.Name, got, sub.Clearable)
				}
			}
		}
	}
}

// TestSchemaHasNoDefaults: a default would make ztsync manage a field
// nobody wrote. Unifying #Config with a skeleton must add nothing.
func TestSchemaHasNoDefaults(t *testing.T) {
	t.Parallel()
	v := compiled(t)
	in := `{
		accounts: a: {id: "699d98642c564d2e855e9661899b7252", organization: {login_design: {}, custom_pages: {}}, doh: {}, revoke: "a@example.com": {}}
		zones: z: {id: "023e105f4ecef8ad9ca31a8372d0c353", organization: {login_design: {}}, revoke: "a@example.com": {}}
	}`
	x := cuecontext.New().CompileString(in)
	got, err := def(t, v, "#Config").Unify(x).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want, err := x.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("#Config added values (-want +got):\n%s", diff)
	}
}

// TestSchemaValues checks each rule against values it must accept and
// refuse; durations are also checked against time.ParseDuration.
func TestSchemaValues(t *testing.T) {
	t.Parallel()
	v := compiled(t)
	tests := []struct {
		def    string
		ok     []string
		refuse []string
	}{
		{"#ID", []string{`"699d98642c564d2e855e9661899b7252"`}, []string{`"699D98642C564D2E855E9661899B7252"`, `"699d98"`, `42`, `""`}},
		{"#Name", []string{`"prod"`, `"a"`, `"9x"`, `"example.com"`, `"a_b-c@d.e"`}, []string{`""`, `"-x"`, `".x"`, `"a b"`, `"a/b"`}},
		{"#Duration", []string{`"24h"`, `"1h30m"`, `"0"`, `"300ms"`, `"1.5h"`, `"2us"`, `"2µs"`, `"+5m"`}, []string{`"12 hours"`, `"1d"`, `"-1h"`, `""`, `24`, `"h"`}},
		{"#MinutesHours", []string{`"24h"`, `"90m"`, `"1h30m"`, `"1.5h"`}, []string{`"90s"`, `"1h30m10s"`, `"1d"`, `"0"`, `"-1h"`, `"1ms"`}},
		{"#Hostname", []string{`"example.com"`, `"a-b.example.co.uk"`, `"x.cloudflareaccess.com"`, `"1.example"`}, []string{`"localhost"`, `"-a.com"`, `"a-.com"`, `"a..b"`, `"https://a.com"`, `"a_b.com"`, `""`}},
		// The API takes any string for colours and the logo.
		{"#Color", []string{`"#fff"`, `"#C5ED1B"`, `"red"`, `"#c5ed1bff"`, `""`}, []string{`1`, `null`}},
		{"#URL", []string{`"https://example.com/logo.png"`, `"/logo.png"`, `"example.com/logo.png"`, `""`}, []string{`true`, `null`}},
		{"#UUID", []string{`"3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4"`, `"3F9B1A52-6C1E-4D0A-9B9E-2F64C1A0E7D4"`}, []string{`""`, `"not-a-uuid"`, `"3f9b1a526c1e4d0a9b9e2f64c1a0e7d4"`, `7`}},
		{"#DoH", []string{`{service_token_id: null, doh_jwt_duration: null}`, `{service_token_id: "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4"}`}, []string{`{service_token_id: ""}`, `{service_token_id: "x"}`, `{doh_jwt_duration: ""}`}},
		{"#ZoneRevocation", []string{`{reason: "left"}`}, []string{`{devices: true}`, `{warp_session_reauth: true}`, `{user_uid: "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4"}`}},
		{"#Revocation", []string{`{devices: true, user_uid: "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4"}`}, []string{`{user_uid: "bob"}`, `{user_uid: ""}`}},
		{"#Email", []string{`"bob@example.com"`, `"first.last+tag@sub.example.co.uk"`}, []string{`"bob"`, `"bob@localhost"`, `"a b@example.com"`, `"@example.com"`}},
		{"#ZoneOrganization", []string{`{user_seat_expiration_inactive_time: "730h"}`, `{user_seat_expiration_inactive_time: "8760h"}`, `{user_seat_expiration_inactive_time: null, login_design: null, ui_read_only_toggle_reason: null}`, `{login_design: {logo_path: null}}`}, []string{`{user_seat_expiration_inactive_time: "729h59m59s"}`, `{user_seat_expiration_inactive_time: "24h"}`, `{session_duration: "24h"}`, `{deny_unmatched_requests: true}`, `{deny_unmatched_requests_exempted_zone_names: []}`, `{name: null}`, `{auth_domain: null}`, `{is_ui_read_only: null}`, `{mfa_config: {}}`}},
		{"#AccountOrganization", []string{`{session_duration: "24h", name: "x"}`, `{mfa_config: {allowed_authenticators: ["totp", "some_new_kind"], session_duration: "24h", amr_matching_session_duration: "12h", required_aaguids: "3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4"}, mfa_required_for_all_apps: true}`, `{mfa_config: null, session_duration: null, deny_unmatched_requests_exempted_zone_names: null}`}, []string{`{name: ""}`, `{mfa_config: {required_aaguids: "x"}}`, `{mfa_config: {session_duration: "90s"}}`, `{mfa_config: {allowed_authenticators: "totp"}}`, `{mfa_ssh_piv_key_requirements: {}}`, `{mfa_configuration_allowed: true}`, `{user_seat_expiration_inactive_time: "1h"}`, `{mfa_required_for_all_apps: null}`}},
	}
	for _, tt := range tests {
		d := def(t, v, tt.def)
		for _, src := range tt.ok {
			x := cuecontext.New().CompileString(src)
			if err := d.Unify(x).Validate(cue.Concrete(true)); err != nil {
				t.Errorf("%s refuses %s: %v", tt.def, src, err)
			}
		}
		for _, src := range tt.refuse {
			x := cuecontext.New().CompileString(src)
			if err := d.Unify(x).Validate(cue.Concrete(true)); err == nil {
				t.Errorf("%s accepts %s", tt.def, src)
			}
		}
	}
	// #Duration is exactly Go's time.ParseDuration, minus negatives.
	for _, s := range []string{"1h", "1.5h", ".5h", "1h1m1s1ms1us1ns", "5", "0", "1e3s", "1H", "1 h", "h1", "9223372036854775807ns", "9999999999h"} {
		d, err := time.ParseDuration(s)
		want := err == nil && d >= 0
		x := cuecontext.New().Encode(s)
		got := def(t, v, "#Duration").Unify(x).Validate(cue.Concrete(true)) == nil
		if got != want {
			t.Errorf("#Duration on %q = %v, time.ParseDuration says %v", s, got, want)
		}
	}
}

func TestImportPath(t *testing.T) {
	t.Parallel()
	if !strings.HasPrefix(ImportPath, ModulePath+"/") {
		t.Errorf("ImportPath %q is not inside ModulePath %q", ImportPath, ModulePath)
	}
}
