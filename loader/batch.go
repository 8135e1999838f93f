package loader

import (
	"fmt"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/token"
)

// Batches: how a large configuration is evaluated without one struct of
// tens of thousands of fields.
//
// CUE finds a field of a struct, and a conjunct of a field, by a linear
// search; so evaluating `zones` with 40,000 entries written by 40,000
// `zones: "name": ...` declarations takes time that grows with the square
// of their number, and so does reading the result back (cue.Value.Fields
// looks every field up again). At 50,000 scopes that is half of a load.
//
// A configuration whose scopes (accounts and zones) cannot see one another
// is therefore evaluated in batches: each batch is the package with every
// declaration that is not a scope's (definitions, defaults, lets, other
// fields) and the declarations of some of the scopes. The batches are
// judged scope by scope like the whole value (scopes.go); anything short
// of a configuration the scoped path accepts or explains scope by scope
// (an error or incomplete value in the user's own files, a problem above
// the scopes, a batch holding a scope it was not given) is evaluated whole,
// the ordinary way, which finds and explains it.
//
// Why a batch's scope is the whole configuration's scope: a scope's value
// is the unification of the declarations that name it and of what applies
// to every scope of its kind (pattern constraints); both are in its batch,
// as the same syntax (so the same positions). It could differ only if some
// expression looked at the set of scopes: a reference to `accounts`,
// `zones`, a scope by name or `self`, or a top-level declaration that is not
// a plain field (an embedding, a comprehension, a pattern or dynamic label,
// which could add to or constrain the set of scopes). planBatches evaluates
// such a configuration whole.

// batchScopes is the number of scopes a batch holds (at least; more when
// the declarations shared by every batch are large). A configuration with
// fewer is evaluated whole.
const batchScopes = 2000

// scopeKey names a scope: its kind ("accounts", "zones") and name.
type scopeKey struct{ kind, name string }

// user is the user's own value: evaluated whole, or in batches that each
// hold the declarations shared by all and some of the scopes.
type user struct {
	whole   cue.Value
	batches []cue.Value
	owner   map[scopeKey]int // the batch of each scope
	// above are the positions the whole value gives the top (key "") and
	// each kind: no batch holds every declaration of them.
	above map[string]token.Pos
}

// wholeUser is the user's value evaluated whole.
func wholeUser(v cue.Value) *user { return &user{whole: v} }

// values returns the whole value, or every batch.
func (u *user) values() []cue.Value {
	if u.batches == nil {
		return []cue.Value{u.whole}
	}
	return u.batches
}

// at returns the value that holds the path labels: the whole value, or
// the batch of the scope the path is in (otherwise the first batch).
func (u *user) at(labels []string) cue.Value {
	if u.batches == nil {
		return u.whole
	}
	if len(labels) >= 2 {
		if i, ok := u.owner[scopeKey{labels[0], labels[1]}]; ok {
			return u.batches[i]
		}
	}
	return u.batches[0]
}

// abovePos returns the position of the top (no labels) or of a kind as
// the whole value gives it, and whether labels is such a path in batches.
// CUE places a value declared once at its field, and one declared
// several times at the value of its last declaration.
func (u *user) abovePos(labels []string) (token.Pos, bool) {
	if u.batches == nil || len(labels) >= 2 {
		return token.NoPos, false
	}
	key := ""
	if len(labels) == 1 {
		key = labels[0]
	}
	return u.above[key], true
}

// batchPlan says which declarations go to which batch.
type batchPlan struct {
	batches int
	owner   map[scopeKey]int
	above   map[string]token.Pos // see user.above
	files   []fileBatch          // by index in the parsed files
}

// fileBatch is one file's part in the batches.
type fileBatch struct {
	batch  int        // the batch of its scope declarations; -1 if none
	shared bool       // it has declarations every batch needs
	rest   []ast.Decl // its declarations without the scopes', when it has both
}

