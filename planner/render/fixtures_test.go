package render

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// Hand-made plans for the golden tests. Numbers are json.Number, as the
// planner's objects are decoded with UseNumber.

func prodScope() schema.Scope {
	return schema.Scope{Kind: schema.KindAccount, Name: "prod", ID: "699d98642c564d2e855e9661899b7252"}
}

func newScope() schema.Scope {
	return schema.Scope{Kind: schema.KindAccount, Name: "new", ID: "0123456789abcdef0123456789abcdef"}
}

func zoneScope() schema.Scope {
	return schema.Scope{Kind: schema.KindZone, Name: "example.com", ID: "fedcba9876543210fedcba9876543210"}
}

func basePlan() *planner.Plan {
	return &planner.Plan{
		FormatVersion: planner.FormatVersion,
		ToolVersion:   "0.1.0",
		CreatedAt:     time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Source:        planner.Source{Dir: "config", Commit: "9fceb02d0ae598e95dc970b74767f19372d61af8", Base: "origin/main"},
		Warnings:      []string{},
	}
}

// finish fills in the summary and fingerprint as the planner does.
func finish(p *planner.Plan, unchanged int) *planner.Plan {
	for _, c := range p.Changes {
		switch c.Action {
		case planner.Create:
			p.Summary.Create++
		case planner.Update:
			p.Summary.Update++
		case planner.Revoke:
			p.Summary.Revoke++
		}
	}
	p.Summary.Unchanged = unchanged
	p.Declared = len(p.Changes) + unchanged - p.Summary.Revoke
	p.Fingerprint = planner.Fingerprint(p)
	return p
}

func orgPath(s schema.Scope) string { return s.Prefix() + "/access/organizations" }

func digest(s string) string {
	return planner.Observed{Exists: true, Object: schema.Object{"name": s}}.Digest()
}

func update(s schema.Scope, r planner.Resource, body schema.Object, diff ...planner.FieldDiff) planner.Change {
	path := orgPath(s)
	if r == planner.DoH {
		path += "/doh"
	}
	c := planner.Change{
		Address: planner.Address(s, r, ""), Scope: s, Resource: r, Action: planner.Update,
		Method: "PUT", Path: path, Body: body, Diff: diff, LiveDigest: digest(s.Name),
	}
	for _, d := range diff {
		c.Risky = c.Risky || d.Risky
	}
	return c
}

func revoke(s schema.Scope, email, reason string, rv schema.Revocation) planner.Change {
	rv.Reason = reason
	return planner.Change{
		Address: planner.Address(s, planner.Revocation, email), Scope: s, Resource: planner.Revocation,
		Action: planner.Revoke, Method: "POST", Path: orgPath(s) + "/revoke_user",
		Body: rv.Body(s.Kind, email), Diff: []planner.FieldDiff{}, Risky: true, Reason: reason,
		LiveDigest: digest(s.Name),
	}
}

func fd(path string, before, after any) planner.FieldDiff {
	return planner.FieldDiff{Path: path, Before: before, After: after}
}

// risky is a diff the planner judged risky, with its reason.
func risky(path string, before, after any, why string) planner.FieldDiff {
	return planner.FieldDiff{Path: path, Before: before, After: after, Risky: true, RiskReason: why}
}

func num(s string) json.Number { return json.Number(s) }

func emptyWithWarnings() *planner.Plan {
	p := basePlan()
	p.Changes = []planner.Change{}
	p.Warnings = []string{
		"account/prod: 2 revocations declared; none planned without --base",
		"zone/example.com/organization: is_ui_read_only changes without ui_read_only_toggle_reason",
	}
	return finish(p, 3)
}

