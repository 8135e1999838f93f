package schema

import "fmt"

// Kind says whether a scope is an account or a zone.
type Kind string

const (
	// KindAccount is an account-level organization (/accounts/{id}).
	KindAccount Kind = "account"
	// KindZone is a zone-level organization (/zones/{id}).
	KindZone Kind = "zone"
)

// Scope names one account or zone: its kind, the user's name for it in the
// configuration, and its Cloudflare id.
type Scope struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
	ID   string `json:"id"`
}

// Prefix is the API path prefix of the scope: "/accounts/ID" or "/zones/ID".
func (s Scope) Prefix() string {
	if s.Kind == KindZone {
		return "/zones/" + s.ID
	}
	return "/accounts/" + s.ID
}

// Address is the scope's address prefix: "account/NAME" or "zone/NAME".
func (s Scope) Address() string { return string(s.Kind) + "/" + s.Name }

// String returns the address.
func (s Scope) String() string { return s.Address() }

// Validate reports whether the scope is usable for an API call.
func (s Scope) Validate() error {
	if s.Kind != KindAccount && s.Kind != KindZone {
		return fmt.Errorf("scope %q: unknown kind %q", s.Name, s.Kind)
	}
	if !IsID(s.ID) {
		return fmt.Errorf("scope %q: id %q is not 32 lowercase hex characters", s.Name, s.ID)
	}
	return nil
}

// IsID reports whether id is a Cloudflare account or zone id: 32 lowercase
// hex characters.
func IsID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
