package cfapi_test

// Tests that each catch a bug mutation testing found unguarded: every one
// names the mistake it stops.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ztsync/ztsync/cfapi"
)

// roundTrip is an http.RoundTripper made of a function.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A client without BaseURL talks to the production API, over HTTPS.
func TestDefaultBaseURL(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var urls []string
	hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		urls = append(urls, r.URL.String())
		mu.Unlock()
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(okOrg)), Request: r}, nil
	})}
	c, err := cfapi.New(cfapi.Options{Token: testToken, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOrganization(t.Context(), account); err != nil {
		t.Fatal(err)
	}
	want := "https://api.cloudflare.com/client/v4/accounts/" + account.ID + "/access/organizations"
	if cfapi.DefaultBaseURL != "https://api.cloudflare.com/client/v4" || len(urls) != 1 || urls[0] != want {
		t.Errorf("requests = %v, want one GET %s", urls, want)
	}
}

// Access's 404 not-found answer means "not found" and nothing else: it is
// not an ambiguous create, a deadline or a cancellation.
func TestNotFoundMatchesOnlyErrNotFound(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 404, `{"success":false,"errors":[{"code":12130,"message":"access.api.error.not_found"}],"messages":[],"result":null}`)
	})
	c, _ := newClient(t, srv.URL)
	for _, cl := range []call{getOrg, createOrg} {
		err := cl.do(t.Context(), c)
		var ae *cfapi.APIError
		if !errors.As(err, &ae) || ae.Status != 404 {
			t.Fatalf("%s: err = %v, want a 404 *APIError", cl.name, err)
		}
		if !errors.Is(err, cfapi.ErrNotFound) {
			t.Errorf("%s: a 404 does not match ErrNotFound", cl.name)
		}
		for _, other := range []error{cfapi.ErrAmbiguous, context.DeadlineExceeded, context.Canceled, io.EOF} {
			if errors.Is(err, other) {
				t.Errorf("%s: a 404 matches %v", cl.name, other)
			}
		}
	}
	if n := srv.requests(); n != 2 {
		t.Errorf("requests = %d, want 2 (a 404 is not retried; a refused create is not sent again)", n)
	}
}

// leakServer answers every call with the token echoed back in an envelope
// message, its error chain, a non-JSON body and a cookie.
func leakServer(t *testing.T, status int, bodyOf func(tok string) string) *server {
	return newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("Set-Cookie", "cf_session=cookie-SECRET-77; Path=/")
		reply(w, status, bodyOf(tok))
	})
}

// The errors a caller reads with errors.As carry no credential, in any
// field, not only in their Error text.
func TestAPIErrorFieldsScrubbed(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		body func(tok string) string
	}{
		{"envelope", func(tok string) string {
			return fmt.Sprintf(`{"success":false,"errors":[{"code":1,"message":"bad %s","error_chain":[{"message":"cause %s","error_chain":[{"message":"root %s"}]}]}]}`, tok, tok, tok)
		}},
		{"html page", func(tok string) string { return "<html>proxy saw " + tok + "</html>" }},
		{"truncated JSON", func(tok string) string { return `{"success":false,"errors":[{"message":"` + tok }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := leakServer(t, 400, tt.body)
			c, _ := newClient(t, srv.URL)
			_, err := c.GetOrganization(t.Context(), account)
			var ae *cfapi.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			fields := fmt.Sprintf("%#v", *ae)
			var walk func(ds []cfapi.ErrorDetail)
			walk = func(ds []cfapi.ErrorDetail) {
				for _, d := range ds {
					fields += "\n" + d.Message
					walk(d.Chain)
				}
			}
			walk(ae.Errors)
			if strings.Contains(fields, testToken) {
				t.Errorf("*APIError holds the token:\n%s", fields)
			}
			if !strings.Contains(fields+ae.Body, "[REDACTED]") {
				t.Errorf("*APIError lost the echoed text instead of redacting it:\n%s", fields)
			}
		})
	}
}

