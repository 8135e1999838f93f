package cfapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/ztsync/ztsync/safetext"
)

// DefaultBaseURL is the Cloudflare API v4 base URL.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4"

const (
	defaultTimeout = 30 * time.Second // per attempt, when Options.Timeout is 0
	backoffBase    = time.Second      // first backoff; doubles per attempt
	backoffMax     = 30 * time.Second // longest backoff
	maxBody        = 8 << 20          // longest response body read
	maxLogBody     = 16 << 10         // longest body written to the debug log
)

// Options configures a Client. Only the credentials are required.
type Options struct {
	// BaseURL is the API root, DefaultBaseURL when empty. It may carry a
	// path (".../client/v4"); endpoint paths are appended to it.
	BaseURL string
	// Token is an API token, sent as "Authorization: Bearer". It wins when
	// APIKey is also set.
	Token string
	// APIKey and Email are the global API key and its account's email,
	// sent as X-Auth-Key and X-Auth-Email.
	APIKey string
	Email  string
	// HTTPClient sends the requests; nil means a client with the standard
	// transport's dial, TLS and idle timeouts. Redirects are never followed.
	HTTPClient *http.Client
	// Budget is the sliding-window request budget shared by every
	// goroutine using the client (budget.go); the zero Budget is none.
	// Cloudflare's Ratelimit and Ratelimit-Policy headers are obeyed with
	// or without it.
	Budget Budget
	// OnWait, when set, is told of every wait for the budget, for
	// Cloudflare's remaining count, and for a 429's Retry-After, before it
	// starts. It may be called from several goroutines at once.
	OnWait func(Wait)
	// RateLimit is an extra pace in requests per second, shared by every
	// goroutine using the client (burst 1); <= 0 means none.
	RateLimit float64
	// MaxRetries bounds the attempts after the first one (docs/cli.md, --max-retries; the
	// CLI default is 4). Negative means 0.
	MaxRetries int
	// Timeout bounds each attempt, reading the body included, and the
	// Retry-After of a 429 the client is willing to wait: a longer one
	// fails at once with a *ThrottledError. <= 0 means 30s.
	Timeout time.Duration
	// Logger receives, at slog.LevelDebug, every request and response with
	// method, path, attempt, status, duration and bodies. Credentials are
	// redacted. Nil means no logging.
	Logger *slog.Logger
	// Clock measures and waits (backoff, Retry-After, rate limit); nil means
	// real time. Tests inject a fake.
	Clock Clock
	// Rand returns jitter in [0, 1); nil means math/rand/v2.
	Rand func() float64
}

// Clock is the client's source of time: every wait goes through Sleep, so
// a fake clock sees each one and no test waits for real. The per-attempt
// timeout is the exception: it is real time.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or returns the context's error as soon as it is
	// done.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// Stats counts what a Client did, for tests and benchmarks.
type Stats struct {
	Requests  map[string]int // attempts sent, by HTTP method
	Retries   int            // attempts after the first of a call
	Throttled int            // 429 answers
	// BudgetWaits counts waits for the budget or Cloudflare's remaining
	// count (each is also one of Waits).
	BudgetWaits int
	Waits       int           // waits before an attempt: rate limit, backoff, Retry-After, shared pause
	WaitTime    time.Duration // the sum of those waits, on the client's clock
}

// Client calls the Zero Trust organization endpoints. It is safe for
// concurrent use; all goroutines share its rate limit and its pause after
// a 429.
type Client struct {
	base       *url.URL
	header     http.Header        // authentication and fixed headers
	scrubber   *safetext.Scrubber // hides the token and API key in every form
	http       *http.Client
	limiter    *rate.Limiter // nil: unlimited
	window     *window
	onWait     func(Wait)
	maxRetries int
	timeout    time.Duration
	log        *slog.Logger
	clock      Clock
	rand       func() float64

	mu        sync.Mutex
	notBefore time.Time // no attempt starts before this (set by a 429)
	stats     Stats
}

