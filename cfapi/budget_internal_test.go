package cfapi

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// reserveAt reserves one request at t and returns its wait (0: sent).
func reserveAt(t *testing.T, w *window, at time.Time) Wait {
	t.Helper()
	seq, wait, gate := w.reserve(at)
	if gate != nil {
		t.Fatalf("reserve at %s: told to wait for the lone first request", at.Sub(t0))
	}
	if wait.Duration == 0 && seq == 0 {
		t.Fatalf("reserve at %s: neither sent nor told to wait", at.Sub(t0))
	}
	if wait.Duration > 0 && seq != 0 {
		t.Fatalf("reserve at %s: sent (seq %d) and told to wait %s", at.Sub(t0), seq, wait.Duration)
	}
	return wait
}

// heardWindow is a window that has had an answer telling how the server
// counts: past the start's one request at a time.
func heardWindow(b Budget) *window {
	w := newWindow(b)
	w.heard = true
	return w
}

// TestWindowSlides: inside the budget requests go at once; past it the
// wait ends when the oldest request leaves the window, not when a fixed
// window resets.
func TestWindowSlides(t *testing.T) {
	w := heardWindow(Budget{Requests: 3, Window: 10 * time.Second})
	for _, at := range []time.Duration{0, 2 * time.Second, 4 * time.Second} {
		if wait := reserveAt(t, w, t0.Add(at)); wait.Duration != 0 {
			t.Fatalf("request at %s waits %s inside the budget", at, wait.Duration)
		}
	}
	wait := reserveAt(t, w, t0.Add(5*time.Second))
	if wait.Duration != 5*time.Second || wait.Reason != WaitBudget || !wait.Until.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("4th request at 5s: wait %+v, want 5s for the budget until 10s", wait)
	}
	if want := "3 requests in the last 10s (budget 3/10s)"; wait.Detail != want {
		t.Errorf("detail %q, want %q", wait.Detail, want)
	}
	// At 10s the request sent at 0s has left the window: one goes out, the
	// next waits for the one sent at 2s.
	if wait := reserveAt(t, w, t0.Add(10*time.Second)); wait.Duration != 0 {
		t.Fatalf("request at 10s waits %s; the request at 0s has left the window", wait.Duration)
	}
	if wait := reserveAt(t, w, t0.Add(10*time.Second)); wait.Duration != 2*time.Second {
		t.Fatalf("second request at 10s waits %s, want 2s (until the 2s request leaves)", wait.Duration)
	}
	// The log keeps only the longest window's requests.
	if len(w.sent) != 3 {
		t.Errorf("log holds %d send times, want the 3 inside the window", len(w.sent))
	}
}

