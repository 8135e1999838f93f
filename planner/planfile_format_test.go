package planner_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/planner"
)

// The plan file writes empty lists as [], never null, and leaves the plan
// it writes untouched.
func TestWritePlanEmptyListsNotNull(t *testing.T) {
	p := &planner.Plan{FormatVersion: planner.FormatVersion} // nil Changes and Warnings
	out := string(writePlan(t, p))
	for _, want := range []string{`"changes": []`, `"warnings": []`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	if strings.Contains(out, "null") {
		t.Errorf("null in\n%s", out)
	}
	if p.Changes != nil || p.Warnings != nil {
		t.Error("WritePlan modified the plan")
	}

	// A change without a diff gets "diff": [], and the input is untouched.
	p.Changes = []planner.Change{{Address: "account/a/revoke/x@example.com", Action: planner.Revoke}}
	if out := string(writePlan(t, p)); !strings.Contains(out, `"diff": []`) {
		t.Errorf(`missing "diff": [] in %s`, out)
	}
	if p.Changes[0].Diff != nil {
		t.Error("WritePlan modified the change")
	}
	if err := planner.WritePlan(&bytes.Buffer{}, nil); err == nil {
		t.Error("WritePlan(nil) succeeded")
	}
}

// The plan file's top-level keys come in the documented order, indented
// by two spaces, with created_at in RFC 3339 UTC.
func TestWritePlanKeyOrder(t *testing.T) {
	out := string(writePlan(t, samplePlan()))
	re := regexp.MustCompile(`(?m)^  "([a-z_]+)":`)
	var keys []string
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		keys = append(keys, m[1])
	}
	// Fields added to the format later go between warnings and
	// fingerprint; these keep their order.
	var core []string
	for _, k := range keys {
		switch k {
		case "format_version", "tool_version", "created_at", "source", "summary", "changes", "warnings", "declared", "fingerprint":
			core = append(core, k)
		}
	}
	want := []string{"format_version", "tool_version", "created_at", "source", "summary", "changes", "warnings", "declared", "fingerprint"}
	if diff := cmp.Diff(want, core); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if !strings.Contains(out, `"created_at": "2026-11-22T10:00:00Z"`) {
		t.Error("created_at not RFC 3339 UTC")
	}
}
