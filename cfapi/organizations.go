package cfapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/ztsync/ztsync/schema"
)

const (
	orgPath    = "/access/organizations"
	dohPath    = orgPath + "/doh"
	revokePath = orgPath + "/revoke_user"
)

// GetOrganization returns the Zero Trust organization of an account or a
// zone. A missing organization (or Zero Trust not enabled) is an error
// wrapping ErrNotFound; any other failure, a 404 "No route for the URI"
// from a wrong base URL included, is an error that does not.
//
// API: https://developers.cloudflare.com/api/resources/zero_trust/subresources/organizations/methods/list/
func (c *Client) GetOrganization(ctx context.Context, s schema.Scope) (schema.Object, error) {
	return c.object(ctx, http.MethodGet, s, orgPath, nil)
}

// CreateOrganization creates the organization (POST; the API answers 201)
// and returns it. body needs name and auth_domain. A failure after the
// request may have reached the server wraps ErrAmbiguous and is not retried.
//
// API: https://developers.cloudflare.com/api/resources/zero_trust/subresources/organizations/methods/create/
func (c *Client) CreateOrganization(ctx context.Context, s schema.Scope, body schema.Object) (schema.Object, error) {
	return c.object(ctx, http.MethodPost, s, orgPath, body)
}

// UpdateOrganization replaces the organization's settings with body (PUT;
// treat it as a full replace: send every field the scope's API takes and
// no response-only one, as planner.Body builds it) and returns the result.
//
// API: https://developers.cloudflare.com/api/resources/zero_trust/subresources/organizations/methods/update/
func (c *Client) UpdateOrganization(ctx context.Context, s schema.Scope, body schema.Object) (schema.Object, error) {
	return c.object(ctx, http.MethodPut, s, orgPath, body)
}

// GetDoH returns the account's DoH settings. They exist at account scope
// only; a zone scope is refused without a request. An answer whose result
// is null means the account has no DoH settings: an empty object.
//
// API: https://developers.cloudflare.com/api/resources/zero_trust/subresources/organizations/subresources/doh/methods/get/
func (c *Client) GetDoH(ctx context.Context, s schema.Scope) (schema.Object, error) {
	if s.Kind != schema.KindAccount {
		return nil, fmt.Errorf("%s: DoH settings exist at account scope only", s)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	req, err := c.newRequest(ctx, http.MethodGet, s.Prefix()+dohPath, nil)
	if err != nil {
		return nil, err
	}
	var out nullableObject
	if err := c.do(req, &out); err != nil {
		return nil, err
	}
	if out.Object == nil {
		return schema.Object{}, nil
	}
	return out.Object, nil
}

// nullableObject is a result that may be null (DoH never set): decode
// accepts null for it and leaves it nil.
type nullableObject struct{ schema.Object }

func (o *nullableObject) UnmarshalJSON(b []byte) error {
	return strictDecode(b, &o.Object)
}

// UpdateDoH sets the account's DoH settings (PUT; the API answers 201) and
// returns them. A zone scope is refused without a request.
//
// API: https://developers.cloudflare.com/api/resources/zero_trust/subresources/organizations/subresources/doh/methods/update/
func (c *Client) UpdateDoH(ctx context.Context, s schema.Scope, body schema.Object) (schema.Object, error) {
	if s.Kind != schema.KindAccount {
		return nil, fmt.Errorf("%s: DoH settings exist at account scope only", s)
	}
	return c.object(ctx, http.MethodPut, s, dohPath, body)
}

// RevokeUser revokes a user's Access tokens (body: email, and at account
// scope optionally devices, user_uid, warp_session_reauth; see
// schema.Revocation.Body). A body with devices true is also sent as the
// query ?devices=true, the API's original form, so that a server honouring
// either one revokes the devices. It fails unless the API answers result
// true.
//
// API: https://developers.cloudflare.com/api/resources/zero_trust/subresources/organizations/methods/revoke_users/
func (c *Client) RevokeUser(ctx context.Context, s schema.Scope, body schema.Object) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if body == nil {
		return fmt.Errorf("POST %s: no request body", s.Prefix()+revokePath)
	}
	req, err := c.newRequest(ctx, http.MethodPost, s.Prefix()+revokePath, body)
	if err != nil {
		return err
	}
	if body["devices"] == true {
		req.URL.RawQuery = "devices=true"
	}
	var ok confirmed
	return c.do(req, &ok)
}

// object sends one organization or DoH call and returns the result object.
func (c *Client) object(ctx context.Context, method string, s schema.Scope, suffix string, body schema.Object) (schema.Object, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var b any
	if method != http.MethodGet {
		if body == nil {
			return nil, fmt.Errorf("%s %s: no request body", method, s.Prefix()+suffix)
		}
		b = body
	}
	req, err := c.newRequest(ctx, method, s.Prefix()+suffix, b)
	if err != nil {
		return nil, err
	}
	var out schema.Object
	if err := c.do(req, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// confirmed decodes revoke_user's result, which must be true.
type confirmed bool

func (c *confirmed) UnmarshalJSON(b []byte) error {
	if string(b) != "true" {
		return errors.New("revocation not confirmed: result is not true")
	}
	*c = true
	return nil
}
