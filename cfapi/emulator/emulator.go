package emulator

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ztsync/ztsync/schema"
)

// PathPrefix is the path every route lives under, as on api.cloudflare.com.
const PathPrefix = "/client/v4"

// Error codes the emulator answers with. Cloudflare documents none of the
// Access ones; see the package doc and docs/api-fields.md for where each
// comes from.
const (
	// CodeRateLimited is Cloudflare's code for a 429.
	CodeRateLimited = 971
	// CodeNoRoute is "No route for the URI" (404) and the invalid object
	// identifier answer (400).
	CodeNoRoute = 7003
	// CodeAuthentication is "Authentication error" (403).
	CodeAuthentication = 10000
	// CodeInvalidRequest is a 400 for an invalid body or field (invented).
	CodeInvalidRequest = 12000
	// CodeNotFound is "access.api.error.not_found" (404), as third-party
	// fakes use it.
	CodeNotFound = 12130
	// CodeConflict is "access.api.error.conflict" (409) on a second create
	// (invented).
	CodeConflict = 12131
	// CodeInternal is "access.api.error.internal_server_error", used by the
	// ServerError and SuccessFalse faults (invented).
	CodeInternal = 12500
)

// Messages of the Access error namespace the emulator uses.
const (
	MessageNotFound       = "access.api.error.not_found"
	MessageConflict       = "access.api.error.conflict"
	MessageInvalidRequest = "access.api.error.invalid_request"
	MessageInternal       = "access.api.error.internal_server_error"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// Options configure an Emulator.
type Options struct {
	// Token is the API token (or API key) requests must carry. Empty
	// accepts any credentials, but some auth header is still required.
	Token string
	// Logger, when set, gets one line per request: method, path, status
	// and the injected fault. Credentials are never logged.
	Logger *slog.Logger
	// Clock gives the time for created_at/updated_at, revocations and
	// recorded requests; nil means time.Now.
	Clock func() time.Time
	// Limit is the request budget enforced per user (budget.go): past it
	// every request of the user answers 429 with Retry-After for one
	// Window. The zero Limit enforces none. Answers within it carry the
	// Ratelimit and Ratelimit-Policy headers.
	Limit Limit
	// Latency delays every request (see SetLatency).
	Latency time.Duration
	// Unread lists organization fields the emulator stores but leaves out
	// of every answer, as a recorded real GET leaves out
	// ui_read_only_toggle_reason (docs/api-fields.md: "may not be read
	// back"). Empty returns every stored field.
	Unread []string
	// OnChange, when set, is called after each request that changed the
	// state, before its answer is written and outside the emulator's lock
	// (`ztsync emulator --state` saves the file there). It may be called
	// from several goroutines at once.
	OnChange func()
}

// Request is one request the emulator received, as recorded.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path, PathPrefix included.
	Path string
	// Query is the parsed query string.
	Query url.Values
	// Body is the decoded JSON body when it was a JSON object, else nil.
	Body schema.Object
	// Status is the status the emulator answered; 0 when the connection was
	// dropped without an answer (Drop) or the client went away during the
	// injected latency. With DropAfterApply it is the status of the write
	// that was applied but never delivered.
	Status int
	// Fault is the fault injected into this request, 0 if none.
	Fault FaultKind
	// Time is when the request arrived, by Options.Clock.
	Time time.Time
}

// Emulator is the in-memory Cloudflare API. Use New; the zero value is not
// usable. It is safe for concurrent use.
type Emulator struct {
	token    string
	logger   *slog.Logger
	clock    func() time.Time
	onChange func()
	unread   []string // Options.Unread
	mux      *http.ServeMux
	// patterns are the routes served, as registered ("GET /client/v4/...").
	patterns []string
	// quit is closed by Server.Close to end injected latency early.
	quit     chan struct{}
	quitOnce sync.Once
	// sleeping counts requests waiting out the latency (for tests).
	sleeping atomic.Int32

	// saveMu serialises SaveFile so that the last file written is the
	// newest state even when saves race.
	saveMu sync.Mutex

	mu       sync.Mutex
	state    state
	requests []Request
	faults   []*pendingFault
	latency  time.Duration
	seq      uint64
	limit    Limit
	users    map[string]*userWindow
}