func TestWindowUnlimited(t *testing.T) {
	w := heardWindow(Budget{})
	for i := range 5000 {
		if wait := reserveAt(t, w, t0); wait.Duration != 0 {
			t.Fatalf("request %d waits %s without a budget", i, wait.Duration)
		}
	}
	if len(w.sent) != 0 {
		t.Errorf("no budget keeps %d send times, want none", len(w.sent))
	}
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// TestWindowRemaining: the client never sends past the remaining count of
// Cloudflare's Ratelimit header, counting the requests it sent after the
// one whose answer carried the header, and an answer that arrives late
// never raises it.
func TestWindowRemaining(t *testing.T) {
	w := heardWindow(Budget{})
	reserveAt(t, w, t0) // seq 1, answered before the others are sent
	w.finish(1)
	for range 3 {
		reserveAt(t, w, t0) // seq 2..4
	}
	// The answer to request 2 says 3 remain: requests 3 and 4 may not be
	// counted in it, so one more may go (seq 5), not three.
	w.observe(2, http.StatusOK, header("Ratelimit", `"default";r=3;t=30`), t0)
	w.finish(2)
	if wait := reserveAt(t, w, t0); wait.Duration != 0 {
		t.Fatalf("5th request waits %s; one is left", wait.Duration)
	}
	wait := reserveAt(t, w, t0.Add(time.Second))
	if wait.Reason != WaitRemaining || wait.Duration != 29*time.Second {
		t.Fatalf("6th request: %+v, want a 29s wait for the remaining count", wait)
	}
	// A late answer to request 1 saying more remain does not raise it.
	w.observe(1, http.StatusOK, header("Ratelimit", `"default";r=50;t=30`), t0.Add(time.Second))
	if wait := reserveAt(t, w, t0.Add(time.Second)); wait.Reason != WaitRemaining {
		t.Fatalf("a stale answer raised the remaining count: %+v", wait)
	}
	// At the reset the header no longer binds.
	if wait := reserveAt(t, w, t0.Add(30*time.Second)); wait.Duration != 0 {
		t.Fatalf("request after the reset waits %s", wait.Duration)
	}
	// A newer answer replaces the state: the answer to request 6 says 0
	// remain for 5s.
	w.observe(6, http.StatusOK, header("Ratelimit", `"default";r=0;t=5`), t0.Add(30*time.Second))
	if wait := reserveAt(t, w, t0.Add(31*time.Second)); wait.Duration != 4*time.Second {
		t.Fatalf("r=0: wait %s, want 4s", wait.Duration)
	}
}

// TestWindowRemainingEarlierInFlight: a request sent before the one whose
// answer carried the header, and still unanswered, may reach the server
// after it: it is taken off the remaining count too.
func TestWindowRemainingEarlierInFlight(t *testing.T) {
	w := heardWindow(Budget{})
	reserveAt(t, w, t0) // 1: still in flight
	reserveAt(t, w, t0) // 2: answered first
	w.observe(2, http.StatusOK, header("Ratelimit", `"default";r=2;t=30`), t0)
	w.finish(2)
	if wait := reserveAt(t, w, t0); wait.Duration != 0 {
		t.Fatalf("3rd request waits %s; one is left (2 remain, less request 1)", wait.Duration)
	}
	if wait := reserveAt(t, w, t0); wait.Reason != WaitRemaining {
		t.Fatalf("4th request: %+v, want a wait: request 1 may still count", wait)
	}
	w.finish(1)
	if len(w.inflight) != 1 {
		t.Errorf("in flight: %v, want request 3 only", w.inflight)
	}
}

// TestWindowRemainingCountedOutOfOrder: requests 1 and 2 go at once; the
// server counts 2 first (4 of 5 left), then 1 (3 left), and the answer to
// 1 comes first. The answer to 2, newer by number but older on the
// server, must not let four more go: request 1 was out when 2 was sent.
func TestWindowRemainingCountedOutOfOrder(t *testing.T) {
	w := heardWindow(Budget{})
	reserveAt(t, w, t0)
	reserveAt(t, w, t0)
	w.observe(1, http.StatusOK, header("Ratelimit", `"default";r=3;t=30`), t0)
	w.finish(1)
	w.observe(2, http.StatusOK, header("Ratelimit", `"default";r=4;t=30`), t0)
	w.finish(2)
	for i := range 3 {
		if wait := reserveAt(t, w, t0); wait.Duration != 0 {
			t.Fatalf("request %d waits %s; 3 are left", 3+i, wait.Duration)
		}
	}
	if wait := reserveAt(t, w, t0); wait.Reason != WaitRemaining || wait.Duration != 30*time.Second {
		t.Fatalf("6th request: %+v, want a 30s wait: the server has counted 5 of 5", wait)
	}
}

// TestWindowPolicy: a Ratelimit-Policy tighter than the budget binds.
func TestWindowPolicy(t *testing.T) {
	w := heardWindow(Budget{Requests: 100, Window: time.Minute})
	reserveAt(t, w, t0)
	w.observe(1, http.StatusOK, header("Ratelimit-Policy", `"burst";q=2;w=10`), t0)
	reserveAt(t, w, t0)
	wait := reserveAt(t, w, t0)
	if wait.Reason != WaitBudget || wait.Duration != 10*time.Second || wait.Detail != "2 requests in the last 10s (budget 2/10s)" {
		t.Fatalf("third request under a 2/10s policy: %+v", wait)
	}
}

func TestParseRatelimit(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		rem    int
		reset  time.Duration
		ok     bool
	}{
		{"absent", nil, 0, 0, false},
		{"cloudflare", []string{`"default";r=50;t=30`}, 50, 30 * time.Second, true},
		{"token name", []string{`default;r=7;t=2`}, 7, 2 * time.Second, true},
		{"two policies: fewest remaining", []string{`"burst";r=90;t=1, "default";r=12;t=200`}, 12, 200 * time.Second, true},
		{"two header lines", []string{`"burst";r=90;t=1`, `"default";r=12;t=200`}, 12, 200 * time.Second, true},
		{"zero left", []string{`"default";r=0;t=300`}, 0, 300 * time.Second, true},
		{"old draft dictionary", []string{`limit=100, remaining=42, reset=9`}, 42, 9 * time.Second, true},
		{"empty", []string{""}, 0, 0, false},
		{"no t", []string{`"default";r=5`}, 0, 0, false},
		{"no r", []string{`"default";t=5`}, 0, 0, false},
		{"negative", []string{`"default";r=-1;t=5`}, 0, 0, false},
		{"decimal", []string{`"default";r=1.5;t=5`}, 0, 0, false},
		{"string value", []string{`"default";r="5";t=5`}, 0, 0, false},
		{"reset beyond a day", []string{`"default";r=5;t=999999`}, 0, 0, false},
		{"garbage", []string{`not a header ;;; ==`}, 0, 0, false},
		{"one bad policy spoils the header", []string{`"a";r=5;t=5, "b";r=x;t=5`}, 0, 0, false},
		{"inner list", []string{`("a" "b");r=5;t=5`}, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rem, reset, ok := parseRatelimit(tt.values)
			if rem != tt.rem || reset != tt.reset || ok != tt.ok {
				t.Errorf("parseRatelimit(%q) = %d, %s, %v; want %d, %s, %v", tt.values, rem, reset, ok, tt.rem, tt.reset, tt.ok)
			}
		})
	}
}

