package cfapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/schema"
)

// TestNoSecretsAnywhere runs successes and every kind of failure against a
// server that echoes the credentials back, and greps every log line, error
// and Stats dump for them.
func TestNoSecretsAnywhere(t *testing.T) {
	// echo answers with the credential headers in the error message and
	// the body, the worst a server (or a proxy) could do.
	echo := func(r *http.Request) string {
		return r.Header.Get("Authorization") + " " + r.Header.Get("X-Auth-Key")
	}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.Method == "PUT":
			reply(w, 400, fmt.Sprintf(`{"success":false,"errors":[{"code":1000,"message":"bad header %s","error_chain":[{"message":%q}]}]}`, echo(r), echo(r)))
		case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/revoke_user"):
			if n%2 == 1 {
				w.Header().Set("Retry-After", "1")
				reply(w, 429, err429)
				return
			}
			reply(w, 200, okRevoke)
		case r.Method == "POST":
			reply(w, 502, "<html>upstream said: "+echo(r)+"</html>")
		case strings.HasSuffix(r.URL.Path, "/doh"):
			drop(t, w)
		default:
			reply(w, 200, fmt.Sprintf(`{"success":true,"result":{"name":"Acme","note":%q}}`, echo(r)))
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()

	creds := []func(*cfapi.Options){
		func(o *cfapi.Options) {},
		func(o *cfapi.Options) { o.Token, o.APIKey, o.Email = "", testKey, testEmail },
	}
	for i, cred := range creds {
		var logs bytes.Buffer
		var errs []error
		for _, base := range []string{srv.URL, refused} {
			for _, h := range []slog.Handler{
				slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
				slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
			} {
				c, _ := newClient(t, base, cred, func(o *cfapi.Options) { o.Logger = slog.New(h); o.MaxRetries = 1 })
				ctx := t.Context()
				_, err := c.GetOrganization(ctx, account)
				errs = append(errs, err)
				_, err = c.UpdateOrganization(ctx, zone, orgBody)
				errs = append(errs, err)
				_, err = c.CreateOrganization(ctx, account, orgBody)
				errs = append(errs, err)
				_, err = c.GetDoH(ctx, account)
				errs = append(errs, err)
				errs = append(errs, c.RevokeUser(ctx, account, schema.Object{"email": "someone@example.com"}))
				fmt.Fprintf(&logs, "stats: %+v %#v\n", c.Stats(), c.Stats())
			}
		}
		var text strings.Builder
		text.WriteString(logs.String())
		nerr := 0
		for _, err := range errs {
			if err != nil {
				nerr++
				fmt.Fprintf(&text, "error: %v | %+v | %#v\n", err, err, err.Error())
			}
		}
		out := text.String()
		for _, secret := range []string{testToken, testKey, testEmail} {
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, secret) {
					t.Errorf("credentials %d: %q leaked: %s", i, secret, line)
				}
			}
		}
		// Not vacuous: the log has what --debug promises, and the
		// failures happened.
		for _, want := range []string{"[REDACTED]", "cfapi request", "cfapi response", "cfapi retry", "cfapi error",
			"method=PUT", "path=/zones/" + zone.ID + "/access/organizations", "status=400", "attempt=2", "duration=",
			`"status":429`, `\"name\":\"Acme\"`, "400 Bad Request: bad header "} {
			if !strings.Contains(out, want) {
				t.Errorf("credentials %d: output lacks %q", i, want)
			}
		}
		if nerr < 10 {
			t.Errorf("credentials %d: %d errors, want at least 10", i, nerr)
		}
		if testing.Verbose() && i == 0 {
			t.Log(out)
		}
	}
}

// TestRedactCause: even an error that comes from the caller's context
// cause is scrubbed, and still matches with errors.Is.
func TestRedactCause(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { okFor(w, r) })
	client, _ := newClient(t, srv.URL)
	cause := errors.New("stopped by " + testToken)
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(cause)
	_, err := client.GetOrganization(ctx, account)
	if !errors.Is(err, cause) {
		t.Errorf("err = %v, want it to wrap the cause", err)
	}
	want := "GET /accounts/" + account.ID + "/access/organizations: stopped by [REDACTED]"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}
