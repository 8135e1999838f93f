package planner_test

import (
	"testing"

	"github.com/ztsync/ztsync/schema"
)

// The planner decides risk once, with a reason: a create that leaves a
// risky field empty is not risky (is_ui_read_only: false locks nothing);
// changing it on an existing organization is, whatever the direction.
func TestRiskDecidedByPlanner(t *testing.T) {
	create := onlyChange(t)(buildOne(t, schema.Object{
		"name": "Prod", "auth_domain": "p.cloudflareaccess.com", "is_ui_read_only": false,
	}, nil, nil, nil))
	for _, d := range create.Diff {
		switch d.Path {
		case "is_ui_read_only":
			if d.Risky || d.RiskReason != "" {
				t.Errorf("create with is_ui_read_only false is risky: %+v", d)
			}
		case "auth_domain":
			if !d.Risky || d.RiskReason != "sets the login domain; the IdP's redirect URLs must name it" {
				t.Errorf("create's auth_domain = %+v, want risky with the create reason", d)
			}
		}
	}
	if !create.Risky {
		t.Error("a create that sets auth_domain is not risky")
	}

	update := onlyChange(t)(buildOne(t, schema.Object{"is_ui_read_only": false},
		schema.Object{"name": "Prod", "is_ui_read_only": true}, nil, nil))
	if len(update.Diff) != 1 || !update.Diff[0].Risky || !update.Risky ||
		update.Diff[0].RiskReason != "Zero Trust settings become editable in the dashboard" {
		t.Errorf("update is_ui_read_only true -> false = %+v (risky %v), want risky with its reason", update.Diff, update.Risky)
	}

	quiet := onlyChange(t)(buildOne(t, schema.Object{"name": "New"}, schema.Object{"name": "Prod"}, nil, nil))
	if quiet.Risky || quiet.Diff[0].Risky || quiet.Diff[0].RiskReason != "" {
		t.Errorf("renaming is risky: %+v", quiet)
	}
}
