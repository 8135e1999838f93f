package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// Package is the package clause of every generated file, so that the tree
// is also one CUE package for `cue vet`.
const Package = "bench"

// Fleet is a generated configuration: Accounts accounts (organization, DoH
// and one revocation each) and Zones zones (organization), spread evenly
// over Files files. Everything it generates is deterministic.
type Fleet struct {
	Accounts int
	Zones    int
	Files    int
}

// Scopes is the number of accounts and zones.
func (f Fleet) Scopes() int { return f.Accounts + f.Zones }

// Resources is the number of resources a plan reads: an organization and
// DoH per account, an organization per zone.
func (f Fleet) Resources() int { return 2*f.Accounts + f.Zones }

// ID returns the deterministic 32-hex-character id of account or zone i.
func ID(kind schema.Kind, i int) string {
	s := sha256.Sum256(fmt.Appendf(nil, "%s/%d", kind, i))
	return hex.EncodeToString(s[:16])
}

// AccountName is the configuration name of account i.
func AccountName(i int) string { return fmt.Sprintf("account-%05d", i) }

// ZoneName is the configuration name of zone i.
func ZoneName(i int) string { return fmt.Sprintf("zone%05d.example.com", i) }

func (f Fleet) files() int { return max(f.Files, 1) }

// FileName is the name of generated file i.
func FileName(i int) string { return fmt.Sprintf("f%04d.cue", i) }

// Tree returns the CUE source of the configuration: file name -> content.
// Account i and zone i go to file i mod Files.
func (f Fleet) Tree() map[string][]byte {
	bufs := make([]strings.Builder, f.files())
	for i := range bufs {
		fmt.Fprintf(&bufs[i], "package %s\n\n", Package)
	}
	for i := range f.Accounts {
		writeAccount(&bufs[i%len(bufs)], i)
	}
	for i := range f.Zones {
		writeZone(&bufs[i%len(bufs)], i)
	}
	out := make(map[string][]byte, len(bufs))
	for i := range bufs {
		out[FileName(i)] = []byte(bufs[i].String())
	}
	return out
}

// WriteTree writes Tree into dir (which must exist). With vetSchema it also
// writes zz_schema.cue (the embedded schema, moved into package Package)
// and zz_check.cue (which unifies accounts and zones with #Config), so that
// `cue vet -c` on the directory checks what ztsync checks. ztsync would
// read those two files as configuration: give vetSchema only for cue vet.
func (f Fleet) WriteTree(dir string, vetSchema bool) error {
	for name, data := range f.Tree() {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("write tree: %w", err)
		}
	}
	if !vetSchema {
		return nil
	}
	src, err := VetSchema()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "zz_schema.cue"), src, 0o644); err != nil {
		return fmt.Errorf("write tree: %w", err)
	}
	// Not "#Config" embedded at the top: cue vet then leaves the package
	// open and accepts unknown fields. An explicit unification closes
	// accounts and zones as ztsync's Unify with #Config does.
	check := "package " + Package + "\n\nlet A = accounts\nlet Z = zones\n_check: #Config & {accounts: A, zones: Z}\n"
	if err := os.WriteFile(filepath.Join(dir, "zz_check.cue"), []byte(check), 0o644); err != nil {
		return fmt.Errorf("write tree: %w", err)
	}
	return nil
}

// VetSchema returns the embedded schema with its package clause changed to
// Package.
func VetSchema() ([]byte, error) {
	b, err := fs.ReadFile(schema.CUEFiles(), "schema.cue")
	if err != nil {
		return nil, fmt.Errorf("read embedded schema: %w", err)
	}
	src := strings.Replace(string(b), "\npackage schema\n", "\npackage "+Package+"\n", 1)
	if src == string(b) {
		return nil, fmt.Errorf("read embedded schema: no package clause to replace")
	}
	return []byte(src), nil
}