// New returns an Emulator with empty state.
func New(opts Options) *Emulator {
	e := &Emulator{
		token:    opts.Token,
		logger:   opts.Logger,
		clock:    opts.Clock,
		onChange: opts.OnChange,
		unread:   opts.Unread,
		state:    newState(),
		quit:     make(chan struct{}),
		latency:  opts.Latency,
		limit:    opts.Limit,
		users:    map[string]*userWindow{},
	}
	if e.logger == nil {
		e.logger = slog.New(slog.DiscardHandler)
	}
	if e.clock == nil {
		e.clock = time.Now
	}
	e.mux = http.NewServeMux()
	e.routes()
	return e
}

// routes registers every endpoint of docs/emulator.md.
func (e *Emulator) routes() {
	const org = "/access/organizations"
	for _, k := range []schema.Kind{schema.KindAccount, schema.KindZone} {
		base := PathPrefix + "/accounts/{id}"
		if k == schema.KindZone {
			base = PathPrefix + "/zones/{id}"
		}
		e.handle("GET "+base+org, k, e.getOrganization)
		e.handle("POST "+base+org, k, e.createOrganization)
		e.handle("PUT "+base+org, k, e.updateOrganization)
		e.handle("POST "+base+org+"/revoke_user", k, e.revokeUser)
	}
	e.handle("GET "+PathPrefix+"/accounts/{id}"+org+"/doh", schema.KindAccount, e.getDoH)
	e.handle("PUT "+PathPrefix+"/accounts/{id}"+org+"/doh", schema.KindAccount, e.updateDoH)
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.(*capture).answer(noRoute())
	})
}

// call is one routed request as the endpoint handlers see it.
type call struct {
	kind schema.Kind
	id   string
	r    *http.Request
	body []byte
}

// handlerFunc is an endpoint: it returns the answer, which says whether
// the state changed.
type handlerFunc func(c call) response

// handle registers pattern; the handler runs after the id and auth checks.
func (e *Emulator) handle(pattern string, kind schema.Kind, h handlerFunc) {
	e.patterns = append(e.patterns, pattern)
	e.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := w.(*capture)
		id := r.PathValue("id")
		if !schema.IsID(id) {
			c.answer(failure(http.StatusBadRequest, apiError{Code: CodeNoRoute,
				Message: fmt.Sprintf("Could not route to %s, perhaps your object identifier is invalid?", r.URL.Path)}))
			return
		}
		if !e.authorized(r) {
			c.answer(failure(http.StatusForbidden, apiError{Code: CodeAuthentication, Message: "Authentication error"}))
			return
		}
		c.answer(h(call{kind: kind, id: id, r: r, body: c.body}))
	})
}

// authorized checks the credentials of r.
func (e *Emulator) authorized(r *http.Request) bool {
	var secret string
	if auth := r.Header.Get("Authorization"); auth != "" {
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			return false
		}
		secret = strings.TrimSpace(tok)
	} else if r.Header.Get("X-Auth-Email") != "" {
		secret = r.Header.Get("X-Auth-Key")
	}
	if secret == "" {
		return false
	}
	if e.token == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(secret), []byte(e.token)) == 1
}

// response is an endpoint's answer before it is written.
type response struct {
	status int
	// body is marshalled as JSON.
	body any
	// changed reports that the request changed the state.
	changed bool
	// header holds extra headers (Retry-After of a 429).
	header http.Header
	// warning, when set, makes the log line a warning with this text.
	warning string
}

// apiError is one entry of the envelope's errors.
type apiError struct {
	Code       int          `json:"code"`
	Message    string       `json:"message"`
	ErrorChain []chainEntry `json:"error_chain,omitempty"`
	Source     *source      `json:"source,omitempty"`
}

type chainEntry struct {
	Code    int    `json:"code,omitempty"`
	Message string `json:"message"`
}

