package loader

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/ztsync/ztsync/schema"
)

// seatCheckField is the hidden field of schema.cue that holds the error of
// a seat expiration below the minimum.
const seatCheckField = "_seatMinimum"

// cueProblem is one CUE error taken apart.
type cueProblem struct {
	labels []string    // path, unquoted
	msg    string      // the message without the path
	user   []token.Pos // positions in user files
	schema []token.Pos // positions in the embedded schema
}

// splitCUE flattens a CUE error into its problems. err must not be nil.
func splitCUE(err error) []cueProblem {
	var out []cueProblem
	for _, e := range errors.Errors(errors.Sanitize(errors.Promote(err, ""))) {
		p := cueProblem{labels: unquoteLabels(e.Path())}
		if n := len(p.labels); n > 0 && p.labels[n-1] == seatCheckField {
			// The schema's check of the seat minimum sits in a hidden
			// field next to the value it checks.
			p.labels[n-1] = "user_seat_expiration_inactive_time"
		}
		p.msg = e.Error()
		if ps := strings.Join(e.Path(), "."); ps != "" {
			p.msg = strings.TrimPrefix(p.msg, ps+": ")
		}
		for _, pos := range errors.Positions(e) {
			if isSchemaFile(pos.Filename()) {
				p.schema = append(p.schema, pos)
			} else {
				p.user = append(p.user, pos)
			}
		}
		out = append(out, p)
	}
	return out
}

func unquoteLabels(path []string) []string {
	out := make([]string, len(path))
	for i, l := range path {
		if u, err := strconv.Unquote(l); err == nil && strings.HasPrefix(l, `"`) {
			l = u
		}
		out[i] = l
	}
	return out
}

var identRE = regexp.MustCompile(`^[A-Za-z_$#][A-Za-z0-9_$]*$`)

// formatPath prints labels as a CUE path: identifiers bare, other labels
// quoted ("example.com"), list indexes (marked by index) bare.
func formatPath(labels []string, index map[int]bool) string {
	var b strings.Builder
	for i, l := range labels {
		if i > 0 {
			b.WriteByte('.')
		}
		if identRE.MatchString(l) || index[i] {
			b.WriteString(l)
		} else {
			b.WriteString(strconv.Quote(l))
		}
	}
	return b.String()
}

// posString prints a position as FILE:LINE:COL.
func posString(p token.Pos) string {
	return fmt.Sprintf("%s:%d:%d", p.Filename(), p.Line(), p.Column())
}

func errorAt(p token.Pos, path, msg string) Error {
	e := Error{Path: path, Msg: msg}
	if p.IsValid() {
		e.File, e.Line, e.Col = p.Filename(), p.Line(), p.Column()
	}
	return e
}

// fromCUE converts a CUE error without further knowledge (load errors).
func (l *Loader) fromCUE(err error, _ cue.Value) Errors {
	var out Errors
	for _, p := range splitCUE(err) {
		all := append(append([]token.Pos{}, p.user...), p.schema...)
		e := Error{Path: formatPath(p.labels, nil), Msg: p.msg}
		if len(all) > 0 {
			e.File, e.Line, e.Col = all[0].Filename(), all[0].Line(), all[0].Column()
			for _, r := range all[1:] {
				e.Related = append(e.Related, posString(r))
			}
		}
		out = append(out, e)
	}
	return out
}

// diagnose turns a failed validation into the problems a person can act
// on: the structure is checked by hand first (CUE hides "field not
// allowed" and missing required fields next to other errors), then every
// CUE error is positioned in the user's files and rephrased where the
// field's rule is known.
func (l *Loader) diagnose(err error, raw *user) Errors {
	return l.diagnoseScopes(err, raw, nil)
}