// account returns the desired state of account i; Tree writes the same.
func account(i int) *schema.Account {
	return &schema.Account{
		ID: ID(schema.KindAccount, i),
		Organization: schema.Object{
			"name":                               fmt.Sprintf("Account %d", i),
			"auth_domain":                        fmt.Sprintf("team-%d.cloudflareaccess.com", i),
			"session_duration":                   fmt.Sprintf("%dh", 1+i%24),
			"warp_auth_session_duration":         fmt.Sprintf("%dm", 30+i%60),
			"user_seat_expiration_inactive_time": "730h",
			"allow_authenticate_via_warp":        i%2 == 0,
			"is_ui_read_only":                    i%3 == 0,
			"login_design": map[string]any{
				"background_color": "#c5ed1b",
				"text_color":       "#fff",
				"logo_path":        fmt.Sprintf("https://example.com/logo-%d.png", i),
				"header_text":      fmt.Sprintf("Welcome to account %d", i),
			},
			"deny_unmatched_requests":                     true,
			"deny_unmatched_requests_exempted_zone_names": []any{fmt.Sprintf("a%d.example.com", i), fmt.Sprintf("b%d.example.com", i)},
		},
		DoH:    schema.Object{"doh_jwt_duration": "800h"},
		Revoke: map[string]schema.Revocation{fmt.Sprintf("user%d@example.com", i): {Devices: true, Reason: "offboarded"}},
	}
}

func writeAccount(b *strings.Builder, i int) {
	a := account(i)
	o := a.Organization
	ld := o["login_design"].(map[string]any)
	ex := o["deny_unmatched_requests_exempted_zone_names"].([]any)
	fmt.Fprintf(b, `accounts: %q: {
	id: %q
	organization: {
		name:                               %q
		auth_domain:                        %q
		session_duration:                   %q
		warp_auth_session_duration:         %q
		user_seat_expiration_inactive_time: %q
		allow_authenticate_via_warp:        %t
		is_ui_read_only:                    %t
		login_design: {
			background_color: %q
			text_color:       %q
			logo_path:        %q
			header_text:      %q
		}
		deny_unmatched_requests: %t
		deny_unmatched_requests_exempted_zone_names: [%q, %q]
	}
	doh: doh_jwt_duration: %q
	revoke: "user%d@example.com": {devices: true, reason: "offboarded"}
}
`, AccountName(i), a.ID, o["name"], o["auth_domain"], o["session_duration"], o["warp_auth_session_duration"],
		o["user_seat_expiration_inactive_time"], o["allow_authenticate_via_warp"], o["is_ui_read_only"],
		ld["background_color"], ld["text_color"], ld["logo_path"], ld["header_text"],
		o["deny_unmatched_requests"], ex[0], ex[1], a.DoH["doh_jwt_duration"], i)
}

// zone returns the desired state of zone i; Tree writes the same.
func zone(i int) *schema.Zone {
	return &schema.Zone{
		ID: ID(schema.KindZone, i),
		Organization: schema.Object{
			"name":            fmt.Sprintf("Zone %d", i),
			"auth_domain":     fmt.Sprintf("zone%d.example.com", i),
			"is_ui_read_only": i%2 == 0,
			"login_design":    map[string]any{"header_text": fmt.Sprintf("Zone %d", i)},
		},
	}
}

func writeZone(b *strings.Builder, i int) {
	z := zone(i)
	o := z.Organization
	fmt.Fprintf(b, `zones: %q: {
	id: %q
	organization: {
		name:            %q
		auth_domain:     %q
		is_ui_read_only: %t
		login_design: header_text: %q
	}
}
`, ZoneName(i), z.ID, o["name"], o["auth_domain"], o["is_ui_read_only"], o["login_design"].(map[string]any)["header_text"])
}

// Config returns the desired state Tree declares, as the loader decodes it.
func (f Fleet) Config() *schema.Config {
	c := &schema.Config{Accounts: map[string]*schema.Account{}, Zones: map[string]*schema.Zone{}}
	for i := range f.Accounts {
		c.Accounts[AccountName(i)] = account(i)
	}
	for i := range f.Zones {
		c.Zones[ZoneName(i)] = zone(i)
	}
	return c
}

