package export

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"cuelang.org/go/cue/parser"

	"github.com/ztsync/ztsync/schema"
)

// FuzzCUE feeds random JSON objects as the organization (and as the DoH
// object) and checks that CUE never panics and that what it writes always
// parses, validates against the embedded schema and loads with
// the real loader.
func FuzzCUE(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var c struct {
			Organization json.RawMessage `json:"organization"`
		}
		if json.Unmarshal(b, &c) == nil && len(c.Organization) > 0 {
			f.Add([]byte(c.Organization), uint8(0))
			f.Add([]byte(c.Organization), uint8(3))
		}
	}
	f.Add([]byte(`{"name":"\u2028x","auth_domain":"a.b","login_design":{"header_text":"*/ //"}}`), uint8(1))
	f.Add([]byte(`{"session_duration":1e400,"custom_pages":{"forbidden":null},"deny_unmatched_requests_exempted_zone_names":[null]}`), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var obj schema.Object
		if err := dec.Decode(&obj); err != nil || obj == nil {
			return
		}
		in := Input{
			Scope:        schema.Scope{Kind: schema.KindAccount, ID: "699d98642c564d2e855e9661899b7252"},
			Organization: obj,
			DoH:          obj,
			AllFields:    mode&1 != 0,
			Source:       "fuzz",
		}
		if mode&2 != 0 {
			in.Scope.Kind = schema.KindZone
		}
		var buf bytes.Buffer
		if err := CUE(&buf, in); err != nil {
			t.Fatalf("CUE: %v", err)
		}
		if _, err := parser.ParseFile("export.cue", buf.Bytes(), parser.ParseComments); err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, buf.String())
		}
		if err := validateAgainstSchema(buf.Bytes()); err != nil {
			t.Fatalf("output does not validate: %v\n%s", err, buf.String())
		}
		// The loader adds checks of its own (the 730h seat minimum, ...).
		cfg := loadExported(t, buf.Bytes())
		if n := len(cfg.Scopes()); n != 1 {
			t.Fatalf("the output has %d scopes, want 1", n)
		}
	})
}
