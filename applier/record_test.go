package applier_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/planner"
)

// TestRecordCrashMidWrite: a process that died during a write leaves a
// record saying so, and the plan file is refused as partly applied; a
// record of other bytes (a new plan at the same path) is not.
func TestRecordCrashMidWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	data := []byte(`{"a plan": 1}`)
	clock := func() time.Time { return time.Date(2026, 12, 1, 21, 40, 0, 0, time.UTC) }
	rec, err := applier.OpenRecord(t.Context(), plan, data, "sha256:f", clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Start(); err != nil {
		t.Fatal(err)
	}
	c := &planner.Change{Address: "account/prod/organization"}
	if err := rec.Progress(applier.Event{Change: c}); err != nil {
		t.Fatal(err)
	}
	rec.Close() // the process dies here: no end, no Finish

	_, err = applier.OpenRecord(t.Context(), plan, data, "sha256:f", clock, nil)
	var ae *applier.AppliedError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an *AppliedError", err)
	}
	for _, s := range []string{"started at 2026-12-01T21:40:00Z and never finished", "1 in flight", applier.RecordPath(plan)} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	// A new plan written to the same path has no record yet.
	other, err := applier.OpenRecord(t.Context(), plan, []byte(`{"another plan": 2}`), "sha256:g", clock, nil)
	if err != nil {
		t.Fatalf("a new plan at the same path: %v", err)
	}
	other.Close()
}

// TestRecordNothingWritten: an apply whose changes were all refused or not
// started wrote nothing, so the plan may be applied again.
func TestRecordNothingWritten(t *testing.T) {
	t.Parallel()
	plan := filepath.Join(t.TempDir(), "plan.json")
	data := []byte("plan")
	rec, err := applier.OpenRecord(t.Context(), plan, data, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Start(); err != nil {
		t.Fatal(err)
	}
	c := &planner.Change{Address: "account/prod/organization"}
	_ = rec.Progress(applier.Event{Change: c})
	_ = rec.Progress(applier.Event{Change: c, Done: true, Result: applier.Result{Address: c.Address, Status: applier.Refused}})
	if err := rec.Finish(&applier.Report{Results: []applier.Result{{Address: c.Address, Status: applier.Refused}, {Address: "account/prod/doh", Status: applier.Skipped}}}); err != nil {
		t.Fatal(err)
	}
	rec.Close()
	again, err := applier.OpenRecord(t.Context(), plan, data, "", nil, nil)
	if err != nil {
		t.Fatalf("a plan that wrote nothing is refused: %v", err)
	}
	again.Close()
	// A record that is not one is not silently ignored.
	if err := os.WriteFile(applier.RecordPath(plan), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := applier.OpenRecord(t.Context(), plan, data, "", nil, nil); err == nil || !strings.Contains(err.Error(), "not a ztsync apply record") {
		t.Errorf("err = %v, want it to name the bad record", err)
	}
}
