package planner_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// The planner decides risk once, with a reason: a create that leaves a
// risky field empty is not risky (is_ui_read_only: false locks nothing);
// changing it on an existing organization is, whatever the direction.
func TestRiskDecidedByPlanner(t *testing.T) {
	t.Parallel()
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

// A configuration problem found while planning says where it is by type,
// not in its text: scope, resource and field, and the CUE path of them.
func TestConfigErrorSaysWhere(t *testing.T) {
	t.Parallel()
	_, err := buildOne(t, schema.Object{"session_duration": "1h"}, nil, nil, nil) // create without name
	var ce *planner.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("Build = %v, want a *planner.ConfigError", err)
	}
	if ce.Scope != (schema.Scope{Kind: schema.KindAccount, Name: "prod", ID: prodID}) || ce.Resource != planner.Organization || ce.Field != "" {
		t.Errorf("ConfigError = %+v, want account prod, organization, no field", ce)
	}
	if got := strings.Join(ce.Path(), "/"); got != "accounts/prod/organization" {
		t.Errorf("Path = %s", got)
	}
	field := &planner.ConfigError{Scope: schema.Scope{Kind: schema.KindAccount, Name: "prod", ID: prodID}, Resource: planner.Organization, Field: "login_design.header_text"}
	if got := strings.Join(field.Path(), "/"); got != "accounts/prod/organization/login_design/header_text" {
		t.Errorf("Path of a field = %s", got)
	}
	if p := (&planner.ConfigError{Address: "--target x"}).Path(); p != nil {
		t.Errorf("Path of a --target problem = %v, want nil", p)
	}
}
