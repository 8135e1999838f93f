package gentree

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ztsync/ztsync/schema"
)

// Package is the package clause of every generated file, so that the tree
// is also one CUE package for `cue vet`.
const Package = "bench"

// BaselineFile is the file that holds the #Baseline definitions of a
// templated tree.
const BaselineFile = "baseline.cue"

// Fleet is a generated configuration: Accounts accounts (organization, DoH
// and one revocation each) and Zones zones (organization), spread evenly
// over Files files. Everything it generates is deterministic.
type Fleet struct {
	Accounts int
	Zones    int
	Files    int
	// Templated writes the same desired state the way teams write it: a
	// file of #Baseline definitions with defaults, and every account and
	// zone unified with one of them, writing only what differs.
	Templated bool
	// Invalid breaks that many scopes, spread evenly over accounts and
	// zones (Faults says where): an account's session_duration or a
	// zone's auth_domain gets a value the schema refuses.
	Invalid int
}

// Fault is one value a Fleet with Invalid > 0 breaks on purpose.
type Fault struct {
	// File is the generated file's name (as in Tree), Line and Col the
	// position of the broken value (1-based).
	File      string
	Line, Col int
	// Path is the value's CUE path, as the loader prints it.
	Path string
}

// Position is FILE:LINE:COL with FILE joined to dir.
func (f Fault) Position(dir string) string {
	return fmt.Sprintf("%s:%d:%d", filepath.Join(dir, f.File), f.Line, f.Col)
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

// FileName is the name of generated file i.
func FileName(i int) string { return fmt.Sprintf("f%04d.cue", i) }

func (f Fleet) files() int { return max(f.Files, 1) }

// broken reports whether scope k (accounts first, then zones) is one of
// the Invalid scopes: scope floor(j*Scopes/Invalid) for j = 0..Invalid-1,
// so the first account is always among them.
func (f Fleet) broken(k int) bool {
	n := f.Scopes()
	if f.Invalid <= 0 || n == 0 {
		return false
	}
	if f.Invalid >= n {
		return true
	}
	j := (k*f.Invalid + n - 1) / n // the smallest j with j*n/Invalid >= k
	return j < f.Invalid && j*n/f.Invalid == k
}

// Broken values, refused by the schema.
const (
	badDuration = "forever"
	badHostname = "not a hostname"
)

// Tree returns the CUE source of the configuration: file name -> content.
// Account i and zone i go to file i mod Files.
func (f Fleet) Tree() map[string][]byte {
	t, _ := f.generate()
	return t
}

// Faults returns the values Tree breaks, in scope order.
func (f Fleet) Faults() []Fault {
	_, faults := f.generate()
	return faults
}

// file is one generated file being written; it counts lines so that the
// position of a broken value is known.
type file struct {
	name string
	b    strings.Builder
	line int // lines written so far
}

// write appends s, whose line fault (0-based within s, or -1) holds a
// broken value (its first string literal), and returns that position.
func (w *file) write(s string, fault int) (line, col int) {
	if fault >= 0 {
		lines := strings.Split(s, "\n")
		l := lines[fault]
		line = w.line + fault + 1
		col = strings.IndexByte(l, '"') + 1 // CUE counts bytes; a tab is one
	}
	w.b.WriteString(s)
	w.line += strings.Count(s, "\n")
	return line, col
}

func (f Fleet) generate() (map[string][]byte, []Fault) {
	ws := make([]*file, f.files())
	for i := range ws {
		ws[i] = &file{name: FileName(i)}
		ws[i].write(fmt.Sprintf("package %s\n\n", Package), -1)
	}
	var faults []Fault
	k := 0
	for i := range f.Accounts {
		w := ws[i%len(ws)]
		src, bad := f.accountSource(i, f.broken(k))
		if line, col := w.write(src, bad); bad >= 0 {
			faults = append(faults, Fault{File: w.name, Line: line, Col: col,
				Path: fmt.Sprintf("accounts.%q.organization.session_duration", AccountName(i))})
		}
		k++
	}
	for i := range f.Zones {
		w := ws[i%len(ws)]
		src, bad := f.zoneSource(i, f.broken(k))
		if line, col := w.write(src, bad); bad >= 0 {
			faults = append(faults, Fault{File: w.name, Line: line, Col: col,
				Path: fmt.Sprintf("zones.%q.organization.auth_domain", ZoneName(i))})
		}
		k++
	}
	out := make(map[string][]byte, len(ws)+1)
	for _, w := range ws {
		out[w.name] = []byte(w.b.String())
	}
	if f.Templated {
		out[BaselineFile] = []byte(baseline)
	}
	return out, faults
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

// Config returns the desired state Tree declares (with Invalid = 0), as the
// loader decodes it; plain and templated trees declare the same.
func (f Fleet) Config() *schema.Config {
	c := &schema.Config{Accounts: map[string]*schema.Account{}, Zones: map[string]*schema.Zone{}}
	for i := range f.Accounts {
		c.Accounts[AccountName(i)] = Account(i)
	}
	for i := range f.Zones {
		c.Zones[ZoneName(i)] = Zone(i)
	}
	return c
}

// Account returns the desired state of account i; Tree writes the same.
func Account(i int) *schema.Account {
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
		Revoke: map[string]schema.Revocation{revokeEmail(i): {Devices: true, Reason: "offboarded"}},
	}
}

func revokeEmail(i int) string { return fmt.Sprintf("user%d@example.com", i) }

// Zone returns the desired state of zone i; Tree writes the same.
func Zone(i int) *schema.Zone {
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

// baseline is the templated tree's definitions: what every account and
// zone starts from. A scope writes what differs; the defaults fill in the
// rest. Plain CUE types only, so that the file is the same for ztsync and
// for `cue vet` next to the schema.
const baseline = `package ` + Package + `

// #Baseline is what every account and zone starts from.
#Baseline: {
	id: =~"^[0-9a-f]{32}$"
	organization: {
		name:            string
		auth_domain:     string
		is_ui_read_only: *false | bool
		login_design: {
			header_text: string
			...
		}
		...
	}
	revoke?: [string]: {
		devices:  *true | bool
		reason?:  string
	}
	...
}

// #AccountBaseline is an account's baseline: the organization's defaults
// and DoH.
#AccountBaseline: #Baseline & {
	organization: {
		session_duration:                   *"8h" | string
		warp_auth_session_duration:         *"30m" | string
		user_seat_expiration_inactive_time: *"730h" | string
		allow_authenticate_via_warp:        *false | bool
		deny_unmatched_requests:            *true | bool
		deny_unmatched_requests_exempted_zone_names: [...string]
		login_design: {
			background_color: *"#c5ed1b" | string
			text_color:       *"#fff" | string
			logo_path:        string
		}
	}
	doh: doh_jwt_duration: *"800h" | string
}

// #ZoneBaseline is a zone's baseline.
#ZoneBaseline: #Baseline
`

// accountSource returns account i's CUE and the line (within it) of the
// broken value, or -1.
func (f Fleet) accountSource(i int, broken bool) (string, int) {
	a := Account(i)
	o := a.Organization
	ld := o["login_design"].(map[string]any)
	ex := o["deny_unmatched_requests_exempted_zone_names"].([]any)
	session := o["session_duration"].(string)
	if broken {
		session = badDuration
	}
	if !f.Templated {
		return fmt.Sprintf(`accounts: %q: {
	id: %q
	organization: {
		session_duration:                   %q
		name:                               %q
		auth_domain:                        %q
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
	revoke: %q: {devices: true, reason: "offboarded"}
}
`, AccountName(i), a.ID, session, o["name"], o["auth_domain"], o["warp_auth_session_duration"],
			o["user_seat_expiration_inactive_time"], o["allow_authenticate_via_warp"], o["is_ui_read_only"],
			ld["background_color"], ld["text_color"], ld["logo_path"], ld["header_text"],
			o["deny_unmatched_requests"], ex[0], ex[1], a.DoH["doh_jwt_duration"], revokeEmail(i)), faultLine(broken, 3)
	}
	// Templated: only what differs from #AccountBaseline's defaults.
	var b strings.Builder
	fmt.Fprintf(&b, "accounts: %q: #AccountBaseline & {\n\tid: %q\n\torganization: {\n", AccountName(i), a.ID)
	fmt.Fprintf(&b, "\t\tsession_duration: %q\n", session)
	fmt.Fprintf(&b, "\t\tname:             %q\n\t\tauth_domain:      %q\n", o["name"], o["auth_domain"])
	if w := o["warp_auth_session_duration"]; w != "30m" {
		fmt.Fprintf(&b, "\t\twarp_auth_session_duration: %q\n", w)
	}
	if o["allow_authenticate_via_warp"] == true {
		b.WriteString("\t\tallow_authenticate_via_warp: true\n")
	}
	if o["is_ui_read_only"] == true {
		b.WriteString("\t\tis_ui_read_only: true\n")
	}
	fmt.Fprintf(&b, "\t\tlogin_design: {logo_path: %q, header_text: %q}\n", ld["logo_path"], ld["header_text"])
	fmt.Fprintf(&b, "\t\tdeny_unmatched_requests_exempted_zone_names: [%q, %q]\n\t}\n", ex[0], ex[1])
	fmt.Fprintf(&b, "\trevoke: %q: reason: \"offboarded\"\n}\n", revokeEmail(i))
	return b.String(), faultLine(broken, 3)
}

// zoneSource returns zone i's CUE and the line of the broken value, or -1.
func (f Fleet) zoneSource(i int, broken bool) (string, int) {
	z := Zone(i)
	o := z.Organization
	domain := o["auth_domain"].(string)
	if broken {
		domain = badHostname
	}
	header := o["login_design"].(map[string]any)["header_text"]
	if !f.Templated {
		return fmt.Sprintf(`zones: %q: {
	id: %q
	organization: {
		auth_domain:     %q
		name:            %q
		is_ui_read_only: %t
		login_design: header_text: %q
	}
}
`, ZoneName(i), z.ID, domain, o["name"], o["is_ui_read_only"], header), faultLine(broken, 3)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "zones: %q: #ZoneBaseline & {\n\tid: %q\n\torganization: {\n", ZoneName(i), z.ID)
	fmt.Fprintf(&b, "\t\tauth_domain: %q\n\t\tname:        %q\n", domain, o["name"])
	if o["is_ui_read_only"] == true {
		b.WriteString("\t\tis_ui_read_only: true\n")
	}
	fmt.Fprintf(&b, "\t\tlogin_design: header_text: %q\n\t}\n}\n", header)
	return b.String(), faultLine(broken, 3)
}

func faultLine(broken bool, line int) int {
	if broken {
		return line
	}
	return -1
}

// LiveAccount is account i's organization as the API would return it
// after a PUT of the desired state: durations in other units, plus the
// fields a live organization carries that ztsync does not manage.
func LiveAccount(i int) schema.Object {
	o := schema.Clone(Account(i).Organization).(map[string]any)
	o["session_duration"] = fmt.Sprintf("%dm", 60*(1+i%24)) // = "Nh"
	o["ui_read_only_toggle_reason"] = "Managed by ztsync"
	o["auto_redirect_to_identity"] = false
	o["cache_device_posture"] = true
	o["mfa_config"] = map[string]any{"allowed_authenticators": []any{"totp", "biometrics"}, "session_duration": "12h"}
	o["created_at"] = "2024-02-01T09:00:00Z"
	o["updated_at"] = "2026-10-01T09:00:00Z"
	return o
}

// LiveDoH is account i's DoH settings as the API returns them (the JWT
// duration in minutes, plus the service token's other fields).
func LiveDoH(i int) schema.Object {
	return schema.Object{
		"id":               fmt.Sprintf("3e1b6a1c-5d4e-4a34-9a2c-%012x", i),
		"name":             "doh",
		"client_id":        fmt.Sprintf("%s.access", ID("client", i)),
		"duration":         "8760h",
		"doh_jwt_duration": "48000m", // = 800h
	}
}

// LiveZone is zone i's organization as the API would return it.
func LiveZone(i int) schema.Object {
	o := schema.Clone(Zone(i).Organization).(map[string]any)
	o["deny_unmatched_requests"] = false
	o["user_seat_expiration_inactive_time"] = "730h"
	o["created_at"] = "2024-02-01T09:00:00Z"
	o["updated_at"] = fmt.Sprintf("2026-10-%02dT09:00:00Z", 1+i%28)
	return o
}
