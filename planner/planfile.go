package planner

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ztsync/ztsync/schema"
)

// MaxPlanFileSize is the largest plan file ReadPlan accepts (64 MiB: a plan
// for thousands of scopes is a few megabytes).
const MaxPlanFileSize = 64 << 20

// WritePlan writes p as the plan file of docs/plan-format.md: indented by two
// spaces, no HTML escaping, a final newline, and nil "changes", "warnings"
// and "diff" lists written as []. `plan --out` and `plan --format json`
// both write the plan with it, so they are the same file. Build never leaves a change's Diff nil, so the [] does not
// move the fingerprint. WritePlan does not check p; ReadPlan does.
func WritePlan(w io.Writer, p *Plan) error {
	if p == nil {
		return errors.New("write plan: no plan")
	}
	out := *p
	out.Changes = make([]Change, len(p.Changes))
	for i, c := range p.Changes {
		if c.Diff == nil {
			c.Diff = []FieldDiff{}
		}
		out.Changes[i] = c
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// ReadPlan reads and checks a plan file written by WritePlan (or by
// `ztsync plan --out`). It refuses, with an error that says why and where:
// files over MaxPlanFileSize, invalid JSON (with line and column), unknown
// fields, another format_version or a file that is not a ztsync plan (a
// Terraform plan, say), a change whose action, resource, method, path,
// scope, address or body do not fit together, duplicate addresses, one
// scope id under two names, and a fingerprint that does not match the
// changes ("plan file was modified after it was made").
//
// Numbers in bodies are json.Number, as everywhere else, so a plan read
// back has the fingerprint of the plan that was written.
func ReadPlan(r io.Reader) (*Plan, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPlanFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	if len(data) > MaxPlanFileSize {
		return nil, fmt.Errorf("plan file is larger than %d MiB; not a ztsync plan file", MaxPlanFileSize>>20)
	}
	if err := checkHeader(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("plan file: unexpected data after the plan at %s", position(data, dec.InputOffset()))
	}
	if err := checkPlan(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// checkHeader makes sure data is a JSON object with our format_version
// before the strict decode, so that a foreign file or another version gets
// a clear message rather than "unknown field".
func checkHeader(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("plan file is empty; not a ztsync plan file")
	}
	var head map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&head); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return errors.New("plan file is not a JSON object; not a ztsync plan file")
		}
		return jsonError(data, err)
	}
	if _, ok := head["terraform_version"]; ok {
		return errors.New("plan file is a Terraform plan (terraform show -json), not a ztsync plan file; make one with ztsync plan --out FILE")
	}
	raw, ok := head["format_version"]
	if !ok {
		return errors.New("plan file has no format_version; not a ztsync plan file (make one with ztsync plan --out FILE)")
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("plan file: format_version is %s, not a string; not a ztsync plan file", truncate(string(raw), 40))
	}
	if v != FormatVersion {
		return fmt.Errorf("plan file has format_version %q; this ztsync reads format_version %q (make the plan with the same ztsync version that applies it)", truncate(v, 40), FormatVersion)
	}
	if _, ok := head["changes"]; !ok {
		return errors.New("plan file has no changes list; not a ztsync plan file")
	}
	return nil
}

// jsonError turns a decoding error into one that names the line and column.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// Offset counts the bytes read, the bad one included.
		return fmt.Errorf("plan file is not valid JSON: %s: %v", position(data, se.Offset-1), se)
	case errors.As(err, &te):
		field := te.Field
		field = cmp.Or(field, "(top level)")
		return fmt.Errorf("plan file: %s: field %s: %s is not a valid %s", position(data, te.Offset), field, te.Value, te.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("plan file is not valid JSON: unexpected end of file")
	}
	// Unknown fields and time formats carry no offset.
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return fmt.Errorf("plan file: %s", msg)
}

// position returns "line L, column C" for a byte offset into data.
func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}