// New returns a client. It fails when no credentials are given, when a
// credential holds characters a header cannot carry, or when the base URL
// is not an absolute http(s) URL without user info, query or fragment.
func New(opts Options) (*Client, error) {
	c := &Client{
		header:     http.Header{"Accept": {"application/json"}, "User-Agent": {"ztsync"}},
		maxRetries: max(opts.MaxRetries, 0),
		timeout:    opts.Timeout,
		log:        opts.Logger,
		clock:      opts.Clock,
		rand:       opts.Rand,
		window:     newWindow(opts.Budget),
		onWait:     opts.OnWait,
	}
	switch {
	case opts.Token != "":
		if !headerSafe(opts.Token) {
			return nil, errors.New("API token contains characters not allowed in a header" + whitespaceHint(opts.Token))
		}
		c.header.Set("Authorization", "Bearer "+opts.Token)
		c.scrubber = safetext.NewScrubber(opts.Token)
	case opts.APIKey != "" && opts.Email != "":
		if !headerSafe(opts.APIKey) || !headerSafe(opts.Email) {
			return nil, errors.New("API key or email contains characters not allowed in a header" + whitespaceHint(opts.APIKey+opts.Email))
		}
		c.header.Set("X-Auth-Key", opts.APIKey)
		c.header.Set("X-Auth-Email", opts.Email)
		c.scrubber = safetext.NewScrubber(opts.APIKey)
	case opts.APIKey != "":
		return nil, errors.New("an API key needs its account email")
	default:
		return nil, errors.New("no credentials: need an API token, or an API key and email")
	}
	base, err := parseBaseURL(cmp.Or(opts.BaseURL, DefaultBaseURL))
	if err != nil {
		return nil, err
	}
	c.base = base
	hc := http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient
	}
	// A followed redirect turns PUT and POST into GET; report it instead.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &hc
	if opts.RateLimit > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(opts.RateLimit), 1)
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if c.rand == nil {
		c.rand = rand.Float64
	}
	c.stats.Requests = map[string]int{}
	return c, nil
}

