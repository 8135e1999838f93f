package loader

import (
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/ztsync/ztsync/schema"
)

// languageVersion is the CUE language version user files are parsed with.
const languageVersion = "v0.17.0"

// defaultPackage is the package name given to files when none has one.
const defaultPackage = "config"

// stdPackages are the CUE standard library packages a configuration may
// import: all of them except tool/*, which describe `cue cmd` tasks.
// None of these does I/O.
var stdPackages = map[string]bool{
	"crypto/ed25519": true, "crypto/hmac": true, "crypto/md5": true, "crypto/sha1": true,
	"crypto/sha256": true, "crypto/sha512": true,
	"encoding/base64": true, "encoding/csv": true, "encoding/hex": true, "encoding/json": true,
	"encoding/toml": true, "encoding/yaml": true,
	"html": true, "list": true, "math": true, "math/bits": true, "net": true, "path": true,
	"regexp": true, "strconv": true, "strings": true, "struct": true,
	"text/tabwriter": true, "text/template": true, "time": true, "uuid": true,
}

// refusedAttributes are the attributes that would read files or take
// values from outside the configuration, with the reason given.
var refusedAttributes = map[string]string{
	"extern": "@extern(...) is not allowed: ztsync configurations cannot embed files",
	"embed":  "@embed(...) is not allowed: ztsync configurations cannot embed files",
	"tag":    "@tag(...) is not allowed: ztsync does not inject values into configurations",
	"if":     "@if(...) is not allowed: every file of a ztsync configuration is always loaded",
}

// parsed is one user file after parsing and checking.
type parsed struct {
	src  srcFile
	file *ast.File
	// defaults is set when the file marks a default (*x | y): the fast
	// path's view of such a value may not be the one the schema picks.
	defaults bool
}

// parseFiles parses every file, checks attributes, imports and package
// clauses, and gives every file the same package clause. It returns the
// parsed files and every problem found.
func parseFiles(files []srcFile) ([]parsed, Errors) {
	var problems Errors
	out := make([]parsed, 0, len(files))
	for _, f := range files {
		af, err := parser.ParseFile(f.name, f.data, parser.Version(languageVersion), parser.AllErrors)
		if err != nil {
			problems = append(problems, placeSyntaxErrors(f.name, f.data, syntaxErrors(f.name, err))...)
			continue
		}
		if n := tooDeep(af); n != nil {
			p := n.Pos()
			problems = append(problems, Error{File: f.name, Line: p.Line(), Col: p.Column(),
				Msg: fmt.Sprintf("nested more than %d levels deep; ztsync does not evaluate deeper nesting (a configuration needs about ten)", MaxDepth)})
			continue
		}
		errs, defaults := checkFile(af)
		problems = append(problems, errs...)
		out = append(out, parsed{src: f, file: af, defaults: defaults})
	}
	problems = append(problems, unifyPackages(out)...)
	return out, problems
}

func syntaxErrors(name string, err error) Errors {
	var out Errors
	for _, e := range errors.Errors(err) {
		pos := e.Position()
		format, args := e.Msg()
		x := Error{File: name, Msg: fmt.Sprintf(format, args...)}
		if pos.IsValid() {
			x.Line, x.Col = pos.Line(), pos.Column()
		}
		out = append(out, x)
	}
	if len(out) == 0 {
		out = append(out, Error{File: name, Msg: err.Error()})
	}
	return out
}

// checkFile refuses the attributes and imports that break hermeticity, and
// reports whether the file marks a default.
func checkFile(f *ast.File) (Errors, bool) {
	var out Errors
	defaults := false
	at := func(n ast.Node, msg string) {
		p := n.Pos()
		out = append(out, Error{File: f.Filename, Line: p.Line(), Col: p.Column(), Msg: msg})
	}
	ast.Walk(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.UnaryExpr:
			if x.Op == token.MUL {
				defaults = true
			}
		case *ast.Attribute:
			if msg, ok := refusedAttributes[x.Name()]; ok {
				at(x, msg)
			}
		case *ast.ImportSpec:
			p, err := strconv.Unquote(x.Path.Value)
			if err != nil {
				at(x, fmt.Sprintf("import path %s is not a valid string", x.Path.Value))
				break
			}
			if msg := checkImport(p); msg != "" {
				at(x, msg)
			}
		}
		return true
	}, nil)
	return out, defaults
}

