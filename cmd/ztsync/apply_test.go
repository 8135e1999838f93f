package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

const (
	applyProdID = "699d98642c564d2e855e9661899b7252"
	applyZoneID = "023e105f4ecef8ad9ca31a8372d0c353"
)

// applyConfig is a configuration with three changes against applySeed's
// state: an update of prod's organization, its DoH, and a zone create.
const applyConfig = `
accounts: prod: {
	id: "699d98642c564d2e855e9661899b7252"
	organization: {
		name:             "Widget Corps"
		session_duration: "12h"
		login_design: header_text: "Welcome"
	}
	doh: doh_jwt_duration: "800h"
}
zones: "example.com": {
	id: "023e105f4ecef8ad9ca31a8372d0c353"
	organization: {
		name:            "Zone"
		auth_domain:     "zone.cloudflareaccess.com"
		is_ui_read_only: true
		ui_read_only_toggle_reason: "freeze"
	}
}
`

// applyFixture is a configuration directory and an emulator state file.
type applyFixture struct {
	dir, state string
}

func newApplyFixture(t *testing.T, config string) applyFixture {
	t.Helper()
	root := configDir(t, map[string]string{"config/org.cue": config})
	f := applyFixture{dir: filepath.Join(root, "config"), state: filepath.Join(root, "live.json")}
	emu := emulator.New(emulator.Options{})
	emu.SetOrganization(schema.KindAccount, applyProdID, schema.Object{
		"name":             "Widget Corps",
		"auth_domain":      "widget.cloudflareaccess.com",
		"session_duration": "24h",
		"login_design":     map[string]any{"header_text": "Hello", "background_color": "#000000"},
		"future_field":     "kept",
		"created_at":       "2024-01-01T00:00:00Z",
		"updated_at":       "2024-01-01T00:00:00Z",
	})
	emu.SetDoH(applyProdID, schema.Object{"doh_jwt_duration": "24h"})
	if err := emu.SaveFile(f.state); err != nil {
		t.Fatal(err)
	}
	return f
}

// plan makes a plan file of the fixture's configuration against its
// state and returns its path and the run; a failed plan fails the test.
func (f applyFixture) plan(t *testing.T) (string, cliResult) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "plan.json")
	r := applyCLI(t, t.Context(), nil, false, "plan", "--dir", f.dir, "--emulator", f.state, "--out", out)
	if r.code != ExitOK {
		t.Fatalf("plan: %s", r)
	}
	return out, r
}

// newZones is a configuration of n zones that do not exist yet: planned
// against an empty state, n creates, more than the mass-change guard
// allows by default.
func newZones(n int) string {
	var cfg strings.Builder
	for i := range n {
		fmt.Fprintf(&cfg, "zones: \"z%d.example\": {id: \"%032x\", organization: {name: \"Z%d\", auth_domain: \"z%d.cloudflareaccess.com\"}}\n", i, i+1, i, i)
	}
	return cfg.String()
}

// org reads an organization from the fixture's state file.
func (f applyFixture) org(t *testing.T, kind schema.Kind, id string) schema.Object {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	if err := emu.LoadFile(f.state); err != nil {
		t.Fatal(err)
	}
	o, _ := emu.Organization(kind, id)
	return o
}

// applyCLI runs ztsync with args; stdin is given, and is a terminal when
// terminal is set (it must then be an *os.File).
func applyCLI(t *testing.T, ctx context.Context, stdin any, terminal bool, args ...string) cliResult {
	t.Helper()
	e := &env{}
	switch in := stdin.(type) {
	case string:
		e.stdin = strings.NewReader(in)
	case *os.File:
		e.stdin = in
	}
	if terminal {
		e.isTerminal = func(f *os.File) bool { return f == stdin }
	}
	return runEnv(ctx, e, args...)
}

func applyMustContain(t *testing.T, r cliResult, where, want string) {
	t.Helper()
	got := r.stdout
	if where == "stderr" {
		got = r.stderr
	}
	if !strings.Contains(got, want) {
		t.Errorf("%s lacks %q:\n%s", where, want, r)
	}
}

func TestApplyPlanFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newApplyFixture(t, applyConfig)
	planFile, r := f.plan(t)
	// Flags may follow the plan file.
	r = applyCLI(t, ctx, nil, false, "apply", planFile, "--emulator", f.state)
	if r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	applyMustContain(t, r, "stdout", "account/prod/organization: applied (update)\n")
	applyMustContain(t, r, "stdout", "zone/example.com/organization: applied (create)\n")
	applyMustContain(t, r, "stdout", "Apply complete: 3 applied, 0 failed, 0 skipped.\n")
	applyMustContain(t, r, "stdout", "account/prod/doh: applied (update)\n")
	// Each resource is reported once, and success needs no exit line.
	for _, addr := range []string{"account/prod/organization", "account/prod/doh", "zone/example.com/organization"} {
		if n := strings.Count(r.stdout+r.stderr, addr); n != 1 {
			t.Errorf("%s appears %d times, want once:\n%s", addr, n, r)
		}
	}
	if strings.Contains(r.stderr, "exit 0") {
		t.Errorf("stderr has an exit line on success:\n%s", r)
	}

	// The state file was written back: a new plan has nothing to do.
	r = applyCLI(t, ctx, nil, false, "plan", "--dir", f.dir, "--emulator", f.state, "--detailed-exitcode")
	if r.code != 0 {
		t.Fatalf("plan after apply: %s", r)
	}
	applyMustContain(t, r, "stdout", "No changes.")
	org := f.org(t, schema.KindAccount, applyProdID)
	if org["session_duration"] != "12h" || org["future_field"] != "kept" {
		t.Errorf("organization after apply = %v", org)
	}
	if ld, _ := org["login_design"].(map[string]any); ld["background_color"] != "#000000" || ld["header_text"] != "Welcome" {
		t.Errorf("login_design after apply = %v", org["login_design"])
	}
	if _, ok := f.org(t, schema.KindZone, applyZoneID)["auth_domain"]; !ok {
		t.Errorf("zone organization not created")
	}

	// The plan file was applied: applying it again is refused.
	r = applyCLI(t, ctx, nil, false, "apply", "--emulator", f.state, planFile)
	if r.code != ExitRefused {
		t.Fatalf("apply of a used plan: %s", r)
	}
	applyMustContain(t, r, "stderr", "plan.json was already applied at ")
	applyMustContain(t, r, "stderr", "(3 applied; see "+planFile+".applied): a plan is applied once; run plan again for what is left; nothing was written")

	// A copy of it (no record next to it) is stale: refused too.
	copied := filepath.Join(t.TempDir(), "copy.json")
	data, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, copied, string(data))
	r = applyCLI(t, ctx, nil, false, "apply", "--emulator", f.state, copied)
	if r.code != ExitRefused {
		t.Fatalf("apply of a copy of a used plan: %s", r)
	}
	applyMustContain(t, r, "stderr", "plan is stale: account/prod/organization changed (login_design.header_text, session_duration), account/prod/doh changed (doh_jwt_duration), zone/example.com/organization was created; run plan again; nothing was written")
}

func TestApplyPlanFileStale(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newApplyFixture(t, applyConfig)
	planFile, _ := f.plan(t)
	// Someone changes the organization in the dashboard.
	emu := emulator.New(emulator.Options{})
	if err := emu.LoadFile(f.state); err != nil {
		t.Fatal(err)
	}
	o, _ := emu.Organization(schema.KindAccount, applyProdID)
	o["session_duration"] = "36h"
	emu.SetOrganization(schema.KindAccount, applyProdID, o)
	if err := emu.SaveFile(f.state); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(f.state)

	r := applyCLI(t, ctx, nil, false, "apply", planFile, "--emulator", f.state)
	if r.code != ExitRefused {
		t.Fatalf("apply: %s", r)
	}
	applyMustContain(t, r, "stderr", "plan is stale: account/prod/organization changed (session_duration); run plan again")
	applyMustContain(t, r, "stderr", "ztsync: exit 4 (refused for safety)")
	if after, _ := os.ReadFile(f.state); !bytes.Equal(before, after) {
		t.Errorf("a refused apply changed the state")
	}
}

func TestApplyBadPlanFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newApplyFixture(t, applyConfig)
	planFile, _ := f.plan(t)
	dir := filepath.Dir(planFile)
	good, _ := os.ReadFile(planFile)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, content)
		return p
	}
	tests := []struct {
		name, file, want string
	}{
		{"missing", filepath.Join(dir, "nope.json"), "read plan file: open"},
		{"garbage", write("garbage.json", "not json"), "plan file is not valid JSON: line 1, column 2"},
		{"terraform", write("tf.json", `{"format_version":"1.2","terraform_version":"1.9.8","resource_changes":[]}`), "is a Terraform plan"},
		{"future version", write("v2.json", strings.Replace(string(good), `"format_version": "1"`, `"format_version": "2"`, 1)), `format_version "2"`},
		{"tampered", write("tampered.json", strings.Replace(string(good), `"12h"`, `"1h"`, -1)), "plan file was modified after it was made"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := applyCLI(t, ctx, nil, false, "apply", "--emulator", f.state, tt.file)
			if r.code != ExitInvalid {
				t.Fatalf("want exit 3: %s", r)
			}
			applyMustContain(t, r, "stderr", tt.want)
		})
	}
	if !strings.Contains(string(good), `"12h"`) {
		t.Fatalf("the tamper test changes nothing: %s", good)
	}
}

func TestApplyWithoutPlanFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newApplyFixture(t, applyConfig)
	before, _ := os.ReadFile(f.state)

	// stdin is not a terminal: --auto-approve is needed, and nothing is
	// read or written without it.
	r := applyCLI(t, ctx, "yes\n", false, "apply", "--dir", f.dir, "--emulator", f.state)
	if r.code != ExitInvalid {
		t.Fatalf("apply without --auto-approve: %s", r)
	}
	applyMustContain(t, r, "stderr", "pass --auto-approve")
	if after, _ := os.ReadFile(f.state); !bytes.Equal(before, after) {
		t.Errorf("the refused apply changed the state")
	}

	r = applyCLI(t, ctx, nil, false, "apply", "--dir", f.dir, "--emulator", f.state, "--auto-approve")
	if r.code != 0 {
		t.Fatalf("apply --auto-approve: %s", r)
	}
	applyMustContain(t, r, "stdout", "ztsync will perform the following actions:") // the plan is shown first
	applyMustContain(t, r, "stdout", "Apply complete: 3 applied, 0 failed, 0 skipped.")

	r = applyCLI(t, ctx, nil, false, "apply", "--dir", f.dir, "--emulator", f.state, "--auto-approve")
	if r.code != 0 {
		t.Fatalf("second apply: %s", r)
	}
	applyMustContain(t, r, "stdout", "No changes.")
	if strings.Contains(r.stdout, "Apply complete") {
		t.Errorf("an apply with no changes applied something:\n%s", r)
	}
}

func TestApplyConfirmation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		answer   string
		wantCode int
		want     string
	}{
		{"yes\n", 0, "Apply complete: 3 applied"},
		{"y\n", ExitError, "Apply cancelled."},
		{"", ExitError, "Apply cancelled."},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.answer), func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			f := newApplyFixture(t, applyConfig)
			stdin, err := os.CreateTemp(t.TempDir(), "stdin")
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			stdin.WriteString(tt.answer)
			stdin.Seek(0, 0)
			before, _ := os.ReadFile(f.state)
			r := applyCLI(t, ctx, stdin, true, "apply", "--dir", f.dir, "--emulator", f.state)
			if r.code != tt.wantCode {
				t.Fatalf("want exit %d: %s", tt.wantCode, r)
			}
			applyMustContain(t, r, "stderr", "Do you want to apply these changes? Only 'yes' will be accepted: ")
			applyMustContain(t, r, "stdout", tt.want)
			if after, _ := os.ReadFile(f.state); tt.wantCode != 0 && !bytes.Equal(before, after) {
				t.Errorf("a cancelled apply changed the state")
			}
		})
	}
}

