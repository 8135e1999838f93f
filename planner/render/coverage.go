package render

import (
	"fmt"
	"strings"

	"github.com/ztsync/ztsync/planner"
)

// maxListedScopes is how many covered scopes the coverage line names.
const maxListedScopes = 5

// CoverageNote says which scopes a changed-scope or sharded plan read and
// how many it left unread and why, or "" for a plan of every scope:
// "Read 1 of 5 scopes (account/b); 4 left unread: unchanged since
// origin/main." Scopes no longer declared are named too. It is plain text;
// callers escape it for their format.
func CoverageNote(p *planner.Plan) string {
	if p == nil || p.Coverage == nil {
		return ""
	}
	c := p.Coverage
	total := len(c.Scopes) + c.Unread
	var b strings.Builder
	fmt.Fprintf(&b, "Read %d of %s", len(c.Scopes), plural(total, "scope", "scopes"))
	if n := len(c.Scopes); n > 0 && n <= maxListedScopes {
		b.WriteString(" (" + strings.Join(c.Scopes, ", ") + ")")
	}
	if c.Unread > 0 {
		fmt.Fprintf(&b, "; %d left unread: %s", c.Unread, c.Reason)
	}
	b.WriteString(".")
	if len(c.Removed) > 0 {
		list := c.Removed
		more := ""
		if len(list) > maxListedScopes {
			list, more = list[:maxListedScopes], fmt.Sprintf(" and %d more", len(c.Removed)-maxListedScopes)
		}
		fmt.Fprintf(&b, " No longer declared, so not read and left as they are: %s%s.", strings.Join(list, ", "), more)
	}
	return b.String()
}
