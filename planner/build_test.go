package planner_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// id returns a valid 32-hex id derived from n.
func id(n int) string { return fmt.Sprintf("%032x", n) }

// bigConfig declares n accounts and n zones with a mix of changes.
func bigConfig(n int) (*schema.Config, planner.Live) {
	cfg := &schema.Config{Accounts: map[string]*schema.Account{}, Zones: map[string]*schema.Zone{}}
	live := planner.Live{}
	for i := range n {
		a := &schema.Account{
			ID: id(i),
			Organization: schema.Object{
				"name":             fmt.Sprintf("org %d", i),
				"auth_domain":      fmt.Sprintf("t%d.cloudflareaccess.com", i),
				"session_duration": "24h",
				"login_design":     map[string]any{"header_text": fmt.Sprintf("hello %d", i%3)},
			},
			DoH:    schema.Object{"doh_jwt_duration": "800h"},
			Revoke: map[string]schema.Revocation{fmt.Sprintf("u%d@example.com", i): {Devices: true}},
		}
		name := fmt.Sprintf("acct-%03d", i)
		cfg.Accounts[name] = a
		s := schema.Scope{Kind: schema.KindAccount, Name: name, ID: a.ID}
		if i%4 == 0 {
			live[planner.Address(s, planner.Organization, "")] = planner.Observed{}
			live[planner.Address(s, planner.DoH, "")] = planner.Observed{}
		} else {
			live[planner.Address(s, planner.Organization, "")] = planner.Observed{Exists: true, Object: schema.Object{
				"name": fmt.Sprintf("org %d", i), "auth_domain": fmt.Sprintf("t%d.cloudflareaccess.com", i),
				"session_duration": "1440m", "login_design": map[string]any{"header_text": "hello 1", "text_color": "#000"},
				"cache_device_posture": true, "created_at": "2024-01-01T00:00:00Z",
			}}
			live[planner.Address(s, planner.DoH, "")] = planner.Observed{Exists: true, Object: schema.Object{
				"id": "tok", "doh_jwt_duration": fmt.Sprintf("%dh", 700+100*(i%2)),
			}}
		}
		z := &schema.Zone{ID: id(10000 + i), Organization: schema.Object{"is_ui_read_only": i%2 == 0}}
		zname := fmt.Sprintf("z%03d.example.com", i)
		cfg.Zones[zname] = z
		zs := schema.Scope{Kind: schema.KindZone, Name: zname, ID: z.ID}
		live[planner.Address(zs, planner.Organization, "")] = planner.Observed{Exists: true, Object: schema.Object{"name": "z"}}
	}
	return cfg, live
}

// reshuffle rebuilds every map of cfg and live in a random insertion order.
func reshuffle(r *rand.Rand, cfg *schema.Config, live planner.Live) (*schema.Config, planner.Live) {
	b, _ := json.Marshal(cfg)
	var c2 schema.Config
	_ = json.Unmarshal(b, &c2)
	keys := make([]string, 0, len(live))
	for k := range live {
		keys = append(keys, k)
	}
	r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	l2 := planner.Live{}
	for _, k := range keys {
		l2[k] = live[k]
	}
	return &c2, l2
}

func opts() planner.Options {
	return planner.Options{
		Base:        &schema.Config{},
		BaseRef:     "HEAD~1",
		ToolVersion: "test",
		CreatedAt:   time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Source:      planner.Source{Dir: "config", Commit: "abc"},
	}
}

func TestBuildDeterministic(t *testing.T) {
	cfg, live := bigConfig(20)
	first, err := planner.Build(cfg, live, opts())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	want, _ := json.Marshal(first)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 10 {
		c2, l2 := reshuffle(r, cfg, live)
		p, err := planner.Build(c2, l2, opts())
		if err != nil {
			t.Fatalf("Build #%d: %v", i, err)
		}
		got, _ := json.Marshal(p)
		if string(got) != string(want) {
			t.Fatalf("Build #%d differs from the first:\n%s", i, cmp.Diff(string(want), string(got)))
		}
	}
	if first.Fingerprint != planner.Fingerprint(first) {
		t.Errorf("Fingerprint field %s != Fingerprint(changes) %s", first.Fingerprint, planner.Fingerprint(first))
	}
	// Sanity on the shape: every scope contributes, in order.
	if first.Summary.Create == 0 || first.Summary.Update == 0 || first.Summary.Revoke != 20 {
		t.Errorf("summary = %+v, want creates, updates and 20 revocations", first.Summary)
	}
	if got := first.Summary.Create + first.Summary.Update + first.Summary.Revoke + first.Summary.Unchanged; got != first.Declared {
		t.Errorf("summary adds up to %d, declared %d", got, first.Declared)
	}
}

func TestBuildDoesNotModifyInputs(t *testing.T) {
	cfg, live := bigConfig(4)
	before, _ := json.Marshal(struct {
		C *schema.Config
		L planner.Live
	}{cfg, live})
	p, err := planner.Build(cfg, live, opts())
	if err != nil {
		t.Fatal(err)
	}
	// Mutating the plan must not reach the inputs either.
	for _, c := range p.Changes {
		for k := range c.Body {
			if m, ok := c.Body[k].(map[string]any); ok {
				m["poison"] = true
			}
		}
	}
	after, _ := json.Marshal(struct {
		C *schema.Config
		L planner.Live
	}{cfg, live})
	if string(before) != string(after) {
		t.Errorf("Build or its result shares state with the inputs:\n%s", cmp.Diff(string(before), string(after)))
	}
}

