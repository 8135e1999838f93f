package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ztsync/ztsync/schema"
)

// timestamp formats t as the API does: RFC 3339 in UTC, whole seconds.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// access returns how scope kind's API treats the organization field name,
// and whether the field table knows it.
func access(kind schema.Kind, name string) (schema.Access, bool) {
	f, ok := schema.Lookup(name)
	return f.At(kind), ok
}

func (e *Emulator) getOrganization(c call) response {
	e.mu.Lock()
	defer e.mu.Unlock()
	org := e.state.organization(c.kind, c.id)
	if org == nil {
		return notFound()
	}
	return success(http.StatusOK, e.view(c.kind, org))
}

func (e *Emulator) createOrganization(c call) response {
	body, bad := parseOrganization(c.kind, c.body, true)
	if bad != nil {
		return *bad
	}
	now := timestamp(e.clock())
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state.organization(c.kind, c.id) != nil {
		return failure(http.StatusConflict, apiError{Code: CodeConflict, Message: MessageConflict + ": organization already exists"})
	}
	org := schema.WithoutNulls(body).(schema.Object)
	org["created_at"] = now
	org["updated_at"] = now
	e.state.setOrganization(c.kind, c.id, org)
	resp := success(http.StatusCreated, e.view(c.kind, org))
	resp.changed = true
	return resp
}

func (e *Emulator) updateOrganization(c call) response {
	body, bad := parseOrganization(c.kind, c.body, false)
	if bad != nil {
		return *bad
	}
	now := timestamp(e.clock())
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.state.organization(c.kind, c.id)
	if old == nil {
		return notFound()
	}
	org := replace(c.kind, old, body)
	org["updated_at"] = now
	e.state.setOrganization(c.kind, c.id, org)
	resp := success(http.StatusOK, e.view(c.kind, org))
	resp.changed = true
	return resp
}

// replace is PUT's full replace: old's fields the scope's API takes are
// dropped, the body's fields are set (null removes), and everything else of
// old (response-only fields, unknown keys) is kept.
func replace(kind schema.Kind, old, body schema.Object) schema.Object {
	org := schema.Object{}
	for k, v := range old {
		if a, _ := access(kind, k); k == "updated_at" || a == schema.ReadWrite {
			continue
		}
		org[k] = v
	}
	for k, v := range body {
		if v == nil {
			delete(org, k)
			continue
		}
		org[k] = schema.WithoutNulls(v)
	}
	return org
}

// view renders a stored organization as GET, POST and PUT answer it: at
// zone scope only the fields the zone API returns (its writable and
// response-only ones), and never an Options.Unread field.
func (e *Emulator) view(kind schema.Kind, org schema.Object) schema.Object {
	out := schema.Object{}
	for k, v := range org {
		if v == nil || slices.Contains(e.unread, k) {
			continue
		}
		if a, _ := access(kind, k); kind == schema.KindZone && a == schema.Absent {
			continue
		}
		out[k] = cloneValue(v)
	}
	if b, ok := out["auto_redirect_to_identity"].(bool); ok && !b {
		delete(out, "auto_redirect_to_identity")
	}
	if cp, ok := out["custom_pages"]; ok && isEmpty(cp) {
		delete(out, "custom_pages")
	}
	if _, ok := out["deny_unmatched_requests"]; !ok {
		out["deny_unmatched_requests"] = false
	}
	if _, ok := out["login_design"]; !ok {
		out["login_design"] = schema.Object{}
	}
	return out
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, x := range v {
			if x != nil && x != "" {
				return false
			}
		}
		return true
	}
	return false
}

// parseBody decodes body as a JSON object or returns the 400.
func parseBody(body []byte) (schema.Object, *response) {
	if len(strings.TrimSpace(string(body))) == 0 {
		r := invalid("", "the request body is empty; a JSON object is required")
		return nil, &r
	}
	v, err := decodeJSON(body)
	if err != nil {
		r := invalid("", "the request body is not valid JSON: %v", err)
		return nil, &r
	}
	obj, ok := v.(map[string]any)
	if !ok {
		r := invalid("", "the request body must be a JSON object, not %s", jsonType(v))
		return nil, &r
	}
	return obj, nil
}

