package cfapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dunglas/httpsfv"

	"github.com/ztsync/ztsync/schema"
)

// Cloudflare's global API limit (docs/api-budget.md): 1200 requests per
// five minutes per user, cumulative across the dashboard, API keys and API
// tokens; past it every call answers 429 for the rest of the window.
const (
	CloudflareRequests = 1200
	CloudflareWindow   = 5 * time.Minute
)

// DefaultBudgetRequests is the number of requests DefaultBudget allows per
// CloudflareWindow: 1000 of Cloudflare's 1200, leaving 200 (one sixth) to
// the dashboard, Terraform and scripts that share the user's limit.
const DefaultBudgetRequests = 1000

// Budget is a request budget: at most Requests requests in any window of
// length Window (a sliding window, as Cloudflare counts). The zero Budget
// is no budget.
type Budget struct {
	Requests int
	Window   time.Duration
}

// DefaultBudget is the budget the command line uses unless --api-budget
// says otherwise: DefaultBudgetRequests per CloudflareWindow.
func DefaultBudget() Budget {
	return Budget{Requests: DefaultBudgetRequests, Window: CloudflareWindow}
}

// Unlimited reports whether b limits nothing.
func (b Budget) Unlimited() bool { return b.Requests <= 0 || b.Window <= 0 }

// String writes b as ParseBudget reads it: "1000/5m", "none".
func (b Budget) String() string {
	if b.Unlimited() {
		return "none"
	}
	return strconv.Itoa(b.Requests) + "/" + schema.DurationText(b.Window)
}

// Limits of what ParseBudget accepts.
const (
	maxBudgetRequests = 1_000_000
	minBudgetWindow   = time.Second
	maxBudgetWindow   = 24 * time.Hour
)

// ParseBudget reads "N/DURATION" (1000/5m, 600/150s, 1/1s) or "none" (no
// client-side budget: Cloudflare's headers and 429s are still obeyed). N
// is 1 to 1,000,000; DURATION is a Go duration from 1s to 24h.
func ParseBudget(s string) (Budget, error) {
	s = strings.TrimSpace(s)
	if s == "none" {
		return Budget{}, nil
	}
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return Budget{}, fmt.Errorf("budget %q: want REQUESTS/DURATION such as 1000/5m, or none", s)
	}
	req, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || req < 1 || req > maxBudgetRequests {
		return Budget{}, fmt.Errorf("budget %q: the number of requests must be a whole number from 1 to %d", s, maxBudgetRequests)
	}
	win, err := time.ParseDuration(strings.TrimSpace(d))
	if err != nil || win < minBudgetWindow || win > maxBudgetWindow {
		return Budget{}, fmt.Errorf("budget %q: the window must be a duration from %s to %s, such as 5m", s, schema.DurationText(minBudgetWindow), schema.DurationText(maxBudgetWindow))
	}
	return Budget{Requests: req, Window: win}, nil
}

// WaitReason says why the client waits before a request.
type WaitReason string

const (
	// WaitBudget: the client's own budget (Options.Budget, or the
	// Ratelimit-Policy Cloudflare announced) is spent; the wait ends when
	// the oldest request in the window leaves it.
	WaitBudget WaitReason = "budget"
	// WaitRemaining: Cloudflare's Ratelimit header said no request is left
	// before its reset.
	WaitRemaining WaitReason = "remaining"
	// WaitRetryAfter: Cloudflare answered 429; the wait is its Retry-After.
	WaitRetryAfter WaitReason = "retry-after"
)

// Wait describes one wait before a request, as Options.OnWait receives it.
type Wait struct {
	// Reason says why.
	Reason WaitReason
	// Duration is how long, from the client clock's now.
	Duration time.Duration
	// Until is when the wait ends.
	Until time.Time
	// Detail is a short text for people: "1000 requests in the last 5m
	// (budget 1000/5m)".
	Detail string
}

