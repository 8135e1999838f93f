package cfapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ztsync/ztsync/schema"
)

// fuzzToken is the credential the fuzzed client sends; it must never show
// in an error, whatever the server answers.
const fuzzToken = "tok-FUZZ-SECRET-5c2e9b"

// fuzzSeeds are response bodies seen from Cloudflare or close to them.
var fuzzSeeds = []struct {
	status int
	body   string
}{
	{200, `{"success":true,"errors":[],"messages":[],"result":{"name":"Acme","auth_domain":"acme.cloudflareaccess.com","session_duration":"24h","login_design":{}}}`},
	{200, `{"result":true,"success":true}`},
	{201, `{"success":true,"errors":[],"messages":[],"result":{"id":"3e1b6a1c-5d4e-4a34-9a2c-0c9c8f0e1d2b","doh_jwt_duration":"800h"}}`},
	{404, `{"success":false,"errors":[{"code":12130,"message":"access.api.error.not_found"}],"messages":[],"result":null}`},
	{400, `{"success":false,"result":null,"messages":[],"errors":[{"code":12062,"message":"access.api.error.invalid_org_config","error_chain":[{"message":"invalid mfa authenticator type"}]}]}`},
	{403, `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}`},
	{429, `{"success":false,"errors":[{"code":"971","message":"Please wait and consider throttling your request speed"}]}`},
	{500, `<html><body><h1>500 Internal Server Error</h1></body></html>`},
	{502, ``},
	{200, `{"success":true,"result":null}`},
	{200, `{"success":false,"errors":[]}`},
	{200, `{"success":true,"result":{"a":1e999}} trailing`},
	{200, `{"success":true,"result":[1,2,3]}`},
	{200, `{"errors":["plain string error", {"code": 1.5, "message": 7}], "result": {}}`},
	{200, `{"success":"yes","result":{"name":"x"}}`},
	{200, "{\"success\":true,\"result\":{\"name\":\"\xff\xfe\"}}"},
	{401, `{"success":false,"errors":[{"code":10000,"message":"bad token ` + fuzzToken + `"}]}`},
	{200, `{"success":true,"result":{"name":"` + strings.Repeat("[", 300) + `"}}`},
	{200, strings.Repeat("[", 20000)},
}

// FuzzDecode feeds arbitrary bodies and status codes to the envelope
// decoder, decoding the result into each kind of value the client uses. It
// must never panic; it returns either nil with a decoded result (only for a
// 2xx status) or an *APIError with a printable message.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		ok2xx := 200 <= status && status <= 299

		var obj schema.Object
		checkDecoded(t, "object", status, decode(&APIError{Method: http.MethodGet, Path: "/p", Status: status}, body, &obj, nil), ok2xx)
		if err := decode(&APIError{Status: status}, body, &obj, nil); err == nil && obj == nil {
			t.Fatalf("status %d: no error and no object for %q", status, body)
		}

		var yes confirmed
		err := decode(&APIError{Method: http.MethodPost, Path: "/p", Status: status}, body, &yes, nil)
		checkDecoded(t, "confirmed", status, err, ok2xx)
		if err == nil && !yes {
			t.Fatalf("status %d: revocation accepted but not confirmed for %q", status, body)
		}
	})
}

func checkDecoded(t *testing.T, what string, status int, err error, ok2xx bool) {
	t.Helper()
	if err == nil {
		if !ok2xx {
			t.Fatalf("%s: status %d accepted", what, status)
		}
		return
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: error is %T, not *APIError: %v", what, err, err)
	}
	msg := err.Error()
	if msg == "" {
		t.Fatalf("%s: empty error message", what)
	}
	if ae.Body != "" && !utf8.ValidString(ae.Body) {
		t.Fatalf("%s: body excerpt is not valid UTF-8: %q", what, ae.Body)
	}
	if n := utf8.RuneCountInString(ae.Body); n > excerptLen+1 {
		t.Fatalf("%s: body excerpt has %d runes, over %d", what, n, excerptLen+1)
	}
	_ = errors.Is(err, ErrNotFound) // must not panic
}

// FuzzClientResponse serves the fuzzed status, Retry-After and body over
// real HTTP and reads, updates and revokes through the client. Each call
// must return exactly one of a result and an error; no error may carry the
// credential (the server is free to echo it); nothing may panic.
func FuzzClientResponse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.status, "", []byte(s.body))
	}
	f.Add(429, "3", []byte(fuzzSeeds[6].body))
	f.Add(429, "Wed, 21 Oct 2015 07:28:00 GMT", []byte(fuzzSeeds[6].body))
	f.Add(503, "-1", []byte(""))
	f.Add(429, "99999999999999999999", []byte("{}"))

	type answer struct {
		status     int
		retryAfter string
		body       []byte
	}
	next := make(chan answer, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := <-next
		next <- a // every attempt of the call gets the same answer
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	f.Cleanup(srv.Close)
	c, err := New(Options{BaseURL: srv.URL + "/client/v4", Token: fuzzToken, MaxRetries: 0, Timeout: 10 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	scope := schema.Scope{Kind: schema.KindAccount, Name: "prod", ID: "0123456789abcdef0123456789abcdef"}
	zone := schema.Scope{Kind: schema.KindZone, Name: "shop", ID: "fedcba9876543210fedcba9876543210"}

	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		// net/http only writes 2xx..5xx final statuses with a body here;
		// map any int onto 200..599.
		status = 200 + int(uint(status)%400)
		if !validHeaderValue(retryAfter) {
			retryAfter = ""
		}
		select {
		case <-next:
		default:
		}
		next <- answer{status, retryAfter, body}
		ctx := context.Background()

		got, err := c.GetOrganization(ctx, scope)
		checkCall(t, "GET", got != nil, err)
		got, err = c.UpdateOrganization(ctx, zone, schema.Object{"name": "x"})
		checkCall(t, "PUT", got != nil, err)
		got, err = c.CreateOrganization(ctx, scope, schema.Object{"name": "x", "auth_domain": "x.example.com"})
		checkCall(t, "POST", got != nil, err)
		if err != nil && (status >= 500 || status < 300) && !errors.Is(err, ErrAmbiguous) {
			t.Fatalf("POST answered %d failed without being ambiguous: %v", status, err)
		}
		err = c.RevokeUser(ctx, scope, schema.Object{"email": "a@example.com"})
		checkCall(t, "revoke", err == nil, err)
	})
}

func checkCall(t *testing.T, what string, ok bool, err error) {
	t.Helper()
	if ok == (err != nil) {
		t.Fatalf("%s: result %v with error %v: want exactly one", what, ok, err)
	}
	if err == nil {
		return
	}
	msg := err.Error()
	if msg == "" {
		t.Fatalf("%s: empty error", what)
	}
	if strings.Contains(msg, fuzzToken) {
		t.Fatalf("%s: error shows the token: %s", what, msg)
	}
	if b, jerr := json.Marshal(err); jerr == nil && strings.Contains(string(b), fuzzToken) {
		t.Fatalf("%s: error's JSON form shows the token: %s", what, b)
	}
}

// validHeaderValue reports whether net/http will send v as a header value.
func validHeaderValue(v string) bool {
	for i := range len(v) {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
