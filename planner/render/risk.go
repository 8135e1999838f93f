package render

import (
	"fmt"
	"strings"

	"github.com/ztsync/ztsync/planner"
)

// riskReason says why a field change is risky: the planner's reason, which
// every plan it makes carries. The renderings only read the planner's
// decision (FieldDiff.Risky, Change.Risky); they never judge risk.
func riskReason(d planner.FieldDiff) string {
	if d.RiskReason != "" {
		return d.RiskReason
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