// parseOrganization decodes and validates an organization POST (create)
// or PUT body for kind.
func parseOrganization(kind schema.Kind, raw []byte, create bool) (schema.Object, *response) {
	body, bad := parseBody(raw)
	if bad != nil {
		return nil, bad
	}
	var errs []apiError
	for _, name := range sortedIDs(body) {
		v := body[name]
		f, known := schema.Lookup(name)
		switch a := f.At(kind); {
		case known && a == schema.ResponseOnly:
			errs = append(errs, invalidEntry(name, "response-only; a request must not carry it"))
			continue
		case kind == schema.KindZone && a != schema.ReadWrite:
			errs = append(errs, invalidEntry(name, "not accepted at zone scope"))
			continue
		case create && name == "custom_pages":
			errs = append(errs, invalidEntry(name, "not accepted when creating an organization; set it with PUT"))
			continue
		}
		if !known || v == nil {
			continue // unknown fields are kept as sent; null resets
		}
		errs = append(errs, checkField(name, f, v)...)
	}
	if create {
		for _, name := range []string{"auth_domain", "name"} {
			// A value of the wrong type was reported above.
			if v := body[name]; v == nil {
				errs = append(errs, invalidEntry(name, "required"))
			} else if v == "" {
				errs = append(errs, invalidEntry(name, "must not be empty"))
			}
		}
	}
	if len(errs) > 0 {
		r := failure(http.StatusBadRequest, errs...)
		return nil, &r
	}
	return body, nil
}

// checkField validates v against the known field f.
func checkField(name string, f schema.Field, v any) []apiError {
	fail := func(format string, args ...any) []apiError {
		return []apiError{invalidEntry(name, fmt.Sprintf(format, args...))}
	}
	switch f.Type {
	case schema.String, schema.Hostname, schema.UUID:
		if _, ok := v.(string); !ok {
			return fail("must be a string, not %s", jsonType(v))
		}
	case schema.Bool:
		if _, ok := v.(bool); !ok {
			return fail("must be a boolean, not %s", jsonType(v))
		}
	case schema.Duration:
		s, ok := v.(string)
		if !ok {
			return fail("must be a duration string, not %s", jsonType(v))
		}
		// An empty string means unset and is accepted.
		if problem := f.Problem(s); s != "" && problem != "" {
			return fail("%q %s", s, problem)
		}
	case schema.StringList, schema.HostnameList, schema.UUIDList:
		list, ok := v.([]any)
		if !ok {
			return fail("must be a list of strings, not %s", jsonType(v))
		}
		for i, x := range list {
			if _, ok := x.(string); !ok {
				return fail("element %d must be a string, not %s", i, jsonType(x))
			}
		}
	case schema.Nested:
		obj, ok := v.(map[string]any)
		if !ok {
			return fail("must be an object, not %s", jsonType(v))
		}
		var errs []apiError
		for _, sub := range f.Sub {
			if x, ok := obj[sub.Name]; ok && x != nil {
				errs = append(errs, checkField(name+"."+sub.Name, sub, x)...)
			}
		}
		return errs
	}
	return nil
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return "a number"
}

func (e *Emulator) getDoH(c call) response {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state.organization(schema.KindAccount, c.id) == nil {
		return notFound()
	}
	return success(http.StatusOK, dohView(e.state.doh(c.id)))
}