// diagnoseScopes is diagnose for an error of the given scopes (kind,
// name) alone; nil means the whole configuration.
func (l *Loader) diagnoseScopes(err error, raw *user, scopes [][]string) Errors {
	out, covered := structure(raw, scopes)
	out = append(out, duplicateIDs(rawIDs(raw), raw)...)
	type group struct {
		path   string
		labels []string
		errs   Errors
		own    bool // some message was rephrased from the field's rule
	}
	groups := map[string]*group{}
	var order []string
	problems := splitCUE(err)
	// CUE's account of the null branch of a clearable field (`#Duration |
	// null`) failing for a value that is not null says nothing the other
	// branch's problems do not say better; they are kept only when nothing
	// else is left.
	var extra Errors
	if kept := slices.DeleteFunc(slices.Clone(problems), func(p cueProblem) bool { return nullBranch(p, raw) }); len(kept) > 0 {
		for _, p := range problems {
			if nullBranch(p, raw) && !isCovered(covered, p.labels) && strings.Contains(p.msg, "errors in empty disjunction") {
				extra = append(extra, l.nullBranchProblems(p.labels, raw, covered)...)
			}
		}
		problems = kept
	}
	for _, p := range problems {
		if isCovered(covered, p.labels) {
			continue
		}
		e, own := describeProblem(p, raw)
		g := groups[e.Path]
		if g == nil {
			g = &group{path: e.Path, labels: p.labels}
			groups[e.Path] = g
			order = append(order, e.Path)
		}
		if own && !g.own {
			g.errs, g.own = nil, true
		}
		if own || !g.own {
			g.errs = append(g.errs, e)
		}
	}
	// Every problem inside a struct or list a null disjunction hides
	// (CUE reports one per branch), unless its value already has one.
	for _, e := range extra {
		if g := groups[e.Path]; g != nil {
			continue
		}
		groups[e.Path] = &group{path: e.Path, errs: Errors{e}, own: true}
		order = append(order, e.Path)
	}
	for _, path := range order {
		g := groups[path]
		if g.own {
			out = append(out, g.errs[0]) // one rephrased message per value
			continue
		}
		for _, e := range collapseDisjunction(g.errs) {
			out = append(out, inUserFile(e, raw, g.labels))
		}
	}
	return out
}

// inUserFile moves a problem that CUE placed in the embedded schema to the
// user's value it concerns (the schema's position goes first in Related).
func inUserFile(e Error, raw *user, labels []string) Error {
	if !isSchemaFile(e.File) {
		return e
	}
	p := nearestUserPos(raw, labels)
	if !p.IsValid() {
		return e
	}
	e.Related = append([]string{e.Position()}, e.Related...)
	e.File, e.Line, e.Col = p.Filename(), p.Line(), p.Column()
	return e
}

func isCovered(covered map[string]bool, labels []string) bool {
	for i := len(labels); i > 0; i-- {
		if covered[strings.Join(labels[:i], "\x00")] {
			return true
		}
	}
	return false
}

// describeProblem positions one CUE problem and rephrases it; own reports
// whether the message comes from the field's rule rather than from CUE.
func describeProblem(p cueProblem, raw *user) (Error, bool) {
	uv, index := lookup(raw.at(p.labels), p.labels)
	path := formatPath(p.labels, index)
	s := classify(p.labels)

	var pos token.Pos
	if len(p.user) > 0 {
		pos = p.user[0]
	} else {
		pos = nearestUserPos(raw, p.labels)
	}
	if vp := scalarPos(uv); vp.IsValid() {
		// A value refused as it stands: point at where it is written, not
		// at a definition it was unified with (a team's #Baseline).
		pos = vp
	}
	var related []string
	for _, r := range p.user {
		if r != pos {
			related = append(related, posString(r))
		}
	}
	userRelated := append([]string(nil), related...)
	for _, r := range p.schema {
		related = append(related, posString(r))
	}

	msg, own := p.msg, false
	if uv.Exists() && uv.Err() != nil {
		// The user's own values disagree, schema or not: report that
		// conflict, with every position, instead of the schema's view of it.
		var own Errors
		for _, c := range splitCUE(uv.Err()) {
			if formatPath(c.labels, index) != path {
				continue
			}
			e := Error{Path: path, Msg: c.msg}
			if len(c.user) > 0 {
				e = errorAt(c.user[0], path, c.msg)
				for _, r := range c.user[1:] {
					e.Related = append(e.Related, posString(r))
				}
			}
			own = append(own, e)
		}
		if own = collapseDisjunction(own); len(own) > 0 {
			e := own[0]
			if e.File == "" {
				e.File, e.Line, e.Col = errorAt(pos, "", "").File, pos.Line(), pos.Column()
			}
			if len(e.Related) > 0 && strings.HasPrefix(e.Msg, "conflicting values") {
				e.Msg += " (the other is at " + strings.Join(e.Related, ", ") + ")"
			}
			return e, true
		}
	}
	switch {
	case strings.Contains(msg, "field not allowed"):
		msg, own = s.notAllowed(), true
	case strings.Contains(msg, "field is required but not present"):
		msg, own = requiredMessage(p.labels), true
		pos = nearestUserPos(raw, p.labels)
	case strings.HasPrefix(msg, "incomplete value"):
		msg, own = s.incomplete(), true
	case uv.Exists() && uv.Err() == nil && uv.IsConcrete():
		if m := s.check(uv); m != "" {
			msg, own = m, true
		}
	}
	if !own && len(userRelated) > 0 && strings.HasPrefix(msg, "conflicting values") {
		msg += " (the other is at " + strings.Join(userRelated, ", ") + ")"
	}
	e := errorAt(pos, path, msg)
	e.Related = related
	return e, own
}

