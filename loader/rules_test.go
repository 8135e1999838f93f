package loader

import (
	"fmt"
	"testing"

	"cuelang.org/go/cue"

	"github.com/ztsync/ztsync/schema"
)

// TestRulesAgreeWithSchema checks that the Go rules used to rephrase
// errors, and to judge configurations on the fast path, judge values as
// the CUE schema does, and say the same of a CUE value as of the Go value
// the fast path takes from it.
func TestRulesAgreeWithSchema(t *testing.T) {
	t.Parallel()
	l := newLoader(t)
	field := func(name string) schema.Field {
		f, ok := schema.Lookup(name)
		if !ok {
			f, ok = schema.LookupDoH(name)
		}
		if !ok {
			t.Fatalf("no field %s", name)
		}
		return f
	}
	tests := []struct {
		def    string
		site   site
		values []any
	}{
		{"#ID", site{vt: tID}, []any{"699d98642c564d2e855e9661899b7252", "699D98642C564D2E855E9661899B7252", "abc", 42}},
		{"#Duration", fieldSite(site{}, field("session_duration")), []any{"24h", "1h30m", "0", "1.5h", "300ms", "2µs", "+1h", "-1h", "-0s", "-0", "+0s", "1d", "12 hours", "", 5, "1e3s"}},
		{"#MinutesHours", fieldSite(site{}, field("warp_auth_session_duration")), []any{"24h", "90m", "1.5h", "+1h", ".5h", "90s", "1h30m10s", "0", "-1h", "1d", 3}},
		{"#Hostname", fieldSite(site{}, field("auth_domain")), []any{"example.com", "a-b.c.d", "1.example", "localhost", "-a.com", "a..b", "a_b.com", "https://a.com", "", 7}},
		{"#Color", fieldSite(site{}, field("login_design.background_color")), []any{"#fff", "#C5ED1B", "#ffff", "red", "fff", "", 1}},
		{"#URL", fieldSite(site{}, field("login_design.logo_path")), []any{"https://example.com/a.png", "http://x", "ftp://x", "/logo.png", "", true}},
		{"#UUID", fieldSite(site{}, field("service_token_id")), []any{"3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4", "3F9B1A52-6C1E-4D0A-9B9E-2F64C1A0E7D4", "3f9b1a526c1e4d0a9b9e2f64c1a0e7d4", "", "x", 3}},
	}
	for _, tt := range tests {
		d := l.pkg.LookupPath(cue.ParsePath(tt.def))
		for _, v := range tt.values {
			x := l.ctx.Encode(v)
			cueOK := d.Unify(x).Validate(cue.Concrete(true)) == nil
			msg := tt.site.check(x)
			if cueOK != (msg == "") {
				t.Errorf("%s on %s: schema accepts = %v, Go rule says %q", tt.def, fmt.Sprintf("%#v", v), cueOK, msg)
			}
			// The fast path judges the same value taken apart.
			gv, err := tree(x)
			if err != nil {
				t.Fatal(err)
			}
			k, str := kindOf(gv)
			if fast := tt.site.judge(k, str, func() string { return describeTree(gv) }); fast != msg {
				t.Errorf("%s on %#v: check says %q, judge on the Go value %q", tt.def, v, msg, fast)
			}
		}
	}
	// The seat minimum.
	zone := l.pkg.LookupPath(cue.ParsePath("#ZoneOrganization"))
	seat := fieldSite(site{}, field("user_seat_expiration_inactive_time"))
	for _, v := range []any{"730h", "729h59m59s", "8760h", "24h", "43800m", nil} {
		x := l.ctx.Encode(map[string]any{"user_seat_expiration_inactive_time": v})
		cueOK := zone.Unify(x).Validate(cue.Concrete(true)) == nil
		msg := seat.check(l.ctx.Encode(v))
		if cueOK != (msg == "") {
			t.Errorf("seat %v: schema accepts = %v, Go rule says %q", v, cueOK, msg)
		}
	}
}
