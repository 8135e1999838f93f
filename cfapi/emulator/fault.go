package emulator

import (
	"net/http"
	"strings"
	"time"
)

// FaultKind is what an injected fault does to a request.
type FaultKind int

const (
	// RateLimit answers 429 with code 971 and, when Fault.RetryAfter is
	// set, a Retry-After header carrying it verbatim.
	RateLimit FaultKind = iota + 1
	// ServerError answers Fault.Status (500 when unset) with a Cloudflare
	// error envelope.
	ServerError
	// Drop closes the connection without answering; nothing is applied.
	Drop
	// SuccessFalse answers 200 with success:false and one errors entry.
	SuccessFalse
	// Malformed answers 200 with a truncated JSON body.
	Malformed
	// DropAfterApply applies the request (a write changes the state) and
	// then closes the connection without answering: the ambiguous POST/PUT.
	DropAfterApply
)

// String names the kind.
func (k FaultKind) String() string {
	switch k {
	case RateLimit:
		return "rate_limit"
	case ServerError:
		return "server_error"
	case Drop:
		return "drop"
	case SuccessFalse:
		return "success_false"
	case Malformed:
		return "malformed"
	case DropAfterApply:
		return "drop_after_apply"
	}
	return "none"
}

// Fault is a fault to inject into the next Count requests that match.
type Fault struct {
	// Method matches the request method; "" matches any.
	Method string
	// PathContains matches requests whose URL path contains it; "" matches
	// any.
	PathContains string
	// Count is how many matching requests get the fault; 0 or less means 1.
	Count int
	// Kind is what happens to them.
	Kind FaultKind
	// Status is the HTTP status of a ServerError (default 500).
	Status int
	// RetryAfter is the Retry-After header of a RateLimit (seconds, or an
	// HTTP date); empty sends none.
	RetryAfter string
}

// pendingFault is a queued Fault with the number of uses left.
type pendingFault struct {
	Fault
	left int
}

// SetLatency makes every later request wait d before it is handled. The
// wait ends early when the request's context is done (the client gave up);
// such a request is recorded with status 0 and not handled. 0 turns the
// latency off.
func (e *Emulator) SetLatency(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latency = d
}

// InjectFault queues f. Faults apply in the order they were injected: a
// request gets the first queued fault that matches it, and uses up one of
// its Count. A fault of unknown Kind is ignored.
func (e *Emulator) InjectFault(f Fault) {
	if f.Kind < RateLimit || f.Kind > DropAfterApply {
		return
	}
	n := f.Count
	if n <= 0 {
		n = 1
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, &pendingFault{Fault: f, left: n})
}

// ClearFaults drops every queued fault.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = nil
}

// takeFault returns the fault for r, if any, and uses it up once.
func (e *Emulator) takeFault(r *http.Request) *Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, f := range e.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if !strings.Contains(r.URL.Path, f.PathContains) {
			continue
		}
		f.left--
		if f.left <= 0 {
			e.faults = append(e.faults[:i:i], e.faults[i+1:]...)
		}
		out := f.Fault
		return &out
	}
	return nil
}

// answer is the canned response of a fault that answers (not the drops);
// raw, when not nil, is sent as the body instead of resp.body.
func (f *Fault) answer() (resp response, raw []byte) {
	switch f.Kind {
	case RateLimit:
		resp = failure(http.StatusTooManyRequests, apiError{Code: CodeRateLimited,
			Message: "Please wait and consider throttling your request speed"})
		if f.RetryAfter != "" {
			resp.header = http.Header{"Retry-After": {f.RetryAfter}}
		}
	case ServerError:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		resp = failure(status, apiError{Code: CodeInternal, Message: MessageInternal})
	case SuccessFalse:
		resp = failure(http.StatusOK, apiError{Code: CodeInternal, Message: MessageInternal,
			ErrorChain: []chainEntry{{Message: "injected fault: success false on HTTP 200"}}})
	case Malformed:
		resp = response{status: http.StatusOK}
		raw = []byte(`{"success": true, "errors": [], "messages": [], "result": {"name": "trunc`)
	}
	return resp, raw
}