// headerSafe reports whether s is printable ASCII without spaces.
func headerSafe(s string) bool {
	for i := range len(s) {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func parseBaseURL(s string) (*url.URL, error) {
	// Messages show the URL redacted: a query or user info may hold a
	// credential.
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL is the unredacted one
		}
		return nil, fmt.Errorf("invalid base URL %q: %v", safetext.RedactURL(s), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("invalid base URL %q: need an absolute http or https URL", safetext.RedactURL(s))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("invalid base URL %q: user info, query and fragment are not allowed", safetext.RedactURL(s))
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// Stats returns a copy of the client's counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Requests = make(map[string]int, len(c.stats.Requests))
	maps.Copy(s.Requests, c.stats.Requests)
	return s
}

func (c *Client) count(f func(*Stats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.stats)
}

// request is one call: its HTTP request and the JSON body each attempt
// sends afresh (nil: none).
type request struct {
	*http.Request
	body []byte
}

// newRequest builds a request for path (below the base URL) with body
// encoded as JSON; body nil sends none.
func (c *Client) newRequest(ctx context.Context, method, path string, body any) (*request, error) {
	var b []byte
	var r io.Reader = http.NoBody
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		r = bytes.NewReader(b)
	}
	u := *c.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header = c.header.Clone()
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return &request{Request: req, body: b}, nil
}

// verdict is what the retry loop does after an attempt.
type verdict int

const (
	done      verdict = iota // success, or a failure that a retry would not fix
	retry                    // retry after a backoff
	throttled                // 429: every goroutine pauses, then retry
)

// do sends req, retrying as docs/cli.md (--max-retries) and docs/api-budget.md say, and decodes the envelope's
// result into v. Errors are *APIError, network or context
// errors naming the method and path, or ambiguous creates; none holds a
// credential.
func (c *Client) do(req *request, v any) error {
	ctx := req.Context()
	path := strings.TrimPrefix(req.URL.Path, c.base.Path)
	for attempt := 1; ; attempt++ {
		seq, err := c.await(ctx, req.Method, path)
		if err != nil {
			var te *ThrottledError
			if errors.As(err, &te) {
				return c.redact(err)
			}
			return c.redact(fmt.Errorf("%s %s: %w", req.Method, path, err))
		}
		next, wait, err := c.attempt(req, path, attempt, seq, v)
		if next == done {
			return c.redact(err)
		}
		if next == throttled && wait > c.timeout {
			// Waiting would outlast the timeout: say so now rather than
			// retry into the same block.
			return c.redact(&ThrottledError{Method: req.Method, Path: path, Wait: wait, Until: c.clock.Now().Add(wait), Timeout: c.timeout, Err: err})
		}
		if attempt > c.maxRetries {
			return c.redact(fmt.Errorf("%w (gave up after %d attempts)", err, attempt))
		}
		if wait < 0 {
			wait = c.backoff(attempt)
		}
		c.debug(ctx, "cfapi retry", slog.String("method", req.Method), slog.String("path", path),
			slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.Bool("all_paused", next == throttled),
			slog.String("error", c.scrub(err.Error())))
		c.count(func(s *Stats) { s.Retries++ })
		if next == throttled {
			if wait > 0 {
				c.report(Wait{Reason: WaitRetryAfter, Duration: wait, Until: c.clock.Now().Add(wait),
					Detail: fmt.Sprintf("Cloudflare answered 429 Too Many Requests to %s %s and asks to wait (Retry-After)", req.Method, path)})
			}
			c.pauseAll(wait) // await, at the top of the loop, waits with everyone else
		} else if err := c.sleep(ctx, wait); err != nil {
			return c.redact(fmt.Errorf("%s %s: %w", req.Method, path, err))
		}
	}
}

// attempt sends req once; seq is its place in the budget (0: none). wait
// is the server's Retry-After, or -1.
func (c *Client) attempt(req *request, path string, n int, seq int64, v any) (next verdict, wait time.Duration, err error) {
	defer c.window.finish(seq)
	ctx, cancel := context.WithTimeout(req.Context(), c.timeout)
	defer cancel()
	var sent atomic.Bool // the whole request reached the connection
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				sent.Store(true)
			}
		},
	})
	r := req.Clone(ctx)
	r.Body = http.NoBody
	if len(req.body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(req.body))
	}
	c.count(func(s *Stats) { s.Requests[req.Method]++ })
	c.debug(ctx, "cfapi request", slog.String("method", req.Method), slog.String("path", path),
		slog.Int("attempt", n), c.headerAttrs(r.Header), slog.String("body", c.logBody(req.body)))
	start := c.clock.Now()

	resp, err := c.http.Do(r)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1)) // +1: decode tells "too large" from "cut"
		resp.Body.Close()
	}
	if err != nil {
		if cerr := context.Cause(req.Context()); cerr != nil {
			return done, 0, fmt.Errorf("%s %s: %w", req.Method, path, cerr)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL adds nothing to the path
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no complete answer within %s: %w", c.timeout, err)
		}
		err = fmt.Errorf("%s %s: %w", req.Method, path, err)
		c.debug(ctx, "cfapi error", slog.String("method", req.Method), slog.String("path", path),
			slog.Int("attempt", n), slog.Duration("duration", c.clock.Now().Sub(start)), slog.String("error", c.scrub(err.Error())))
		if !resendSafe(req.Request) && sent.Load() {
			return done, 0, &ambiguousError{err}
		}
		return retry, -1, err
	}

	c.window.observe(seq, resp.StatusCode, resp.Header, c.clock.Now())
	e := &APIError{Method: req.Method, Path: path, Status: resp.StatusCode, RayID: resp.Header.Get("Cf-Ray")}
	derr := decode(e, body, v, c.scrubber)
	c.scrubAPIError(e)
	c.debug(ctx, "cfapi response", slog.String("method", req.Method), slog.String("path", path),
		slog.Int("attempt", n), slog.Int("status", resp.StatusCode), slog.Duration("duration", c.clock.Now().Sub(start)),
		c.headerAttrs(resp.Header), slog.String("body", c.logBody(body)))
	switch {
	case derr == nil:
		return done, 0, nil
	case e.Status == http.StatusTooManyRequests:
		c.count(func(s *Stats) { s.Throttled++ })
		wait, ok := retryAfter(resp.Header.Get("Retry-After"), c.clock.Now())
		if !ok {
			wait = -1
		}
		return throttled, wait, e
	case !retrySafe(req.Request) && (e.Status >= 500 || e.Status < 300):
		return done, 0, &ambiguousError{e}
	case e.Status >= 500:
		return retry, -1, e
	}
	return done, 0, e
}

// retrySafe reports whether req may be sent twice. Every call may, except
// POST create: GET and PUT are idempotent, and revoking twice revokes once.
func retrySafe(req *http.Request) bool {
	return req.Method != http.MethodPost || strings.HasSuffix(req.URL.Path, "/revoke_user")
}

// resendSafe reports whether req may be sent again after it reached the
// server and its answer was lost: GET, and revoke_user. A PUT is not: it
// may have been applied, and sending it again could write over a change
// made in between, so it is ErrAmbiguous and the caller reads first.
func resendSafe(req *http.Request) bool {
	return req.Method == http.MethodGet || strings.HasSuffix(req.URL.Path, "/revoke_user")
}

