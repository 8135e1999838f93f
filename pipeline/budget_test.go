package pipeline

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ztsync/ztsync/cfapi"
)

// TestWaitReporter: waits shorter than a few seconds are not shown; a
// longer one prints one line with its reason, however many workers
// report it; the countdown prints "still waiting" lines in CI and ends
// with the wait; on a terminal it rewrites one line and clears it.
func TestWaitReporter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	w := cfapi.Wait{Reason: cfapi.WaitBudget, Duration: 4 * time.Minute, Until: now.Add(4 * time.Minute),
		Detail: "1000 requests in the last 5m (budget 1000/5m)"}

	var ci bytes.Buffer
	r := newWaitReporter(&ci, false)
	r.now = func() time.Time { return now }
	r.onWait(cfapi.Wait{Reason: cfapi.WaitBudget, Duration: time.Second, Until: now.Add(time.Second)})
	if ci.Len() != 0 {
		t.Fatalf("a 1s wait was shown: %q", ci.String())
	}
	for i := range 16 { // every worker reports the wait, each a little later
		later := w
		later.Until = w.Until.Add(time.Duration(i) * time.Millisecond)
		r.onWait(later)
		r.onWait(w)
	}
	want := "waiting 4m0s (until 12:04:00 UTC) for the API budget: 1000 requests in the last 5m (budget 1000/5m); --api-budget sets it\n"
	if ci.String() != want {
		t.Fatalf("CI output %q, want %q", ci.String(), want)
	}
	ci.Reset()
	r.now = func() time.Time { return now.Add(10 * time.Second) }
	if !r.tick() || ci.String() != "still waiting for the API budget: 3m50s left\n" || !r.current.Until.Equal(w.Until.Add(15*time.Millisecond)) {
		t.Errorf("tick: %q", ci.String())
	}
	r.now = func() time.Time { return now.Add(4*time.Minute + time.Second) }
	ci.Reset()
	if r.tick() || ci.Len() != 0 {
		t.Errorf("tick after the wait: %q", ci.String())
	}
	r.close()

	var tty bytes.Buffer
	r = newWaitReporter(&tty, true)
	r.now = func() time.Time { return now }
	r.onWait(cfapi.Wait{Reason: cfapi.WaitRetryAfter, Duration: time.Second, Until: now.Add(time.Second), Detail: "Cloudflare answered 429"})
	if !strings.Contains(tty.String(), "waiting 1s (until 12:00:01 UTC): Cloudflare answered 429") {
		t.Errorf("a 429 wait is always shown: %q", tty.String())
	}
	r.onWait(w)
	tty.Reset()
	r.tick()
	if tty.String() != clearTermLine+"waiting for the API budget: 4m0s left" {
		t.Errorf("terminal countdown %q", tty.String())
	}
	tty.Reset()
	r.close()
	if tty.String() != clearTermLine {
		t.Errorf("close left %q, want the line cleared", tty.String())
	}
}

func TestBudgetWarning(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		b    cfapi.Budget
		warn bool
	}{
		{cfapi.DefaultBudget(), false},
		{cfapi.CloudflareLimit(), false},
		{cfapi.Budget{}, false},
		{cfapi.Budget{Requests: 600, Window: 150 * time.Second}, false},
		{cfapi.Budget{Requests: 1201, Window: 5 * time.Minute}, true},
		{cfapi.Budget{Requests: 700, Window: 150 * time.Second}, true},
		{cfapi.Budget{Requests: 5, Window: time.Second}, true},
		{cfapi.Budget{Requests: 2000, Window: 10 * time.Minute}, true},
		{cfapi.Budget{Requests: 1200, Window: 10 * time.Minute}, false},
	} {
		got := budgetWarning(tt.b)
		if (got != "") != tt.warn || tt.warn && !strings.Contains(got, "429") {
			t.Errorf("budgetWarning(%s) = %q, want a warning: %v", tt.b, got, tt.warn)
		}
	}
}