// --debug output is scrubbed on every path: retries, transport errors,
// large bodies and cookies.
func TestDebugLogScrubbed(t *testing.T) {
	t.Parallel()
	debugOf := func(t *testing.T, base string, hc *http.Client, f func(*cfapi.Client)) string {
		var logs bytes.Buffer
		c, _ := newClient(t, base, func(o *cfapi.Options) {
			o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			o.MaxRetries = 1
			o.HTTPClient = hc
		})
		f(c)
		return logs.String()
	}
	check := func(t *testing.T, out string, wants ...string) {
		t.Helper()
		for _, secret := range []string{testToken, "cookie-SECRET-77"} {
			if strings.Contains(out, secret) {
				t.Errorf("debug log holds %q:\n%s", secret, out)
			}
		}
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("debug log lacks %q:\n%s", w, out)
			}
		}
	}
	get := func(c *cfapi.Client) { _, _ = c.GetOrganization(context.Background(), account) }

	t.Run("retried 5xx", func(t *testing.T) {
		srv := leakServer(t, 503, func(tok string) string {
			return fmt.Sprintf(`{"success":false,"errors":[{"code":1,"message":"overloaded %s"}]}`, tok)
		})
		check(t, debugOf(t, srv.URL, nil, get), "cfapi retry", "[REDACTED]", "Set-Cookie=[REDACTED]")
	})
	t.Run("429 pauses every call", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Retry-After", "1")
			reply(w, 429, err429)
		})
		check(t, debugOf(t, srv.URL, nil, get), "cfapi retry", "all_paused=true")
	})
	t.Run("503 pauses only its call", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 503, err503) })
		check(t, debugOf(t, srv.URL, nil, get), "cfapi retry", "all_paused=false")
	})
	t.Run("large body", func(t *testing.T) {
		srv := leakServer(t, 200, func(tok string) string {
			return `{"success":true,"result":{"note":"` + tok + strings.Repeat("x", 40<<10) + `"}}`
		})
		check(t, debugOf(t, srv.URL, nil, get), "cfapi response", "[REDACTED]xxxx")
	})
	t.Run("transport error", func(t *testing.T) {
		hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			return nil, errors.New("proxy refused " + r.Header.Get("Authorization"))
		})}
		out := debugOf(t, "http://127.0.0.1:1", hc, get)
		check(t, out, "cfapi error", "cfapi retry", "proxy refused Bearer [REDACTED]")
	})
}

// A transport error caused by the caller's cancellation ends the call at
// once: no retry, no backoff, the cancellation returned.
func TestCancelledTransportNotRetried(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(t.Context())
	stop := errors.New("stopped")
	var calls int
	hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		calls++
		cancel(stop)
		return nil, errors.New("connection reset")
	})}
	c, clock := newClient(t, "http://127.0.0.1:1", func(o *cfapi.Options) { o.HTTPClient = hc })
	_, err := c.GetOrganization(ctx, account)
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want the cancellation cause", err)
	}
	if calls != 1 || c.Stats().Retries != 0 || len(clock.Slept()) != 0 {
		t.Errorf("calls = %d, retries = %d, sleeps = %v; want 1, 0, none", calls, c.Stats().Retries, clock.Slept())
	}
}

// The debug log shows a response body whole when it fits (16 KiB of
// text), and marks a cut with "…" only when it cut: a body of exactly
// the 32 KiB read for the log is whole; 40 KiB of three-byte characters
// are cut though the first 32 KiB hold fewer than 16 Ki characters.
func TestDebugLogBodyCut(t *testing.T) {
	t.Parallel()
	envelope := func(fill string) string { return `{"success":true,"result":{"name":"` + fill + `"}}` }
	exactly32K := envelope(strings.Repeat("€", 10900))
	exactly32K = envelope(strings.Repeat("x", 32<<10-len(exactly32K)) + strings.Repeat("€", 10900))
	for _, tt := range []struct {
		name, body string
		cut        bool
	}{
		{"small", okOrg, false},
		{"10 KiB", envelope(strings.Repeat("x", 10<<10)), false},
		{"exactly 32 KiB, 11 Ki characters", exactly32K, false},
		{"40 KiB, 14 Ki characters", envelope(strings.Repeat("€", 40<<10/3)), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, tt.body) })
			var logs bytes.Buffer
			c, _ := newClient(t, srv.URL, func(o *cfapi.Options) {
				o.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			if _, err := c.GetOrganization(t.Context(), account); err != nil {
				t.Fatal(err)
			}
			var logged string
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var rec struct{ Msg, Body string }
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if rec.Msg == "cfapi response" {
					logged = rec.Body
				}
			}
			switch {
			case !tt.cut && logged != tt.body:
				t.Errorf("logged body (%d bytes) is not the whole body (%d bytes); ends %q", len(logged), len(tt.body), logged[max(0, len(logged)-20):])
			case tt.cut && (!strings.HasSuffix(logged, "…") || !strings.HasPrefix(tt.body, strings.TrimRight(strings.TrimSuffix(logged, "…"), "\uFFFD"))):
				t.Errorf("logged body (%d bytes) is not a start of the body marked with …; ends %q", len(logged), logged[max(0, len(logged)-20):])
			}
		})
	}
}
