package applier_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// *cfapi.Client is the Target the CLI uses.
var _ applier.Target = (*cfapi.Client)(nil)

const (
	token = "test-token-0123456789"
	idA   = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
	idB   = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2"
	idZ   = "ccccccccccccccccccccccccccccccc3"
)

// instantClock is a cfapi.Clock whose sleeps return at once and move its
// time forward, so retries and Retry-After cost no wall-clock time.
type instantClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *instantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *instantClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	return context.Cause(ctx)
}

// env is one test's emulator and client.
type env struct {
	srv    *emulator.Server
	client *cfapi.Client
	clock  *instantClock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := emulator.NewServer(t, emulator.Options{Token: token})
	clock := &instantClock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	c, err := cfapi.New(cfapi.Options{
		BaseURL:    srv.URL,
		Token:      token,
		MaxRetries: 4,
		Clock:      clock,
		Rand:       func() float64 { return 0 },
		HTTPClient: srv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, client: c, clock: clock}
}

// plan reads the live state and builds a plan for cfg.
func (e *env) plan(t *testing.T, cfg *schema.Config, opts planner.Options) *planner.Plan {
	t.Helper()
	live, err := planner.Fetch(t.Context(), e.client, cfg, planner.FetchOptions{Concurrency: 4, Targets: opts.Targets})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	p, err := planner.Build(cfg, live, opts)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return p
}

// writes counts the PUT and POST requests the emulator received.
func (e *env) writes() int {
	n := 0
	for _, r := range e.srv.Requests() {
		if r.Method == "PUT" || r.Method == "POST" {
			n++
		}
	}
	return n
}

// opts are the Apply options the CLI uses.
func opts() applier.Options {
	return applier.Options{
		Concurrency: 4,
		Ambiguous:   func(err error) bool { return errors.Is(err, cfapi.ErrAmbiguous) },
	}
}

// obj decodes a JSON object literal the way the client decodes answers.
func obj(t *testing.T, s string) schema.Object {
	t.Helper()
	var o schema.Object
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&o); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return o
}

// liveOrg is an existing account organization with unmanaged and unknown
// fields.
func liveOrg(t *testing.T, name string) schema.Object {
	return obj(t, `{
		"name": "`+name+`",
		"auth_domain": "`+name+`.cloudflareaccess.com",
		"session_duration": "24h",
		"warp_auth_session_duration": "12h",
		"allow_authenticate_via_warp": true,
		"is_ui_read_only": false,
		"user_seat_expiration_inactive_time": "730h",
		"login_design": {"background_color": "#000000", "text_color": "#ffffff", "header_text": "Hello"},
		"deny_unmatched_requests_exempted_zone_names": ["example.com"],
		"cache_device_posture": 3,
		"has_migrated_private_apps": true,
		"future_thing": {"nested": [1, 2, {"x": "y"}]},
		"mfa_ssh_piv_key_requirements": {"pin_policy": "once", "ssh_key_size": [256]},
		"created_at": "2024-01-01T00:00:00Z",
		"updated_at": "2024-01-01T00:00:00Z"
	}`)
}

// addresses lists the change addresses of p.
func addresses(p *planner.Plan) []string {
	out := []string{}
	for _, c := range p.Changes {
		out = append(out, c.Address)
	}
	return out
}

// statuses maps each result's address to its status.
func statuses(r *applier.Report) map[string]applier.Status {
	out := map[string]applier.Status{}
	for _, res := range r.Results {
		out[res.Address] = res.Status
	}
	return out
}

// cfapiClient lets test Targets embed the real client and override one
// method.
type cfapiClient = cfapi.Client
