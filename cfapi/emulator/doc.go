// Package emulator is an in-memory stand-in for the Cloudflare API endpoints
// ztsync manages (docs/plan-format.md, docs/emulator.md): the Zero Trust organization at account
// and zone scope, the account DoH settings and revoke_user. It is an
// http.Handler, so tests serve it with httptest (see NewServer) and
// `ztsync emulator` serves it on a port.
//
// It answers the way the API is documented and was observed to answer
// (docs/api-fields.md):
//
//   - Every route lives under PathPrefix ("/client/v4"). Anything else is
//     404 with code 7003 "No route for the URI", logged as a warning since
//     it is usually a client bug. A malformed account or zone
//     id is 400 with code 7003 "Could not route to ..., perhaps your object
//     identifier is invalid?".
//   - Answers use Cloudflare's envelope {success, errors, messages, result}
//     with Content-Type "application/json; charset=UTF-8" and Cf-Auditlog-Id
//     and Cf-Ray headers. revoke_user answers {"result": true, "success": true}
//     with no errors or messages, as the real API does.
//   - Auth: "Authorization: Bearer TOKEN" or X-Auth-Email + X-Auth-Key. With
//     Options.Token set the token (or the key) must match; with it empty any
//     credentials pass, but some must be sent. Otherwise 403, code 10000
//     "Authentication error".
//   - GET of an organization that does not exist, and GET/PUT of the DoH
//     settings, PUT and revoke_user of such an organization, answer 404
//     with code 12130 and message "access.api.error.not_found". Cloudflare's
//     real code is not recorded anywhere we could read; 12130 is what
//     third-party fakes use (docs/api-fields.md).
//   - POST creates: 201, name and auth_domain required, custom_pages refused
//     (POST never accepted it), 409 with code 12131 and message
//     "access.api.error.conflict: organization already exists" when one
//     exists.
//   - Request bodies follow the per-scope field table (schema.Field.At,
//     docs/api-fields.md): a field the scope only returns (created_at,
//     cache_device_posture, at zone scope deny_unmatched_requests and its
//     exempted names) is refused with 400 "response-only"; at zone scope a
//     field the zone API does not take is refused with 400 "not accepted
//     at zone scope". At account scope an unknown key is stored as sent.
//   - PUT is a full replace: every field the scope takes that the body
//     omits is removed; an explicit null removes a field (or a sub-field)
//     too. Response-only fields and unknown keys the state holds are kept.
//     created_at is kept and updated_at set to the clock's time. PUT
//     answers 200.
//   - Reads follow the observed quirks: auto_redirect_to_identity is omitted
//     when false, custom_pages when unset, deny_unmatched_requests is false
//     when never set, login_design is {} when unset, durations are echoed
//     verbatim, and undocumented fields held in the state are returned.
//     Zone answers carry only what the zone API returns (its writable and
//     response-only fields). Options.Unread fields are stored but never
//     returned (a real GET may leave out ui_read_only_toggle_reason).
//   - Invalid bodies answer 400 with code 12000 and a message
//     "access.api.error.invalid_request: FIELD: PROBLEM" (errors[].source
//     .pointer names the field too): a body that is not a JSON object, a
//     known field of the wrong JSON type, a duration the field's rule
//     (schema.Field.Problem) refuses: not a Go duration, negative, not in
//     minutes and hours where the rule says so, under a minimum. An empty
//     string is accepted for a duration and means "unset".
//   - DoH (account scope only): GET answers 200 with the stored object ({}
//     when never set). PUT answers 201; it sets the fields it carries and
//     keeps the others (every DoH field is optional): doh_jwt_duration is
//     stored as sent, service_token_id selects the token and is answered as
//     "id" (as the SDKs' result type has it), unknown keys are stored; the
//     token's own fields (id, client_id, ...) are response-only.
//   - revoke_user needs an email, answers 200 and appends a Revocation to
//     the state. devices comes in the body or as ?devices=true. The zone
//     body takes the email only: devices (body or query),
//     warp_session_reauth and user_uid are refused with 400 there.
//
// The codes and messages are exported (CodeNotFound, MessageNotFound, ...)
// for tests; the Access ones other than the namespace are our choice.
//
// Cloudflare's request limit (Options.Limit, SetLimit; budget.go): each
// user (API token, or API key) may make Limit.Requests requests in any
// sliding window of Limit.Window. Answers within it carry
// `Ratelimit: "default";r=REMAINING;t=SECONDS` (t: until the oldest
// counted request leaves the window) and
// `Ratelimit-Policy: "default";q=REQUESTS;w=SECONDS`. The request over the
// limit answers 429 with code 971 and Retry-After, and starts a block of
// one whole Window during which every request of that user answers the
// same (docs/api-budget.md: "blocked for the next five minutes"). Blocked
// requests are not counted and change nothing.
//
// Fault injection (SetLatency, InjectFault) lets tests and benchmarks
// drive the client's retry paths: 429 with Retry-After, 5xx, dropped
// connections, success:false on 200, malformed bodies, and a write that is
// applied but never answered. Every request is recorded (Requests, Count).
//
// The state (LoadState, SaveState, LoadFile, SaveFile) is a JSON document,
// also the format of the examples' live.json files:
//
//	{
//	  "accounts": {"<32 hex id>": {"organization": {...}, "doh": {...}}},
//	  "zones": {"<32 hex id>": {"organization": {...}}},
//	  "revocations": [{"scope": "accounts/<id>", "email": "...", "time": "..."}]
//	}
//
// The package has no globals; every Emulator is independent and safe for
// concurrent use. It imports schema only, never cfapi, so cfapi's tests can
// use it.
package emulator
