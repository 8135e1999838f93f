// Package applier carries out a planner.Plan against the Cloudflare API
// (docs/security.md).
//
// CheckStale re-reads every resource a plan file changes and refuses the
// whole plan when any of them moved since the plan was made. Guard is the
// mass-change guard. Apply makes the calls: in plan order, scopes
// concurrently, the changes of one scope one after another; a failure skips
// the rest of its scope only. Every changed organization and DoH object is
// read back and its managed fields compared with what the plan wanted. On
// cancellation (Ctrl-C) the change in flight is finished, nothing more is
// started, and the Report says what was done.
//
// The applier talks to the API only through Target, which *cfapi.Client
// satisfies; it does not import cfapi. It prints nothing: callers render
// the Report and the progress Events.
package applier