type source struct {
	Pointer string `json:"pointer"`
}

// envelope is Cloudflare's response envelope.
type envelope struct {
	Success  bool       `json:"success"`
	Errors   []apiError `json:"errors"`
	Messages []any      `json:"messages"`
	Result   any        `json:"result"`
}

func success(status int, result any) response {
	return response{status: status, body: envelope{Success: true, Errors: []apiError{}, Messages: []any{}, Result: result}}
}

func failure(status int, errs ...apiError) response {
	return response{status: status, body: envelope{Success: false, Errors: errs, Messages: []any{}, Result: nil}}
}

func notFound() response {
	return failure(http.StatusNotFound, apiError{Code: CodeNotFound, Message: MessageNotFound})
}

// invalid is a 400 naming field (may be "" for the whole body).
func invalid(field, format string, args ...any) response {
	return failure(http.StatusBadRequest, invalidEntry(field, fmt.Sprintf(format, args...)))
}

func invalidEntry(field, problem string) apiError {
	msg := MessageInvalidRequest + ": "
	if field != "" {
		msg += field + ": "
	}
	e := apiError{Code: CodeInvalidRequest, Message: msg + problem}
	if field != "" {
		e.Source = &source{Pointer: "/" + strings.ReplaceAll(field, ".", "/")}
	}
	return e
}

// capture is the ResponseWriter the mux handlers get: they leave their
// answer in resp. What the mux writes itself (a redirect for an unclean
// path) is discarded; route answers 7003 then.
type capture struct {
	header http.Header
	body   []byte
	resp   *response
}

func (c *capture) Header() http.Header         { return c.header }
func (c *capture) Write(p []byte) (int, error) { return len(p), nil }
func (c *capture) WriteHeader(int)             {}

// answer leaves the endpoint's answer.
func (c *capture) answer(r response) { c.resp = &r }

// ServeHTTP serves one request: latency, then the budget, then any
// injected fault, then the routed endpoint.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Time: e.clock()}
	var body []byte
	var readErr error
	if r.Body != nil {
		body, readErr = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	}
	rec.Body = decodeObject(body)

	e.mu.Lock()
	latency := e.latency
	e.mu.Unlock()
	if latency > 0 && !e.sleep(r.Context(), latency) {
		// The client gave up or the server is closing: no answer.
		e.finish(rec, nil)
		drop(w)
		return
	}

	hdr, blocked := e.admit(r, rec.Time)
	if blocked != nil {
		rec.Status = blocked.status
		e.finish(rec, blocked)
		e.write(w, *blocked, nil)
		return
	}
	maps.Copy(w.Header(), hdr)

	fault := e.takeFault(r)
	if fault != nil {
		rec.Fault = fault.Kind
		switch fault.Kind {
		case Drop:
			e.finish(rec, nil)
			drop(w)
			return
		case DropAfterApply:
			resp := e.route(r, body, readErr)
			rec.Status = resp.status
			e.finish(rec, &resp)
			drop(w)
			return
		default:
			resp, raw := fault.answer()
			rec.Status = resp.status
			e.finish(rec, &resp)
			e.write(w, resp, raw)
			return
		}
	}

	resp := e.route(r, body, readErr)
	rec.Status = resp.status
	e.finish(rec, &resp)
	e.write(w, resp, nil)
}

// route runs the mux and returns the endpoint's answer.
func (e *Emulator) route(r *http.Request, body []byte, readErr error) response {
	if readErr != nil {
		return invalid("", "cannot read the request body: %v", readErr)
	}
	if len(body) > maxBody {
		return invalid("", "the request body is larger than %d bytes", maxBody)
	}
	c := &capture{header: http.Header{}, body: body}
	e.mux.ServeHTTP(c, r)
	if c.resp != nil {
		return *c.resp
	}
	// The mux answered itself (a redirect to a clean path): treat it as
	// no route, which is what Cloudflare does with such paths.
	return noRoute()
}

