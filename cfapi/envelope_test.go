package cfapi_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/schema"
)

func TestEnvelopeErrors(t *testing.T) {
	path := "/accounts/" + account.ID + "/access/organizations"
	tests := []struct {
		name     string
		status   int
		body     string
		rayID    string
		wantErr  string // the whole Error()
		notFound bool
		wantErrs []cfapi.ErrorDetail
	}{
		{
			name:   "400 with error_chain",
			status: 400,
			body: `{"success":false,"result":null,"messages":[],"errors":[{"code":12062,"message":"access.api.error.invalid_org_config",` +
				`"error_chain":[{"message":"invalid mfa authenticator type"}]}]}`,
			rayID:   "8f1e2d3c4b5a6978-LHR",
			wantErr: "PUT " + path + ": 400 Bad Request: access.api.error.invalid_org_config (code 12062): invalid mfa authenticator type (cf-ray 8f1e2d3c4b5a6978-LHR)",
			wantErrs: []cfapi.ErrorDetail{{Code: 12062, Message: "access.api.error.invalid_org_config",
				Chain: []cfapi.ErrorDetail{{Message: "invalid mfa authenticator type"}}}},
		},
		{
			name:   "every error listed, with pointer and docs",
			status: 400,
			body: `{"success":false,"errors":[{"code":1001,"message":"bad name","source":{"pointer":"/name"},"documentation_url":"https://x.test/doc"},` +
				`{"code":"1002","message":"bad domain"}]}`,
			wantErr: "PUT " + path + ": 400 Bad Request: bad name (code 1001) at /name; bad domain (code 1002)",
			wantErrs: []cfapi.ErrorDetail{
				{Code: 1001, Message: "bad name", Pointer: "/name", DocumentationURL: "https://x.test/doc"},
				{Code: 1002, Message: "bad domain"},
			},
		},
		{
			name:     "success false on 200",
			status:   200,
			body:     `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`,
			wantErr:  "PUT " + path + ": 200 OK: Authentication error (code 10000)",
			wantErrs: []cfapi.ErrorDetail{{Code: 10000, Message: "Authentication error"}},
		},
		{
			name:    "success false without errors",
			status:  200,
			body:    `{"success":false,"result":null}`,
			wantErr: "PUT " + path + ": 200 OK: success is false without an error message",
		},
		{
			name:    "4xx without errors",
			status:  403,
			body:    `{"success":false}`,
			wantErr: "PUT " + path + ": 403 Forbidden: request failed without an error message",
		},
		{
			name:     "errors without success",
			status:   200,
			body:     `{"errors":["something broke"]}`,
			wantErr:  "PUT " + path + ": 200 OK: something broke",
			wantErrs: []cfapi.ErrorDetail{{Message: "something broke"}},
		},
		{
			// A wrong base URL or an unsupported endpoint: a failed read,
			// not a missing organization (that would plan a create).
			name:     "404 no route",
			status:   404,
			body:     `{"success":false,"errors":[{"code":7003,"message":"No route for the URI"}],"messages":[],"result":null}`,
			wantErr:  "PUT " + path + ": 404 Not Found: No route for the URI (code 7003)",
			notFound: false,
			wantErrs: []cfapi.ErrorDetail{{Code: 7003, Message: "No route for the URI"}},
		},
		{
			name:     "404 not found",
			status:   404,
			body:     `{"success":false,"errors":[{"code":12130,"message":"access.api.error.not_found"}],"messages":[],"result":null}`,
			wantErr:  "PUT " + path + ": 404 Not Found: access.api.error.not_found (code 12130)",
			notFound: true,
			wantErrs: []cfapi.ErrorDetail{{Code: 12130, Message: "access.api.error.not_found"}},
		},
		{
			name:     "bare 404",
			status:   404,
			body:     `{"success":false,"errors":[{"code":1000,"message":"Not Found"}],"messages":[],"result":null}`,
			wantErr:  "PUT " + path + ": 404 Not Found: Not Found (code 1000)",
			notFound: false,
			wantErrs: []cfapi.ErrorDetail{{Code: 1000, Message: "Not Found"}},
		},

		{
			// Any 4xx saying not_found means absent, the last one included.
			name:     "not found, status 499",
			status:   499,
			body:     `{"success":false,"errors":[{"code":12130,"message":"access.api.error.not_found"}]}`,
			wantErr:  "PUT " + path + ": 499: access.api.error.not_found (code 12130)",
			notFound: true,
			wantErrs: []cfapi.ErrorDetail{{Code: 12130, Message: "access.api.error.not_found"}},
		},
		{
			name:     "not enabled",
			status:   400,
			body:     `{"success":false,"errors":[{"code":9999,"message":"access.api.error.not_enabled"}]}`,
			wantErr:  "PUT " + path + ": 400 Bad Request: access.api.error.not_enabled (code 9999)",
			notFound: true,
			wantErrs: []cfapi.ErrorDetail{{Code: 9999, Message: "access.api.error.not_enabled"}},
		},
		{
			name:     "not found in a chain",
			status:   400,
			body:     `{"success":false,"errors":[{"code":12000,"message":"failed","error_chain":[{"code":12130,"message":"access.api.error.not_found"}]}]}`,
			wantErr:  "PUT " + path + ": 400 Bad Request: failed (code 12000): access.api.error.not_found (code 12130)",
			notFound: true,
			wantErrs: []cfapi.ErrorDetail{{Code: 12000, Message: "failed", Chain: []cfapi.ErrorDetail{{Code: 12130, Message: "access.api.error.not_found"}}}},
		},
		{
			name:    "HTML body",
			status:  403,
			body:    "<!DOCTYPE html>\n<html>\n  <head><title>Attention Required! | Cloudflare</title></head>\n</html>",
			wantErr: "PUT " + path + `: 403 Forbidden: response is not a Cloudflare JSON envelope: body "<!DOCTYPE html> <html> <head><title>Attention Required! | Cloudflare</title></head> </html>"`,
		},
		{
			name:    "long HTML body is cut",
			status:  400,
			body:    "<html>" + strings.Repeat("x", 500) + "</html>",
			wantErr: "PUT " + path + `: 400 Bad Request: response is not a Cloudflare JSON envelope: body "<html>` + strings.Repeat("x", 194) + `…"`,
		},
		{
			name:    "control characters and invalid UTF-8",
			status:  418,
			body:    "\x1b[31mred\x00\xff",
			wantErr: "PUT " + path + `: 418 I'm a teapot: response is not a Cloudflare JSON envelope: body "\x1b[31mred\x00` + "\uFFFD" + `"`,
		},
		{
			name:    "truncated JSON",
			status:  200,
			body:    `{"success":true,"result":{"name":"Ac`,
			wantErr: "PUT " + path + `: 200 OK: malformed JSON response: unexpected EOF: body "{\"success\":true,\"result\":{\"name\":\"Ac"`,
		},
		{
			name:    "trailing garbage",
			status:  200,
			body:    `{"success":true,"result":{}} {}`,
			wantErr: "PUT " + path + `: 200 OK: malformed JSON response: trailing data after the JSON value: body "{\"success\":true,\"result\":{}} {}"`,
		},
		{
			name:    "204 no content",
			status:  204,
			body:    ``,
			wantErr: "PUT " + path + ": 204 No Content: empty response body",
		},
		{
			name:    "null result",
			status:  200,
			body:    `{"success":true,"errors":[],"result":null}`,
			wantErr: "PUT " + path + ": 200 OK: response has no result",
		},
		{
			name:    "result not an object",
			status:  200,
			body:    `{"success":true,"result":[1,2]}`,
			wantErr: "PUT " + path + `: 200 OK: unexpected result: a JSON array where an object was expected: body "[1,2]"`,
		},
		{
			// Nothing the server said is dropped: an error entry that
			// cannot be read makes the whole body the excerpt.
			name:    "error_chain not a list",
			status:  400,
			body:    `{"success":false,"errors":[{"code":1004,"message":"bad request","error_chain":"name is too long"}]}`,
			wantErr: "PUT " + path + `: 400 Bad Request: response is not a Cloudflare JSON envelope: body "{\"success\":false,\"errors\":[{\"code\":1004,\"message\":\"bad request\",\"error_chain\":\"name is too long\"}]}"`,
		},
		{
			name:    "error not an object",
			status:  400,
			body:    `{"success":false,"errors":[7]}`,
			wantErr: "PUT " + path + `: 400 Bad Request: response is not a Cloudflare JSON envelope: body "{\"success\":false,\"errors\":[7]}"`,
		},
		{
			name:    "success not a boolean",
			status:  200,
			body:    `{"success":"true","result":{"name":"Acme"}}`,
			wantErr: "PUT " + path + `: 200 OK: malformed JSON response: field "success" is a JSON string, which does not fit: body "{\"success\":\"true\",\"result\":{\"name\":\"Acme\"}}"`,
		},
		{
			name:    "redirect not followed",
			status:  301,
			body:    ``,
			wantErr: "PUT " + path + ": 301 Moved Permanently: empty response body",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if tt.rayID != "" {
					w.Header().Set("Cf-Ray", tt.rayID)
				}
				if tt.status == 301 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			client, _ := newClient(t, srv.URL)
			got, err := client.UpdateOrganization(t.Context(), account, orgBody)
			if err == nil {
				t.Fatalf("UpdateOrganization = %v, want an error", got)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error:\n got %s\nwant %s", err, tt.wantErr)
			}
			if errors.Is(err, cfapi.ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
			if errors.Is(err, schema.ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(err, schema.ErrNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
			var apiErr *cfapi.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err is %T, want *cfapi.APIError", err)
			}
			if apiErr.Method != "PUT" || apiErr.Path != path || apiErr.Status != tt.status || apiErr.RayID != tt.rayID {
				t.Errorf("APIError = %+v", apiErr)
			}
			if diff := cmp.Diff(tt.wantErrs, apiErr.Errors); diff != "" {
				t.Errorf("Errors mismatch (-want +got):\n%s", diff)
			}
			if srv.requests() != 1 {
				t.Errorf("requests = %d, want 1", srv.requests())
			}
		})
	}
}

func TestEnvelopeSuccess(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   schema.Object
	}{
		{
			name:   "unknown fields and exact numbers survive",
			status: 200,
			body: `{"success":true,"errors":[],"messages":[],"result":{"name":"Acme","cache_device_posture":true,` +
				`"future":{"big":12345678901234567890,"f":1.50}}}`,
			want: schema.Object{"name": "Acme", "cache_device_posture": true,
				"future": map[string]any{"big": json.Number("12345678901234567890"), "f": json.Number("1.50")}},
		},
		{
			name:   "201, no errors or messages arrays",
			status: 201,
			body:   `{"success":true,"result":{"doh_jwt_duration":"800h"}}`,
			want:   schema.Object{"doh_jwt_duration": "800h"},
		},
		{
			// Any 2xx is a success, the last one included.
			name:   "299",
			status: 299,
			body:   `{"success":true,"result":{"name":"Acme"}}`,
			want:   schema.Object{"name": "Acme"},
		},
		{
			name:   "success missing",
			status: 200,
			body:   `{"result":{}}`,
			want:   schema.Object{},
		},
		{
			name:   "messages and result_info ignored",
			status: 202,
			body:   `{"success":true,"errors":null,"messages":[{"code":1,"message":"note"}],"result_info":{"count":1},"result":{"a":null}}`,
			want:   schema.Object{"a": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, tt.status, tt.body) })
			client, _ := newClient(t, srv.URL)
			got, err := client.GetOrganization(t.Context(), account)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GetOrganization mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRevokeResult(t *testing.T) {
	tests := []struct {
		body    string
		wantErr string // "" for success
	}{
		{`{"result":true,"success":true}`, ""},
		{`{"result":true}`, ""},
		{`{"result":false,"success":true}`, `: 200 OK: unexpected result: revocation not confirmed: result is not true: body "false"`},
		{`{"result":null,"success":true}`, ": 200 OK: response has no result"},
		{`{"success":true}`, ": 200 OK: response has no result"},
		{`{"result":"true","success":true}`, `: 200 OK: unexpected result: revocation not confirmed: result is not true: body "\"true\""`},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, tt.body) })
			client, _ := newClient(t, srv.URL)
			err := client.RevokeUser(t.Context(), zone, schema.Object{"email": "a@example.com"})
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("RevokeUser: %v", err)
				}
				return
			}
			want := "POST /zones/" + zone.ID + "/access/organizations/revoke_user" + tt.wantErr
			if err == nil || err.Error() != want {
				t.Errorf("RevokeUser error:\n got %v\nwant %s", err, want)
			}
			if srv.requests() != 1 {
				t.Errorf("requests = %d, want 1 (a false result is not retried)", srv.requests())
			}
		})
	}
}