func (e *Emulator) updateDoH(c call) response {
	body, bad := parseBody(c.body)
	if bad != nil {
		return *bad
	}
	var errs []apiError
	for _, name := range sortedIDs(body) {
		v := body[name]
		f, ok := schema.LookupDoH(name)
		switch {
		case ok && f.Account == schema.ResponseOnly:
			errs = append(errs, invalidEntry(name, "response-only; a request must not carry it"))
		case ok && v != nil:
			errs = append(errs, checkField(name, f, v)...)
		}
	}
	if len(errs) > 0 {
		return failure(http.StatusBadRequest, errs...)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state.organization(schema.KindAccount, c.id) == nil {
		return notFound()
	}
	doh := cloneObject(e.state.doh(c.id))
	if doh == nil {
		doh = schema.Object{}
	}
	for k, v := range body {
		if k == "service_token_id" {
			if v == nil {
				delete(doh, "id")
			} else if old, _ := doh["id"].(string); old != v.(string) {
				// The fields describing the previous service token no
				// longer apply.
				for _, f := range []string{"client_id", "name", "duration", "expires_at"} {
					delete(doh, f)
				}
				doh["id"] = v
			}
			continue
		}
		if v == nil {
			delete(doh, k)
			continue
		}
		doh[k] = v
	}
	e.state.setDoH(c.id, doh)
	resp := success(http.StatusCreated, dohView(doh))
	resp.changed = true
	return resp
}

func dohView(doh schema.Object) schema.Object {
	out := schema.Object{}
	for k, v := range doh {
		if v != nil {
			out[k] = cloneValue(v)
		}
	}
	return out
}

// revokeBody is the revoke_user object answer: no errors, no messages.
type revokeBody struct {
	Result  bool `json:"result"`
	Success bool `json:"success"`
}

func (e *Emulator) revokeUser(c call) response {
	body, bad := parseBody(c.body)
	if bad != nil {
		return *bad
	}
	var errs []apiError
	email, ok := body["email"].(string)
	switch {
	case body["email"] == nil:
		errs = append(errs, invalidEntry("email", "required"))
	case !ok:
		errs = append(errs, invalidEntry("email", "must be a string, not "+jsonType(body["email"])))
	case !strings.Contains(email, "@"):
		errs = append(errs, invalidEntry("email", fmt.Sprintf("%q is not an email address", email)))
	}
	if c.kind == schema.KindZone {
		// The zone revoke_user body takes the email only.
		for _, name := range sortedIDs(body) {
			if name != "email" {
				errs = append(errs, invalidEntry(name, "not accepted at zone scope; the zone revoke_user API takes the email only"))
			}
		}
		if c.r.URL.Query().Has("devices") {
			errs = append(errs, invalidEntry("devices", "not accepted at zone scope; the zone revoke_user API takes the email only"))
		}
	}
	for _, name := range []string{"devices", "warp_session_reauth"} {
		if v, present := body[name]; present && v != nil {
			if _, ok := v.(bool); !ok {
				errs = append(errs, invalidEntry(name, "must be a boolean, not "+jsonType(v)))
			}
		}
	}
	if v, present := body["user_uid"]; present && v != nil {
		if _, ok := v.(string); !ok {
			errs = append(errs, invalidEntry("user_uid", "must be a string, not "+jsonType(v)))
		}
	}
	if len(errs) > 0 {
		return failure(http.StatusBadRequest, errs...)
	}
	rev := Revocation{
		Scope: strings.TrimPrefix(schema.Scope{Kind: c.kind, ID: c.id}.Prefix(), "/"),
		Email: email,
		Time:  e.clock().UTC(),
	}
	rev.Devices, _ = body["devices"].(bool)
	if c.r.URL.Query().Get("devices") == "true" {
		rev.Devices = true
	}
	rev.WarpSessionReauth, _ = body["warp_session_reauth"].(bool)
	rev.UserUID, _ = body["user_uid"].(string)

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state.organization(c.kind, c.id) == nil {
		return notFound()
	}
	e.state.Revocations = append(e.state.Revocations, rev)
	return response{status: http.StatusOK, body: revokeBody{Result: true, Success: true}, changed: true}
}
