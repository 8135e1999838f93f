package schema

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/api-fields.md from the field table")

// docsPath is the generated per-scope field table.
var docsPath = filepath.Join("..", "docs", "api-fields.md")

// TestAPIFieldsDocIsGenerated fails when docs/api-fields.md is not what the
// field table says; `go test ./schema -run TestAPIFieldsDoc -update`
// rewrites it.
func TestAPIFieldsDocIsGenerated(t *testing.T) {
	t.Parallel()
	want := apiFieldsDoc()
	if *updateDocs {
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("%v (run go test ./schema -run TestAPIFieldsDoc -update)", err)
	}
	if string(got) != want {
		t.Errorf("docs/api-fields.md differs from the field table in schema/fields.go; run go test ./schema -run TestAPIFieldsDoc -update")
	}
}

// apiFieldsDoc renders the field tables as docs/api-fields.md.
func apiFieldsDoc() string {
	var b strings.Builder
	b.WriteString(`# API fields, scope by scope

<!-- Generated from schema/fields.go by ` + "`go test ./schema -run TestAPIFieldsDoc -update`" + `; do not edit. -->

Which field each scope's API takes, which it only returns, and what ztsync does
with it. ztsync builds every request from this table: a PUT carries exactly the
fields its scope's API takes (the managed ones from your configuration, the
others from the live object so that nothing is reset) and never a response-only
field. A live key the table does not know is not sent, and the plan lists it
under "not sent".

- **writable**: request bodies take it and answers return it.
- **response-only**: answers return it; ztsync never sends it, and a
  configuration that sets it is refused.
- **—**: the scope's API neither takes nor returns it; a configuration that
  sets it there is refused.
- **null clears**: ` + "`field: null`" + ` in a configuration removes the live value
  (the plan shows it removed and the PUT carries null). Removing a field from
  the configuration only stops managing it.

Maxima are left to the API, which documents but may change them: 720h for the
MFA durations, the account's key-rotation period for ` + "`doh_jwt_duration`" + `. A
hostname or uuid compares without regard to case.

Sources: cloudflare-go v6.10.0 (` + "`zero_trust/organization.go`, `organizationdoh.go`" + `),
the Terraform provider v5.22 ` + "`zero_trust_organization`" + ` resource, and Cloudflare's
OpenAPI schemas, which alone give separate account and zone request bodies.

`)
	section := func(title, intro string, fields []Field, org bool) {
		b.WriteString("## " + title + "\n\n")
		if intro != "" {
			b.WriteString(intro + "\n\n")
		}
		b.WriteString("| field | type and rule | account | zone | null clears | notes | source |\n")
		b.WriteString("|---|---|---|---|---|---|---|\n")
		var row func(prefix string, f Field)
		row = func(prefix string, f Field) {
			note := notes(f)
			if org && prefix == "" && !f.OnCreate && f.Account == ReadWrite {
				note = join(note, "sent with a PUT right after a create (POST does not take it)")
			}
			clear := ""
			if f.Clearable {
				clear = "yes"
			}
			fmt.Fprintf(&b, "| `%s%s` | %s | %s | %s | %s | %s | %s |\n",
				prefix, f.Name, rule(f), f.Account, f.Zone, clear, note, f.Source)
			for _, s := range f.Sub {
				row(prefix+f.Name+".", s)
			}
		}
		for _, f := range fields {
			row("", f)
		}
		b.WriteString("\n")
	}
	section("Organization (`/accounts/{id}/access/organizations`, `/zones/{id}/access/organizations`)", "", OrganizationFields(), true)
	section("DoH (`/accounts/{id}/access/organizations/doh`, account scope only)",
		"GET calls the service token's id `id`; PUT takes it as `service_token_id`. A GET answering `result: null` means no DoH settings.",
		DoHFields(), false)
	section("Revocations (`POST /{accounts|zones}/{id}/access/organizations/revoke_user`)",
		"Every entry is keyed by the user's email, which both scopes take. An account revocation with `devices: true` is sent both in the body and as the query `?devices=true`.",
		RevokeFields(), false)
	return b.String()
}

// rule describes a field's type and value rule.
func rule(f Field) string {
	if f.Account != ReadWrite && f.Zone != ReadWrite {
		return "as returned"
	}
	s := f.Type.String()
	switch {
	case f.Pattern == MinutesHoursPattern:
		s += " in minutes and hours"
	case f.Type == Duration:
		s += " (Go syntax, not negative)"
	}
	if f.Min > 0 {
		s += ", at least " + DurationText(f.Min)
	}
	if f.NonEmpty {
		s += ", not empty"
	}
	if f.Set {
		s += ", compared as a set"
	}
	return s
}

// notes lists what else the table says of a field.
func notes(f Field) string {
	var n []string
	if f.Risky {
		n = append(n, "risky")
	}
	if f.NotReadBack {
		n = append(n, "may not be read back: written with the next change, never a change of its own")
	}
	if f.Unmanaged != "" {
		n = append(n, "not managed: "+f.Unmanaged+"; the live value is passed through")
	}
	if f.Local {
		n = append(n, "never sent")
	}
	return strings.Join(n, "; ")
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
