package schema

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is the one place a field's rule is written in Go: its kind,
// minimum, pattern, which scope writes or only returns it, whether null
// clears it, whether the API reads it back. The loader judges
// configurations with it (and its differential tests hold it to
// schema.cue), export leaves out live values it refuses, the emulator
// answers requests by it, the planner builds each scope's request body
// from it, and docs/api-fields.md is generated from it.

// FieldType is the JSON shape and the validation rule of a field.
type FieldType int

const (
	// String is free text.
	String FieldType = iota
	// Bool is true or false; the API omits or returns false for unset.
	Bool
	// Duration is a Go duration string ("24h", "90m"), compared by value.
	Duration
	// Hostname is a DNS name (auth_domain).
	Hostname
	// UUID is a uuid such as a service token's id.
	UUID
	// StringList is a list of strings, replaced as a whole on update.
	StringList
	// HostnameList is a list of DNS names.
	HostnameList
	// UUIDList is a list of uuids.
	UUIDList
	// Nested is a nested object whose sub-fields are merged one by one.
	Nested
	// Opaque is a JSON value ztsync passes through without reading it.
	Opaque
)

// String names the type as the docs do.
func (t FieldType) String() string {
	switch t {
	case String:
		return "string"
	case Bool:
		return "bool"
	case Duration:
		return "duration"
	case Hostname:
		return "hostname"
	case UUID:
		return "uuid"
	case StringList:
		return "list of strings"
	case HostnameList:
		return "list of hostnames"
	case UUIDList:
		return "list of uuids"
	case Nested:
		return "object"
	case Opaque:
		return "object (passed through)"
	}
	return "unknown"
}

// IsList reports whether the type is a list.
func (t FieldType) IsList() bool { return t == StringList || t == HostnameList || t == UUIDList }

// Elem is the type of a list's elements (String, Hostname or UUID); for
// other types it is the type itself.
func (t FieldType) Elem() FieldType {
	switch t {
	case StringList:
		return String
	case HostnameList:
		return Hostname
	case UUIDList:
		return UUID
	}
	return t
}

// Access is how one scope's API treats a field.
type Access int

const (
	// Absent: the scope's API neither takes nor returns the field.
	Absent Access = iota
	// ReadWrite: request bodies take the field and responses return it.
	ReadWrite
	// ResponseOnly: responses return the field; requests never carry it.
	ResponseOnly
)

// String names the access as docs/api-fields.md does.
func (a Access) String() string {
	switch a {
	case ReadWrite:
		return "writable"
	case ResponseOnly:
		return "response-only"
	}
	return "—"
}

// The patterns of the schema's string rules, character for character as
// schema.cue writes them (the loader's tests compare them).
const (
	HostnamePattern     = `^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`
	UUIDPattern         = `^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`
	MinutesHoursPattern = `^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)[mh](([0-9]+(\.[0-9]*)?|\.[0-9]+)[mh])*$`
)

// MaxHostname is the longest hostname, in characters.
const MaxHostname = 253

var (
	hostnameRE = regexp.MustCompile(HostnamePattern)
	uuidRE     = regexp.MustCompile(UUIDPattern)
	patterns   = map[string]*regexp.Regexp{MinutesHoursPattern: regexp.MustCompile(MinutesHoursPattern)}
)

