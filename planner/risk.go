package planner

import "github.com/ztsync/ztsync/schema"

// The planner decides which changes are risky (docs/plan-format.md), and says
// why; renderings only read FieldDiff.Risky, FieldDiff.RiskReason and
// Change.Risky.

// riskOf decides whether setting the field at path (f its table entry,
// known whether it has one) to after is risky, and why. A field the table
// marks risky is risky whenever it changes an existing organization; on a
// create only when it is set to a non-empty value, because an empty one is
// what a new organization has anyway (creating with is_ui_read_only: false
// locks nothing).
func riskOf(a Action, path string, risky bool, after any) (bool, string) {
	if !risky {
		return false, ""
	}
	if a == Create && schema.IsEmpty(after) {
		return false, ""
	}
	return true, riskReason(a, path, after)
}

// riskReason says what a risky field change does to the people who sign in.
func riskReason(a Action, path string, after any) string {
	on, _ := after.(bool)
	switch path {
	case "auth_domain":
		if a == Create {
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
	case "mfa_config.allowed_authenticators":
		return "the MFA methods people may use change; someone enrolled only in a removed one cannot sign in"
	case "mfa_required_for_all_apps":
		if on {
			return "every application requires MFA; people without an allowed authenticator are locked out"
		}
		return "applications no longer require MFA unless their own policy does"
	}
	return "can lock people out or change how they sign in"
}
