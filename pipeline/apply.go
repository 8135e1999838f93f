package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/planner"
)

// Apply applies p through sess with the mass-change threshold maxPct (the
// user's exact value: 0 refuses any change above the guard's minimum),
// printing one progress line per change start and end on progress.
func Apply(ctx context.Context, sess *Session, p *planner.Plan, concurrency int, maxPct float64, progress io.Writer) (*applier.Report, error) {
	// The guard runs with the user's exact threshold; Apply's zero means
	// "the default", so 0 is passed as the smallest positive number.
	if maxPct == 0 {
		maxPct = math.SmallestNonzeroFloat64
	}
	return applier.Apply(ctx, sess.Client, p, applier.Options{
		Concurrency:      concurrency,
		MaxChangePercent: maxPct,
		Progress:         progressPrinter(progress),
		Ambiguous:        func(err error) bool { return errors.Is(err, cfapi.ErrAmbiguous) },
	})
}

// progressPrinter prints one line as each change starts and ends.
func progressPrinter(w io.Writer) func(applier.Event) {
	return func(ev applier.Event) {
		if !ev.Done {
			fmt.Fprintf(w, "%s: %s...\n", ev.Change.Address, doing(ev.Change.Action))
			return
		}
		line := ev.Change.Address + ": " + string(ev.Result.Status)
		if len(ev.Result.Fields) > 0 {
			line += ": " + strings.Join(ev.Result.Fields, ", ")
		}
		if ev.Result.Err != nil {
			line += ": " + ev.Result.Err.Error()
		}
		fmt.Fprintln(w, line)
	}
}

func doing(a planner.Action) string {
	switch a {
	case planner.Create:
		return "creating"
	case planner.Update:
		return "updating"
	case planner.Revoke:
		return "revoking"
	}
	return string(a)
}
