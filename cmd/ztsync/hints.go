package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/planner"
)

// planHints prints, after a plan, where it was read from and what to do
// next, with every flag the next command needs: the API target, and
// --max-change-percent when the mass-change guard would refuse the plan
// (guard, the pipeline's verdict; nil when it lets the plan through).
// Without --out, an emulator plan's hint applies a copy of the state file,
// since apply rewrites it (the examples' state files are tracked in git).
func planHints(e *env, p *planner.Plan, guard *applier.GuardError, selection, out string) {
	if p.Target != nil {
		where := "Planned against " + p.Target.String()
		if p.Target.Emulator != "" {
			where += ", not Cloudflare"
		}
		fmt.Fprintln(e.stderr, where+".")
	}
	flags := ""
	if f := pipeline.TargetFlags(p); f != "" {
		flags = " " + f
	}
	guardFlag := ""
	if guard != nil {
		guardFlag = " --max-change-percent " + guard.Allow()
	}
	applyFlags := flags + guardFlag
	switch {
	case out != "":
		fmt.Fprintf(e.stderr, "Plan saved to %s; apply it with: ztsync apply %s%s\n", out, out, applyFlags)
	case !p.HasChanges():
	case p.Target != nil && p.Target.Emulator != "" && exists(p.Target.Emulator):
		state := p.Target.Emulator
		cp := filepath.Join(os.TempDir(), "ztsync-"+filepath.Base(state))
		plan := filepath.Join(os.TempDir(), "ztsync-plan.json")
		fmt.Fprintf(e.stderr, "To apply it to a copy of the state (apply rewrites the file it is given): cp %s %s && ztsync plan %s --emulator %s --out %s, review, then ztsync apply %s --emulator %s%s\n",
			state, cp, selection, cp, plan, plan, cp, guardFlag)
	default:
		fmt.Fprintf(e.stderr, "To apply it: ztsync plan %s%s --out plan.json, review, then ztsync apply plan.json%s\n", selection, flags, applyFlags)
	}
}

// appliedAlreadyHint is added to a stale plan's refusal when every
// resource moved exactly where the plan would have moved it: the plan (or
// an equal one) was probably applied already.
func appliedAlreadyHint(p *planner.Plan, se *applier.StaleError) string {
	if len(se.Resources) == 0 {
		return ""
	}
	for _, r := range se.Resources {
		i := slices.IndexFunc(p.Changes, func(c planner.Change) bool { return c.Address == r.Address })
		if i < 0 || !movedAsPlanned(p.Changes[i], r) {
			return ""
		}
	}
	return ". It was probably applied already: everything that moved, moved the way this plan changes it. Run plan again; it should say No changes"
}

// movedAsPlanned reports whether r moved as applying c would move it: a
// create whose organization now exists, or an update whose changed fields
// are all fields c changes.
func movedAsPlanned(c planner.Change, r applier.StaleResource) bool {
	switch {
	case c.Action == planner.Create:
		return r.Detail == applier.Created
	case c.Action == planner.Update && r.Detail == applier.Changed && len(r.Fields) > 0:
		for _, f := range r.Fields {
			if !slices.ContainsFunc(c.Diff, func(d planner.FieldDiff) bool {
				return d.Path == f || strings.HasPrefix(d.Path, f+".") || strings.HasPrefix(f, d.Path+".")
			}) {
				return false
			}
		}
		return true
	}
	return false
}

// exists reports whether a file is at path.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
