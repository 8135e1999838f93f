package cfapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/ztsync/ztsync/safetext"
	"github.com/ztsync/ztsync/schema"
)

// ErrNotFound is the "organization does not exist" sentinel. An *APIError
// matches it (errors.Is) for access.api.error.not_found and
// access.api.error.not_enabled answers; a bare 404 does not (see
// APIError.Is).
var ErrNotFound = schema.ErrNotFound

// ErrAmbiguous marks a write (POST create, PUT) that failed after the
// request may have reached the server: a timeout or dropped connection
// after sending, a 5xx answer, or a success status with an unreadable body.
// The client does not retry it; the caller should GET the resource before
// writing again.
var ErrAmbiguous = errors.New("the request may have reached the server")

// APIError is a failed call: an HTTP status outside 2xx, an envelope with
// success false, or a response that could not be decoded.
type APIError struct {
	Method string // HTTP method
	Path   string // API path below the base URL, e.g. "/accounts/ID/access/organizations"
	Status int    // HTTP status code
	// Errors are the envelope's errors, in order; empty when the body was not
	// a Cloudflare envelope or carried none.
	Errors []ErrorDetail
	RayID  string // the Cf-Ray response header, for Cloudflare support
	// Detail says what the client found wrong when the server gave no error
	// of its own (a malformed body, success false without errors, no result).
	Detail string
	// Body is a short, cleaned excerpt of a body that was not a usable
	// envelope (an HTML error page, truncated JSON); empty otherwise.
	Body string
}

// ErrorDetail is one entry of the envelope's errors array.
type ErrorDetail struct {
	Code             int           // Cloudflare error code, 0 when missing
	Message          string        // e.g. "access.api.error.invalid_org_config"
	Chain            []ErrorDetail // error_chain: the causes, outermost first
	DocumentationURL string        // documentation_url, when given
	Pointer          string        // source.pointer: the offending request field, when given
}

// UnmarshalJSON decodes one error leniently: a code given as a string or
// not at all, and an error that is a bare string, are accepted.
func (d *ErrorDetail) UnmarshalJSON(b []byte) error {
	var w struct {
		Code             any           `json:"code"`
		Message          any           `json:"message"`
		Chain            []ErrorDetail `json:"error_chain"`
		DocumentationURL string        `json:"documentation_url"`
		Source           struct {
			Pointer string `json:"pointer"`
		} `json:"source"`
	}
	var msg string
	if json.Unmarshal(b, &msg) == nil { // a bare string
		*d = ErrorDetail{Message: msg}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	*d = ErrorDetail{Chain: w.Chain, DocumentationURL: w.DocumentationURL, Pointer: w.Source.Pointer}
	switch c := w.Code.(type) {
	case json.Number:
		if n, err := c.Int64(); err == nil {
			d.Code = int(n)
		}
	case string:
		if n, err := json.Number(c).Int64(); err == nil {
			d.Code = int(n)
		}
	}
	if w.Message != nil {
		d.Message = fmt.Sprint(w.Message)
	}
	return nil
}

// String formats the error as "message (code N): cause (code M)". The
// API's message is made one line of printable text (at most messageLen
// runes), so an answer cannot forge lines, terminal escapes or workflow
// commands in ztsync's output.
func (d ErrorDetail) String() string {
	var b strings.Builder
	b.WriteString(safetext.Cut(safetext.Line(d.Message), messageLen))
	if d.Code != 0 {
		fmt.Fprintf(&b, " (code %d)", d.Code)
	}
	if d.Pointer != "" {
		fmt.Fprintf(&b, " at %s", safetext.Cut(safetext.Line(d.Pointer), excerptLen))
	}
	for _, c := range d.Chain {
		b.WriteString(": ")
		b.WriteString(c.String())
	}
	return b.String()
}

// Error formats the error as
// "PUT /accounts/ID/access/organizations: 400 Bad Request: access.api.error.invalid_org_config (code 12062): invalid mfa authenticator type",
// listing every error, the client's detail and the body excerpt, then the
// ray id.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.Status)
	if t := http.StatusText(e.Status); t != "" {
		b.WriteString(" " + t)
	}
	sep := ": "
	for _, d := range e.Errors {
		b.WriteString(sep + d.String())
		sep = "; "
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": body %q", e.Body) // %q escapes what is not printable
	}
	if e.RayID != "" {
		fmt.Fprintf(&b, " (cf-ray %s)", e.RayID)
	}
	return b.String()
}

