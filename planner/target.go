package planner

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ztsync/ztsync/schema"
)

// ConfigError is a problem of the configuration (or of the command line that
// selects from it) found while planning: an organization to create without
// name or auth_domain, DoH declared for an organization that does not exist
// and is not created, a --target that matches nothing. The plan command
// exits 3 for it; every other Build or Fetch error is a runtime error.
type ConfigError struct {
	// Address is the resource, the scope or the --target the problem is
	// about, as the message shows it.
	Address string
	// Scope is the account or zone the problem is in; the zero Scope for a
	// problem of the command line (a --target).
	Scope schema.Scope
	// Resource is the resource the problem is about; "" for the scope's
	// own problems and the command line's.
	Resource Resource
	// Field is the field ("login_design.header_text") the problem is
	// about; "" when it is about the whole resource.
	Field string
	// Message says what is wrong.
	Message string
}

func (e *ConfigError) Error() string { return e.Address + ": " + e.Message }

// Path is where the problem is in the configuration, as CUE labels
// ("accounts", "prod", "organization", "login_design", "header_text"),
// for loader.Result.Position; nil for a problem of the command line.
func (e *ConfigError) Path() []string {
	if e.Scope.Kind == "" {
		return nil
	}
	p := []string{string(e.Scope.Kind) + "s", e.Scope.Name}
	if e.Resource != "" {
		p = append(p, string(e.Resource))
	}
	if e.Field != "" {
		p = append(p, strings.Split(e.Field, ".")...)
	}
	return p
}

// targets selects the resources a plan covers. A nil or empty list selects
// everything.
type targets []string

// match reports whether addr is selected: equal to a target, or below one
// ("account/prod" selects "account/prod/organization").
func (ts targets) match(addr string) bool {
	if len(ts) == 0 {
		return true
	}
	for _, t := range ts {
		if addr == t || strings.HasPrefix(addr, t+"/") {
			return true
		}
	}
	return false
}

// declaredAddresses lists every resource address the configuration declares,
// in plan order: organization, doh, revocations by email, per scope.
func declaredAddresses(desired *schema.Config) []string {
	var out []string
	for _, sc := range desired.Scopes() {
		if sc.Organization != nil {
			out = append(out, Address(sc.Scope, Organization, ""))
		}
		if sc.DoH != nil {
			out = append(out, Address(sc.Scope, DoH, ""))
		}
		for _, email := range slices.Sorted(maps.Keys(sc.Revoke)) {
			out = append(out, Address(sc.Scope, Revocation, email))
		}
	}
	return out
}

// checkTargets cleans the --target list (a trailing "/" is dropped) and
// refuses an empty target or one that selects no declared resource.
func checkTargets(desired *schema.Config, list []string) (targets, error) {
	if len(list) == 0 {
		return nil, nil
	}
	declared := declaredAddresses(desired)
	ts := make(targets, 0, len(list))
	for _, raw := range list {
		t := strings.TrimRight(strings.TrimSpace(raw), "/")
		if t == "" {
			return nil, &ConfigError{Address: fmt.Sprintf("--target %q", raw), Message: "empty target"}
		}
		if !slices.ContainsFunc(declared, targets{t}.match) {
			return nil, &ConfigError{Address: "--target " + t, Message: "matches no declared resource (want an address such as account/NAME/organization, or a prefix such as account/NAME)"}
		}
		ts = append(ts, t)
	}
	return ts, nil
}
