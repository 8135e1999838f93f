package schema

import (
	"errors"
	"maps"
	"slices"
)

// Object is a JSON object as decoded by encoding/json with UseNumber: values
// are string, bool, json.Number, []any, map[string]any or nil. Organization
// and DoH settings travel as Objects so that fields ztsync does not know
// survive a read-modify-write untouched.
type Object = map[string]any

// ErrNotFound is the sentinel for "this organization does not exist" (HTTP
// 404, or Cloudflare's access.api.error.not_found / not_enabled). The API
// client wraps it; the planner tests for it with errors.Is to plan a create.
var ErrNotFound = errors.New("organization does not exist")

// Config is the whole desired state: every account and zone declared under
// the configuration directory, keyed by the user's name for it.
type Config struct {
	// Accounts by name (naming rules of docs/configuration.md).
	Accounts map[string]*Account `json:"accounts,omitempty"`
	// Zones by name (usually the zone's domain).
	Zones map[string]*Zone `json:"zones,omitempty"`
}

// Account is the desired state of one Cloudflare account's Zero Trust
// organization. A nil Organization or DoH means "not managed": no field of
// it is read or written.
type Account struct {
	// ID is the account id: 32 lowercase hex characters.
	ID string `json:"id"`
	// Organization holds the managed organization fields only: exactly the
	// keys the user wrote. Nested objects (login_design, custom_pages) hold
	// only the sub-fields the user wrote.
	Organization Object `json:"organization,omitempty"`
	// DoH holds the managed DoH settings (doh_jwt_duration, service_token_id).
	DoH Object `json:"doh,omitempty"`
	// Revoke lists users whose Access tokens are to be revoked, by email.
	Revoke map[string]Revocation `json:"revoke,omitempty"`
}

// Zone is the desired state of one zone-level Zero Trust organization.
// Only the zone subset of fields (see Writable) may appear in Organization.
type Zone struct {
	// ID is the zone id: 32 lowercase hex characters.
	ID string `json:"id"`
	// Organization holds the managed organization fields only.
	Organization Object `json:"organization,omitempty"`
	// Revoke lists users whose Access tokens are to be revoked, by email.
	Revoke map[string]Revocation `json:"revoke,omitempty"`
}

// Revocation is one revoke entry. Reason is for people and the plan only;
// it is never sent to the API.
type Revocation struct {
	// Devices also revokes every device of the user.
	Devices bool `json:"devices,omitempty"`
	// WarpSessionReauth forces WARP re-authentication.
	WarpSessionReauth bool `json:"warp_session_reauth,omitempty"`
	// UserUID is the user's uuid, when known.
	UserUID string `json:"user_uid,omitempty"`
	// Reason says why (shown in the plan, not sent).
	Reason string `json:"reason,omitempty"`
}

// Body returns the revoke_user request body for email in a scope of kind
// k. The zone API takes the email only (schema.RevokeFields), so devices,
// warp_session_reauth and user_uid are sent at account scope only.
func (r Revocation) Body(k Kind, email string) Object {
	b := Object{"email": email}
	if k != KindAccount {
		return b
	}
	if r.Devices {
		b["devices"] = true
	}
	if r.WarpSessionReauth {
		b["warp_session_reauth"] = true
	}
	if r.UserUID != "" {
		b["user_uid"] = r.UserUID
	}
	return b
}

// ScopeConfig is one declared scope with its desired state, as returned by
// Config.Scopes.
type ScopeConfig struct {
	Scope Scope
	// Organization, DoH and Revoke as in Account (DoH is always nil for zones).
	Organization Object
	DoH          Object
	Revoke       map[string]Revocation
}

// Scopes returns every declared scope in the order of docs/plan-format.md: accounts by
// name, then zones by name.
func (c *Config) Scopes() []ScopeConfig {
	if c == nil {
		return nil
	}
	out := make([]ScopeConfig, 0, len(c.Accounts)+len(c.Zones))
	for _, name := range slices.Sorted(maps.Keys(c.Accounts)) {
		a := c.Accounts[name]
		out = append(out, ScopeConfig{
			Scope:        Scope{Kind: KindAccount, Name: name, ID: a.ID},
			Organization: a.Organization, DoH: a.DoH, Revoke: a.Revoke,
		})
	}
	for _, name := range slices.Sorted(maps.Keys(c.Zones)) {
		z := c.Zones[name]
		out = append(out, ScopeConfig{
			Scope:        Scope{Kind: KindZone, Name: name, ID: z.ID},
			Organization: z.Organization, Revoke: z.Revoke,
		})
	}
	return out
}