func updateNested() *planner.Plan {
	p := basePlan()
	body := schema.Object{
		"name": "Acme", "auth_domain": "acme.cloudflareaccess.com", "session_duration": "12h",
		"allow_authenticate_via_warp": false, "seat_limit": num("250"),
		"login_design": schema.Object{
			"header_text":      "Welcome to Acme Corp. Sign in with your company account to continue.",
			"background_color": "#0051c3", "text_color": "#ffffff",
		},
		"deny_unmatched_requests_exempted_zone_names": []any{"example.com", "example.org"},
	}
	p.Changes = []planner.Change{update(prodScope(), planner.Organization, body,
		fd("session_duration", "24h", "12h"),
		fd("allow_authenticate_via_warp", true, false),
		fd("login_design.header_text",
			"Welcome to Acme. Sign in with your Okta account to continue.",
			"Welcome to Acme Corp. Sign in with your company account to continue."),
		fd("login_design.background_color", nil, "#0051c3"),
		fd("deny_unmatched_requests_exempted_zone_names", []any{"example.com"}, []any{"example.com", "example.org"}),
		fd("ui_read_only_toggle_reason", "frozen for the audit", nil),
		fd("login_design.footer_text", "Acme", "Acme Corp"),
	)}
	return finish(p, 2)
}

func createFollowUp() *planner.Plan {
	p := basePlan()
	p.Changes = []planner.Change{{
		Address: planner.Address(newScope(), planner.Organization, ""), Scope: newScope(), Resource: planner.Organization,
		Action: planner.Create, Method: "POST", Path: orgPath(newScope()),
		Body: schema.Object{"name": "New Co", "auth_domain": "newco.cloudflareaccess.com", "session_duration": "24h"},
		FollowUp: &planner.FollowUp{Method: "PUT", Path: orgPath(newScope()), Body: schema.Object{
			"custom_pages": schema.Object{"forbidden": "3d5e8a4f-0000-4000-8000-000000000001"},
		}},
		Diff: []planner.FieldDiff{
			fd("name", nil, "New Co"),
			risky("auth_domain", nil, "newco.cloudflareaccess.com", "sets the login domain; the IdP's redirect URLs must name it"),
			fd("session_duration", nil, "24h"),
			fd("custom_pages.forbidden", nil, "3d5e8a4f-0000-4000-8000-000000000001"),
		},
		Risky:      true,
		LiveDigest: planner.Observed{}.Digest(),
	}}
	return finish(p, 0)
}

func dohUpdate() *planner.Plan {
	p := basePlan()
	p.Changes = []planner.Change{update(prodScope(), planner.DoH,
		schema.Object{"doh_jwt_duration": "720h", "service_token_id": "9b1e7f4c-2f3a-4e5d-8c6b-7a8d9e0f1a2b"},
		fd("doh_jwt_duration", "24h", "720h"),
		fd("service_token_id", "", "9b1e7f4c-2f3a-4e5d-8c6b-7a8d9e0f1a2b"),
	)}
	return finish(p, 1)
}

func revocations() *planner.Plan {
	p := basePlan()
	p.Changes = []planner.Change{
		revoke(prodScope(), "alice@example.com", "left the company", schema.Revocation{Devices: true, WarpSessionReauth: true}),
		revoke(zoneScope(), "bob@example.com", "", schema.Revocation{}),
	}
	return finish(p, 2)
}

func mixed() *planner.Plan {
	p := basePlan()
	p.Source.Dirty = true
	p.Changes = []planner.Change{
		update(prodScope(), planner.Organization, schema.Object{"name": "Acme", "auth_domain": "login.acme.com", "is_ui_read_only": true},
			risky("auth_domain", "acme.cloudflareaccess.com", "login.acme.com", "the login domain changes; sign-ins through the old domain and IdP redirect URLs that name it stop working"),
			risky("is_ui_read_only", false, true, "Zero Trust settings become read-only in the dashboard"),
			fd("ui_read_only_toggle_reason", nil, "managed by ztsync"),
		),
		revoke(prodScope(), "mallory@example.com", "compromised laptop", schema.Revocation{Devices: true}),
		update(zoneScope(), planner.Organization, schema.Object{"name": "Example", "auth_domain": "example.cloudflareaccess.com", "user_seat_expiration_inactive_time": "730h"},
			fd("user_seat_expiration_inactive_time", "720h", "730h"),
		),
	}
	p.Warnings = []string{"zone/example.com: 1 revocation declared; none planned without --base"}
	return finish(p, 4)
}