// checkPlan checks the decoded plan: every change's shape, the summary and
// the fingerprint.
func checkPlan(p *Plan) error {
	if p.Declared < 0 {
		return fmt.Errorf("plan file: declared is %d, not a count", p.Declared)
	}
	seen := make(map[string]int, len(p.Changes))
	idName := map[string]string{} // "account/ID" -> name
	nameID := map[string]string{} // "account/NAME" -> id
	for i, c := range p.Changes {
		where := fmt.Sprintf("plan file: change %d", i+1)
		if c.Address != "" {
			where += fmt.Sprintf(" (%s)", truncate(c.Address, 200))
		}
		if err := checkChange(&c); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if j, ok := seen[c.Address]; ok {
			return fmt.Errorf("%s: the address is already used by change %d", where, j+1)
		}
		seen[c.Address] = i
		idKey := string(c.Scope.Kind) + "/" + c.Scope.ID
		if name, ok := idName[idKey]; ok && name != c.Scope.Name {
			return fmt.Errorf("%s: %s id %s is also named %q in this plan", where, c.Scope.Kind, c.Scope.ID, name)
		}
		idName[idKey] = c.Scope.Name
		if id, ok := nameID[c.Scope.Address()]; ok && id != c.Scope.ID {
			return fmt.Errorf("%s: %s has id %s here and %s in an earlier change", where, c.Scope.Address(), c.Scope.ID, id)
		}
		nameID[c.Scope.Address()] = c.Scope.ID
	}
	sum := CountChanges(p.Changes)
	if sum.Create != p.Summary.Create || sum.Update != p.Summary.Update || sum.Revoke != p.Summary.Revoke {
		return fmt.Errorf("plan file: summary says %d create, %d update, %d revoke but the changes are %d create, %d update, %d revoke",
			p.Summary.Create, p.Summary.Update, p.Summary.Revoke, sum.Create, sum.Update, sum.Revoke)
	}
	if p.Summary.Unchanged < 0 {
		return fmt.Errorf("plan file: summary.unchanged is %d, not a count", p.Summary.Unchanged)
	}
	if err := checkCoverage(p); err != nil {
		return err
	}
	if got := Fingerprint(p); p.Fingerprint != got {
		return errors.New("plan file was modified after it was made: its fingerprint does not match its contents; run plan again")
	}
	return nil
}

// checkChange checks one change's shape: the combination of resource,
// action and method, the path, the scope and the address.
func checkChange(c *Change) error {
	if err := c.Scope.Validate(); err != nil {
		return err
	}
	if err := checkScopeName(c.Scope.Name); err != nil {
		return err
	}
	prefix := c.Scope.Prefix() + "/access/organizations"
	var wantMethod, wantPath string
	switch {
	case c.Resource == Organization && c.Action == Create:
		wantMethod, wantPath = methodPost, prefix
	case c.Resource == Organization && c.Action == Update:
		wantMethod, wantPath = methodPut, prefix
	case c.Resource == DoH && c.Action == Update:
		if c.Scope.Kind != schema.KindAccount {
			return errors.New("doh is an account resource, but the scope is a zone")
		}
		wantMethod, wantPath = methodPut, prefix+"/doh"
	case c.Resource == Revocation && c.Action == Revoke:
		wantMethod, wantPath = methodPost, prefix+"/revoke_user"
	default:
		return fmt.Errorf("action %q on resource %q is not a change ztsync makes", truncate(string(c.Action), 40), truncate(string(c.Resource), 40))
	}
	if c.Method != wantMethod {
		return fmt.Errorf("%s %s is done with %s, not %q", c.Action, c.Resource, wantMethod, truncate(c.Method, 40))
	}
	if c.Path != wantPath {
		return fmt.Errorf("path %q does not match the scope: want %q", truncate(c.Path, 200), wantPath)
	}
	if c.Body == nil {
		return errors.New("body is missing")
	}
	email := ""
	if c.Resource == Revocation {
		e, ok := c.Body["email"].(string)
		if !ok || e == "" {
			return errors.New("revocation body has no email")
		}
		email = e
	}
	if want := Address(c.Scope, c.Resource, email); c.Address != want {
		return fmt.Errorf("address does not match the scope and resource: want %q", truncate(want, 200))
	}
	if c.FollowUp != nil {
		if c.Action != Create {
			return fmt.Errorf("a follow-up call belongs to a create, not a %s", c.Action)
		}
		if c.FollowUp.Method != methodPut || c.FollowUp.Path != prefix {
			return fmt.Errorf("follow-up must be PUT %s, not %s %s", prefix, truncate(c.FollowUp.Method, 40), truncate(c.FollowUp.Path, 200))
		}
		if c.FollowUp.Body == nil {
			return errors.New("follow-up body is missing")
		}
	}
	for j, d := range c.Diff {
		if d.Path == "" {
			return fmt.Errorf("diff %d has no path", j+1)
		}
	}
	if c.LiveDigest != "" || c.Resource != Revocation {
		if !isDigest(c.LiveDigest) {
			return fmt.Errorf("live_digest %q is not sha256:HEX", truncate(c.LiveDigest, 80))
		}
	}
	return nil
}

// checkScopeName refuses names that could not come from a configuration:
// empty, or with slashes, spaces or control characters, which would make
// addresses ambiguous.
func checkScopeName(name string) error {
	if name == "" {
		return errors.New("scope has no name")
	}
	for _, r := range name {
		if r == '/' || r <= ' ' || r == 0x7f {
			return fmt.Errorf("scope name %q has a character addresses cannot hold", truncate(name, 80))
		}
	}
	return nil
}

// isDigest reports whether s is "sha256:" and 64 lowercase hex digits.
func isDigest(s string) bool {
	h, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
