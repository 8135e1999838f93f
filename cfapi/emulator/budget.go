package emulator

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Limit is a request budget the emulator enforces per user: at most
// Requests requests in any window of length Window. The zero Limit is
// none. Cloudflare's is 1200 per 5 minutes (docs/api-budget.md).
type Limit struct {
	Requests int
	Window   time.Duration
}

// enabled reports whether l limits anything.
func (l Limit) enabled() bool { return l.Requests > 0 && l.Window > 0 }

// userWindow is one user's requests in the current window and the end of
// the block a request over the limit started.
type userWindow struct {
	sent    []time.Time // counted requests within the window, oldest first
	blocked time.Time   // zero, or the end of the block
}

// user names whose budget a request spends: its API token, or its API
// key. Requests without credentials share one budget.
func user(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); auth != "" {
		return "token:" + strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))
	}
	return "key:" + r.Header.Get("X-Auth-Key")
}

// admit counts r against its user's budget at now, as Cloudflare does:
// within the limit it returns the Ratelimit and Ratelimit-Policy headers
// of the answer; the request that exceeds the limit, and every request
// of the same user after it until the block ends (a whole Window from
// that request), gets blocked: a 429 with code 971 and Retry-After.
// Blocked requests are not counted. With no limit it returns nil, nil.
func (e *Emulator) admit(r *http.Request, now time.Time) (hdr http.Header, blocked *response) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.limit
	if !l.enabled() {
		return nil, nil
	}
	key := user(r)
	u := e.users[key]
	if u == nil {
		u = &userWindow{}
		e.users[key] = u
	}
	start := now.Add(-l.Window)
	i := 0
	for i < len(u.sent) && !u.sent[i].After(start) {
		i++
	}
	u.sent = u.sent[i:]
	policy := fmt.Sprintf(`"default";q=%d;w=%d`, l.Requests, seconds(l.Window))
	if now.Before(u.blocked) || len(u.sent) >= l.Requests {
		if !now.Before(u.blocked) {
			u.blocked = now.Add(l.Window)
		}
		wait := seconds(u.blocked.Sub(now))
		resp := failure(http.StatusTooManyRequests, apiError{Code: CodeRateLimited,
			Message: "Please wait and consider throttling your request speed"})
		resp.header = http.Header{
			"Retry-After":      {strconv.FormatInt(wait, 10)},
			"Ratelimit":        {fmt.Sprintf(`"default";r=0;t=%d`, wait)},
			"Ratelimit-Policy": {policy},
		}
		resp.warning = fmt.Sprintf("over the budget of %d requests per %s: blocked until %s", l.Requests, l.Window, u.blocked.UTC().Format(time.RFC3339))
		return nil, &resp
	}
	u.sent = append(u.sent, now)
	// The remaining count grows again when the oldest counted request
	// leaves the window.
	reset := seconds(u.sent[0].Add(l.Window).Sub(now))
	return http.Header{
		"Ratelimit":        {fmt.Sprintf(`"default";r=%d;t=%d`, l.Requests-len(u.sent), reset)},
		"Ratelimit-Policy": {policy},
	}, nil
}

// seconds rounds d up to whole seconds, at least 1.
func seconds(d time.Duration) int64 {
	return max(int64(math.Ceil(d.Seconds())), 1)
}

// SetLimit replaces the budget the emulator enforces per user (the zero
// Limit turns it off) and forgets what each user spent.
func (e *Emulator) SetLimit(l Limit) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.limit = l
	e.users = map[string]*userWindow{}
}

// Throttled counts the requests answered 429 by the budget or by an
// injected RateLimit fault.
func (e *Emulator) Throttled() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.requests {
		if r.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}
