package cfapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/schema"
)

// TestOversizeResponse: a body over 8 MiB is refused as too large, not
// reported as malformed JSON after being cut.
func TestOversizeResponse(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		body := `{"success":true,"errors":[],"messages":[],"result":{"name":"` + strings.Repeat("x", 9<<20) + `"}}`
		reply(w, http.StatusOK, body)
	})
	c, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.MaxRetries = 0 })
	_, err := c.GetOrganization(context.Background(), schema.Scope{Kind: schema.KindAccount, Name: "a", ID: "0123456789abcdef0123456789abcdef"})
	if err == nil || !strings.Contains(err.Error(), "larger than 8 MiB") {
		t.Fatalf("GetOrganization error = %v, want one saying the body is larger than 8 MiB", err)
	}
}

// TestResponseOfExactlyMaxSize: a body of exactly 8 MiB is read whole and
// decoded; only a longer one is refused.
func TestResponseOfExactlyMaxSize(t *testing.T) {
	envelope := func(fill int) string {
		return `{"success":true,"result":{"name":"` + strings.Repeat("x", fill) + `"}}`
	}
	body := envelope(8<<20 - len(envelope(0)))
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, http.StatusOK, body) })
	c, _ := newClient(t, srv.URL, func(o *cfapi.Options) { o.MaxRetries = 0 })
	org, err := c.GetOrganization(t.Context(), account)
	if err != nil || len(body) != 8<<20 {
		t.Fatalf("GetOrganization of a %d-byte answer: %v", len(body), err)
	}
	if name, _ := org["name"].(string); len(name) != 8<<20-len(envelope(0)) {
		t.Errorf("name has %d bytes, want the whole %d", len(name), 8<<20-len(envelope(0)))
	}
}
