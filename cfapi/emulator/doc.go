// Package emulator is an in-memory stand-in for the Cloudflare API endpoints
// ztsync manages (DESIGN.md §3, §8): the Zero Trust organization at account
// and zone scope, the account DoH settings and revoke_user. It is an
// http.Handler, so tests serve it with httptest (see NewServer) and
// `ztsync emulator` serves it on a port.
//
// It answers the way the API is documented and was observed to answer
// (cloudflare-api.md §2–§4):
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
//     third-party fakes use (cloudflare-api.md §4).
//   - POST creates: 201, name and auth_domain required, custom_pages refused
//     (POST never accepted it), 409 with code 12131 and message
//     "access.api.error.conflict: organization already exists" when one
//     exists.
//   - PUT is a full replace (DESIGN.md §8): every field of the scope's
//     writable set (schema.Writable) that the body omits is removed; an
//     explicit null removes a field too. Keys outside that set are kept:
//     those the body sends (so a read-modify-write round-trips fields
//     ztsync does not know, like mfa_config) and those only the state holds
//     (server-side flags like cache_device_posture). created_at is kept and
//     updated_at set to the clock's time. PUT answers 200.
//   - Reads follow the observed quirks: auto_redirect_to_identity is omitted
//     when false, custom_pages when unset, deny_unmatched_requests is false
//     when never set, login_design is {} when unset, durations are echoed
//     verbatim, and undocumented fields held in the state are returned.
//   - Zone scope: a POST or PUT body with any field the zone may not write
//     (schema.Writable(schema.KindZone, name)) is refused with 400, and zone
//     answers carry only the zone fields plus created_at and updated_at.
//   - Invalid bodies answer 400 with code 12000 and a message
//     "access.api.error.invalid_request: FIELD: PROBLEM" (errors[].source
//     .pointer names the field too): a body that is not a JSON object, a
//     known field of the wrong JSON type, a duration time.ParseDuration
//     refuses or that is negative, a warp_auth_session_duration in units
//     other than m and h, a user_seat_expiration_inactive_time under 730h.
//     An empty string is accepted for a duration and means "unset".
//   - DoH (account scope only): GET answers 200 with the stored object ({}
//     when never set). PUT answers 201; it sets the fields it carries and
//     keeps the others (every DoH field is optional): doh_jwt_duration is
//     stored as sent, service_token_id selects the token and is answered as
//     "id" (as the SDKs' result type has it), unknown keys are stored.
//   - revoke_user needs an email, answers 200 and appends a Revocation to
//     the state.
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
// same (cloudflare-api.md §5: "blocked for the next five minutes"). Blocked
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