// Field describes one field of the organization, DoH or revoke_user
// object: its rule, and how each scope's API treats it.
type Field struct {
	// Name is the API's own field name.
	Name string
	// Type is the field's shape and validation rule.
	Type FieldType
	// NonEmpty refuses "" for a String.
	NonEmpty bool
	// Min is a Duration's smallest accepted value; MinNote says it in
	// words ("one month").
	Min     time.Duration
	MinNote string
	// Pattern, when set, is a regular expression a Duration's text must
	// also match (MinutesHoursPattern); PatternNote names it in messages.
	Pattern     string
	PatternNote string
	// Account and Zone say how each scope's API treats the field.
	Account, Zone Access
	// OnCreate is false for writable fields POST does not accept
	// (custom_pages): a create sends them with a PUT right after.
	OnCreate bool
	// Risky marks a change that can lock people out or change the login
	// domain; every rendering flags it.
	Risky bool
	// Clearable lets a configuration write null for the field: the plan
	// removes it and the request carries null.
	Clearable bool
	// NotReadBack marks a field the API may leave out of its answers
	// (ui_read_only_toggle_reason): when live lacks it, it is written
	// with the next change but never diffed or checked on its own.
	NotReadBack bool
	// Set compares a list as a set: order, and for hostnames and uuids
	// case, do not matter.
	Set bool
	// Unmanaged, when set, is why ztsync does not manage a writable
	// field: configurations may not write it and every PUT passes the
	// live value through.
	Unmanaged string
	// ReadAs is the name GET gives the field when it differs (DoH's
	// service_token_id is read as "id").
	ReadAs string
	// Local marks a field of ztsync's own that is never sent (a
	// revocation's reason).
	Local bool
	// Source says where the field's scope rule comes from.
	Source string
	// Sub lists the sub-fields of a Nested field.
	Sub []Field
}

// At returns how scope kind k's API treats the field.
func (f Field) At(k Kind) Access {
	if k == KindZone {
		return f.Zone
	}
	return f.Account
}

// Managed reports whether a configuration for scope kind k may write the
// field.
func (f Field) Managed(k Kind) bool { return f.At(k) == ReadWrite && f.Unmanaged == "" }

// Sources of the scope rules, as docs/api-fields.md cites them.
const (
	srcSDK      = "cloudflare-go v6.10.0 OrganizationNewParams/UpdateParams"
	srcSpecZone = "OpenAPI zone request bodies (api-schemas c92b9b0f)"
	srcSDKResp  = "cloudflare-go v6.10.0 Organization (response)"
	srcObserved = "observed in real GET answers; in no request type"
	srcDoH      = "cloudflare-go v6.10.0 DOHUpdateParams / DOHGetResponse"
	srcRevoke   = "cloudflare-go v6.10.0 OrganizationRevokeUsersParams; OpenAPI zone body takes email only"
)

// The rules shared by several fields.
var (
	seatRule = Field{Type: Duration, Min: 730 * time.Hour, MinNote: "one month"}
	warpRule = Field{Type: Duration, Pattern: MinutesHoursPattern, PatternNote: "minutes or hours"}
)

func with(rule Field, f Field) Field {
	f.Type, f.Min, f.MinNote, f.Pattern, f.PatternNote = rule.Type, rule.Min, rule.MinNote, rule.Pattern, rule.PatternNote
	return f
}