func markdownHostile() *planner.Plan {
	p := basePlan()
	p.Source.Dir = "conf|ig`s"
	p.Source.Base = "HEAD~1"
	tricky := schema.Scope{Kind: schema.KindAccount, Name: "a|b`c", ID: "699d98642c564d2e855e9661899b7252"}
	p.Changes = []planner.Change{
		update(tricky, planner.Organization, schema.Object{"name": "x"},
			fd("name", "pipe | here", "pipe || there"),
			fd("login_design.header_text", "`code` and ``double``", "```\nfenced\n```"),
			fd("login_design.footer_text", "line one\nline two", "line one\r\nline 2\ttab <b>bold</b> & *stars* _under_"),
			fd("custom_pages.forbidden", "`", "a very long value that will certainly need to be shortened in the table because it is long"),
		),
		revoke(tricky, "we|rd`@example.com", "said \"bye\" | left\nnext line", schema.Revocation{}),
	}
	p.Warnings = []string{
		"1. looks like a list",
		"# looks like a heading",
		"<script>alert(1)</script> *bold* _it_ [link](http://x) `code` | pipe",
		"two\nlines",
	}
	return finish(p, 0)
}

func unicodeText() *planner.Plan {
	p := basePlan()
	p.Source.Dir = "設定"
	p.Changes = []planner.Change{
		update(prodScope(), planner.Organization, schema.Object{"name": "Grüße AG"},
			fd("name", "Grüße GmbH", "Grüße AG"),
			fd("login_design.header_text", "Willkommen bei der Grüße GmbH – bitte anmelden", "ようこそ 株式会社 Grüße – bitte anmelden 🎉"),
			fd("login_design.footer_text", "Cafe\u0301 Zürich ☕", "Café Zürich 🍵"),
		),
		revoke(prodScope(), "josé@例え.jp", "départ", schema.Revocation{WarpSessionReauth: true}),
	}
	return finish(p, 0)
}

// goldenPlans are the golden cases, by file name.
func goldenPlans() map[string]*planner.Plan {
	return map[string]*planner.Plan{
		"empty_warnings":  emptyWithWarnings(),
		"update_nested":   updateNested(),
		"create_followup": createFollowUp(),
		"doh_update":      dohUpdate(),
		"revocation":      revocations(),
		"mixed":           mixed(),
		"markdown_escape": markdownHostile(),
		"unicode":         unicodeText(),
	}
}

// bigPlan has n changes: updates with a few fields each, every tenth a
// revocation, every hundredth risky.
func bigPlan(n int) *planner.Plan {
	p := basePlan()
	for i := range n {
		s := schema.Scope{Kind: schema.KindZone, Name: fmt.Sprintf("zone%04d.example.com", i), ID: "fedcba9876543210fedcba9876543210"}
		if i%10 == 9 {
			p.Changes = append(p.Changes, revoke(s, fmt.Sprintf("user%d@example.com", i), "offboarding", schema.Revocation{Devices: true}))
			continue
		}
		diffs := []planner.FieldDiff{
			fd("name", fmt.Sprintf("Zone %d", i), fmt.Sprintf("Zone %d (prod)", i)),
			fd("login_design.header_text", "Welcome. Sign in with your company account to continue.", fmt.Sprintf("Welcome to zone %d. Sign in with your SSO account.", i)),
			fd("user_seat_expiration_inactive_time", "720h", "1440h"),
		}
		if i%100 == 0 {
			diffs = append(diffs, risky("auth_domain", "old.cloudflareaccess.com", "new.cloudflareaccess.com", "the login domain changes; sign-ins through the old domain and IdP redirect URLs that name it stop working"))
		}
		p.Changes = append(p.Changes, update(s, planner.Organization, schema.Object{"name": fmt.Sprintf("Zone %d (prod)", i)}, diffs...))
	}
	return finish(p, 0)
}
