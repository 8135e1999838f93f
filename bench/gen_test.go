package bench

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/planner"
)

const benchToken = "bench-token"

// quietServer is an emulator over HTTP that logs nothing.
func quietServer(tb testing.TB) *emulator.Server {
	tb.Helper()
	return emulator.NewServer(tb, emulator.Options{Token: benchToken, Logger: slog.New(slog.DiscardHandler)})
}

// newClient is a client configured as `ztsync plan --emulator` configures
// one: default transport, no rate limit, 4 retries.
func newClient(tb testing.TB, url string) *cfapi.Client {
	tb.Helper()
	c, err := cfapi.New(cfapi.Options{BaseURL: url, Token: benchToken, MaxRetries: 4})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestTreeMatchesConfig: the CUE tree, through the real loader, decodes to
// exactly Config; and `cue vet`'s extra files are valid CUE for the same
// package.
func TestTreeMatchesConfig(t *testing.T) {
	f := Fleet{Accounts: 7, Zones: 11, Files: 4}
	dir := t.TempDir()
	if err := f.WriteTree(dir, false); err != nil {
		t.Fatal(err)
	}
	l, err := loader.New()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LoadDir(dir)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	if diff := cmp.Diff(f.Config(), res.Config); diff != "" {
		t.Errorf("loaded config differs from Config() (-want +got):\n%s", diff)
	}
	if len(res.Files) != 4 {
		t.Errorf("read %d files, want 4", len(res.Files))
	}
	if _, err := VetSchema(); err != nil {
		t.Fatal(err)
	}
}

// TestSeedDrift: a plan against Seed's live state changes exactly the
// resources Seed says differ, with one GET per resource and no other call.
func TestSeedDrift(t *testing.T) {
	tests := []struct {
		fraction float64
		want     int
	}{
		{0, 0},
		{0.1, 3}, // floor(34 * 0.1)
		{0.5, 17},
		{1, 34},
	}
	f := Fleet{Accounts: 9, Zones: 16, Files: 3} // 34 resources
	cfg := f.Config()
	for _, tt := range tests {
		srv := quietServer(t)
		d := f.Seed(srv.Emulator, tt.fraction)
		if len(d.Addresses) != tt.want {
			t.Fatalf("fraction %v: %d resources differ, want %d", tt.fraction, len(d.Addresses), tt.want)
		}
		c := newClient(t, srv.URL)
		p := fetchAndBuild(t, context.Background(), c, cfg, planner.FetchOptions{Concurrency: 4}, planner.Options{CreatedAt: time.Unix(0, 0)})
		var got []string
		for _, ch := range p.Changes {
			if ch.Action != planner.Update {
				t.Errorf("fraction %v: %s is a %s, want update", tt.fraction, ch.Address, ch.Action)
			}
			got = append(got, ch.Address)
		}
		if diff := cmp.Diff(d.Addresses, got); diff != "" {
			t.Errorf("fraction %v: changed resources (-seeded +planned):\n%s", tt.fraction, diff)
		}
		calls := callCounts(srv.Requests())
		if calls.gets != f.Resources() || calls.maxPerPath != 1 || calls.other != 0 {
			t.Errorf("fraction %v: calls = %+v, want %d GETs, 1 per path, nothing else", tt.fraction, calls, f.Resources())
		}
	}
}
