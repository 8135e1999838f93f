package bench

import (
	"context"
	"testing"

	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// fetchAndBuild plans cfg as the plan command does: one Fetch of the live
// state through r, then Build. Either failing fails tb.
func fetchAndBuild(tb testing.TB, ctx context.Context, r planner.Reader, cfg *schema.Config, fo planner.FetchOptions, o planner.Options) *planner.Plan {
	tb.Helper()
	live, err := planner.Fetch(ctx, r, cfg, fo)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := planner.Build(cfg, live, o)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