func TestFingerprintIgnoresLiveDigest(t *testing.T) {
	cfg, live := bigConfig(3)
	p1, err := planner.Build(cfg, live, opts())
	if err != nil {
		t.Fatal(err)
	}
	// The same live objects with other timestamps: other digests, same calls.
	live2 := planner.Live{}
	for k, o := range live {
		if o.Exists {
			obj := schema.Object{}
			for f, v := range o.Object {
				obj[f] = v
			}
			obj["updated_at"] = "2026-11-22T09:00:00Z"
			o = planner.Observed{Exists: true, Object: obj}
		}
		live2[k] = o
	}
	p2, err := planner.Build(cfg, live2, opts())
	if err != nil {
		t.Fatal(err)
	}
	if p1.Fingerprint != p2.Fingerprint {
		t.Errorf("fingerprints differ: %s vs %s", p1.Fingerprint, p2.Fingerprint)
	}
	digestsDiffer := false
	for i := range p1.Changes {
		if p1.Changes[i].LiveDigest != p2.Changes[i].LiveDigest {
			digestsDiffer = true
		}
	}
	if !digestsDiffer {
		t.Errorf("no live_digest changed; the test does not test anything")
	}
	// And a real change in the calls changes the fingerprint.
	cfg.Accounts["acct-001"].Organization["name"] = "renamed"
	p3, err := planner.Build(cfg, live, opts())
	if err != nil {
		t.Fatal(err)
	}
	if p3.Fingerprint == p1.Fingerprint {
		t.Errorf("fingerprint did not change with the body")
	}
}

func TestBuildErrors(t *testing.T) {
	s := schema.Scope{Kind: schema.KindAccount, Name: "prod", ID: id(1)}
	org := planner.Address(s, planner.Organization, "")
	doh := planner.Address(s, planner.DoH, "")
	tests := []struct {
		name       string
		acct       *schema.Account
		live       planner.Live
		targets    []string
		wantConfig bool
		wantText   string
	}{
		{
			name:     "missing read",
			acct:     &schema.Account{ID: id(1), Organization: schema.Object{"name": "x"}},
			live:     planner.Live{},
			wantText: "account/prod/organization: no live state was read",
		},
		{
			name:       "create without name and auth_domain",
			acct:       &schema.Account{ID: id(1), Organization: schema.Object{"session_duration": "1h"}},
			live:       planner.Live{org: {}},
			wantConfig: true,
			wantText:   "account/prod/organization: the organization does not exist, so it would be created, and name and auth_domain are required",
		},
		{
			name:       "doh of an organization that is not declared",
			acct:       &schema.Account{ID: id(1), DoH: schema.Object{"doh_jwt_duration": "1h"}},
			live:       planner.Live{org: {}, doh: {}},
			wantConfig: true,
			wantText:   "account/prod/doh: the organization does not exist; declare account/prod/organization",
		},
		{
			name:       "doh targeted without its organization to create",
			acct:       &schema.Account{ID: id(1), Organization: schema.Object{"name": "n", "auth_domain": "a.b"}, DoH: schema.Object{"doh_jwt_duration": "1h"}},
			live:       planner.Live{org: {}, doh: {}},
			targets:    []string{doh},
			wantConfig: true,
			wantText:   "add --target account/prod/organization",
		},
		{
			name:       "target matching nothing",
			acct:       &schema.Account{ID: id(1), Organization: schema.Object{"name": "x"}},
			live:       planner.Live{org: {Exists: true, Object: schema.Object{}}},
			targets:    []string{"zone/prod"},
			wantConfig: true,
			wantText:   "--target zone/prod: matches no declared resource",
		},
		{
			name:       "bad scope id",
			acct:       &schema.Account{ID: "nope", Organization: schema.Object{"name": "x"}},
			live:       planner.Live{org: {Exists: true, Object: schema.Object{}}},
			wantConfig: true,
			wantText:   "is not 32 lowercase hex characters",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &schema.Config{Accounts: map[string]*schema.Account{"prod": tt.acct}}
			o := opts()
			o.Targets = tt.targets
			p, err := planner.Build(cfg, tt.live, o)
			if err == nil {
				t.Fatalf("Build = %+v, want an error", p)
			}
			var ce *planner.ConfigError
			if got := errors.As(err, &ce); got != tt.wantConfig {
				t.Errorf("error %q: is ConfigError = %v, want %v", err, got, tt.wantConfig)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
		})
	}
}

func TestBuildEmpty(t *testing.T) {
	p, err := planner.Build(&schema.Config{}, nil, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	var got map[string]any
	_ = json.Unmarshal(b, &got)
	if got["changes"] == nil || got["warnings"] == nil {
		t.Errorf("changes and warnings must be [] not null: %s", b)
	}
	if p.HasChanges() {
		t.Errorf("empty plan has changes")
	}
}