// OrganizationFields returns every organization field ztsync knows, in the
// API's documented order: the fields configurations manage, the writable
// ones it passes through unmanaged (the PIV-key block), and the
// response-only ones it never sends. A live key not listed is unknown: it
// is left alone and never sent.
//
// The result is a fresh copy; callers may modify it.
func OrganizationFields() []Field {
	both := func(f Field) Field {
		f.Account, f.Zone, f.OnCreate = ReadWrite, ReadWrite, true
		if f.Source == "" {
			f.Source = srcSDK + "; " + srcSpecZone
		}
		return f
	}
	account := func(f Field) Field {
		f.Account, f.OnCreate = ReadWrite, true
		if f.Source == "" {
			f.Source = srcSDK + "; not in " + srcSpecZone
		}
		return f
	}
	responseOnly := func(name, src string) Field {
		return Field{Name: name, Type: String, Account: ResponseOnly, Zone: ResponseOnly, Source: src}
	}
	accountResponse := func(name, src string) Field {
		return Field{Name: name, Type: String, Account: ResponseOnly, Source: src}
	}
	custom := account(Field{Name: "custom_pages", Type: Nested, OnCreate: false, Clearable: true,
		Source: "cloudflare-go v6.10.0 OrganizationUpdateParams only (not on POST); not in " + srcSpecZone,
		Sub: []Field{
			{Name: "forbidden", Type: String, Clearable: true},
			{Name: "identity_denied", Type: String, Clearable: true},
		}})
	custom.OnCreate = false
	deny := func(f Field) Field {
		f.Account, f.Zone, f.OnCreate = ReadWrite, ResponseOnly, true
		f.Source = srcSDK + "; zone: in the OpenAPI zone response, not its request bodies"
		return f
	}
	fields := []Field{
		both(Field{Name: "name", Type: String, NonEmpty: true}),
		both(Field{Name: "auth_domain", Type: Hostname, Risky: true}),
		account(Field{Name: "session_duration", Type: Duration, Clearable: true}),
		account(with(warpRule, Field{Name: "warp_auth_session_duration", Clearable: true})),
		both(with(seatRule, Field{Name: "user_seat_expiration_inactive_time", Clearable: true})),
		account(Field{Name: "allow_authenticate_via_warp", Type: Bool}),
		account(Field{Name: "auto_redirect_to_identity", Type: Bool}),
		both(Field{Name: "is_ui_read_only", Type: Bool, Risky: true}),
		both(Field{Name: "ui_read_only_toggle_reason", Type: String, Clearable: true, NotReadBack: true}),
		both(Field{Name: "login_design", Type: Nested, Clearable: true, Sub: []Field{
			{Name: "background_color", Type: String, Clearable: true},
			{Name: "text_color", Type: String, Clearable: true},
			{Name: "logo_path", Type: String, Clearable: true},
			{Name: "header_text", Type: String, Clearable: true},
			{Name: "footer_text", Type: String, Clearable: true},
		}}),
		custom,
		deny(Field{Name: "deny_unmatched_requests", Type: Bool, Risky: true}),
		deny(Field{Name: "deny_unmatched_requests_exempted_zone_names", Type: HostnameList, Set: true, Clearable: true}),
		account(Field{Name: "mfa_config", Type: Nested, Clearable: true, Sub: []Field{
			{Name: "allowed_authenticators", Type: StringList, Set: true, Clearable: true, Risky: true},
			with(warpRule, Field{Name: "session_duration", Clearable: true}),
			with(warpRule, Field{Name: "amr_matching_session_duration", Clearable: true}),
			// The id of a Cloudflare List of AAGUIDs, not a list.
			{Name: "required_aaguids", Type: UUID, Clearable: true},
		}}),
		account(Field{Name: "mfa_required_for_all_apps", Type: Bool, Risky: true}),
		account(Field{Name: "mfa_ssh_piv_key_requirements", Type: Opaque,
			Unmanaged: "its name and values differ between the SDK (mfa_ssh_piv_key_requirements, ssh_piv_key) and the API specification (mfa_piv_key_requirements, piv_key)"}),
		account(Field{Name: "mfa_piv_key_requirements", Type: Opaque,
			Unmanaged: "its name and values differ between the SDK (mfa_ssh_piv_key_requirements, ssh_piv_key) and the API specification (mfa_piv_key_requirements, piv_key)",
			Source:    "OpenAPI account request bodies (the SDK calls it mfa_ssh_piv_key_requirements)"}),
		responseOnly("created_at", srcSDKResp),
		responseOnly("updated_at", srcSDKResp),
		accountResponse("mfa_configuration_allowed", "removed from cloudflare-go v6.10.0 params; Terraform v5.22 Optional+Computed"),
		accountResponse("cache_device_posture", srcObserved),
		accountResponse("has_migrated_private_apps", srcObserved),
	}
	for i := range fields {
		for j := range fields[i].Sub {
			fields[i].Sub[j].Account, fields[i].Sub[j].Zone = fields[i].Account, fields[i].Zone
			fields[i].Sub[j].OnCreate = fields[i].OnCreate
		}
	}
	return fields
}

