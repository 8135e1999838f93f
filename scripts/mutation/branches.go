package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kinds of the branch mutants made here (gremlins names its own).
const (
	guardRemoval = "GUARD_REMOVAL" // if C { leave }  ->  if (C) && false { leave }
	returnFlip   = "RETURN_FLIP"   // return true  <->  return false
)

// mutant is one changed copy of a source file.
type mutant struct {
	File string // path relative to the repository root, slash-separated
	Line int
	Kind string
	Text string // the original source line, trimmed
	// Func is the enclosing function ("name", or "Type.name" for a
	// method; "" outside functions) and Nth counts the mutants of this
	// kind and text in it, from 1 in source order: equivalent.txt can
	// name one `if err != nil {` of several.
	Func string
	Nth  int
	Src  []byte // the whole mutated file
}

// branchMutants makes the branch mutants of every non-test Go file of the
// package in dir (root/rel), subdirectories excluded.
func branchMutants(root, rel string) ([]mutant, error) {
	files, err := filepath.Glob(filepath.Join(root, rel, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []mutant
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		r, err := filepath.Rel(root, f)
		if err != nil {
			return nil, err
		}
		ms, err := fileMutants(filepath.ToSlash(r), src)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

// edit replaces src[from:to] with text.
type edit struct {
	from, to int
	text     string
}

// fileMutants makes the branch mutants of one file.
func fileMutants(name string, src []byte) ([]mutant, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(src), "\n")
	var out []mutant
	add := func(pos token.Pos, kind string, edits ...edit) {
		line := fset.Position(pos).Line
		b := bytes.Clone(src)
		// Apply from the end so earlier offsets stay valid.
		sort.Slice(edits, func(i, j int) bool { return edits[i].from > edits[j].from })
		for _, e := range edits {
			b = append(b[:e.from:e.from], append([]byte(e.text), b[e.to:]...)...)
		}
		m := mutant{File: name, Line: line, Kind: kind, Text: strings.TrimSpace(lines[line-1]), Func: funcAt(f, pos), Src: b}
		for _, o := range out {
			if o.Func == m.Func && o.Kind == m.Kind && o.Text == m.Text {
				m.Nth++
			}
		}
		m.Nth++
		out = append(out, m)
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt:
			if leavesOrCollectsError(n.Body) {
				add(n.Cond.Pos(), guardRemoval,
					edit{off(n.Cond.Pos()), off(n.Cond.Pos()), "("},
					edit{off(n.Cond.End()), off(n.Cond.End()), ") && false"})
			}
		case *ast.ReturnStmt:
			if len(n.Results) == 1 {
				if id, ok := n.Results[0].(*ast.Ident); ok && (id.Name == "true" || id.Name == "false") {
					flip := map[string]string{"true": "false", "false": "true"}[id.Name]
					add(id.Pos(), returnFlip, edit{off(id.Pos()), off(id.End()), flip})
				}
			}
		}
		return true
	})
	return out, nil
}

// funcAt names the function declaration of f that holds pos: "name", or
// "Type.name" for a method; "" when none does.
func funcAt(f *ast.File, pos token.Pos) string {
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || pos < fd.Pos() || pos >= fd.End() {
			continue
		}
		if fd.Recv == nil || len(fd.Recv.List) == 0 {
			return fd.Name.Name
		}
		t := fd.Recv.List[0].Type
		if s, ok := t.(*ast.StarExpr); ok {
			t = s.X
		}
		if g, ok := t.(*ast.IndexExpr); ok {
			t = g.X
		}
		if g, ok := t.(*ast.IndexListExpr); ok {
			t = g.X
		}
		if id, ok := t.(*ast.Ident); ok {
			return id.Name + "." + fd.Name.Name
		}
		return fd.Name.Name
	}
	return ""
}

// leavesOrCollectsError reports whether a block is a guard: it ends by
// leaving (return, break, continue, goto, panic) or it appends an error.
func leavesOrCollectsError(b *ast.BlockStmt) bool {
	if len(b.List) == 0 {
		return false
	}
	switch s := b.List[len(b.List)-1].(type) {
	case *ast.ReturnStmt, *ast.BranchStmt:
		return true
	case *ast.ExprStmt:
		if c, ok := s.X.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "panic" {
				return true
			}
		}
	}
	found := false
	ast.Inspect(b, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "append" && mentionsError(c) {
			found = true
		}
		return true
	})
	return found
}

// mentionsError reports whether an expression names something error-like
// (errs, Error{...}, fmt.Errorf, &ConfigError{...}).
func mentionsError(e ast.Node) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && strings.Contains(strings.ToLower(id.Name), "err") {
			found = true
		}
		return !found
	})
	return found
}

// String is "file:line KIND: text".
func (m mutant) String() string { return fmt.Sprintf("%s:%d %s: %s", m.File, m.Line, m.Kind, m.Text) }