// window is the client's request budget: a log of send times checked
// against its own Budget and the policies Cloudflare announced, and the
// remaining count of Cloudflare's last Ratelimit header. It only
// computes; the Client sleeps.
type window struct {
	mu     sync.Mutex
	own    Budget
	policy []Budget     // from Ratelimit-Policy, most recent answer
	sent   []time.Time  // send times within the longest window, oldest first
	seq    int64        // requests reserved so far
	remain *remainState // from the Ratelimit header; nil when none applies
	// inflight holds the sequence numbers of requests reserved and not
	// finished, each with how many requests were in flight when it was
	// reserved: the server may count those after it.
	inflight map[int64]int64
	// heard is set by the first answer that tells how the server counts:
	// one with Ratelimit headers, or one without them below 500 (the
	// server does not report). Until then one request goes at a time, so
	// a user whose limit other tools nearly spent is not sent a burst.
	heard bool
	// lone is the request sent alone while nothing is heard, and gate is
	// closed when it finishes; both are zero when none is in flight.
	lone int64
	gate chan struct{}
	// probeSeq is the request sent alone after a Ratelimit reset, and
	// probeGate is closed when it finishes: the others wait for its
	// answer, not for a clock.
	probeSeq  int64
	probeGate chan struct{}
}

// remainState is what a Ratelimit header allows: requests may be sent
// while seq < limitSeq, until reset. of is the sequence number of the
// request whose answer carried it. Once reset has passed, probe is the
// one request sent to learn how many are free again.
type remainState struct {
	limitSeq int64
	reset    time.Time
	of       int64
	probe    int64
}

// probeWait is how long requests wait for the probe's answer before they
// look again, when no gate tells them (a probe whose gate was replaced).
const probeWait = 200 * time.Millisecond

func newWindow(b Budget) *window {
	if b.Unlimited() {
		b = Budget{}
	}
	return &window{own: b, inflight: map[int64]int64{}}
}

// limits lists the budgets in force.
func (w *window) limits() []Budget {
	out := make([]Budget, 0, 1+len(w.policy))
	if !w.own.Unlimited() {
		out = append(out, w.own)
	}
	return append(out, w.policy...)
}

// reserve takes one request from the budget at now and returns its
// sequence number, or, when none is left, how long to wait and why. While
// no answer has said how the server counts and one request is in flight,
// it returns gate instead, closed when that request finishes.
func (w *window) reserve(now time.Time) (seq int64, wait Wait, gate <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.heard && w.gate != nil {
		return 0, Wait{}, w.gate
	}
	if r := w.remain; r != nil {
		if r.probe == 0 && !now.Before(r.reset) {
			// The reset has passed: requests are free again, perhaps
			// only one (a sliding window frees them one by one). Send
			// one; its answer says how many.
			r.probe, r.limitSeq, r.of = w.seq+1, w.seq+1, w.seq+1
			w.probeSeq, w.probeGate = r.probe, make(chan struct{})
		}
		if w.seq >= r.limitSeq {
			if r.probe > 0 && w.probeGate != nil && w.probeSeq == r.probe {
				return 0, Wait{}, w.probeGate
			}
			if r.probe > 0 {
				return 0, Wait{Reason: WaitRemaining, Duration: probeWait, Until: now.Add(probeWait),
					Detail: "Cloudflare's limit has reset; waiting for one answer to say how many requests are free"}, nil
			}
			return 0, Wait{Reason: WaitRemaining, Duration: r.reset.Sub(now), Until: r.reset,
				Detail: "Cloudflare's Ratelimit header says no request is left until its reset"}, nil
		}
	}
	longest := time.Duration(0)
	for _, b := range w.limits() {
		longest = max(longest, b.Window)
		start := now.Add(-b.Window)
		// Requests still inside b's window: the last ones of the log.
		in := len(w.sent) - firstAfter(w.sent, start)
		if in >= b.Requests {
			until := w.sent[len(w.sent)-b.Requests].Add(b.Window)
			wait = laterWait(wait, Wait{Reason: WaitBudget, Duration: until.Sub(now), Until: until,
				Detail: fmt.Sprintf("%d requests in the last %s (budget %s)", in, schema.DurationText(b.Window), b)})
		}
	}
	if wait.Duration > 0 {
		return 0, wait, nil
	}
	if longest > 0 {
		w.sent = append(w.sent[firstAfter(w.sent, now.Add(-longest)):], now)
	}
	w.seq++
	w.inflight[w.seq] = int64(len(w.inflight))
	if !w.heard {
		w.lone, w.gate = w.seq, make(chan struct{})
	}
	return w.seq, Wait{}, nil
}