// Is reports whether the error means the organization does not exist:
// only the answers that say so, a 4xx whose error (or a cause in its
// chain) is Access's access.api.error.not_found or
// access.api.error.not_enabled ("Access is not enabled"). Any other
// failure, a 404 "No route for the URI" (code 7003) from a wrong base URL
// included, is a failed read and never "absent" (that would plan a
// create).
func (e *APIError) Is(target error) bool {
	if target != ErrNotFound || e.Status < 400 || e.Status > 499 {
		return false
	}
	return anyMessage(e.Errors, func(m string) bool {
		return strings.HasPrefix(m, "access.api.error.not_found") || strings.HasPrefix(m, "access.api.error.not_enabled")
	})
}

func anyMessage(ds []ErrorDetail, f func(string) bool) bool {
	for _, d := range ds {
		if f(d.Message) || anyMessage(d.Chain, f) {
			return true
		}
	}
	return false
}

// ambiguousError wraps the failure of a write that may have happened.
type ambiguousError struct{ err error }

func (e *ambiguousError) Error() string {
	return e.err.Error() + " (" + ErrAmbiguous.Error() + "; read it before writing again)"
}
func (e *ambiguousError) Unwrap() []error { return []error{ErrAmbiguous, e.err} }

// redactedError hides credentials that somehow reached an error message
// while keeping errors.Is and errors.As working.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// envelope is Cloudflare's response wrapper. Every field may be missing:
// revoke_user answers only {"result": true, "success": true}.
type envelope struct {
	Success *bool           `json:"success"`
	Errors  []ErrorDetail   `json:"errors"`
	Result  json.RawMessage `json:"result"`
}

// decode checks the response and decodes its result into v. It returns
// nil or an *APIError. Body excerpts are scrubbed with s before they are
// cut.
func decode(e *APIError, body []byte, v any, s *safetext.Scrubber) error {
	ok := 200 <= e.Status && e.Status <= 299
	if len(body) > maxBody {
		e.Detail = fmt.Sprintf("response body larger than %d MiB; not read", maxBody>>20)
		return e
	}
	var env envelope
	if err := strictDecode(body, &env); err != nil {
		e.Detail = "response is not a Cloudflare JSON envelope"
		if len(bytes.TrimSpace(body)) == 0 {
			e.Detail = "empty response body"
		} else if ok {
			e.Detail = "malformed JSON response: " + jsonProblem(err)
		}
		e.Body = excerpt(body, s)
		return e
	}
	if len(env.Errors) > 0 {
		e.Errors = env.Errors
	}
	if !ok || (env.Success != nil && !*env.Success) || (env.Success == nil && len(env.Errors) > 0) {
		if len(env.Errors) == 0 {
			e.Detail = "request failed without an error message"
			if ok {
				e.Detail = "success is false without an error message"
			}
		}
		return e
	}
	if _, ok := v.(*nullableObject); ok && string(env.Result) == "null" {
		return nil // DoH never set
	}
	if len(env.Result) == 0 || string(env.Result) == "null" {
		e.Detail = "response has no result"
		return e
	}
	if err := strictDecode(env.Result, v); err != nil {
		e.Detail = "unexpected result: " + jsonProblem(err)
		e.Body = excerpt(env.Result, s)
		return e
	}
	return nil
}

// jsonProblem describes a decoding error in the API's terms, without Go
// type names.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("field %q is a JSON %s, which does not fit", te.Field, te.Value)
		}
		return fmt.Sprintf("a JSON %s where an object was expected", te.Value)
	}
	return err.Error()
}

// strictDecode decodes exactly one JSON value with UseNumber.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// excerptLen is how much of an unusable body an error quotes, and
// messageLen how much of one error message from the API.
const (
	excerptLen = 200
	messageLen = 500
)

// excerpt returns the start of body as valid UTF-8 scrubbed with s, runs
// of white space made one space, and only then cut to excerptLen runes
// with "…". APIError.Error quotes it, escaping what is not printable.
func excerpt(body []byte, s *safetext.Scrubber) string {
	head := strings.ToValidUTF8(string(body[:min(len(body), 4*excerptLen*utf8.UTFMax)]), "\uFFFD")
	return safetext.Cut(strings.Join(strings.Fields(s.Scrub(head)), " "), excerptLen)
}
