package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanHintAppliesACopy: without --out, the hint after an emulator plan
// applies a copy of the state file, so that following it never rewrites
// the file that was planned against (the examples' state is tracked).
func TestPlanHintAppliesACopy(t *testing.T) {
	t.Parallel()
	f := newApplyFixture(t, applyConfig)
	r := applyCLI(t, t.Context(), nil, false, "plan", "--dir", f.dir, "--emulator", f.state)
	if r.code != 0 {
		t.Fatalf("plan: %s", r)
	}
	cp := filepath.Join(os.TempDir(), "ztsync-"+filepath.Base(f.state))
	plan := filepath.Join(os.TempDir(), "ztsync-plan.json")
	applyMustContain(t, r, "stderr", "cp "+f.state+" "+cp+" && ztsync plan --dir "+f.dir+" --emulator "+cp+" --out "+plan)
	applyMustContain(t, r, "stderr", "then ztsync apply "+plan+" --emulator "+cp+"\n")
	if strings.Contains(r.stderr, "apply plan.json --emulator "+f.state) {
		t.Errorf("the hint applies to the state file that was planned against:\n%s", r)
	}
}

// TestPlanHintCarriesGuardFlag: when apply's mass-change guard would
// refuse the plan, the hint to apply it carries --max-change-percent.
func TestPlanHintCarriesGuardFlag(t *testing.T) {
	t.Parallel()
	f := newApplyFixture(t, newZones(12))
	planFile, r := f.plan(t)
	applyMustContain(t, r, "stderr", "apply it with: ztsync apply "+planFile+" --emulator "+f.state+" --max-change-percent 100\n")
	// Following the hint applies the plan.
	r = applyCLI(t, t.Context(), nil, false, "apply", planFile, "--emulator", f.state, "--max-change-percent", "100")
	if r.code != 0 {
		t.Fatalf("apply as the hint says: %s", r)
	}
	// Under the threshold the hint has no guard flag.
	r = applyCLI(t, t.Context(), nil, false, "plan", "--dir", f.dir, "--emulator", f.state, "--target", "zone/z1.example", "--out", planFile)
	if strings.Contains(r.stderr, "--max-change-percent") {
		t.Errorf("guard flag in the hint of a plan the guard allows:\n%s", r)
	}
}

// TestApplyNoTerminalHintCarriesFlags: apply without a terminal points at
// the plan-file flow with --dir and the API target of this command.
func TestApplyNoTerminalHintCarriesFlags(t *testing.T) {
	t.Parallel()
	f := newApplyFixture(t, applyConfig)
	r := applyCLI(t, t.Context(), "", false, "apply", "--dir", f.dir, "--emulator", f.state)
	if r.code != ExitInvalid {
		t.Fatalf("apply without a terminal: %s", r)
	}
	applyMustContain(t, r, "stderr", "(ztsync plan --dir "+f.dir+" --emulator "+f.state+" --out plan.json, then ztsync apply plan.json --emulator "+f.state+")")
}

// TestPlanHintKeepsSelection: the hint to plan again with --out keeps the
// flags that decide what the plan holds (--target, --base, --all, --shard).
func TestPlanHintKeepsSelection(t *testing.T) {
	t.Parallel()
	var cfg strings.Builder
	for i := range 3 {
		fmt.Fprintf(&cfg, "zones: \"z%d.example\": {id: \"%032x\", organization: {name: \"Z%d\", auth_domain: \"z%d.cloudflareaccess.com\"}}\n", i, i+1, i, i)
	}
	f := newApplyFixture(t, newZones(12))
	missing := filepath.Join(t.TempDir(), "new.json")
	r := applyCLI(t, t.Context(), nil, false, "plan", "--dir", f.dir, "--emulator", missing, "--target", "zone/z1.example", "--shard", "1/1")
	if r.code != 0 {
		t.Fatalf("plan: %s", r)
	}
	applyMustContain(t, r, "stderr", "To apply it: ztsync plan --dir "+f.dir+" --shard 1/1 --target zone/z1.example --emulator "+missing+" --out plan.json")
}
