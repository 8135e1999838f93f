package render

import (
	"fmt"
	"strings"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// riskySet holds the organization fields the schema marks risky, as
// "name" or "parent.sub". Each rendering builds it once.
type riskySet map[string]bool

func newRiskySet() riskySet {
	set := riskySet{}
	for _, f := range schema.OrganizationFields() {
		if f.Risky {
			set[f.Name] = true
		}
		for _, sub := range f.Sub {
			if sub.Risky {
				set[f.Name+"."+sub.Name] = true
			}
		}
	}
	return set
}

// field reports whether a diff is risky: marked so by the planner, or a
// field the schema marks risky.
func (rs riskySet) field(d planner.FieldDiff) bool { return d.Risky || rs[d.Path] }

// change reports whether a change is risky: marked so, a revocation, or
// holding a risky field.
func (rs riskySet) change(c *planner.Change) bool {
	if c.Risky || c.Action == planner.Revoke {
		return true
	}
	for _, d := range c.Diff {
		if rs.field(d) {
			return true
		}
	}
	return false
}

// fieldRiskReason says why a field change is risky (DESIGN.md §5).
func fieldRiskReason(a planner.Action, d planner.FieldDiff) string {
	on, _ := d.After.(bool)
	switch d.Path {
	case "auth_domain":
		if a == planner.Create {
			return "sets the login domain; the IdP's redirect URLs must name it"
		}
		return "the login domain changes; sign-ins through the old domain and IdP redirect URLs that name it stop working"
	case "is_ui_read_only":
		if on {
			return "Zero Trust settings become read-only in the dashboard"
		}
		return "Zero Trust settings become editable in the dashboard"
	case "deny_unmatched_requests":
		if on {
			return "requests that match no Access application are denied; people lose access to anything without one"
		}
		return "requests that match no Access application are no longer denied"
	}
	return "marked risky"
}

// revocation is what a revoke change does, read from its body.
type revocation struct {
	email             string
	devices           bool
	warpSessionReauth bool
	userUID           string
}

func revocationOf(c *planner.Change) revocation {
	var r revocation
	if s, ok := c.Body["email"].(string); ok {
		r.email = s
	} else if _, email, ok := strings.Cut(c.Address, "/revoke/"); ok {
		r.email = email
	}
	r.devices, _ = c.Body["devices"].(bool)
	r.warpSessionReauth, _ = c.Body["warp_session_reauth"].(bool)
	r.userUID, _ = c.Body["user_uid"].(string)
	return r
}

// revokeReason says what a revocation does, for the risky lists; who is
// the user's email as the rendering shows it.
func revokeReason(r revocation, who string) string {
	s := fmt.Sprintf("ends every Access session of %s", who)
	switch {
	case r.devices && r.warpSessionReauth:
		s += ", revokes their devices and forces WARP re-authentication"
	case r.devices:
		s += " and revokes their devices"
	case r.warpSessionReauth:
		s += " and forces WARP re-authentication"
	}
	return s
}
