package pipeline

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ztsync/ztsync/cfapi"
)

// BudgetValue is a flag.Value holding a cfapi.Budget ("1000/5m", "none"):
// --api-budget here, `ztsync emulator --budget`.
type BudgetValue struct{ B *cfapi.Budget }

// String writes the budget as ParseBudget reads it.
func (v BudgetValue) String() string {
	if v.B == nil {
		return ""
	}
	return v.B.String()
}

// Set parses s with cfapi.ParseBudget.
func (v BudgetValue) Set(s string) error {
	b, err := cfapi.ParseBudget(s)
	if err != nil {
		return err
	}
	*v.B = b
	return nil
}

// Progress of API waits (cfapi.Options.OnWait) on stderr: a wait shorter
// than minShownWait is not worth a line; a longer one prints a line when
// it starts and then, until it ends, a countdown refreshed every second
// on a terminal, or a line every ciWaitEvery elsewhere (CI logs).
const (
	minShownWait  = 3 * time.Second
	ciWaitEvery   = 10 * time.Second
	ttyWaitEvery  = time.Second
	clearTermLine = "\r\033[K"
)

// waitReporter shows the client's waits. It is safe for concurrent use:
// every worker waiting for the same window reports the same wait, and
// only the longest is shown.
type waitReporter struct {
	w        io.Writer
	terminal bool
	now      func() time.Time

	mu      sync.Mutex
	current cfapi.Wait // the wait shown; zero when none
	stop    chan struct{}
	done    chan struct{}
	onLine  bool // a countdown is on the terminal's last line
}

func newWaitReporter(w io.Writer, terminal bool) *waitReporter {
	return &waitReporter{w: w, terminal: terminal, now: time.Now}
}

// onWait is the cfapi.Options.OnWait callback.
func (r *waitReporter) onWait(w cfapi.Wait) {
	if w.Duration < minShownWait && w.Reason != cfapi.WaitRetryAfter {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !w.Until.After(r.current.Until) {
		return // already shown: another worker waiting for the same
	}
	// Workers waiting for a sliding window each wait a little longer
	// than the last: one line, and the countdown runs to the latest end.
	shown := r.current.Reason == w.Reason && r.current.Until.After(r.now())
	r.current = w
	if shown {
		return
	}
	r.clearLocked()
	fmt.Fprintf(r.w, "waiting %s %s\n", w.Duration.Round(time.Second), waitWhy(w))
	if w.Duration < minShownWait || r.stop != nil {
		return
	}
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	go r.loop(r.stop, r.done)
}

// waitWhy says why in words.
func waitWhy(w cfapi.Wait) string {
	until := w.Until.UTC().Format("15:04:05 UTC")
	switch w.Reason {
	case cfapi.WaitBudget:
		return fmt.Sprintf("(until %s) for the API budget: %s; --api-budget sets it", until, w.Detail)
	case cfapi.WaitRetryAfter:
		return fmt.Sprintf("(until %s): %s", until, w.Detail)
	}
	return fmt.Sprintf("(until %s): %s", until, w.Detail)
}

// loop shows the countdown until the wait shown ends or close stops it.
func (r *waitReporter) loop(stop, done chan struct{}) {
	defer close(done)
	every := ciWaitEvery
	if r.terminal {
		every = ttyWaitEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if !r.tick() {
			return
		}
	}
}

// tick shows how long the current wait has left, and reports false (and
// clears the countdown) once it is over.
func (r *waitReporter) tick() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	left := r.current.Until.Sub(r.now())
	if left <= 0 {
		r.clearLocked()
		r.stop, r.done = nil, nil
		return false
	}
	what := "the API budget"
	switch r.current.Reason {
	case cfapi.WaitRetryAfter:
		what = "the end of Cloudflare's block (429)"
	case cfapi.WaitRemaining:
		what = "Cloudflare's rate limit to reset"
	}
	if r.terminal {
		fmt.Fprintf(r.w, "%swaiting for %s: %s left", clearTermLine, what, left.Round(time.Second))
		r.onLine = true
	} else {
		fmt.Fprintf(r.w, "still waiting for %s: %s left\n", what, left.Round(time.Second))
	}
	return true
}

// clearLocked removes a countdown from the terminal line.
func (r *waitReporter) clearLocked() {
	if r.onLine {
		fmt.Fprint(r.w, clearTermLine)
		r.onLine = false
	}
}

// close stops the countdown; nothing is written after it returns.
func (r *waitReporter) close() {
	r.mu.Lock()
	stop, done := r.stop, r.done
	r.stop, r.done = nil, nil
	r.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	r.mu.Lock()
	r.clearLocked()
	r.mu.Unlock()
}

// budgetWarning warns when --api-budget allows more than Cloudflare does:
// more than 1200 requests in some 5-minute window.
func budgetWarning(b cfapi.Budget) string {
	if b.Unlimited() {
		return ""
	}
	// The most requests b lets through in any 5-minute window.
	per5m := b.Requests
	if b.Window < cfapi.CloudflareWindow {
		per5m = b.Requests * int((cfapi.CloudflareWindow+b.Window-1)/b.Window)
	}
	if per5m <= cfapi.CloudflareRequests {
		return ""
	}
	return fmt.Sprintf("warning: --api-budget %s allows up to %d requests in 5 minutes, more than Cloudflare's %d per user: a large plan will be answered 429 and blocked for 5 minutes (default %s)",
		b, per5m, cfapi.CloudflareRequests, cfapi.DefaultBudget())
}