// noRoute is the answer to a method and path the emulator does not serve.
// It is logged as a warning: usually a client bug worth seeing.
func noRoute() response {
	r := failure(http.StatusNotFound, apiError{Code: CodeNoRoute, Message: "No route for the URI"})
	// The envelope's messages (which Cloudflare leaves empty here) say
	// where the emulator's routes are documented.
	r.body = envelope{Success: false, Errors: []apiError{{Code: CodeNoRoute, Message: "No route for the URI"}},
		Messages: []any{apiError{Code: CodeNoRoute, Message: "ztsync emulator: no such route; the routes it serves are listed by `ztsync emulator --help` and in " + DocsPath}}}
	r.warning = "no such endpoint; the emulator serves only the routes `ztsync emulator --help` and " + DocsPath + " list, under " + PathPrefix
	return r
}

// finish records rec, logs it and, when the state changed, calls OnChange.
func (e *Emulator) finish(rec Request, resp *response) {
	e.mu.Lock()
	e.requests = append(e.requests, rec)
	e.mu.Unlock()
	attrs := []any{"method", rec.Method, "path", rec.Path, "status", rec.Status}
	if rec.Fault != 0 {
		attrs = append(attrs, "fault", rec.Fault.String())
	}
	if resp != nil && resp.warning != "" {
		e.logger.Warn("request", append(attrs, "problem", resp.warning)...)
	} else {
		e.logger.Info("request", attrs...)
	}
	if resp != nil && resp.changed && e.onChange != nil {
		e.onChange()
	}
}

// write sends resp, or raw as the body when raw is not nil.
func (e *Emulator) write(w http.ResponseWriter, resp response, raw []byte) {
	e.mu.Lock()
	e.seq++
	seq := e.seq
	e.mu.Unlock()
	if raw == nil {
		var err error
		raw, err = json.Marshal(resp.body)
		if err != nil {
			// Only values the emulator built itself are marshalled, so
			// this is a bug; answer like Cloudflare's own bugs do.
			resp.status = http.StatusInternalServerError
			raw = []byte(`{"success":false,"errors":[{"code":12500,"message":"access.api.error.internal_server_error"}],"messages":[],"result":null}`)
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Cf-Auditlog-Id", fmt.Sprintf("0190e4a2-%04x-7000-8000-%012x", (seq>>48)&0xffff, seq&0xffffffffffff))
	h.Set("Cf-Ray", fmt.Sprintf("%016x-EMU", seq))
	maps.Copy(h, resp.header)
	w.WriteHeader(resp.status)
	_, _ = w.Write(raw)
}

// decodeObject decodes body as one JSON object (numbers as json.Number);
// nil when it is anything else.
func decodeObject(body []byte) schema.Object {
	v, err := decodeJSON(body)
	if err != nil {
		return nil
	}
	obj, _ := v.(map[string]any)
	return obj
}

// decodeJSON decodes exactly one JSON value from body.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// sleep waits d, or until ctx is done or the emulator shuts down; it
// reports whether d elapsed.
func (e *Emulator) sleep(ctx context.Context, d time.Duration) bool {
	e.sleeping.Add(1)
	defer e.sleeping.Add(-1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-e.quit:
		return false
	}
}

// shutdown ends every injected latency wait, now and later.
func (e *Emulator) shutdown() { e.quitOnce.Do(func() { close(e.quit) }) }

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (HTTP/2, or a wrapping ResponseWriter): abort the
	// handler, which net/http turns into a reset stream or closed
	// connection without logging.
	panic(http.ErrAbortHandler)
}

// Requests returns a copy of every request recorded so far, in arrival
// order (strictly: in the order they finished).
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Request, len(e.requests))
	for i, r := range e.requests {
		r.Query = cloneValues(r.Query)
		if r.Body != nil {
			r.Body = cloneObject(r.Body)
		}
		out[i] = r
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests = nil
}

// Count returns how many recorded requests had method ("" for any) and a
// path ending in pathSuffix.
func (e *Emulator) Count(method, pathSuffix string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.requests {
		if (method == "" || strings.EqualFold(method, r.Method)) && strings.HasSuffix(r.Path, pathSuffix) {
			n++
		}
	}
	return n
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
