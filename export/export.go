package export

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/token"

	"github.com/ztsync/ztsync/safetext"
	"github.com/ztsync/ztsync/schema"
)

// PackageName is the package clause of every exported file.
const PackageName = "ztsync"

// Input is what CUE exports: one scope and what GET returned for it.
type Input struct {
	// Scope is the account or zone. Scope.Name is the label in the file;
	// empty means DefaultName.
	Scope schema.Scope
	// Organization is the organization GET result; nil when there is none
	// (the file then holds only the scope's id).
	Organization schema.Object
	// DoH is the DoH GET result; nil when it was not read or is absent.
	// Ignored for zones.
	DoH schema.Object
	// AllFields also writes false booleans (see the package doc).
	AllFields bool
	// Source names where the values come from, for the header comment:
	// an API base URL or "emulator". It must hold no secret.
	Source string
	// Time is when the values were read, for the header comment; the zero
	// time leaves it out.
	Time time.Time
}

// CUE writes in as a formatted CUE configuration file to w. It fails only
// on an invalid scope (kind, id or name) or a write error: live values it
// cannot write as fields become comments.
func CUE(w io.Writer, in Input) error {
	f, err := build(in)
	if err != nil {
		return err
	}
	b, err := format.Node(f, format.Simplify())
	if err != nil {
		return fmt.Errorf("format exported configuration: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write exported configuration: %w", err)
	}
	return nil
}

// teamSuffix ends every Cloudflare Access team domain.
const teamSuffix = ".cloudflareaccess.com"

// DefaultName is the label export gives a scope when none is chosen: for an
// account the team name of the organization's auth_domain (when it is a
// hostname), else a slug of its name, else "account-" and the first 8 characters of id; for a zone
// "zone-" and the first 8 characters of id. The result always passes
// schema.IsName when id is a valid id.
func DefaultName(kind schema.Kind, id string, org schema.Object) string {
	if kind == schema.KindAccount {
		if ad, ok := org["auth_domain"].(string); ok && valid(authDomain(), strings.TrimSuffix(ad, ".")) {
			ad = strings.ToLower(strings.TrimSuffix(ad, "."))
			if s := slug(strings.TrimSuffix(ad, teamSuffix)); s != "" {
				return s
			}
		}
		if n, ok := org["name"].(string); ok {
			if s := slug(n); s != "" {
				return s
			}
		}
	}
	if len(id) > 8 {
		id = id[:8]
	}
	return string(kind) + "-" + id
}

// maxSlug caps a generated name; users may pass longer ones.
const maxSlug = 63

// slug turns s into a name: lower case, runs of characters outside
// [a-z0-9._@-] become one "-", it starts with a letter or digit and ends
// with one. It returns "" when nothing is left.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '.', r == '_', r == '@':
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
		}
	}
	// "Co. (Prod)" gives "co.-prod": a run of separators with a dash in it
	// becomes one dash.
	out := separatorsRE.ReplaceAllString(b.String(), "-")
	if len(out) > maxSlug {
		out = out[:maxSlug]
	}
	out = strings.TrimLeftFunc(out, notAlnum)
	return strings.TrimRightFunc(out, notAlnum)
}

var separatorsRE = regexp.MustCompile(`[._@-]*-[._@-]*`)

func notAlnum(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }

// build makes the file's syntax tree.
func build(in Input) (*ast.File, error) {
	s := in.Scope
	if s.Kind != schema.KindAccount && s.Kind != schema.KindZone {
		return nil, fmt.Errorf("export: unknown scope kind %q", s.Kind)
	}
	if !schema.IsID(s.ID) {
		return nil, fmt.Errorf("export: %s id %q is not 32 lowercase hex characters", s.Kind, s.ID)
	}
	s.Name = cmp.Or(s.Name, DefaultName(s.Kind, s.ID, in.Organization))
	if !schema.IsName(s.Name) {
		return nil, fmt.Errorf("export: name %q must match [A-Za-z0-9][A-Za-z0-9._@-]*", s.Name)
	}

	b := builder{kind: s.Kind, all: in.AllFields}
	idField := field("id", ast.NewString(s.ID))
	elts := []ast.Decl{idField}
	var orphan []string // notes of blocks that have no field to sit above
	if in.Organization != nil {
		body, notes := b.object(schema.OrganizationFields(), in.Organization, "organization")
		notes = append(unmanagedNote(b.kind, in.Organization), notes...)
		if len(body) > 0 {
			f := field("organization", &ast.StructLit{Elts: body})
			addDoc(f, notes)
			elts = append(elts, f)
		} else {
			orphan = append(orphan, notes...)
		}
	}
	if s.Kind == schema.KindAccount && in.DoH != nil {
		body, notes := b.object(schema.DoHFields(), dohView(in.DoH), "doh")
		if len(body) > 0 {
			f := field("doh", &ast.StructLit{Elts: body})
			addDoc(f, notes)
			elts = append(elts, f)
		} else {
			orphan = append(orphan, notes...)
		}
	}
	addDoc(idField, orphan)

	kindLabel := "accounts"
	if s.Kind == schema.KindZone {
		kindLabel = "zones"
	}
	scope := field(kindLabel, &ast.StructLit{Elts: []ast.Decl{
		field(s.Name, &ast.StructLit{Elts: elts}),
	}})
	pkg := &ast.Package{Name: ast.NewIdent(PackageName)}
	addDoc(pkg, header(in))
	return &ast.File{Decls: []ast.Decl{pkg, scope}}, nil
}

// header is the file's opening comment.
func header(in Input) []string {
	line := "Exported by ztsync export"
	if src := cleanSource(in.Source); src != "" {
		line += " from " + src
	}
	if !in.Time.IsZero() {
		line += " at " + in.Time.UTC().Format(time.RFC3339)
	}
	line += "; edit freely."
	lines := []string{line}
	if in.AllFields {
		lines = append(lines, "Only the fields written here are managed; empty values were left out.")
	} else {
		lines = append(lines,
			"Only the fields written here are managed; false booleans and empty values",
			"were left out (ztsync export --all-fields writes the false booleans too).")
	}
	return lines
}

// cleanSource keeps a source name printable on one comment line, and drops
// any user information, query or fragment from a URL.
func cleanSource(src string) string {
	if u, err := url.Parse(src); err == nil && u.Scheme != "" && u.Host != "" {
		u.User = nil
		u.RawQuery = ""
		u.ForceQuery = false
		u.Fragment = ""
		u.RawFragment = ""
		src = u.String()
	}
	return strings.TrimSpace(oneLine(src))
}

// oneLine makes s safe inside a line comment: one line of printable
// text (safetext.Line).
func oneLine(s string) string { return safetext.Line(s) }

// builder writes the fields of one scope kind.
type builder struct {
	kind schema.Kind
	all  bool
}

// writable reports whether a configuration for the builder's scope kind
// may write f.
func (b builder) writable(f schema.Field) bool { return f.Managed(b.kind) }

// object returns the fields of obj to write, in the table's order, and the
// notes (comment lines) for the values it had to leave out. path names the
// block in the notes ("organization", "doh"); for a nested object it is ""
// and the notes are the bare `field: value` lines, for the caller to
// prefix.
func (b builder) object(fields []schema.Field, obj map[string]any, path string) ([]ast.Decl, []string) {
	var elts []ast.Decl
	var bad []string
	for _, f := range fields {
		if !b.writable(f) {
			continue
		}
		v := obj[f.Name]
		if f.Type == schema.Nested {
			if v == nil {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				bad = append(bad, commented([]string{f.Name}, v))
				continue
			}
			sub, subBad := b.object(f.Sub, m, "")
			if len(sub) > 0 {
				elts = append(elts, field(f.Name, &ast.StructLit{Elts: sub}))
			}
			for _, line := range subBad {
				bad = append(bad, f.Name+": "+line)
			}
			continue
		}
		expr, ok := b.value(f, v)
		if !ok {
			bad = append(bad, commented([]string{f.Name}, v))
			continue
		}
		if expr != nil {
			elts = append(elts, field(f.Name, expr))
		}
	}
	if path == "" || len(bad) == 0 {
		return elts, bad
	}
	notes := []string{
		"These live " + path + " values do not pass the schema, so they were",
		"left out and stay unmanaged; correct them and add them to manage them:",
	}
	for _, line := range bad {
		notes = append(notes, "  "+line)
	}
	return elts, notes
}

