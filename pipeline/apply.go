package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/planner"
)

// Apply applies p through sess with the mass-change threshold maxPct (the
// user's exact value: 0 refuses any change the guard judges). The guard
// runs once, inside applier.Apply; confirm, when not nil, runs after it and
// before any write (the interactive "yes"). It reports each change once on
// out: a line as the change ends (applier.Result's), then the changes that
// never started (skipped, interrupted), then the summary line. Each event
// also goes to observe, when it is not nil (the plan file's applied-once
// record).
func Apply(ctx context.Context, sess *Session, p *planner.Plan, concurrency int, maxPct float64, confirm func(context.Context) error, out io.Writer, observe func(applier.Event)) (*applier.Report, error) {
	reported := make(map[string]bool, len(p.Changes))
	rep, err := applier.Apply(ctx, sess.Client, p, applier.Options{
		Concurrency:      concurrency,
		MaxChangePercent: &maxPct,
		Confirm:          confirm,
		Progress: func(ev applier.Event) {
			if observe != nil {
				observe(ev)
			}
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