// finish forgets request seq: its answer came, or it failed. When it was
// the probe and its answer brought no header, the header no longer binds.
// When it was the lone request, those waiting for it look again: they fan
// out if its answer told how the server counts, else one goes alone next.
func (w *window) finish(seq int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.inflight, seq)
	if w.gate != nil && w.lone == seq {
		close(w.gate)
		w.lone, w.gate = 0, nil
	}
	if w.probeGate != nil && w.probeSeq == seq {
		close(w.probeGate)
		w.probeSeq, w.probeGate = 0, nil
	}
	if r := w.remain; r != nil && r.probe == seq {
		w.remain = nil
	}
}

// laterWait returns the longer of two waits (a zero Wait is none).
func laterWait(a, b Wait) Wait {
	if b.Duration > a.Duration {
		return b
	}
	return a
}

// firstAfter returns the index of the first time in ts (sorted) after t.
func firstAfter(ts []time.Time, t time.Time) int {
	lo, hi := 0, len(ts)
	for lo < hi {
		m := (lo + hi) / 2
		if ts[m].After(t) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// observe learns from the headers of the answer to request seq, received
// at now.
//
// Ratelimit "r" is what the server had left after counting request seq;
// requests sent after seq, and those still in flight when seq was sent,
// may not be counted in it yet (the server may count them after seq even
// when their answers came first), so they are taken off it: the client
// never sends past r, however requests and answers are reordered.
// An answer to a later request replaces what an earlier one said; an
// earlier one may only lower it.
//
// An answer with either header, or one without them and a status below
// 500 (the server does not report; the own budget alone binds), ends the
// start's one-at-a-time: an edge's 5xx without headers proves nothing.
func (w *window) observe(seq int64, status int, h http.Header, now time.Time) {
	rem, reset, remOK := parseRatelimit(h.Values("Ratelimit"))
	pol, polOK := parseRatelimitPolicy(h.Values("Ratelimit-Policy"))
	w.mu.Lock()
	defer w.mu.Unlock()
	if remOK || polOK || status < 500 {
		w.heard = true
	}
	if !remOK && !polOK {
		return
	}
	if polOK {
		w.policy = pol
	}
	if !remOK || seq == 0 {
		return
	}
	earlier := w.inflight[seq] // sent before seq, unanswered when seq was sent
	st := &remainState{limitSeq: seq + int64(rem) - earlier, reset: now.Add(reset), of: seq}
	switch old := w.remain; {
	case old == nil || seq >= old.of || old.probe == 0 && !now.Before(old.reset):
		w.remain = st
	case st.limitSeq < old.limitSeq:
		old.limitSeq = st.limitSeq
		old.reset = later(old.reset, st.reset)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Bounds of header values taken seriously; others are malformed.
const (
	maxHeaderCount  = 1_000_000
	maxHeaderWindow = 24 * time.Hour
)

// parseRatelimit reads Cloudflare's Ratelimit header (docs/api-budget.md), a structured-field list of policies such as `"default";r=50;t=30`:
// r requests remain until t seconds from now. With several policies the
// one with the fewest remaining wins. The older draft's dictionary form
// `limit=100, remaining=50, reset=30` is read too. ok is false when the
// header is absent or malformed (then nothing is learnt from it).
func parseRatelimit(vs []string) (remaining int, reset time.Duration, ok bool) {
	if len(vs) == 0 {
		return 0, 0, false
	}
	if d, err := httpsfv.UnmarshalDictionary(vs); err == nil {
		if r, okR := dictInt(d, "remaining"); okR {
			t, okT := dictInt(d, "reset")
			if !okT || r > maxHeaderCount || time.Duration(t)*time.Second > maxHeaderWindow {
				return 0, 0, false
			}
			return int(r), time.Duration(t) * time.Second, true
		}
	}
	list, err := httpsfv.UnmarshalList(vs)
	if err != nil || len(list) == 0 {
		return 0, 0, false
	}
	found := false
	for _, m := range list {
		it, isItem := m.(httpsfv.Item)
		if !isItem {
			return 0, 0, false
		}
		r, okR := paramInt(it.Params, "r")
		t, okT := paramInt(it.Params, "t")
		if !okR || !okT || r > maxHeaderCount || time.Duration(t)*time.Second > maxHeaderWindow {
			return 0, 0, false
		}
		if !found || int(r) < remaining {
			remaining, reset, found = int(r), time.Duration(t)*time.Second, true
		}
	}
	return remaining, reset, found
}

// parseRatelimitPolicy reads the Ratelimit-Policy header, a list of
// policies such as `"burst";q=100;w=60` (q requests per w seconds). ok is
// false when it is absent or malformed.
func parseRatelimitPolicy(vs []string) ([]Budget, bool) {
	if len(vs) == 0 {
		return nil, false
	}
	list, err := httpsfv.UnmarshalList(vs)
	if err != nil || len(list) == 0 {
		return nil, false
	}
	var out []Budget
	for _, m := range list {
		it, isItem := m.(httpsfv.Item)
		if !isItem {
			return nil, false
		}
		q, okQ := paramInt(it.Params, "q")
		w, okW := paramInt(it.Params, "w")
		win := time.Duration(w) * time.Second
		if !okQ || !okW || q < 1 || q > maxHeaderCount || win < time.Second || win > maxHeaderWindow {
			return nil, false
		}
		out = append(out, Budget{Requests: int(q), Window: win})
	}
	return out, true
}

// paramInt returns a non-negative integer parameter.
func paramInt(p *httpsfv.Params, k string) (int64, bool) {
	if p == nil {
		return 0, false
	}
	v, ok := p.Get(k)
	if !ok {
		return 0, false
	}
	n, ok := v.(int64)
	return n, ok && n >= 0
}

// dictInt returns a non-negative integer member of a dictionary.
func dictInt(d *httpsfv.Dictionary, k string) (int64, bool) {
	m, ok := d.Get(k)
	if !ok {
		return 0, false
	}
	it, ok := m.(httpsfv.Item)
	if !ok {
		return 0, false
	}
	n, ok := it.Value.(int64)
	return n, ok && n >= 0
}

// ThrottledError is a wait Cloudflare asks for that is longer than the
// client's timeout: the Retry-After of a 429, or the reset of a Ratelimit
// header with no request left. The client gives up at once instead of
// waiting. For a 429 it wraps the answer's *APIError.
type ThrottledError struct {
	// Method and Path are the call that would have waited.
	Method, Path string
	// Wait is how long Cloudflare asks to wait; Until when it ends.
	Wait  time.Duration
	Until time.Time
	// Timeout is the client's timeout the wait exceeds.
	Timeout time.Duration
	// Err is the 429 answer; nil when the Ratelimit header said so.
	Err error
}

func (e *ThrottledError) Error() string {
	what := fmt.Sprintf("%s %s: Cloudflare's Ratelimit header says no request is left", e.Method, e.Path)
	if e.Err != nil {
		what = fmt.Sprintf("%v; Cloudflare blocks requests (Retry-After)", e.Err)
	}
	return fmt.Sprintf("%s for %s, until %s, longer than the %s timeout: the limit is shared by every tool of the user, so wait and run again, or raise the timeout to sit it out",
		what, e.Wait.Round(time.Second), e.Until.UTC().Format("15:04:05 UTC"), e.Timeout)
}

func (e *ThrottledError) Unwrap() error { return e.Err }

// CloudflareLimit is Cloudflare's own limit as a Budget: 1200/5m.
func CloudflareLimit() Budget {
	return Budget{Requests: CloudflareRequests, Window: CloudflareWindow}
}
