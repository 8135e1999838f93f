package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/planner"
)

// Apply applies p through sess with the mass-change threshold maxPct (the
// user's exact value: 0 refuses any change above the guard's minimum). It
// reports each change once on out: a line as the change ends
// (applier.Result's), then the changes that never started (skipped,
// interrupted), then the summary line.
func Apply(ctx context.Context, sess *Session, p *planner.Plan, concurrency int, maxPct float64, out io.Writer) (*applier.Report, error) {
	// The guard runs with the user's exact threshold; Apply's zero means
	// "the default", so 0 is passed as the smallest positive number.
	if maxPct == 0 {
		maxPct = math.SmallestNonzeroFloat64
	}
	reported := make(map[string]bool, len(p.Changes))
	rep, err := applier.Apply(ctx, sess.Client, p, applier.Options{
		Concurrency:      concurrency,
		MaxChangePercent: maxPct,
		Progress: func(ev applier.Event) {
			if ev.Done {
				reported[ev.Change.Address] = true
				fmt.Fprintln(out, ev.Result)
			}
		},
		Ambiguous: func(err error) bool { return errors.Is(err, cfapi.ErrAmbiguous) },
	})
	if err != nil {
		return nil, err
	}
	for _, res := range rep.Results {
		if !reported[res.Address] {
			fmt.Fprintln(out, res)
		}
	}
	fmt.Fprintln(out, rep.Summary())
	return rep, nil
}
