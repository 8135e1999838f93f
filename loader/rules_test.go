package loader

import (
	"fmt"
	"testing"

	"cuelang.org/go/cue"
)

// TestRulesAgreeWithSchema checks that the Go rules used to rephrase
// errors, and to judge configurations on the fast path, judge values as
// the CUE schema does, and say the same of a CUE value as of the Go value
// the fast path takes from it.
func TestRulesAgreeWithSchema(t *testing.T) {
	l := newLoader(t)
	tests := []struct {
		def    string
		vt     valueType
		values []any
	}{
		{"#ID", tID, []any{"699d98642c564d2e855e9661899b7252", "699D98642C564D2E855E9661899B7252", "abc", 42}},
		{"#Duration", tDuration, []any{"24h", "1h30m", "0", "1.5h", "300ms", "2µs", "+1h", "-1h", "-0s", "-0", "+0s", "1d", "12 hours", "", 5, "1e3s"}},
		{"#MinutesHours", tWarpDuration, []any{"24h", "90m", "1.5h", "+1h", ".5h", "90s", "1h30m10s", "0", "-1h", "1d", 3}},
		{"#Hostname", tHostname, []any{"example.com", "a-b.c.d", "1.example", "localhost", "-a.com", "a..b", "a_b.com", "https://a.com", "", 7}},
		{"#Color", tColor, []any{"#fff", "#C5ED1B", "#ffff", "red", "fff", 1}},
		{"#URL", tURL, []any{"https://example.com/a.png", "http://x", "ftp://x", "example.com", "https://", "https://a b", true}},
	}
	for _, tt := range tests {
		d := l.pkg.LookupPath(cue.ParsePath(tt.def))
		for _, v := range tt.values {
			x := l.ctx.Encode(v)
			cueOK := d.Unify(x).Validate(cue.Concrete(true)) == nil
			msg := site{vt: tt.vt, name: "f"}.check(x)
			if cueOK != (msg == "") {
				t.Errorf("%s on %s: schema accepts = %v, Go rule says %q", tt.def, fmt.Sprintf("%#v", v), cueOK, msg)
			}
			// The fast path judges the same value taken apart.
			gv, err := tree(x)
			if err != nil {
				t.Fatal(err)
			}
			k, str := kindOf(gv)
			if fast := (site{vt: tt.vt, name: "f"}).judge(k, str, func() string { return describeTree(gv) }); fast != msg {
				t.Errorf("%s on %#v: check says %q, judge on the Go value %q", tt.def, v, msg, fast)
			}
		}
	}
	// The seat minimum.
	zone := l.pkg.LookupPath(cue.ParsePath("#ZoneOrganization"))
	for _, v := range []string{"730h", "729h59m59s", "8760h", "24h", "43800m"} {
		x := l.ctx.Encode(map[string]any{"user_seat_expiration_inactive_time": v})
		cueOK := zone.Unify(x).Validate(cue.Concrete(true)) == nil
		msg := site{vt: tSeatDuration}.check(l.ctx.Encode(v))
		if cueOK != (msg == "") {
			t.Errorf("seat %q: schema accepts = %v, Go rule says %q", v, cueOK, msg)
		}
	}
}