// planBatches decides whether files are evaluated in batches of about size
// scopes each, and how; nil means whole.
func planBatches(files []parsed, size int) *batchPlan {
	type fileScan struct {
		names     []scopeKey
		shared    bool
		rest      []ast.Decl
		hasScopes bool
	}
	scans := make([]fileScan, len(files))
	names := map[string]bool{}
	scopes := 0
	var sharedBytes, totalBytes int
	above := map[string]token.Pos{}
	declared := map[string]int{}
	for i, p := range files {
		s := &scans[i]
		above[""] = p.file.Pos() // the top: one conjunct per file
		for _, d := range p.file.Decls {
			keys, isScope, ok := scopeDecl(d)
			if !ok {
				return nil
			}
			if f, ok := d.(*ast.Field); ok {
				if name, _, err := ast.LabelName(f.Label); err == nil && scopeKinds[name] != "" {
					if declared[name]++; declared[name] == 1 {
						above[name] = f.Pos()
					} else {
						above[name] = f.Value.Pos()
					}
				}
			}
			if !isScope {
				s.rest = append(s.rest, d)
				switch d.(type) {
				case *ast.Package, *ast.ImportDecl, *ast.CommentGroup, *ast.Attribute:
				default:
					s.shared = true
					sharedBytes += declSize(d)
				}
				continue
			}
			s.hasScopes = true
			for _, k := range keys {
				s.names = append(s.names, k)
				names[k.name] = true
			}
		}
		scopes += len(s.names)
		totalBytes += len(p.src.data)
	}
	if scopes <= size || !independent(files, names) {
		return nil
	}
	// Shared declarations are evaluated once per batch: keep that below
	// the size of the configuration.
	if totalBytes > 0 && scopes*sharedBytes/totalBytes > size {
		size = scopes * sharedBytes / totalBytes
	}
	plan := &batchPlan{owner: map[scopeKey]int{}, above: above, files: make([]fileBatch, len(files))}
	count := []int{0}
	cur := 0
	for i, s := range scans {
		f := &plan.files[i]
		f.batch, f.shared = -1, s.shared || !s.hasScopes
		if !s.hasScopes {
			continue
		}
		if s.shared {
			f.rest = s.rest
		}
		// A scope declared in several files goes where it was first.
		target := -1
		for _, k := range s.names {
			if j, ok := plan.owner[k]; ok {
				if target >= 0 && target != j {
					return nil
				}
				target = j
			}
		}
		if target < 0 {
			if count[cur] >= size {
				cur++
				count = append(count, 0)
			}
			target = cur
		}
		f.batch = target
		for _, k := range s.names {
			if _, ok := plan.owner[k]; !ok {
				plan.owner[k] = target
				count[target]++
			}
		}
	}
	plan.batches = len(count)
	if plan.batches < 2 {
		return nil
	}
	return plan
}

// declSize is the length of a declaration's source text.
func declSize(d ast.Decl) int {
	p, e := d.Pos(), d.End()
	if !p.IsValid() || !e.IsValid() || e.Offset() < p.Offset() {
		return 0
	}
	return e.Offset() - p.Offset()
}

// scopeDecl classifies a top-level declaration. A scope declaration is a
// regular field `accounts` or `zones` whose value is a struct literal of
// regular fields with literal names, the scopes it declares (keys); any
// other declaration is shared, if batching allows it (ok).
func scopeDecl(d ast.Decl) (keys []scopeKey, isScope, ok bool) {
	switch d := d.(type) {
	case *ast.Package, *ast.ImportDecl, *ast.CommentGroup, *ast.Attribute, *ast.LetClause:
		return nil, false, true
	case *ast.Field:
		if d.Alias != nil {
			return nil, false, false
		}
		var kind string
		switch x := d.Label.(type) {
		case *ast.Ident:
			kind = x.Name // definitions and hidden fields included
		case *ast.BasicLit:
			name, ok := literalLabel(x)
			if !ok {
				return nil, false, false
			}
			kind = name
		default:
			return nil, false, false // a pattern, alias or expression
		}
		if scopeKinds[kind] == "" {
			return nil, false, true
		}
		st, isStruct := d.Value.(*ast.StructLit)
		if d.Constraint != token.ILLEGAL || !isStruct {
			return nil, false, false
		}
		patterns := 0
		for _, e := range st.Elts {
			switch e := e.(type) {
			case *ast.CommentGroup:
			case *ast.Field:
				if e.Alias != nil {
					return nil, false, false
				}
				if _, isPattern := e.Label.(*ast.ListLit); isPattern {
					// A pattern constraint applies to each scope alone.
					patterns++
					continue
				}
				name, ok := literalLabel(e.Label)
				if !ok || e.Constraint != token.ILLEGAL {
					return nil, false, false
				}
				keys = append(keys, scopeKey{kind, name})
			default:
				return nil, false, false
			}
		}
		switch {
		case len(keys) == 0:
			return nil, false, true // patterns, or nothing: shared
		case patterns > 0:
			return nil, false, false
		}
		return keys, true, true
	}
	return nil, false, false
}

