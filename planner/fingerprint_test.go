package planner_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/planner"
)

// TestFingerprintCoversWhatApplyActsOn: an edit to anything apply acts on
// or a reviewer reads is refused as a modified file; an edit to where and
// when the plan was made is not (the GitHub Action compares plans made at
// two commits).
func TestFingerprintCoversWhatApplyActsOn(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(m map[string]any)
		covered bool
	}{
		{"declared raised to switch the guard off", func(m map[string]any) { m["declared"] = 1000 }, true},
		{"a warning added", func(m map[string]any) { m["warnings"] = []any{"x"} }, true},
		{"summary.unchanged", func(m map[string]any) { m["summary"].(map[string]any)["unchanged"] = 99 }, true},
		{"source.dir", func(m map[string]any) { m["source"].(map[string]any)["dir"] = "elsewhere" }, true},
		{"a revocation's reason", func(m map[string]any) {
			for _, c := range m["changes"].([]any) {
				if c.(map[string]any)["resource"] == "revoke" {
					c.(map[string]any)["reason"] = "nothing to see"
				}
			}
		}, true},
		{"a diff's before", func(m map[string]any) {
			m["changes"].([]any)[0].(map[string]any)["diff"].([]any)[0].(map[string]any)["before"] = "1h"
		}, true},
		{"created_at", func(m map[string]any) { m["created_at"] = "2030-01-01T00:00:00Z" }, false},
		{"tool_version", func(m map[string]any) { m["tool_version"] = "9.9.9" }, false},
		{"source.commit", func(m map[string]any) { m["source"].(map[string]any)["commit"] = "abcdef0" }, false},
		{"source.base", func(m map[string]any) { m["source"].(map[string]any)["base"] = "HEAD~3" }, false},
		{"a live_digest", func(m map[string]any) {
			m["changes"].([]any)[0].(map[string]any)["live_digest"] = "sha256:" + strings.Repeat("0", 64)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			d := json.NewDecoder(bytes.NewReader(writePlan(t, samplePlan())))
			d.UseNumber()
			if err := d.Decode(&m); err != nil {
				t.Fatal(err)
			}
			tt.edit(m)
			b, _ := json.Marshal(m)
			_, err := planner.ReadPlan(bytes.NewReader(b))
			switch {
			case tt.covered && (err == nil || !strings.Contains(err.Error(), "modified after it was made")):
				t.Errorf("edit not refused as a modification: %v", err)
			case !tt.covered && err != nil:
				t.Errorf("edit of provenance refused: %v", err)
			}
		})
	}
}
