package loader

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"sort"
	"strings"
	"testing/fstest"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"

	"github.com/ztsync/ztsync/schema"
)

// Layout of the in-memory CUE module a configuration is loaded from.
const (
	schemaDir = "schema"            // the embedded schema, importable as schema.ImportPath
	userDir   = "ztsync-user-files" // the user's files, flattened into one directory
)

// Loader loads and validates configurations against the embedded schema,
// which it compiles once. A Loader is not safe for concurrent use (its CUE
// context is not); use one per goroutine.
type Loader struct {
	ctx    *cue.Context
	pkg    cue.Value // the schema package
	def    cue.Value // #Config
	schema fstest.MapFS
	limits limits
	shape  *shape // the schema's rules in Go, for the fast path (fast.go)
	// stop and memLimit bound evaluation (bounds.go).
	stop     context.Context
	memLimit uint64
	// abandoned is set when a load stopped waiting for its evaluation,
	// which may still be using ctx.
	abandoned bool
	// scopeDefs are #Account and #Zone by scope kind (scopes.go).
	scopeDefs map[string]cue.Value
	// batchScopes, when positive, replaces the constant of that name
	// (batch.go), for tests.
	batchScopes int
}

// Option changes a Loader's settings.
type Option func(*Loader)

// Result is a loaded, valid configuration.
type Result struct {
	// Config is the desired state, decoded from the validated value.
	Config *schema.Config
	// Files are the .cue files read, as display names (the directory as
	// given joined with the path inside it), sorted.
	Files []string

	position func(path ...string) string // see Position
}

// Position returns FILE:LINE:COL of the value at path in the user's files
// (CUE labels: "accounts", "prod", "organization"), or of its nearest
// enclosing value, or "" when none is known. Later stages use it to point
// their own errors at the configuration. It is evaluated on demand and,
// like the Loader, is not safe for concurrent use.
func (r *Result) Position(path ...string) string {
	if r == nil || r.position == nil {
		return ""
	}
	return r.position(path...)
}

// New compiles the embedded schema and returns a Loader.
func New(opts ...Option) (*Loader, error) {
	l := &Loader{
		ctx:      newContext(),
		stop:     context.Background(),
		memLimit: MaxMemory,
		shape:    buildShape(nil),
		schema:   fstest.MapFS{},
		limits:   limits{fileSize: MaxFileSize, files: MaxFiles, totalSize: MaxTotalSize},
	}
	for _, o := range opts {
		o(l)
	}
	err := fs.WalkDir(schema.CUEFiles(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(schema.CUEFiles(), p)
		l.schema[path.Join(schemaDir, p)] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read embedded schema: %w", err)
	}
	insts := load.Instances([]string{"./" + schemaDir}, l.loadConfig(nil, nil, nil))
	if err := insts[0].Err; err != nil {
		return nil, fmt.Errorf("load embedded schema: %w", err)
	}
	v := l.ctx.BuildInstance(insts[0])
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("compile embedded schema: %w", err)
	}
	l.pkg = v
	l.def = v.LookupPath(cue.ParsePath("#Config"))
	if !l.def.Exists() {
		return nil, fmt.Errorf("compile embedded schema: no #Config")
	}
	l.scopeDefs = map[string]cue.Value{}
	for kind, def := range scopeKinds {
		if l.scopeDefs[kind] = v.LookupPath(cue.ParsePath(def)); !l.scopeDefs[kind].Exists() {
			return nil, fmt.Errorf("compile embedded schema: no %s", def)
		}
	}
	return l, nil
}

// LoadDir loads every .cue file under dir (see the package documentation
// for the rules). Problems in the configuration come back as Errors; other
// failures as ordinary errors.
func (l *Loader) LoadDir(dir string) (*Result, error) {
	files, problems, err := readDisk(dir, l.limits)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, sortErrors(problems)
	}
	return l.load(files)
}

// schemaFile is the display name of an embedded schema file.
func schemaFile(name string) string { return schema.ImportPath + "/" + name }

// isSchemaFile reports whether a position's file name is the schema's.
func isSchemaFile(name string) bool { return strings.HasPrefix(name, schema.ImportPath+"/") }

// loadConfig returns the load.Config for the in-memory module holding the
// schema and the given user files (virtual name -> content, parsed AST).
func (l *Loader) loadConfig(data map[string][]byte, asts map[string]*ast.File, display map[string]string) *load.Config {
	mfs := fstest.MapFS{
		"cue.mod/module.cue": {Data: fmt.Appendf(nil, "module: %q\nlanguage: version: %q\n", schema.ModulePath, languageVersion)},
	}
	maps.Copy(mfs, l.schema)
	for p, b := range data {
		mfs[p] = &fstest.MapFile{Data: b}
	}
	return &load.Config{
		FS:  mfs,
		Dir: "/",
		// No registry, no cache, nothing from the host's environment.
		Env: []string{"CUE_REGISTRY=none"},
		ParseFile: func(name string, src any, cfg parser.Config) (*ast.File, error) {
			if f, ok := asts[name]; ok {
				return f, nil
			}
			if f, ok := asts[strings.TrimPrefix(name, "/")]; ok {
				return f, nil
			}
			return parser.ParseFile(name, src, cfg)
		},
		FromFSPath: func(p string) string {
			p = strings.TrimPrefix(p, "/")
			if d, ok := display[p]; ok {
				return d
			}
			if rest, ok := strings.CutPrefix(p, schemaDir+"/"); ok {
				return schemaFile(rest)
			}
			return p
		},
	}
}

