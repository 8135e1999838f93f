package schema

// FieldType is the JSON shape and the validation rule of an organization or
// DoH field.
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
	// Color is "#rgb" or "#rrggbb".
	Color
	// URL is an http(s) URL.
	URL
	// StringList is a list of strings, replaced as a whole on update.
	StringList
	// HostnameList is a list of DNS names.
	HostnameList
	// Nested is a nested object whose sub-fields are merged one by one.
	Nested
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
	case Color:
		return "color"
	case URL:
		return "url"
	case StringList:
		return "list of strings"
	case HostnameList:
		return "list of hostnames"
	case Nested:
		return "object"
	}
	return "unknown"
}

// Field describes one writable field of the organization or DoH object.
type Field struct {
	// Name is the API's own field name.
	Name string
	// Type is the field's shape and validation rule.
	Type FieldType
	// Account is true when the account-scope PUT/POST accepts the field.
	Account bool
	// Zone is true when the zone-scope PUT/POST accepts the field.
	Zone bool
	// OnCreate is false for fields POST does not accept (custom_pages): a
	// create sends them with a PUT right after.
	OnCreate bool
	// Risky marks a change that can lock people out or change the login
	// domain; every rendering flags it and apply's guard counts it.
	Risky bool
	// Sub lists the sub-fields of an Object field.
	Sub []Field
}

// OrganizationFields returns the writable organization fields ztsync
// manages, in the API's documented order. The MFA group (mfa_config,
// mfa_piv_key_requirements, mfa_required_for_all_apps) is deliberately
// absent: its names and enums changed three times in 2026
// (cloudflare-api.md §2.8). Fields not listed are left untouched on the
// live object.
//
// The result is a fresh copy; callers may modify it.
func OrganizationFields() []Field {
	return []Field{
		{Name: "name", Type: String, Account: true, Zone: true, OnCreate: true},
		{Name: "auth_domain", Type: Hostname, Account: true, Zone: true, OnCreate: true, Risky: true},
		{Name: "session_duration", Type: Duration, Account: true, OnCreate: true},
		{Name: "warp_auth_session_duration", Type: Duration, Account: true, OnCreate: true},
		{Name: "user_seat_expiration_inactive_time", Type: Duration, Account: true, Zone: true, OnCreate: true},
		{Name: "allow_authenticate_via_warp", Type: Bool, Account: true, OnCreate: true},
		{Name: "auto_redirect_to_identity", Type: Bool, Account: true, OnCreate: true},
		{Name: "is_ui_read_only", Type: Bool, Account: true, Zone: true, OnCreate: true, Risky: true},
		{Name: "ui_read_only_toggle_reason", Type: String, Account: true, Zone: true, OnCreate: true},
		{Name: "login_design", Type: Nested, Account: true, Zone: true, OnCreate: true, Sub: []Field{
			{Name: "background_color", Type: Color, Account: true, Zone: true, OnCreate: true},
			{Name: "text_color", Type: Color, Account: true, Zone: true, OnCreate: true},
			{Name: "logo_path", Type: URL, Account: true, Zone: true, OnCreate: true},
			{Name: "header_text", Type: String, Account: true, Zone: true, OnCreate: true},
			{Name: "footer_text", Type: String, Account: true, Zone: true, OnCreate: true},
		}},
		{Name: "custom_pages", Type: Nested, Account: true, Sub: []Field{
			{Name: "forbidden", Type: String, Account: true},
			{Name: "identity_denied", Type: String, Account: true},
		}},
		{Name: "deny_unmatched_requests", Type: Bool, Account: true, Zone: true, OnCreate: true, Risky: true},
		{Name: "deny_unmatched_requests_exempted_zone_names", Type: HostnameList, Account: true, Zone: true, OnCreate: true},
	}
}

// DoHFields returns the writable DoH settings (account scope only).
func DoHFields() []Field {
	return []Field{
		{Name: "doh_jwt_duration", Type: Duration, Account: true},
		{Name: "service_token_id", Type: String, Account: true},
	}
}

// ReadOnlyFields are returned by the API but never written: they are
// dropped from every PUT body and ignored when comparing.
func ReadOnlyFields() []string { return []string{"created_at", "updated_at"} }

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

// Writable reports whether scope kind k may write the organization field
// name (top-level or "parent.sub").
func Writable(k Kind, name string) bool {
	f, ok := Lookup(name)
	if !ok {
		return false
	}
	if k == KindZone {
		return f.Zone
	}
	return f.Account
}
