package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// TestPlanRecordsEmulatorTarget: a plan made with --emulator says so, and
// the plan file records the state file; the hint to apply it carries
// --emulator; applying it to another state file or to an API is refused
// (exit 4) naming both, and nothing is written.
func TestPlanRecordsEmulatorTarget(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newApplyFixture(t, applyConfig)
	planFile, r := f.plan(t)
	applyMustContain(t, r, "stderr", "Planned against the emulator (state "+f.state+"), not Cloudflare.")
	applyMustContain(t, r, "stderr", "apply it with: ztsync apply "+planFile+" --emulator "+f.state+"\n")
	p := readPlan(t, planFile)
	if p.Target == nil || p.Target.Emulator != f.state || p.Target.BaseURL != "" {
		t.Fatalf("plan target = %+v, want emulator %s", p.Target, f.state)
	}

	before, _ := os.ReadFile(f.state)
	other := filepath.Join(t.TempDir(), "other.json")
	r = applyCLI(t, ctx, nil, false, "apply", planFile, "--emulator", other)
	if r.code != ExitRefused {
		t.Fatalf("apply to another emulator state: want exit 4: %s", r)
	}
	applyMustContain(t, r, "stderr", "was made against the emulator (state "+f.state+"), and this apply would write to the emulator (state "+other+"); nothing was written")
	applyMustContain(t, r, "stderr", "ztsync apply "+planFile+" --emulator "+f.state)
	if _, err := os.Stat(other); err == nil {
		t.Errorf("the refused apply created %s", other)
	}

	// The real API (here an emulator served over HTTP) with a token in the
	// environment: refused before any request.
	srv := emulator.NewServer(t, emulator.Options{})
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(k string) string {
		return map[string]string{"CLOUDFLARE_API_TOKEN": "tok", "CLOUDFLARE_BASE_URL": srv.URL}[k]
	}}
	if code := run(ctx, []string{"apply", planFile}, e); code != ExitRefused {
		t.Fatalf("apply to the API: exit %d, want 4\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "the API at "+srv.URL) || !strings.Contains(stderr.String(), f.state) {
		t.Errorf("refusal does not name both targets:\n%s", stderr.String())
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the API; want none", n)
	}
	if after, _ := os.ReadFile(f.state); !bytes.Equal(before, after) {
		t.Errorf("the emulator state changed")
	}

	// Applied where it was made, it works.
	r = applyCLI(t, ctx, nil, false, "apply", planFile, "--emulator", f.state)
	if r.code != 0 {
		t.Fatalf("apply where it was made: %s", r)
	}
}

// TestPlanTargetEditedIsRefused: the target is covered by the fingerprint,
// so a plan file whose target was edited to pass the check is refused.
func TestPlanTargetEditedIsRefused(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newApplyFixture(t, applyConfig)
	planFile, _ := f.plan(t)
	other := filepath.Join(t.TempDir(), "other.json")
	data, _ := os.ReadFile(planFile)
	edited := bytes.Replace(data, []byte(jsonString(f.state)), []byte(jsonString(other)), 1)
	if bytes.Equal(edited, data) {
		t.Fatal("target not found in the plan file")
	}
	writeFile(t, planFile, string(edited))
	r := applyCLI(t, ctx, nil, false, "apply", planFile, "--emulator", other)
	if r.code != ExitInvalid {
		t.Fatalf("want exit 3 for a modified plan file: %s", r)
	}
	applyMustContain(t, r, "stderr", "modified")
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestPlanTargetHasNoCredentials: a base URL's user info and query never
// reach the plan file.
func TestPlanTargetHasNoCredentials(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://user:s3cret@api.example.com/client/v4/?token=s3cret#x": "https://api.example.com/client/v4",
		"HTTPS://API.Cloudflare.com/client/v4/":                         "https://api.cloudflare.com/client/v4",
		"not a url?key=s3cret":                                          "not a url",
	} {
		got := planner.APITarget(in).BaseURL
		if got != want || strings.Contains(got, "s3cret") {
			t.Errorf("APITarget(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMissingEmulatorFile: a missing --emulator file says that the plan
// starts from an empty account.
func TestMissingEmulatorFile(t *testing.T) {
	t.Parallel()
	f := newApplyFixture(t, applyConfig)
	missing := filepath.Join(t.TempDir(), "new.json")
	r := applyCLI(t, t.Context(), nil, false, "plan", "--dir", f.dir, "--emulator", missing)
	applyMustContain(t, r, "stderr", "emulator state "+missing+" does not exist: starting from an empty account")
}

// TestReapplyAppliedPlan: applying a copy of an applied plan (which has no
// applied-once record next to it) is refused as stale, and the refusal says
// it was probably applied already.
func TestReapplyAppliedPlan(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newApplyFixture(t, applyConfig)
	planFile, _ := f.plan(t)
	if r := applyCLI(t, ctx, nil, false, "apply", planFile, "--emulator", f.state); r.code != 0 {
		t.Fatalf("first apply: %s", r)
	}
	data, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "copy.json")
	writeFile(t, cp, string(data))
	r := applyCLI(t, ctx, nil, false, "apply", cp, "--emulator", f.state)
	if r.code != ExitRefused {
		t.Fatalf("second apply: want exit 4: %s", r)
	}
	applyMustContain(t, r, "stderr", "stale")
	applyMustContain(t, r, "stderr", "probably applied already")

	// Stale for another reason (someone changed a field the plan does not
	// touch): no such claim.
	emu := emulator.New(emulator.Options{})
	if err := emu.LoadFile(f.state); err != nil {
		t.Fatal(err)
	}
	o, _ := emu.Organization(schema.KindAccount, applyProdID)
	o["session_duration"] = "1h" // the plan sets 12h: now it updates it
	emu.SetOrganization(schema.KindAccount, applyProdID, o)
	if err := emu.SaveFile(f.state); err != nil {
		t.Fatal(err)
	}
	planFile, _ = f.plan(t)
	o["name"] = "Renamed by hand"
	emu.SetOrganization(schema.KindAccount, applyProdID, o)
	if err := emu.SaveFile(f.state); err != nil {
		t.Fatal(err)
	}
	r = applyCLI(t, ctx, nil, false, "apply", planFile, "--emulator", f.state)
	if r.code != ExitRefused || strings.Contains(r.stderr, "probably applied") {
		t.Fatalf("want a plain stale refusal: %s", r)
	}
}

// TestPlanWarnsMassChange: when apply's guard will refuse the plan, every
// format says so and names the flag that allows it.
func TestPlanWarnsMassChange(t *testing.T) {
	t.Parallel()
	f := newApplyFixture(t, newZones(12))
	want := "apply will refuse this plan: it changes 12 of 12 declared resources (100%), more than the 30% the mass-change guard allows; after review, apply it with --max-change-percent 100"
	for _, format := range []string{"text", "markdown", "json"} {
		r := applyCLI(t, t.Context(), nil, false, "plan", "--dir", f.dir, "--emulator", f.state, "--format", format)
		if r.code != 0 {
			t.Fatalf("plan --format %s: %s", format, r)
		}
		applyMustContain(t, r, "stdout", want)
	}
	// Under the threshold: no warning.
	r := applyCLI(t, t.Context(), nil, false, "plan", "--dir", f.dir, "--emulator", f.state, "--target", "zone/z1.example")
	if strings.Contains(r.stdout, "apply will refuse") {
		t.Errorf("warning for a plan the guard allows:\n%s", r)
	}
}