func TestParseRatelimitPolicy(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []Budget
		ok     bool
	}{
		{"absent", nil, nil, false},
		{"cloudflare", []string{`"burst";q=100;w=60`}, []Budget{{100, time.Minute}}, true},
		{"two", []string{`"burst";q=100;w=60, "default";q=1200;w=300`}, []Budget{{100, time.Minute}, {1200, 5 * time.Minute}}, true},
		{"zero quota", []string{`"burst";q=0;w=60`}, nil, false},
		{"zero window", []string{`"burst";q=10;w=0`}, nil, false},
		{"missing w", []string{`"burst";q=10`}, nil, false},
		{"malformed", []string{`"burst;q=10`}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRatelimitPolicy(tt.values)
			if ok != tt.ok || len(got) != len(tt.want) {
				t.Fatalf("parseRatelimitPolicy(%q) = %v, %v; want %v, %v", tt.values, got, ok, tt.want, tt.ok)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("policy %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestWindowMalformedHeadersChangeNothing: a malformed header neither
// blocks nor frees anything.
func TestWindowMalformedHeadersChangeNothing(t *testing.T) {
	w := heardWindow(Budget{Requests: 1, Window: time.Minute})
	reserveAt(t, w, t0)
	w.observe(1, http.StatusOK, header("Ratelimit", `"default";r=x`, "Ratelimit-Policy", `q=`), t0)
	if w.remain != nil || w.policy != nil {
		t.Fatalf("malformed headers were learnt: remain %+v, policy %v", w.remain, w.policy)
	}
	if wait := reserveAt(t, w, t0); wait.Duration != time.Minute {
		t.Fatalf("budget wait %s, want 1m", wait.Duration)
	}
}

func TestParseBudget(t *testing.T) {
	good := map[string]Budget{
		"1000/5m":  {1000, 5 * time.Minute},
		"1200/5m":  {1200, 5 * time.Minute},
		"600/150s": {600, 150 * time.Second},
		" 1/1s ":   {1, time.Second},
		"none":     {},
	}
	for in, want := range good {
		got, err := ParseBudget(in)
		if err != nil || got != want {
			t.Errorf("ParseBudget(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1000", "1000/", "/5m", "0/5m", "-1/5m", "1000/0s", "1000/500ms", "1000/25h", "x/5m", "1000/5", "1e3/5m", "2000000/5m"} {
		if got, err := ParseBudget(in); err == nil {
			t.Errorf("ParseBudget(%q) = %v, want an error", in, got)
		}
	}
	if _, err := ParseBudget("1000/25h"); err == nil || !strings.Contains(err.Error(), "from 1s to 24h, such as 5m") {
		t.Errorf("ParseBudget(1000/25h): %v, want the bounds as flags write them", err)
	}
	for _, b := range []Budget{DefaultBudget(), {600, 150 * time.Second}, {5, 2 * time.Hour}, {}} {
		back, err := ParseBudget(b.String())
		if err != nil || back != b {
			t.Errorf("ParseBudget(%q) = %v, %v; want %v back", b.String(), back, err, b)
		}
	}
	if s := DefaultBudget().String(); s != "1000/5m" {
		t.Errorf("DefaultBudget() = %s, want 1000/5m", s)
	}
}

// TestWindowProbeAfterReset: when the reset passes, one request goes and
// the others wait for its answer (a sliding window may have freed only
// one); its header rules from then on; a probe answered without a header
// lifts the limit.
func TestWindowProbeAfterReset(t *testing.T) {
	w := heardWindow(Budget{})
	reserveAt(t, w, t0) // 1
	w.observe(1, http.StatusOK, header("Ratelimit", `"default";r=0;t=10`), t0)
	w.finish(1)
	if wait := reserveAt(t, w, t0.Add(5*time.Second)); wait.Duration != 5*time.Second {
		t.Fatalf("before the reset: wait %s, want 5s", wait.Duration)
	}
	at := t0.Add(10 * time.Second)
	if wait := reserveAt(t, w, at); wait.Duration != 0 {
		t.Fatalf("the probe waits %s", wait.Duration)
	}
	var gate <-chan struct{}
	for range 3 {
		seq, wait, g := w.reserve(at)
		if g == nil || seq != 0 || wait.Duration != 0 {
			t.Fatalf("while the probe is out: seq %d, wait %+v, gate %v; want to wait for the probe's answer", seq, wait, g)
		}
		gate = g
	}
	select {
	case <-gate:
		t.Fatal("the probe's gate is open before its answer")
	default:
	}
	// The probe (2) learns that 2 are free.
	w.observe(2, http.StatusOK, header("Ratelimit", `"default";r=2;t=10`), at)
	w.finish(2)
	select {
	case <-gate:
	default:
		t.Fatal("the probe's answer did not open its gate")
	}
	for i := range 2 {
		if wait := reserveAt(t, w, at); wait.Duration != 0 {
			t.Fatalf("request %d after the probe's answer waits %s", i+3, wait.Duration)
		}
	}
	if wait := reserveAt(t, w, at); wait.Duration != 10*time.Second {
		t.Fatalf("past the probe's count: wait %s, want 10s", wait.Duration)
	}
	// Next reset: the probe is answered without a header; nothing binds.
	at = at.Add(10 * time.Second)
	probe, wait, _ := w.reserve(at)
	if wait.Duration != 0 {
		t.Fatalf("second probe waits %s", wait.Duration)
	}
	w.finish(probe)
	if w.remain != nil {
		t.Fatalf("a probe without a header left %+v", w.remain)
	}
}

// TestWindowFirstRequestAlone: until an answer tells how the server
// counts, one request is out at a time and the others wait for it; a
// failure without an answer, or a 5xx without headers, tells nothing;
// an answer with Ratelimit headers is obeyed, one without them below 500
// lets the requests fan out.
func TestWindowFirstRequestAlone(t *testing.T) {
	lone := func(w *window) (int64, <-chan struct{}) {
		t.Helper()
		seq, wait, gate := w.reserve(t0)
		if seq == 0 || wait.Duration != 0 || gate != nil {
			t.Fatalf("the lone request: seq %d, wait %+v, gate %v", seq, wait, gate)
		}
		_, _, gate = w.reserve(t0)
		if gate == nil {
			t.Fatalf("a second request while request %d is out alone was not held", seq)
		}
		return seq, gate
	}
	closed := func(gate <-chan struct{}) bool {
		select {
		case <-gate:
			return true
		default:
			return false
		}
	}

	w := newWindow(Budget{})
	seq, gate := lone(w)
	w.finish(seq) // no answer at all
	if !closed(gate) {
		t.Fatal("the waiters were not woken when the lone request failed")
	}
	seq, _ = lone(w)
	w.observe(seq, http.StatusBadGateway, http.Header{}, t0)
	w.finish(seq)
	seq, gate = lone(w)
	w.observe(seq, http.StatusOK, http.Header{}, t0)
	w.finish(seq)
	if !closed(gate) {
		t.Fatal("the waiters were not woken by the answer")
	}
	for i := range 8 {
		if wait := reserveAt(t, w, t0); wait.Duration != 0 {
			t.Fatalf("request %d after an answer without headers waits %s", i, wait.Duration)
		}
	}

	w = newWindow(Budget{})
	seq, _ = lone(w)
	w.observe(seq, http.StatusOK, header("Ratelimit", `"default";r=1;t=10`), t0)
	w.finish(seq)
	if wait := reserveAt(t, w, t0); wait.Duration != 0 {
		t.Fatalf("the one request the header leaves waits %s", wait.Duration)
	}
	if wait := reserveAt(t, w, t0); wait.Duration != 10*time.Second || wait.Reason != WaitRemaining {
		t.Fatalf("past the header's count: %+v, want 10s until its reset", wait)
	}
}