func requiredMessage(labels []string) string {
	if len(labels) == 3 && labels[2] == "id" {
		switch labels[0] {
		case "accounts":
			return "missing: every account needs its id (32 lowercase hex characters)"
		case "zones":
			return "missing: every zone needs its id (32 lowercase hex characters)"
		}
	}
	return "missing: this field is required"
}

var conflictRE = regexp.MustCompile(`^conflicting values (.+?) and (.+?)(?: \(mismatched types \S+ and \S+\))?$`)

// collapseDisjunction turns CUE's "N errors in empty disjunction" dump
// (a header, then one conflict per alternative) into one line per value:
// VALUE is not one of A, B, C. The value is the operand common to every
// conflict.
func collapseDisjunction(es Errors) Errors {
	header := -1
	for i, e := range es {
		if strings.Contains(e.Msg, "errors in empty disjunction") {
			header = i
			break
		}
	}
	if header < 0 {
		return es
	}
	type pair struct {
		i    int
		a, b string
	}
	var pairs []pair
	var rest Errors
	count := map[string]int{}
	for i, e := range es {
		if i == header {
			continue
		}
		m := conflictRE.FindStringSubmatch(e.Msg)
		if m == nil {
			rest = append(rest, e)
			continue
		}
		pairs = append(pairs, pair{i, m[1], m[2]})
		count[m[1]]++
		if m[2] != m[1] {
			count[m[2]]++
		}
	}
	value := ""
	for v, n := range count {
		if n == len(pairs) && (value == "" || v < value) {
			value = v
		}
	}
	if value == "" || len(pairs) < 2 {
		return es
	}
	// The value's own positions are the ones every conflict mentions.
	first := es[header]
	var alts []string
	seen := map[string]int{}
	var order []string
	for _, p := range pairs {
		alt := p.a
		if alt == value {
			alt = p.b
		}
		alts = append(alts, alt)
		e := es[p.i]
		for _, pos := range append([]string{e.Position()}, e.Related...) {
			if pos == "" {
				continue
			}
			if seen[pos] == 0 {
				order = append(order, pos)
			}
			seen[pos]++
		}
	}
	primary := ""
	for _, pos := range order {
		if seen[pos] == len(pairs) && (primary == "" || isSchemaFile(primary)) {
			primary = pos // the first that every conflict names, a user's if any
		}
	}
	if primary == "" && len(order) > 0 {
		primary = order[0]
	}
	first.Related = nil
	for _, pos := range order {
		if pos != primary {
			first.Related = append(first.Related, pos)
		}
	}
	if primary != "" {
		first.File, first.Line, first.Col = splitPosition(primary)
	}
	first.Msg = fmt.Sprintf("%s is not one of %s", value, strings.Join(alts, ", "))
	return append(Errors{first}, rest...)
}