func checkImport(p string) string {
	if p == schema.ImportPath || stdPackages[p] {
		return ""
	}
	allowed := fmt.Sprintf("a ztsync configuration may import only %q and CUE's standard library", schema.ImportPath)
	if p == "tool" || strings.HasPrefix(p, "tool/") {
		return fmt.Sprintf("import %q is not allowed: tool packages are for `cue cmd`; %s", p, allowed)
	}
	return fmt.Sprintf("import %q is not allowed: %s", p, allowed)
}

// unifyPackages checks that the files that have a package clause agree on
// the name, and adds that clause to the files that have none.
func unifyPackages(files []parsed) Errors {
	if e, ok := severalConfigurations(files); ok {
		return Errors{e}
	}
	var out Errors
	name, first := "", ""
	for _, p := range files {
		n := p.file.PackageName()
		if n == "" || n == "_" {
			continue
		}
		if name == "" {
			name, first = n, p.src.name
			continue
		}
		if n != name {
			pos := packagePos(p.file)
			out = append(out, Error{File: p.src.name, Line: pos.Line(), Col: pos.Column(),
				Msg: fmt.Sprintf("package %s differs from package %s in %s; all files of a configuration are one package", n, name, first)})
		}
	}
	if name == "" {
		name = defaultPackage
	}
	for _, p := range files {
		setPackage(p.file, name)
	}
	return out
}

func packagePos(f *ast.File) token.Pos {
	for _, d := range f.Decls {
		if p, ok := d.(*ast.Package); ok {
			return p.Name.Pos()
		}
	}
	return token.NoPos
}

// setPackage gives f the package clause name (replacing "_" or none).
func setPackage(f *ast.File, name string) {
	i := 0
scan:
	for ; i < len(f.Decls); i++ {
		switch d := f.Decls[i].(type) {
		case *ast.Attribute, *ast.CommentGroup:
		case *ast.Package:
			if d.Name.Name != name {
				d.Name = ast.NewIdent(name)
			}
			return
		default:
			break scan
		}
	}
	decls := make([]ast.Decl, 0, len(f.Decls)+1)
	decls = append(decls, f.Decls[:i]...)
	decls = append(decls, &ast.Package{Name: ast.NewIdent(name)})
	f.Decls = append(decls, f.Decls[i:]...)
}

// maxListed is the most directories severalConfigurations names.
const maxListed = 8

// severalConfigurations recognizes a directory that holds more than one
// configuration, such as a repository's root with configurations (or
// examples) in sub-directories: files of different packages in different
// directories. It returns one problem that lists the directories and says
// how to pick one.
func severalConfigurations(files []parsed) (Error, bool) {
	pkgOf := map[string]string{} // directory (slash-separated, relative) -> package
	names := map[string]bool{}
	for _, p := range files {
		n := p.file.PackageName()
		if n == "_" {
			n = ""
		}
		if n != "" {
			names[n] = true
		}
		d := path.Dir(p.src.rel)
		if prev, ok := pkgOf[d]; !ok || prev == "" {
			pkgOf[d] = n
		}
	}
	if len(names) < 2 || len(pkgOf) < 2 {
		return Error{}, false
	}
	dirs := slices.Sorted(maps.Keys(pkgOf))
	var list []string
	for _, d := range dirs {
		if len(list) == maxListed {
			list = append(list, fmt.Sprintf("and %d more", len(dirs)-maxListed))
			break
		}
		pkg := "no package clause"
		if pkgOf[d] != "" {
			pkg = "package " + pkgOf[d]
		}
		list = append(list, fmt.Sprintf("%s (%s)", filepath.FromSlash(d), pkg))
	}
	first := files[0].src
	root := strings.TrimSuffix(first.name, filepath.FromSlash(first.rel))
	root = strings.TrimSuffix(root, string(filepath.Separator))
	if root == "" {
		root = "."
	}
	example := filepath.Join(root, filepath.FromSlash(dirs[0]))
	return Error{File: root, Msg: fmt.Sprintf("this directory holds more than one configuration: files of %d packages in %s. "+
		"ztsync reads every .cue file below the directory as one configuration: point it at one of them (--dir %s)",
		len(names), strings.Join(list, ", "), example)}, true
}