// newContext returns the CUE context a Loader evaluates in. It sorts the
// fields of structs by name (CUE_DEBUG=sortfields, a documented debug flag
// that cuecontext.CUE_DEBUG sets for one context) instead of ordering them
// by where they were written: that ordering costs about half a second on
// 8,000 zones written across 1,000 files, and nothing the loader returns
// depends on it (the configuration is decoded into maps; problems are
// sorted by position). Should a CUE release drop the flag, CUE_DEBUG
// panics and the loader uses the default context.
func newContext() (ctx *cue.Context) {
	defer func() {
		if recover() != nil {
			ctx = cuecontext.New()
		}
	}()
	return cuecontext.New(cuecontext.CUE_DEBUG("sortfields"))
}

// load parses, checks, evaluates and decodes the user's files, within the
// Loader's bounds (bounds.go).
func (l *Loader) load(files []srcFile) (*Result, error) {
	return l.bounded(func() (*Result, error) { return l.loadVia(files, false) })
}

// loadVia is load; fullOnly skips the fast path (fast.go) and batches
// (batch.go), for tests.
func (l *Loader) loadVia(files []srcFile, fullOnly bool) (res *Result, err error) {
	defer func() {
		// CUE is not supposed to panic on any input; if it does, the
		// user gets an error, not a crash.
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("evaluate configuration: internal error in CUE: %v", r)
		}
	}()
	pf, names, defaults, err := l.parse(files)
	if err != nil {
		return nil, err
	}
	if !fullOnly {
		if plan := planBatches(pf, l.batchSize()); plan != nil {
			if u := l.evaluateBatches(pf, plan); u != nil {
				c, done, _, err := l.scoped(u, defaults)
				switch {
				case done && err != nil:
					return nil, err
				case done:
					return l.result(c, names, u)
				}
			}
			// Whatever the batches could not settle, the whole value does.
		}
	}
	raw, err := l.evaluate(pf)
	if err != nil {
		return nil, err
	}
	u := wholeUser(raw)
	var suspect *finding
	if !fullOnly {
		c, done, f, err := l.scoped(u, defaults)
		switch {
		case done && err != nil:
			return nil, err
		case done:
			return l.result(c, names, u)
		case !defaults:
			suspect = f
		}
	}
	c, err := l.full(raw)
	switch {
	case err != nil:
		return nil, err
	case suspect != nil:
		return nil, Errors{inconsistency(suspect, u)}
	}
	return l.result(c, names, u)
}

// batchSize is the number of scopes a batch holds (batch.go).
func (l *Loader) batchSize() int {
	if l.batchScopes > 0 {
		return l.batchScopes
	}
	return batchScopes
}

// build parses and checks the user's files and evaluates them on their
// own, whole. It returns the value, the files' display names, sorted, and
// whether a file marks a default.
func (l *Loader) build(files []srcFile) (raw cue.Value, names []string, defaults bool, err error) {
	pf, names, defaults, err := l.parse(files)
	if err != nil {
		return cue.Value{}, nil, false, err
	}
	raw, err = l.evaluate(pf)
	return raw, names, defaults, err
}

// parse parses and checks the user's files. It returns them, their
// display names, sorted, and whether a file marks a default.
func (l *Loader) parse(files []srcFile) (parsedFiles []parsed, names []string, defaults bool, err error) {
	parsedFiles, problems := parseFiles(files)
	if len(problems) > 0 {
		return nil, nil, false, sortErrors(problems)
	}
	names = make([]string, 0, len(parsedFiles))
	for _, p := range parsedFiles {
		names = append(names, p.src.name)
		defaults = defaults || p.defaults
	}
	sort.Strings(names)
	return parsedFiles, names, defaults, nil
}

// evaluate evaluates the parsed files whole.
func (l *Loader) evaluate(files []parsed) (cue.Value, error) {
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	inst, err := l.instance(files, idx)
	if err != nil {
		return cue.Value{}, sortErrors(l.fromCUE(err, cue.Value{}))
	}
	return l.ctx.BuildInstance(inst), nil
}

// full unifies the user's value with #Config, explains every problem, and
// decodes the configuration.
func (l *Loader) full(raw cue.Value) (*schema.Config, error) {
	// Unify raw first: error paths are then relative to the root.
	v := raw.Unify(l.def)
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return nil, sortErrors(l.diagnose(err, wholeUser(raw)))
	}

	b, err := v.MarshalJSON()
	if err != nil {
		return nil, sortErrors(l.diagnose(err, wholeUser(raw)))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var c schema.Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decode validated configuration: %w", err)
	}
	return &c, nil
}

// result checks that no two names of a kind share an id and returns the
// configuration.
func (l *Loader) result(c *schema.Config, names []string, raw *user) (*Result, error) {
	if dups := duplicateIDs(configIDs(c), raw); len(dups) > 0 {
		return nil, sortErrors(dups)
	}
	position := func(path ...string) string {
		if p := nearestUserPos(raw, path); p.IsValid() {
			return posString(p)
		}
		return ""
	}
	return &Result{Config: c, Files: names, position: position}, nil
}

// inconsistency reports a value the fast path's rules refused although
// the schema accepts the configuration: a bug in those rules, never a
// reason to accept.
func inconsistency(f *finding, raw *user) Error {
	return errorAt(nearestUserPos(raw, f.labels), formatPath(f.labels, nil),
		f.msg+" (ztsync's own check refuses this although the schema accepts it: a bug in ztsync, please report it)")
}
