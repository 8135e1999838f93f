// Package cfapi is a small client for Cloudflare's Zero Trust organization
// API: get, create and update the organization at account or zone scope,
// get and update the account's DoH settings, and revoke a user's tokens
// (docs/api-fields.md).
//
// Bodies travel as raw JSON objects (schema.Object, decoded with UseNumber)
// so that fields ztsync does not know, and exact numbers, survive a
// read-modify-write. The client decodes Cloudflare's envelope leniently,
// turns every failure into an *APIError that names the method, path,
// status and every error code and message, and reports a missing
// organization as an error wrapping schema.ErrNotFound.
//
// Every call goes through one retry loop (docs/cli.md, docs/api-budget.md): a 429 waits
// Retry-After (seconds or an HTTP date; the whole block if need be, but a
// wait longer than Options.Timeout fails at once with a *ThrottledError),
// or backs off exponentially with jitter (1s, 2s, 4s … at most 30s, less up
// to 25%), and pauses every goroutine that shares the Client.
//
// Before each attempt the client takes one request from its budget
// (budget.go, docs/api-budget.md): a sliding window of Options.Budget
// requests, the Ratelimit-Policy Cloudflare announces, and never past the
// remaining count of Cloudflare's Ratelimit header. Until the first answer
// says how the server counts, one request is in flight at a time. Past the
// budget it waits for the window to slide. Waits are reported through
// Options.OnWait; the package itself writes nowhere. 5xx answers and network
// errors are retried for every call except POST create, which is retried
// only when the request provably never left the client and otherwise fails
// with an error wrapping ErrAmbiguous. Attempts are bounded by Options.MaxRetries, optionally
// paced by a client-side rate limit shared by all goroutines, and each has
// its own timeout. Credentials never appear in an error, a log line or Stats.
//
// The package is not a general Cloudflare SDK: it knows these endpoints only,
// and nothing of plans. cfapi/emulator serves the same endpoints for tests.
package cfapi