// literalLabel returns the name of a regular field's label written as an
// identifier or a string: not a definition, hidden field, alias, pattern
// or expression.
func literalLabel(l ast.Label) (string, bool) {
	switch x := l.(type) {
	case *ast.Ident:
		if strings.HasPrefix(x.Name, "#") || strings.HasPrefix(x.Name, "_") {
			return "", false
		}
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
	default:
		return "", false
	}
	name, _, err := ast.LabelName(l)
	if err != nil {
		return "", false
	}
	return name, true
}

// independent reports whether no expression of the files refers to a
// name that could let one scope see another: `accounts`, `zones`, a scope
// name, `self`, or a predeclared `__` name.
func independent(files []parsed, names map[string]bool) bool {
	ok := true
	for _, p := range files {
		labels := map[*ast.Ident]bool{}
		ast.Walk(p.file, func(n ast.Node) bool {
			if !ok {
				return false
			}
			switch x := n.(type) {
			case *ast.Field:
				if id, isIdent := x.Label.(*ast.Ident); isIdent {
					labels[id] = true
				}
			case *ast.SelectorExpr:
				if id, isIdent := x.Sel.(*ast.Ident); isIdent {
					labels[id] = true
				}
			case *ast.Ident:
				if labels[x] {
					return true
				}
				if scopeKinds[x.Name] != "" || names[x.Name] || x.Name == "self" || strings.HasPrefix(x.Name, "__") {
					ok = false
				}
			}
			return true
		}, nil)
		if !ok {
			return false
		}
	}
	return true
}

// evaluateBatches evaluates the files in the batches of plan. It returns nil
// if a batch cannot be built: the whole evaluation then finds out why.
func (l *Loader) evaluateBatches(files []parsed, plan *batchPlan) *user {
	u := &user{owner: plan.owner, above: plan.above}
	for s := range plan.batches {
		v, ok := l.evaluateBatch(files, plan, s)
		if !ok {
			return nil
		}
		u.batches = append(u.batches, v)
	}
	return u
}

// evaluateBatch evaluates batch s: the files with shared declarations (of
// those that also declare other batches' scopes, the rest alone) and the
// files that declare its scopes.
func (l *Loader) evaluateBatch(files []parsed, plan *batchPlan, s int) (v cue.Value, ok bool) {
	var sub []parsed
	var idx []int
	var swapped []*ast.File
	var saved [][]ast.Decl
	defer func() {
		for i, f := range swapped {
			f.Decls = saved[i]
		}
	}()
	for i, p := range files {
		f := plan.files[i]
		switch {
		case f.batch == s:
		case !f.shared:
			continue
		case f.rest != nil:
			// The file's syntax is shared by the batches (references are
			// bound to it); its declarations are swapped while the batch
			// is compiled.
			swapped, saved = append(swapped, p.file), append(saved, p.file.Decls)
			p.file.Decls = f.rest
		}
		sub, idx = append(sub, p), append(idx, i)
	}
	inst, err := l.instance(sub, idx)
	if err != nil {
		return cue.Value{}, false
	}
	v = l.ctx.BuildInstance(inst)
	return v, v.Err() == nil
}

// instance loads the parsed files as the user's package; idx are their
// indexes among all the files, which name them in the in-memory module.
func (l *Loader) instance(files []parsed, idx []int) (*build.Instance, error) {
	data := make(map[string][]byte, len(files))
	asts := make(map[string]*ast.File, len(files))
	display := make(map[string]string, len(files))
	for j, p := range files {
		v := fmt.Sprintf("%s/f%05d.cue", userDir, idx[j])
		data[v], asts[v], display[v] = p.src.data, p.file, p.src.name
		// The loader parses twice: by the virtual name, then by the name
		// FromFSPath gives; both get the checked syntax tree.
		asts[p.src.name] = p.file
	}
	cfg := l.loadConfig(data, asts, display)
	cfg.Dir = "/" + userDir
	insts := load.Instances([]string{"."}, cfg)
	if err := insts[0].Err; err != nil {
		return nil, err
	}
	return insts[0], nil
}