// await waits for the rate limiter, then for the end of any pause that a
// 429 started (it may be extended while waiting), then for the budget,
// and returns the request's place in the budget.
func (c *Client) await(ctx context.Context, method, path string) (int64, error) {
	if c.limiter != nil {
		now := c.clock.Now()
		r := c.limiter.ReserveN(now, 1)
		if err := c.sleep(ctx, r.DelayFrom(now)); err != nil {
			r.CancelAt(c.clock.Now())
			return 0, err
		}
	}
	for {
		c.mu.Lock()
		d := c.notBefore.Sub(c.clock.Now())
		c.mu.Unlock()
		if d > 0 {
			if err := c.sleep(ctx, d); err != nil {
				return 0, err
			}
			continue
		}
		seq, w, gate := c.window.reserve(c.clock.Now())
		if gate != nil {
			// Nothing yet says how many requests the server has left:
			// wait for the answer to the one request out.
			select {
			case <-gate:
			case <-ctx.Done():
				return 0, context.Cause(ctx)
			}
			continue
		}
		if w.Duration <= 0 {
			return seq, nil
		}
		// Cloudflare's window is 5 minutes: a header asking for a longer
		// wait than that and the timeout is not sat out.
		if limit := max(c.timeout, CloudflareWindow); w.Reason == WaitRemaining && w.Duration > limit {
			return 0, &ThrottledError{Method: method, Path: path, Wait: w.Duration, Until: w.Until, Timeout: limit}
		}
		c.count(func(s *Stats) { s.BudgetWaits++ })
		c.report(w)
		if err := c.sleep(ctx, w.Duration); err != nil {
			return 0, err
		}
	}
}

// report passes w to Options.OnWait and the debug log.
func (c *Client) report(w Wait) {
	c.debug(context.Background(), "cfapi wait", slog.String("reason", string(w.Reason)),
		slog.Duration("wait", w.Duration), slog.String("detail", w.Detail))
	if c.onWait != nil {
		c.onWait(w)
	}
}

// pauseAll keeps every goroutine from starting an attempt for d.
func (c *Client) pauseAll(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.clock.Now().Add(d); t.After(c.notBefore) {
		c.notBefore = t
	}
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	c.count(func(s *Stats) { s.Waits++; s.WaitTime += d })
	return c.clock.Sleep(ctx, d)
}

// backoff is the wait after failed attempt n (1-based): 1s, 2s, 4s, …
// capped at 30s, less up to 25% jitter.
func (c *Client) backoff(n int) time.Duration {
	d := backoffMax
	if n <= 5 {
		d = min(backoffBase<<(n-1), backoffMax)
	}
	return d - time.Duration(float64(d)/4*c.rand())
}

// retryAfter parses a Retry-After value, seconds or an HTTP date. It is not
// capped: a block lasts what Cloudflare says, and do refuses to wait
// longer than the timeout.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v) // "" parses as neither: absent
	var d time.Duration
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(n) || n < 0 {
			return 0, false
		}
		d = time.Duration(min(n, maxHeaderWindow.Seconds()) * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	return min(max(d, 0), maxHeaderWindow), true
}

// redact hides credentials in err's message.
func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	if msg := c.scrub(err.Error()); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

// scrub replaces every credential in s, raw, JSON-escaped or URL-encoded.
func (c *Client) scrub(s string) string { return c.scrubber.Scrub(s) }

func (c *Client) scrubAPIError(e *APIError) {
	e.Detail, e.Body = c.scrub(e.Detail), c.scrub(e.Body)
	var fix func([]ErrorDetail)
	fix = func(ds []ErrorDetail) {
		for i := range ds {
			ds[i].Message = c.scrub(ds[i].Message)
			fix(ds[i].Chain)
		}
	}
	fix(e.Errors)
}

func (c *Client) debug(ctx context.Context, msg string, attrs ...slog.Attr) {
	if c.log != nil {
		c.log.LogAttrs(ctx, slog.LevelDebug, msg, attrs...)
	}
}

// headerAttrs returns h as a log group, credentials and cookies redacted.
func (c *Client) headerAttrs(h http.Header) slog.Attr {
	var attrs []any
	for _, k := range slices.Sorted(maps.Keys(h)) {
		v := strings.Join(h[k], ", ")
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "X-Auth-Key", "X-Auth-Email", "X-Auth-User-Service-Key", "Cookie", "Set-Cookie":
			v = "[REDACTED]"
		}
		attrs = append(attrs, slog.String(k, c.scrub(v)))
	}
	return slog.Group("headers", attrs...)
}

// logBody is b for the debug log: scrubbed first, then cut, so that a cut
// never leaves a credential's first characters.
func (c *Client) logBody(b []byte) string {
	s := c.scrub(strings.ToValidUTF8(string(b[:min(len(b), 2*maxLogBody)]), "\uFFFD"))
	if len(b) > 2*maxLogBody {
		s += "…"
	}
	return safetext.Cut(s, maxLogBody)
}

// whitespaceHint says what usually makes a credential unusable in a
// header: a newline or space pasted with it. It never quotes the secret.
func whitespaceHint(secret string) string {
	if strings.TrimSpace(secret) != secret {
		return " (it starts or ends with white space, often a newline pasted with it: trim it)"
	}
	return ""
}
