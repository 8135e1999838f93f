package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/planner"
)

// Target is the API the flags and getenv point at, as plans record it: the
// emulator's state file (absolute), or the base URL without credentials.
func (c *APIFlags) Target(getenv func(string) string) planner.Target {
	if c.emulator != "" {
		path, err := filepath.Abs(c.emulator)
		if err != nil {
			path = filepath.Clean(c.emulator)
		}
		return planner.Target{Emulator: path}
	}
	return planner.APITarget(cmp.Or(c.baseURL, getenv("CLOUDFLARE_BASE_URL"), cfapi.DefaultBaseURL))
}

// TargetFlags are the flags that point ztsync at the API p was made
// against ("--emulator /tmp/live.json"), for hints; "" for Cloudflare.
func TargetFlags(p *planner.Plan) string {
	if p.Target == nil {
		return ""
	}
	return p.Target.Flags(cfapi.DefaultBaseURL)
}

// CheckTarget refuses (exit 4) to apply p, a plan file named path, to
// another API than the one it was made against, naming both and the flags
// that apply it where it belongs. A plan without a recorded target (made by
// an older ztsync) is refused too: it could have been made anywhere.
func (c *APIFlags) CheckTarget(p *planner.Plan, path string, getenv func(string) string) error {
	here := c.Target(getenv)
	switch {
	case p.Target == nil || p.Target.IsZero():
		return WithCode(ExitRefused, fmt.Errorf("%s records no API target (it was made by an older ztsync), so it cannot be told where it belongs; run plan again; nothing was written", path))
	case *p.Target != here:
		hint := "ztsync apply " + path
		if f := TargetFlags(p); f != "" {
			hint += " " + f
		}
		return WithCode(ExitRefused, fmt.Errorf("%s was made against %s, and this apply would write to %s; nothing was written. Apply it where it was made: %s", path, p.Target, here, hint))
	}
	return nil
}

// Guard runs apply's mass-change guard on p at maxPct (nil: the default
// threshold): the refusal apply will give, or nil when it will let p
// through.
func Guard(p *planner.Plan, maxPct *float64) *applier.GuardError {
	threshold := float64(applier.DefaultMaxChangePercent)
	if maxPct != nil {
		threshold = *maxPct
	}
	var ge *applier.GuardError
	if !errors.As(applier.Guard(p, threshold), &ge) {
		return nil
	}
	return ge
}

// GuardWarning is the plan's warning for the guard's refusal ge (Guard's),
// naming the flag that allows the plan; "" for nil.
func GuardWarning(ge *applier.GuardError) string {
	if ge == nil {
		return ""
	}
	return fmt.Sprintf("apply will refuse this plan: it changes %d of %d declared resources (%s%%), more than the %s%% the mass-change guard allows; after review, apply it with --max-change-percent %s",
		ge.Changes, ge.Declared, applier.Percent(ge.Percent), applier.Percent(ge.Max), ge.Allow())
}
