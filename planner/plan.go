package planner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/ztsync/ztsync/schema"
)

// FormatVersion is the plan file format this build writes and reads.
const FormatVersion = "1"

// Action is the kind of change one planned API call makes.
type Action string

const (
	// Create makes an organization that does not exist yet (POST, then a
	// PUT for fields POST does not accept).
	Create Action = "create"
	// Update replaces the live object with the live object plus the managed
	// fields laid over it (PUT).
	Update Action = "update"
	// Revoke revokes every Access token of one user (POST revoke_user).
	Revoke Action = "revoke"
)

// Resource is the kind of API object a change touches.
type Resource string

const (
	// Organization is /{scope}/access/organizations.
	Organization Resource = "organization"
	// DoH is /accounts/{id}/access/organizations/doh.
	DoH Resource = "doh"
	// Revocation is /{scope}/access/organizations/revoke_user.
	Revocation Resource = "revoke"
)

// FieldDiff is one managed field that differs between live and desired.
// The applier checks its read-back against each After.
type FieldDiff struct {
	// Path is the field, "login_design.header_text" for a sub-field.
	Path string `json:"path"`
	// Before is the live value, nil when absent.
	Before any `json:"before"`
	// After is the desired value.
	After any `json:"after"`
	// Risky is the planner's decision that this change can lock people
	// out or change how they sign in (docs/plan-format.md); renderings only read
	// it. RiskReason says why, for reviewers.
	Risky      bool   `json:"risky,omitempty"`
	RiskReason string `json:"risk_reason,omitempty"`
}

// FollowUp is a second call a change makes right after its first one: a
// create sends custom_pages with a PUT after the POST.
type FollowUp struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Body holds only the fields to lay over the object the first call
	// returned; the applier sends the merged, whole object.
	Body schema.Object `json:"body"`
}

// Change is one planned API call.
//
// For Update, Body is the complete PUT body (see Body: the fields the
// scope's API takes, managed ones from the configuration, the others from
// live). For Create, Body
// is the POST body (managed fields POST accepts) and FollowUp, if set, the
// PUT for the rest. For Revoke, Body is the revoke_user body.
type Change struct {
	// Address is the stable identity, e.g. "account/prod/organization".
	Address string `json:"address"`
	// Scope is the account or zone the change is made in.
	Scope schema.Scope `json:"scope"`
	// Resource is the object kind.
	Resource Resource `json:"resource"`
	// Action is what the change does.
	Action Action `json:"action"`
	// Method and Path are the API call, path relative to the base URL.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Body is the request body (see the type's doc).
	Body schema.Object `json:"body"`
	// FollowUp is the PUT after a create's POST, or nil.
	FollowUp *FollowUp `json:"follow_up,omitempty"`
	// Diff lists the managed fields that change. The applier checks its
	// read-back against each After, and names stale fields with it.
	Diff []FieldDiff `json:"diff"`
	// Risky is set when any diff is risky, and for every revocation.
	Risky bool `json:"risky,omitempty"`
	// NotSent lists the live object's keys an update leaves out of its
	// body although they are not known to be response-only (unknown keys,
	// and fields the scope's API does not take); see NotSent.
	NotSent []string `json:"not_sent,omitempty"`
	// Reason is the revocation's reason. Render only.
	Reason string `json:"reason,omitempty"`
	// LiveDigest is Digest of what GET returned when the plan was made.
	LiveDigest string `json:"live_digest"`
}

// Source says where the plan's configuration came from.
type Source struct {
	Dir    string `json:"dir"`
	Commit string `json:"commit,omitempty"`
	Dirty  bool   `json:"dirty"`
	Base   string `json:"base,omitempty"`
}

// Summary counts the changes by action, and the declared resources that need
// none.
type Summary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Revoke    int `json:"revoke"`
	Unchanged int `json:"unchanged"`
}