// value returns the expression to write for field f whose live value is v
// (nil when absent): nil and true when nothing is to be written, false when
// v does not pass the schema.
func (b builder) value(f schema.Field, v any) (ast.Expr, bool) {
	if f.Type == schema.Bool {
		switch v := v.(type) {
		case nil:
			if b.all {
				return ast.NewBool(false), true
			}
			return nil, true
		case bool:
			if v || b.all {
				return ast.NewBool(v), true
			}
			return nil, true
		}
		return nil, false
	}
	if v == nil {
		return nil, true
	}
	if f.Type.IsList() {
		list, ok := v.([]any)
		if !ok {
			return nil, false
		}
		if len(list) == 0 {
			return nil, true
		}
		elts := make([]ast.Expr, 0, len(list))
		for _, e := range list {
			s, ok := e.(string)
			if !ok || !valid(f, s) {
				return nil, false
			}
			elts = append(elts, ast.NewString(s))
		}
		return ast.NewList(elts...), true
	}
	s, ok := v.(string)
	if !ok {
		return nil, false
	}
	if s == "" {
		return nil, true
	}
	if !valid(f, s) {
		return nil, false
	}
	return ast.NewString(s), true
}

// valid reports whether the string s passes the schema's rule for field f
// (or an element of the list f): the rule of schema.Field, which the
// loader judges configurations with. TestValidMatchesSchema and FuzzCUE
// check it against the real schema.
func valid(f schema.Field, s string) bool { return f.Problem(s) == "" }

// authDomain is the auth_domain field of the table.
func authDomain() schema.Field {
	f, _ := schema.Lookup("auth_domain")
	return f
}

// dohView is the DoH GET result seen as the DoH settings ztsync writes:
// each writable field read under its own name or the one GET gives it
// (the service token's "id").
func dohView(doh schema.Object) map[string]any {
	view := map[string]any{}
	for _, f := range schema.DoHFields() {
		v, ok := doh[f.Name]
		if (!ok || v == nil) && f.ReadAs != "" {
			v = doh[f.ReadAs]
		}
		view[f.Name] = v
	}
	return view
}

// unmanagedNote names the live fields with a value that ztsync does not
// manage in scope kind k (unknown fields, and account-only ones on a zone).
func unmanagedNote(k schema.Kind, org schema.Object) []string {
	var names []string
	for key, v := range org {
		if schema.IsEmpty(v) {
			continue
		}
		if f, ok := schema.Lookup(key); ok && !strings.Contains(key, ".") && (f.Managed(k) || f.At(k) == schema.ResponseOnly) {
			continue
		}
		names = append(names, displayKey(key))
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	return wrap("Live organization fields ztsync does not manage (left as they are): "+strings.Join(names, ", ")+".", 72)
}

// identRE is a key that needs no quoting in a comment.
var identRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// displayKey is a field name as a comment shows it: quoted unless plain.
func displayKey(k string) string {
	if identRE.MatchString(k) {
		return k
	}
	return strconv.QuoteToASCII(k)
}

// commented is a left-out value as CUE-like text for a comment:
// `a: b: <JSON value>`.
func commented(path []string, v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	text := "null"
	if err := enc.Encode(v); err == nil {
		text = strings.TrimSpace(buf.String())
	}
	const maxValue = 200
	if len(text) > maxValue {
		text = strings.ToValidUTF8(text[:maxValue], "") + "…"
	}
	return strings.Join(path, ": ") + ": " + text
}

// wrap splits text into lines of at most width bytes where it can.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// field is `name: value` with name quoted when it is not an identifier.
func field(name string, value ast.Expr) *ast.Field {
	return &ast.Field{Label: ast.NewStringLabel(name), Value: value}
}

// addDoc puts lines as a comment above n. Every line is made safe for a
// line comment: no line breaks, valid UTF-8.
func addDoc(n ast.Node, lines []string) {
	if len(lines) == 0 {
		return
	}
	cg := &ast.CommentGroup{Doc: true}
	for _, l := range lines {
		l = strings.TrimRightFunc(oneLine(l), unicode.IsSpace)
		if l == "" {
			cg.List = append(cg.List, &ast.Comment{Slash: token.NoPos, Text: "//"})
			continue
		}
		cg.List = append(cg.List, &ast.Comment{Slash: token.NoPos, Text: "// " + l})
	}
	ast.AddComment(n, cg)
}
