package emulator

import (
	"cmp"
	"slices"
	"strings"
)

// DocsPath is the repository file that documents the emulator: its routes,
// faults, state format and authentication rules.
const DocsPath = "docs/emulator.md"

// Routes lists the method and path pattern of every route the emulator
// serves ("GET /client/v4/accounts/{id}/access/organizations"), sorted by
// path then method. Every other request is 404 "No route for the URI".
func (e *Emulator) Routes() []string {
	out := slices.Clone(e.patterns)
	slices.SortFunc(out, func(a, b string) int {
		ma, pa, _ := strings.Cut(a, " ")
		mb, pb, _ := strings.Cut(b, " ")
		return cmp.Or(cmp.Compare(pa, pb), cmp.Compare(ma, mb))
	})
	return out
}

// FaultKinds lists every kind of fault InjectFault accepts, in order.
func FaultKinds() []FaultKind {
	var out []FaultKind
	for k := RateLimit; k <= DropAfterApply; k++ {
		out = append(out, k)
	}
	return out
}