// lookup finds the value at labels in v, taking numeric labels as list
// indexes where the value is a list. index marks the labels that were.
func lookup(v cue.Value, labels []string) (cue.Value, map[int]bool) {
	var index map[int]bool
	for i, l := range labels {
		if !v.Exists() {
			break
		}
		if v.IncompleteKind() == cue.ListKind {
			n, err := strconv.Atoi(l)
			if err == nil {
				if index == nil {
					index = map[int]bool{}
				}
				index[i] = true
				v = v.LookupPath(cue.MakePath(cue.Index(n)))
				continue
			}
		}
		var sel cue.Selector
		switch {
		case strings.HasPrefix(l, "#"):
			sel = cue.Def(l)
		case strings.HasPrefix(l, "_"):
			v = cue.Value{}
			continue
		default:
			sel = cue.Str(l)
		}
		v = v.LookupPath(cue.MakePath(sel))
	}
	return v, index
}

// nearestUserPos returns the position in a user file of the value at
// labels, or of its nearest ancestor that has one.
func nearestUserPos(raw *user, labels []string) token.Pos {
	for i := len(labels); i >= 0; i-- {
		if p, ok := raw.abovePos(labels[:i]); ok {
			if p.IsValid() {
				return p
			}
			continue
		}
		v, _ := lookup(raw.at(labels[:i]), labels[:i])
		if !v.Exists() {
			continue
		}
		if p := userPos(v); p.IsValid() && !isSchemaFile(p.Filename()) {
			if f, ok := v.Source().(*ast.Field); ok && i == len(labels) && v.Kind() != cue.StructKind {
				// A scalar: point at the value, as CUE's own errors do.
				if vp := f.Value.Pos(); vp.IsValid() && vp.Filename() == p.Filename() {
					return vp
				}
			}
			return p
		}
	}
	return token.NoPos
}

// scalarPos returns the position in a user file of the concrete scalar v
// (its literal), or NoPos.
func scalarPos(v cue.Value) token.Pos {
	if !v.Exists() || v.Err() != nil || !v.IsConcrete() {
		return token.NoPos
	}
	if k := v.Kind(); k == cue.StructKind || k == cue.ListKind {
		return token.NoPos
	}
	p := v.Pos()
	if f, ok := v.Source().(*ast.Field); ok && f.Value.Pos().IsValid() {
		p = f.Value.Pos()
	}
	if p.IsValid() && !isSchemaFile(p.Filename()) {
		return p
	}
	return token.NoPos
}

// userPos returns the position of v in a user file if there is one. Pos
// picks one conjunct, which may be the schema's (when the user embeds
// schema.#Config); then the conjuncts are searched.
func userPos(v cue.Value) token.Pos {
	isUser := func(p token.Pos) bool { return p.IsValid() && !isSchemaFile(p.Filename()) }
	if p := v.Pos(); isUser(p) {
		return p
	}
	var found token.Pos
	var rec func(x cue.Value, depth int)
	rec = func(x cue.Value, depth int) {
		if found.IsValid() || depth > 16 {
			return
		}
		if op, args := x.Expr(); op == cue.AndOp || op == cue.OrOp {
			for _, a := range args {
				rec(a, depth+1)
			}
		} else if p := x.Pos(); isUser(p) {
			found = p
		}
	}
	rec(v, 0)
	if found.IsValid() {
		return found
	}
	return v.Pos()
}

