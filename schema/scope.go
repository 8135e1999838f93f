package schema

import (
	"fmt"
	"regexp"
)

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

// NamePattern is the name of an account or zone in a configuration,
// character for character as schema.cue writes #Name (the loader's tests
// compare them).
const NamePattern = `^[A-Za-z0-9][A-Za-z0-9._@-]*$`

var nameRE = regexp.MustCompile(NamePattern)

// IsName reports whether name may name an account or zone in a
// configuration (NamePattern).
func IsName(name string) bool { return nameRE.MatchString(name) }

// IDPattern is a Cloudflare account or zone id, character for character
// as schema.cue writes #ID (the loader's tests compare them).
const IDPattern = `^[0-9a-f]{32}$`

var idRE = regexp.MustCompile(IDPattern)

// IsID reports whether id is a Cloudflare account or zone id: 32 lowercase
// hex characters (IDPattern).
func IsID(id string) bool { return idRE.MatchString(id) }