// Plan is the ordered list of changes that brings live state to the desired
// state. Its JSON form is the plan file of docs/plan-format.md.
type Plan struct {
	FormatVersion string    `json:"format_version"`
	ToolVersion   string    `json:"tool_version"`
	CreatedAt     time.Time `json:"created_at"`
	Source        Source    `json:"source"`
	// Target is the API the plan was read from; apply refuses to apply it
	// to another (see Target). Nil only in plans not made by the CLI or
	// the Action (tests, older files).
	Target   *Target  `json:"target,omitempty"`
	Summary  Summary  `json:"summary"`
	Changes  []Change `json:"changes"`
	Warnings []string `json:"warnings"`
	// Declared counts the resources the whole configuration declares,
	// whatever --target or the coverage selects (the mass-change guard's
	// denominator, so that narrowing a plan never turns the guard off).
	Declared int `json:"declared"`
	// Coverage lists the scopes a changed-scope or sharded plan read and
	// planned (scope.go); absent, the plan covers every declared scope.
	Coverage    *Coverage `json:"coverage,omitempty"`
	Fingerprint string    `json:"fingerprint"`
}

// HasChanges reports whether applying the plan would make any call.
func (p *Plan) HasChanges() bool { return p != nil && len(p.Changes) > 0 }

// Live is what the planner read from the API: one entry per declared
// resource, keyed by address ("account/prod/organization",
// "account/prod/doh", "zone/example.com/organization").
type Live map[string]Observed

// Observed is one resource as GET returned it.
type Observed struct {
	// Exists is false when the organization does not exist (and for DoH of
	// an organization that does not exist).
	Exists bool
	// Object is the GET result; nil when !Exists.
	Object schema.Object
}

// Digest is the SHA-256 of the canonical JSON of what GET returned, or of
// "absent" when the resource does not exist, as "sha256:HEX".
func (o Observed) Digest() string {
	if !o.Exists {
		return hashJSON("absent")
	}
	return hashJSON(o.Object)
}

// Fingerprint is the SHA-256 of the canonical JSON of the plan, as
// "sha256:HEX", leaving out only what says where and when it was made:
// the fingerprint itself, created_at, tool_version, source.commit,
// source.dirty, source.base and each change's live_digest (the stale check
// and the per-write re-read judge those). Everything apply acts on or a
// reviewer reads is covered: the changes (bodies, diffs, follow-ups,
// reasons), summary, warnings, declared (the mass-change guard's
// denominator), source.dir, and any field added to the format later, so a
// file edited after it was made is refused. Two plans that make the same
// calls from the same configuration have the same fingerprint, whichever
// commit they were made at: the GitHub Action compares the reviewed plan's
// with the merged one's this way.
func Fingerprint(p *Plan) string {
	if p == nil {
		return hashJSON(nil)
	}
	q := *p
	q.Fingerprint = ""
	q.CreatedAt = time.Time{}
	q.ToolVersion = ""
	q.Source.Commit, q.Source.Dirty, q.Source.Base = "", false, ""
	if q.Coverage != nil {
		// Like source.base: the reviewed plan names the pull request's
		// base, the plan on merge the commit before it.
		c := *q.Coverage
		c.Base, c.Reason = "", ""
		q.Coverage = &c
	}
	q.Changes = make([]Change, len(p.Changes))
	for i, c := range p.Changes {
		c.LiveDigest = ""
		if c.Diff == nil {
			c.Diff = []FieldDiff{} // as WritePlan writes it
		}
		q.Changes[i] = c
	}
	if q.Warnings == nil {
		q.Warnings = []string{}
	}
	return hashJSON(q)
}

// hashJSON hashes encoding/json's output, which is canonical for our values:
// map keys are sorted and json.Number keeps its text.
func hashJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Objects come from JSON decoding, so they always re-encode.
		b = []byte(err.Error())
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Reader is the part of the Cloudflare API the planner reads through.
// *cfapi.Client satisfies it. A missing organization is an error wrapping
// schema.ErrNotFound.
type Reader interface {
	GetOrganization(ctx context.Context, s schema.Scope) (schema.Object, error)
	GetDoH(ctx context.Context, s schema.Scope) (schema.Object, error)
}

// Address returns the address of resource r in scope s; email is used for
// revocations only.
func Address(s schema.Scope, r Resource, email string) string {
	if r == Revocation {
		return s.Address() + "/revoke/" + email
	}
	return s.Address() + "/" + string(r)
}

// The HTTP methods a change uses. Spelled out here so the planner does not
// import net/http: it makes no request itself.
const (
	methodPost = "POST"
	methodPut  = "PUT"
)