// DoHFields returns the DoH settings' fields (account scope only).
func DoHFields() []Field {
	ro := func(name string) Field {
		return Field{Name: name, Type: String, Account: ResponseOnly, Source: srcDoH}
	}
	return []Field{
		{Name: "doh_jwt_duration", Type: Duration, Account: ReadWrite, Clearable: true, Source: srcDoH},
		{Name: "service_token_id", Type: UUID, Account: ReadWrite, Clearable: true, ReadAs: "id", Source: srcDoH + " (GET calls it id)"},
		ro("id"), ro("client_id"), ro("name"), ro("duration"), ro("expires_at"),
	}
}

// RevokeFields returns the fields of a revoke entry besides the email it
// is keyed by. The zone revoke_user body takes the email only.
func RevokeFields() []Field {
	return []Field{
		{Name: "devices", Type: Bool, Account: ReadWrite, Source: srcRevoke},
		{Name: "warp_session_reauth", Type: Bool, Account: ReadWrite, Source: srcRevoke},
		{Name: "user_uid", Type: UUID, Account: ReadWrite, Source: srcRevoke},
		{Name: "reason", Type: String, Account: ReadWrite, Zone: ReadWrite, Local: true, Source: "ztsync's own: shown in the plan, never sent"},
	}
}

// ReadOnlyFields are the organization fields the API returns and no
// scope takes (created_at, cache_device_posture, ...): they are never sent
// and ignored when comparing.
func ReadOnlyFields() []string {
	var out []string
	for _, f := range OrganizationFields() {
		if f.Account != ReadWrite && f.Zone != ReadWrite {
			out = append(out, f.Name)
		}
	}
	return out
}

// Lookup returns the organization field called name (a top-level name, or
// "parent.sub" for a sub-field) and whether it exists.
func Lookup(name string) (Field, bool) {
	return lookupIn(OrganizationFields(), name)
}

// LookupDoH returns the DoH field called name and whether it exists.
func LookupDoH(name string) (Field, bool) {
	return lookupIn(DoHFields(), name)
}

func lookupIn(fields []Field, name string) (Field, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
		for _, s := range f.Sub {
			if f.Name+"."+s.Name == name {
				return s, true
			}
		}
	}
	return Field{}, false
}

// Writable reports whether scope kind k's request bodies may carry the
// organization field name (top-level or "parent.sub"), managed or not.
func Writable(k Kind, name string) bool {
	f, ok := Lookup(name)
	return ok && f.At(k) == ReadWrite
}

// Problem returns what is wrong with the string s as a value of f (or an
// element of a list f), in words to follow the quoted value ("is not a
// hostname (e.g. example.com)"), or "" when the rule accepts it.
func (f Field) Problem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	switch f.Type.Elem() {
	case String:
		if f.NonEmpty && s == "" {
			return "must not be empty"
		}
	case Duration:
		d, err := time.ParseDuration(s)
		switch {
		case err != nil && f.PatternNote != "":
			return "is not a duration in " + f.PatternNote + " (use e.g. 24h, 90m)"
		case err != nil:
			return "is not a duration (use e.g. 12h, 90m)"
		case d < 0 || strings.HasPrefix(s, "-"):
			// The schema refuses a leading minus sign, even on "-0s".
			return "is negative"
		case f.Pattern != "" && !patterns[f.Pattern].MatchString(s):
			return "is not in " + f.PatternNote + " (use e.g. 24h, 90m)"
		case d < f.Min:
			return "is shorter than the minimum, " + DurationText(f.Min) + " (" + f.MinNote + ")"
		}
	case Hostname:
		if utf8.RuneCountInString(s) > MaxHostname || !hostnameRE.MatchString(s) {
			return "is not a hostname (e.g. example.com)"
		}
	case UUID:
		if !uuidRE.MatchString(s) {
			return "is not a uuid (e.g. 3f9b1a52-6c1e-4d0a-9b9e-2f64c1a0e7d4)"
		}
	}
	return ""
}

// DurationText prints d without zero minutes and seconds: "730h", not
// "730h0m0s".
func DurationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