func TestApplyMassChangeGuard(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// 12 accounts, all to be created: 100% of the declared resources.
	var cfg strings.Builder
	for i := range 12 {
		fmt.Fprintf(&cfg, "accounts: acct%02d: {id: %q, organization: {name: \"A%d\", auth_domain: \"a%d.cloudflareaccess.com\"}}\n",
			i, fmt.Sprintf("%032x", i+1), i, i)
	}
	f := newApplyFixture(t, cfg.String())
	planFile, _ := f.plan(t)
	before, _ := os.ReadFile(f.state)
	for _, args := range [][]string{
		{"apply", planFile, "--emulator", f.state},
		{"apply", "--dir", f.dir, "--emulator", f.state, "--auto-approve"},
	} {
		r := applyCLI(t, ctx, nil, false, args...)
		if r.code != ExitRefused {
			t.Fatalf("%v: want exit 4: %s", args, r)
		}
		applyMustContain(t, r, "stderr", "refusing to change 12 of 12 declared resources (100%)")
		applyMustContain(t, r, "stderr", "--max-change-percent 100 to allow it")
		if n := strings.Count(r.stderr, "refusing to change"); n != 1 {
			t.Errorf("%v: the guard spoke %d times, want once: %s", args, n, r)
		}
		if after, _ := os.ReadFile(f.state); !bytes.Equal(before, after) {
			t.Errorf("the guard let a write through")
		}
	}
	r := applyCLI(t, ctx, nil, false, "apply", planFile, "--emulator", f.state, "--max-change-percent", "100")
	if r.code != 0 {
		t.Fatalf("apply --max-change-percent 100: %s", r)
	}
	applyMustContain(t, r, "stdout", "Apply complete: 12 applied, 0 failed, 0 skipped.")

	// From the configuration, the plan it shows warns at the threshold the
	// apply enforces: with --max-change-percent 100, no "will refuse".
	g := newApplyFixture(t, cfg.String())
	r = applyCLI(t, ctx, nil, false, "apply", "--dir", g.dir, "--emulator", g.state, "--auto-approve", "--max-change-percent", "100")
	if r.code != 0 {
		t.Fatalf("apply --dir --max-change-percent 100: %s", r)
	}
	applyMustContain(t, r, "stdout", "Apply complete: 12 applied, 0 failed, 0 skipped.")
	if strings.Contains(r.stdout+r.stderr, "will refuse") {
		t.Errorf("the plan warns of a refusal the apply does not make:\n%s", r)
	}
}

func TestApplyUsage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newApplyFixture(t, applyConfig)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"two files", []string{"apply", "a.json", "b.json"}, `unexpected argument "b.json"`},
		{"target with a file", []string{"apply", "a.json", "--target", "account/prod"}, "--target cannot be used with a plan file"},
		{"negative percent", []string{"apply", "--max-change-percent", "-1", "--auto-approve"}, "--max-change-percent must be"},
		{"unknown flag", []string{"apply", "--force"}, "unknown flag --force (ztsync apply --help lists its flags)"},
		{"misspelt flag", []string{"apply", "--auto-aprove"}, "unknown flag --auto-aprove; did you mean --auto-approve?"},
		{"percent over 100", []string{"apply", "--max-change-percent", "150", "--auto-approve"}, "--max-change-percent must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := applyCLI(t, ctx, nil, false, append(tt.args, "--emulator", f.state)...)
			if r.code != ExitInvalid {
				t.Fatalf("want exit 3: %s", r)
			}
			applyMustContain(t, r, "stderr", tt.want)
		})
	}
}

func TestApplyPartialFailure(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newApplyFixture(t, applyConfig)
	planFile, _ := f.plan(t)
	// A plan whose first change the API refuses (400): the rest of prod is
	// skipped, the zone is still created, and the state is saved.
	// Body and diff agree (apply refuses a body its diff does not
	// explain), so the value reaches the API.
	editPlan(t, planFile, true, func(p *planner.Plan) {
		p.Changes[0].Body["session_duration"] = "forever"
		for i := range p.Changes[0].Diff {
			if p.Changes[0].Diff[i].Path == "session_duration" {
				p.Changes[0].Diff[i].After = "forever"
			}
		}
	})

	r := applyCLI(t, ctx, nil, false, "apply", planFile, "--emulator", f.state)
	if r.code != ExitError {
		t.Fatalf("want exit 1: %s", r)
	}
	applyMustContain(t, r, "stdout", "account/prod/organization: failed (update): PUT /accounts/"+applyProdID+"/access/organizations: 400")
	applyMustContain(t, r, "stdout", "account/prod/doh: skipped (update): not attempted: account/prod/organization failed earlier in account/prod\n")
	applyMustContain(t, r, "stdout", "zone/example.com/organization: applied (create)\n")
	applyMustContain(t, r, "stdout", "Apply complete: 1 applied, 1 failed, 1 skipped.\n")
	applyMustContain(t, r, "stderr", "ztsync apply: 2 of 3 changes did not apply cleanly: 1 failed, 1 skipped")
	applyMustContain(t, r, "stderr", "ztsync: exit 1")
	if _, ok := f.org(t, schema.KindZone, applyZoneID)["auth_domain"]; !ok {
		t.Errorf("the zone organization created before the failure was not saved to the state file")
	}
	if got := f.org(t, schema.KindAccount, applyProdID)["session_duration"]; got != "24h" {
		t.Errorf("session_duration = %v, want 24h untouched", got)
	}
}