// structure checks the shape of the user's value by hand: unknown fields,
// invalid names and emails, missing ids. It returns the problems and the
// paths it has spoken for (labels joined by NUL), so that CUE's errors at
// or below them are not repeated. With scopes (kind, name) it checks only
// those accounts and zones.
func structure(raw *user, scopes [][]string) (Errors, map[string]bool) {
	var out Errors
	covered := map[string]bool{}
	report := func(labels []string, v cue.Value, msg string) {
		out = append(out, errorAt(userPos(v), formatPath(labels, nil), msg))
		covered[strings.Join(labels, "\x00")] = true
	}
	var walk, visit func(labels []string, v cue.Value)
	walk = func(labels []string, v cue.Value) {
		s := classify(labels)
		descend := s.kind == siteRoot || s.kind == siteName || s.kind == siteEmail ||
			(s.kind == siteField && s.vt == tStruct)
		if !descend {
			return
		}
		it, err := v.Fields()
		if err != nil {
			return
		}
		for it.Next() {
			if sel := it.Selector(); sel.IsString() {
				visit(append(labels[:len(labels):len(labels)], sel.Unquoted()), it.Value())
			}
		}
	}
	visit = func(child []string, v cue.Value) {
		cs := classify(child)
		switch {
		case cs.kind == siteName && !schema.IsName(cs.name):
			report(child, v, cs.notAllowed())
			return
		case cs.kind == siteEmail && !emailRE.MatchString(cs.name):
			report(child, v, cs.notAllowed())
			return
		case cs.kind == siteField && !cs.allows(cs.name):
			report(child, v, cs.notAllowed())
			return
		case cs.kind == siteUnknown || cs.kind == siteItem:
			return
		}
		if _, err := v.Fields(); cs.kind == siteName && err == nil {
			id := v.LookupPath(cue.MakePath(cue.Str("id")))
			if !id.Exists() {
				idLabels := append(child[:len(child):len(child)], "id")
				out = append(out, errorAt(userPos(v), formatPath(idLabels, nil), requiredMessage(idLabels)))
				covered[strings.Join(idLabels, "\x00")] = true
			}
		}
		walk(child, v)
	}
	if scopes == nil {
		walk(nil, raw.at(nil))
	}
	for _, s := range scopes {
		visit(s, lookupScope(raw.at(s), s))
	}
	return out, covered
}

// duplicateIDs reports ids used by two names of the same kind, at the
// later name's id, naming the first. ids maps kind ("accounts", "zones")
// to name -> id.
func duplicateIDs(ids map[string]map[string]string, raw *user) Errors {
	var out Errors
	for _, kind := range []string{"accounts", "zones"} {
		first := map[string]string{}
		for _, n := range slices.Sorted(maps.Keys(ids[kind])) {
			id := ids[kind][n]
			f, seen := first[id]
			if !seen {
				first[id] = n
				continue
			}
			fl := []string{kind, f, "id"}
			nl := []string{kind, n, "id"}
			fp, np := nearestUserPos(raw, fl), nearestUserPos(raw, nl)
			e := errorAt(np, formatPath(nl, nil),
				fmt.Sprintf("duplicate id %q: %s has it too (%s)", id, formatPath(fl[:2], nil), posString(fp)))
			e.Related = []string{posString(fp)}
			out = append(out, e)
		}
	}
	return out
}

// configIDs returns the ids of a decoded configuration by kind and name.
func configIDs(c *schema.Config) map[string]map[string]string {
	ids := map[string]map[string]string{"accounts": {}, "zones": {}}
	for n, a := range c.Accounts {
		ids["accounts"][n] = a.ID
	}
	for n, z := range c.Zones {
		ids["zones"][n] = z.ID
	}
	return ids
}

// rawIDs returns the concrete string ids found in the user's value.
func rawIDs(raw *user) map[string]map[string]string {
	ids := map[string]map[string]string{"accounts": {}, "zones": {}}
	for _, v := range raw.values() {
		for kind, m := range ids {
			it, err := v.LookupPath(cue.MakePath(cue.Str(kind))).Fields()
			if err != nil {
				continue
			}
			for it.Next() {
				if !it.Selector().IsString() {
					continue
				}
				if id, err := it.Value().LookupPath(cue.MakePath(cue.Str("id"))).String(); err == nil {
					m[it.Selector().Unquoted()] = id
				}
			}
		}
	}
	return ids
}

// splitPosition takes FILE:LINE:COL apart (FILE may contain colons).
func splitPosition(p string) (string, int, int) {
	i := strings.LastIndexByte(p, ':')
	if i < 0 {
		return p, 0, 0
	}
	j := strings.LastIndexByte(p[:i], ':')
	if j < 0 {
		return p, 0, 0
	}
	line, err1 := strconv.Atoi(p[j+1 : i])
	col, err2 := strconv.Atoi(p[i+1:])
	if err1 != nil || err2 != nil {
		return p, 0, 0
	}
	return p[:j], line, col
}
