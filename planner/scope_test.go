package planner_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// scopeBaseCUE declares three accounts that share #Shared (a definition
// with a default) and two zones; one account overrides the default.
const scopeBaseCUE = `package ztsync

#Shared: {
	session_duration: *"24h" | string
	login_design: footer_text: *"Access is logged." | string
	...
}

accounts: {
	a: {id: "00000000000000000000000000000001", organization: #Shared & {name: "A", auth_domain: "a.cloudflareaccess.com"}}
	b: {id: "00000000000000000000000000000002", organization: #Shared & {name: "B", auth_domain: "b.cloudflareaccess.com"}}
	c: {id: "00000000000000000000000000000003", organization: #Shared & {name: "C", auth_domain: "c.cloudflareaccess.com", session_duration: "8h"}}
}

// A template: every zone gets the same read-only settings.
zones: [Name=string]: organization: {is_ui_read_only: true, ui_read_only_toggle_reason: "managed by " + Name}
zones: "one.example": id: "10000000000000000000000000000001"
zones: "two.example": id: "10000000000000000000000000000002"
`

// TestChangedScopesThroughDefinitionsAndTemplates: scopes are compared by
// their evaluated values: a changed shared default changes every scope
// that uses it and not the one that overrides it; a changed template
// changes every zone; an edit that evaluates to the same values changes
// nothing; added and removed scopes count.
func TestChangedScopesThroughDefinitionsAndTemplates(t *testing.T) {
	base := loadCUE(t, []byte(scopeBaseCUE))
	tests := []struct {
		name             string
		edit             func(string) string
		changed, removed []string
	}{
		{"nothing", func(s string) string { return s }, nil, nil},
		{"same values written differently", func(s string) string {
			// c's override moves out of line; a comment is added.
			s = strings.Replace(s, `, session_duration: "8h"}}`, `}}`, 1)
			return s + "accounts: c: organization: session_duration: \"8h\" // moved\n"
		}, nil, nil},
		{"shared default", func(s string) string {
			return strings.Replace(s, `*"24h"`, `*"12h"`, 1)
		}, []string{"account/a", "account/b"}, nil},
		{"shared nested default", func(s string) string {
			return strings.Replace(s, `*"Access is logged."`, `*"Access is logged and audited."`, 1)
		}, []string{"account/a", "account/b", "account/c"}, nil},
		{"one scope", func(s string) string {
			return strings.Replace(s, `name: "B"`, `name: "Bee"`, 1)
		}, []string{"account/b"}, nil},
		{"template", func(s string) string {
			return strings.Replace(s, `"managed by " + Name`, `"managed in git: " + Name`, 1)
		}, []string{"zone/one.example", "zone/two.example"}, nil},
		{"added and removed", func(s string) string {
			s = strings.Replace(s, `zones: "two.example": id: "10000000000000000000000000000002"`, `zones: "three.example": id: "10000000000000000000000000000003"`, 1)
			return s
		}, []string{"zone/three.example"}, []string{"zone/two.example"}},
		{"revocation", func(s string) string {
			return s + `accounts: a: revoke: "leaver@example.com": reason: "left"` + "\n"
		}, []string{"account/a"}, nil},
		{"id", func(s string) string {
			return strings.Replace(s, `"00000000000000000000000000000003"`, `"00000000000000000000000000000009"`, 1)
		}, []string{"account/c"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := loadCUE(t, []byte(tt.edit(scopeBaseCUE)))
			changed, removed := planner.ChangedScopes(base, head)
			if diff := cmp.Diff(tt.changed, changed); diff != "" {
				t.Errorf("changed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.removed, removed); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
		})
	}
	// Against an empty base everything is new.
	changed, removed := planner.ChangedScopes(nil, base)
	if len(changed) != 5 || removed != nil {
		t.Errorf("against nothing: changed %v, removed %v", changed, removed)
	}
}

func scopeN(kind schema.Kind, i int) schema.Scope {
	return schema.Scope{Kind: kind, Name: fmt.Sprintf("s%d", i), ID: fmt.Sprintf("%032x", i)}
}

// TestShardStability: the N shards hold every scope exactly once, are
// roughly even, depend on the kind and id only (not the name), and adding
// scopes moves no existing scope between shards.
func TestShardStability(t *testing.T) {
	const n = 4
	counts := make([]int, n+1)
	before := map[schema.Scope]int{}
	for i := range 2000 {
		s := scopeN(schema.KindZone, i)
		k := planner.ShardIndex(s, n)
		if k < 1 || k > n {
			t.Fatalf("shard %d of %d", k, n)
		}
		hits := 0
		for j := 1; j <= n; j++ {
			if (planner.Shard{K: j, N: n}).Contains(s) {
				hits++
			}
		}
		if hits != 1 {
			t.Fatalf("%v is in %d shards", s, hits)
		}
		counts[k]++
		before[s] = k
	}
	for k := 1; k <= n; k++ {
		if counts[k] < 400 || counts[k] > 600 {
			t.Errorf("shard %d holds %d of 2000 scopes; want about 500", k, counts[k])
		}
	}
	// Renaming a scope does not move it; another kind with the same id may.
	s := scopeN(schema.KindZone, 7)
	renamed := s
	renamed.Name = "elsewhere.example"
	if planner.ShardIndex(renamed, n) != before[s] {
		t.Error("renaming a scope moved it to another shard")
	}
	// Adding scopes (and a configuration that holds them) moves none of
	// the others: shard membership is a function of the scope alone.
	for i := 2000; i < 2500; i++ {
		planner.ShardIndex(scopeN(schema.KindAccount, i), n)
	}
	for s, k := range before {
		if got := planner.ShardIndex(s, n); got != k {
			t.Fatalf("%v moved from shard %d to %d", s, k, got)
		}
	}
	// Through Select: the same scopes before and after adding one.
	cfg := &schema.Config{Zones: map[string]*schema.Zone{}}
	for i := range 40 {
		s := scopeN(schema.KindZone, i)
		cfg.Zones[s.Name] = &schema.Zone{ID: s.ID, Organization: schema.Object{"is_ui_read_only": true}}
	}
	first := planner.Select(cfg, nil, "", planner.Shard{K: 2, N: 3})
	cfg.Zones["new.example"] = &schema.Zone{ID: fmt.Sprintf("%032x", 99999), Organization: schema.Object{}}
	second := planner.Select(cfg, nil, "", planner.Shard{K: 2, N: 3})
	kept := []string{}
	for _, a := range second.Scopes {
		if a != "zone/new.example" {
			kept = append(kept, a)
		}
	}
	if diff := cmp.Diff(first.Scopes, kept); diff != "" {
		t.Errorf("adding a scope changed shard 2/3 (-before +after):\n%s", diff)
	}
	if second.Unread != len(cfg.Zones)-len(second.Scopes) || second.Reason != "outside shard 2/3" || second.Selection != "shard" {
		t.Errorf("coverage %+v", second)
	}
}

func TestParseShard(t *testing.T) {
	for in, want := range map[string]planner.Shard{"1/1": {1, 1}, "2/4": {2, 4}, " 4/4 ": {4, 4}} {
		if got, err := planner.ParseShard(in); err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0/4", "5/4", "1/0", "a/b", "1", "1/4/2", "-1/4", "1/1001"} {
		if _, err := planner.ParseShard(in); err == nil {
			t.Errorf("ParseShard(%q) accepted", in)
		}
	}
}

// TestCoveragePlansOnlyCoveredScopes: Fetch reads and Build plans only the
// covered scopes; the plan records the coverage; declared counts every
// scope so the mass-change guard means what it means in a full plan; the
// plan file round-trips, and a change outside the coverage is refused.
func TestCoveragePlansOnlyCoveredScopes(t *testing.T) {
	base := loadCUE(t, []byte(scopeBaseCUE))
	head := loadCUE(t, []byte(strings.Replace(scopeBaseCUE, `name: "B"`, `name: "Bee"`, 1)))
	cov := planner.Select(head, base, "main", planner.Shard{})
	want := &planner.Coverage{Selection: "changed", Base: "main", Scopes: []string{"account/b"}, Unread: 4, Reason: "unchanged since main"}
	if diff := cmp.Diff(want, cov); diff != "" {
		t.Fatalf("Select (-want +got):\n%s", diff)
	}
	r := &fakeReader{orgs: map[string]schema.Object{}}
	for _, sc := range head.Scopes() {
		r.orgs[sc.Scope.ID] = schema.Object{"name": "old", "auth_domain": "x"}
	}
	live, err := planner.Fetch(t.Context(), r, head, planner.FetchOptions{Coverage: cov})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"org/00000000000000000000000000000002"}, r.calls); diff != "" {
		t.Errorf("reads (-want +got):\n%s", diff)
	}
	p, err := planner.Build(head, live, planner.Options{Base: base, BaseRef: "main", Coverage: cov})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Address != "account/b/organization" {
		t.Fatalf("changes %+v", p.Changes)
	}
	// Unread scopes are declared (the guard's denominator), but not
	// "unchanged": the plan never read them; the coverage counts them.
	if p.Declared != 5 || p.Summary.Unchanged != 0 || p.Coverage != cov {
		t.Errorf("declared %d, unchanged %d, coverage %+v; want 5, 0 and the coverage", p.Declared, p.Summary.Unchanged, p.Coverage)
	}
	// The fingerprint covers the coverage but not the base it was
	// computed against (the reviewed plan and the plan on merge name
	// different commits), as it leaves out source.base.
	other := *p
	oc := *cov
	oc.Base, oc.Reason = "0123abc", "unchanged since 0123abc"
	other.Coverage = &oc
	if planner.Fingerprint(&other) != p.Fingerprint {
		t.Error("the fingerprint depends on the coverage's base")
	}
	oc.Scopes = []string{"account/a"}
	if planner.Fingerprint(&other) == p.Fingerprint {
		t.Error("the fingerprint does not cover the coverage's scopes")
	}
	var buf bytes.Buffer
	if err := planner.WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"coverage": {`, `"selection": "changed"`, `"unread": 4`, `"reason": "unchanged since main"`} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("plan file lacks %s", s)
		}
	}
	back, err := planner.ReadPlan(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cov, back.Coverage); diff != "" {
		t.Errorf("coverage after a round trip (-want +got):\n%s", diff)
	}
	tampered := strings.Replace(buf.String(), `"account/b"`, `"account/a"`, 1)
	if _, err := planner.ReadPlan(strings.NewReader(tampered)); err == nil || !strings.Contains(err.Error(), "coverage does not list") {
		t.Errorf("a change outside the coverage: %v", err)
	}
	// Without a coverage nothing changes: every scope is read.
	r.calls = nil
	if _, err := planner.Fetch(t.Context(), r, head, planner.FetchOptions{}); err != nil || len(r.calls) != 5 {
		t.Errorf("full fetch: %d reads, %v", len(r.calls), err)
	}
}