// Drift says which resources Seed made differ from the desired state.
type Drift struct {
	// Addresses of the resources that differ, in plan order (accounts by
	// name, organization before DoH, then zones).
	Addresses []string
}

// picked reports whether resource k (0-based, plan order) is one of the
// fraction that differ: exactly floor(n*fraction) of n, spread evenly.
func picked(k int, fraction float64) bool {
	if fraction <= 0 {
		return false
	}
	if fraction >= 1 {
		return true
	}
	return math.Floor(float64(k+1)*fraction) > math.Floor(float64(k)*fraction)
}

// Seed stores in e the live state of every resource of the fleet: what the
// configuration declares, written the way the API answers (durations in
// other units, unknown and read-only fields, a DoH service token), so that
// a plan has to normalise to find no change. A fraction (0..1) of the
// resources, spread evenly, differs in one managed field each (an update).
func (f Fleet) Seed(e *emulator.Emulator, fraction float64) Drift {
	var d Drift
	k := 0
	next := func(addr string) bool {
		p := picked(k, fraction)
		k++
		if p {
			d.Addresses = append(d.Addresses, addr)
		}
		return p
	}
	for i := range f.Accounts {
		a := account(i)
		s := schema.Scope{Kind: schema.KindAccount, Name: AccountName(i), ID: a.ID}
		org := liveAccount(i, a.Organization)
		if next(planner.Address(s, planner.Organization, "")) {
			org["login_design"].(map[string]any)["header_text"] = fmt.Sprintf("Old welcome %d", i)
		}
		e.SetOrganization(schema.KindAccount, a.ID, org)
		doh := schema.Object{
			"id":               fmt.Sprintf("3e1b6a1c-5d4e-4a34-9a2c-%012x", i),
			"name":             "doh",
			"client_id":        fmt.Sprintf("%s.access", ID("client", i)),
			"duration":         "8760h",
			"doh_jwt_duration": "48000m", // = 800h
		}
		if next(planner.Address(s, planner.DoH, "")) {
			doh["doh_jwt_duration"] = "720h"
		}
		e.SetDoH(a.ID, doh)
	}
	for i := range f.Zones {
		z := zone(i)
		s := schema.Scope{Kind: schema.KindZone, Name: ZoneName(i), ID: z.ID}
		org := liveZone(i, z.Organization)
		if next(planner.Address(s, planner.Organization, "")) {
			org["is_ui_read_only"] = !org["is_ui_read_only"].(bool)
		}
		e.SetOrganization(schema.KindZone, z.ID, org)
	}
	return d
}

// liveAccount is desired as the API would return it after a PUT, plus the
// fields a live organization carries that ztsync does not manage.
func liveAccount(i int, desired schema.Object) schema.Object {
	o := schema.Clone(desired).(map[string]any)
	o["session_duration"] = fmt.Sprintf("%dm", 60*(1+i%24)) // = "Nh"
	o["ui_read_only_toggle_reason"] = "Managed by ztsync"
	o["auto_redirect_to_identity"] = false
	o["cache_device_posture"] = true
	o["mfa_config"] = map[string]any{"allowed_authenticators": []any{"totp", "biometrics"}, "session_duration": "12h"}
	o["created_at"] = "2024-02-01T09:00:00Z"
	o["updated_at"] = "2026-10-01T09:00:00Z"
	return o
}

func liveZone(i int, desired schema.Object) schema.Object {
	o := schema.Clone(desired).(map[string]any)
	o["deny_unmatched_requests"] = false
	o["user_seat_expiration_inactive_time"] = "730h"
	o["created_at"] = "2024-02-01T09:00:00Z"
	o["updated_at"] = fmt.Sprintf("2026-10-%02dT09:00:00Z", 1+i%28)
	return o
}
