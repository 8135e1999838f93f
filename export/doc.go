// Package export turns a live Zero Trust organization (and, for an account,
// its DoH settings) into a ztsync configuration file: formatted CUE that the
// loader accepts and that plans to "No changes." against the same live
// state. It backs `ztsync export`.
//
// It does no I/O beyond writing to the given io.Writer: the caller reads
// the API. It imports only schema and CUE's ast, format and token packages.
//
// # What is written
//
// The file has the package clause `package ztsync`, a comment naming the
// source and the time, and one scope:
//
//	accounts: NAME: {id: ..., organization: {...}, doh: {...}}
//	zones: NAME: {id: ..., organization: {...}}
//
// Only fields the scope may write (schema.OrganizationFields and
// schema.DoHFields, account or zone column; login_design and custom_pages
// with their listed sub-fields only) are written, in the field table's
// order. Never written: read-only fields (created_at, updated_at; the DoH
// object's id, client_id, name, duration, expires_at), fields ztsync does
// not know (mfa_config, cache_device_posture, ...), account-only fields of
// a zone, and empty values (null, "", {}, []). Fields with a non-empty live
// value that ztsync does not manage are named in a comment above the block,
// so the reader knows they exist and are left as they are.
//
// # Defaults rule
//
// The API's defaults are false for booleans and empty for everything else
// (it omits false auto_redirect_to_identity and unset objects, and returns
// "" or [] for unset text and lists). By default only values that differ
// from those defaults are written: true booleans and non-empty strings,
// durations, lists and sub-fields, verbatim as the API returned them
// ("1440m" stays "1440m"). name and auth_domain are always written when the
// organization has them (they are required to create it again). With
// AllFields every boolean the scope may write is also written when false
// (absent counts as false), so that ztsync manages it: turning it on in the
// dashboard then shows up as drift. No other value is special: a
// session_duration of "24h" is written although it is Cloudflare's default,
// because ztsync cannot know a server-side default for sure.
//
// # DoH service token
//
// The DoH GET result's id is the id of the service token used for DoH; the
// PUT body calls it service_token_id. It is written as service_token_id
// (from service_token_id when the API returns that, else from id), so the
// exported configuration pins the service token as well as
// doh_jwt_duration. The planner compares service_token_id with the live id.
//
// # Values that do not pass the schema
//
// A live value that the configuration schema would refuse (a duration that
// does not parse, a warp_auth_session_duration in seconds, a color not
// #rgb/#rrggbb, a logo_path that is not an http(s) URL, a field of the
// wrong JSON type, ...) is not written as a field: the file would not
// validate. It is written commented out, with its JSON value, in a comment
// above the block that says it does not pass the schema, and it stays
// unmanaged until the user corrects and uncomments it.
//
// # Names
//
// The scope's label is Input.Scope.Name, or DefaultName when it is empty:
// for an account the team name of auth_domain ("widgetcorps" from
// "widgetcorps.cloudflareaccess.com"; a custom domain is slugged whole)
// when it is a hostname, else a slug of the organization's name, else "account-" and the first 8 characters of the id; for a zone
// "zone-" and the first 8 characters of the id (the organization API does
// not say which domain a zone is; pass the domain as the name). Names follow
// the configuration's rule [A-Za-z0-9][A-Za-z0-9._@-]*; labels that are not
// CUE identifiers are quoted.
package export
